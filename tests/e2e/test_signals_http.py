"""The scam-signal exchange and the public check over a real HTTP server, and the CLI.

``SignalsApp`` is the shipped app with the public check's rate limit set for a quick test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from e2ekit import free_port  # type: ignore[import-not-found]
from typer.testing import CliRunner

from lintas.bootstrap import HubConfig
from lintas.entrypoints.api.app import LintasApp
from lintas.entrypoints.api.http import Router
from lintas.entrypoints.api.routes_signals import (
    TokenBuckets,
    build_signal_routes,
)
from lintas.entrypoints.api.taxii import build_taxii_routes
from lintas.entrypoints.cli_signals import check, signals_app
from lintas.entrypoints.server import ServerThread
from pgkit import fresh_database  # type: ignore[import-not-found]


class SignalsApp(LintasApp):
    """The shipped app, with the public check's rate limit tuned for the tests."""

    async def startup(self) -> None:
        await super().startup()
        assert self.hub is not None and self._router is not None
        # The shipped routes, with the public check's buckets set for a quick rate-limit test.
        service = self.hub.signals
        buckets = TokenBuckets(burst=30, rate_per_s=0.5)
        ours = ("/v1/signals", "/v1/check", "/taxii2")
        self._router = Router(
            [r for r in self.routes if not r.path.startswith(ours)]
            + build_signal_routes(self.hub, service, buckets)
            + build_taxii_routes(self.hub, service)
        )


@dataclass
class Hub:
    url: str
    http: httpx.Client
    keys: dict[str, str]
    app: SignalsApp

    def as_(self, participant: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[participant]}"}


def serve(db: Path) -> Iterator[Hub]:
    app = SignalsApp(HubConfig(db_path=db, customers_per_country=50))
    hub_thread = ServerThread(app.config, port=free_port(), app=app).start()
    try:
        with httpx.Client(base_url=hub_thread.url, timeout=30) as http:
            listed = http.get("/v1/sandbox/keys").json()["keys"]
            yield Hub(hub_thread.url, http, {k["participant"]: k["apiKey"] for k in listed}, app)
    finally:
        hub_thread.stop()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    yield from serve(tmp_path_factory.mktemp("signals-http") / "hub.db")


TH_PSP, SG_PSP, FXP = "CHPYTHBK", "MRLNSGSG", "ANDMSGSG"


def _psps(hub: Hub) -> None:
    assert {TH_PSP, SG_PSP, FXP, "OPERATOR"} <= set(hub.keys), sorted(hub.keys)


def report(hub: Hub, who: str, **body: Any) -> httpx.Response:
    payload = {
        "type": "phone",
        "value": "0812345678",
        "country": "TH",
        "abuse": "investment_scam",
        "confidence": 80,
        **body,
    }
    return hub.http.post("/v1/signals", json=payload, headers=hub.as_(who))


def test_the_shipped_app_serves_the_signal_routes(hub: Hub) -> None:
    served = {(r.method, r.path) for r in hub.app.routes}
    assert {("GET", "/v1/check"), ("POST", "/v1/signals")} <= served


def test_a_report_is_found_by_another_participant_whichever_way_the_number_is_written(
    hub: Hub,
) -> None:
    _psps(hub)
    created = report(hub, TH_PSP, value="0899999991")
    assert created.status_code == 201, created.text
    assert created.json()["value"] == "+66899999991"
    found = hub.http.get(
        "/v1/signals/lookup",
        params={"type": "phone", "value": "+66 89-999-9991"},
        headers=hub.as_(SG_PSP),
    )
    assert found.status_code == 200, found.text
    assert (found.json()["activeReports"], found.json()["sources"]) == (1, 1)


def test_what_each_kind_of_participant_sees_over_http_follows_tlp(hub: Hub) -> None:
    for i, tlp in enumerate(["red", "amber+strict", "amber", "green", "clear"]):
        assert report(hub, TH_PSP, value=f"089888888{i}", tlp=tlp).status_code == 201

    def seen(who: str | None) -> list[str]:
        tlps = []
        for i in range(5):
            params = {"type": "phone", "value": f"+6689888888{i}"}
            if who is None:
                r = hub.http.get("/v1/check", params=params)
                tlps.append(str(r.json()["reported"]))
            else:
                r = hub.http.get("/v1/signals/lookup", params=params, headers=hub.as_(who))
                tlps += [s["tlp"] for s in r.json()["signals"]]
        return tlps

    assert seen(TH_PSP) == ["red", "amber+strict", "amber", "green", "clear"]
    assert seen(SG_PSP) == ["amber", "green", "clear"]
    assert seen("OPERATOR") == ["amber", "green", "clear"]
    assert seen(FXP) == ["green", "clear"]
    assert seen(None) == ["False", "False", "False", "False", "True"]


def test_another_participant_may_not_withdraw_a_signal_but_its_source_may(hub: Hub) -> None:
    sid = report(hub, TH_PSP, value="0877777771").json()["id"]
    refused = hub.http.patch(
        f"/v1/signals/{sid}", json={"status": "withdrawn"}, headers=hub.as_(SG_PSP)
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    done = hub.http.patch(
        f"/v1/signals/{sid}", json={"status": "withdrawn"}, headers=hub.as_(TH_PSP)
    )
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"type": "fax"}, 422, "signal_type_unknown"),
        ({"value": "12"}, 422, "phone_value_malformed"),
        ({"confidence": 101}, 422, "confidence_out_of_range"),
        ({"tlp": "purple"}, 422, "tlp_unknown"),
        ({"surprise": 1}, 422, "body_invalid"),
    ],
)
def test_bad_input_is_refused_with_a_typed_problem_and_changes_nothing(
    hub: Hub, body: dict[str, Any], status: int, reason: str
) -> None:
    before = hub.http.get("/v1/signals/stix", params={"limit": 5000}, headers=hub.as_(TH_PSP))
    answer = report(hub, TH_PSP, **body)
    assert (answer.status_code, answer.json()["reason"]) == (status, reason), answer.text
    after = hub.http.get("/v1/signals/stix", params={"limit": 5000}, headers=hub.as_(TH_PSP))
    assert len(after.json()["objects"]) == len(before.json()["objects"])


def test_an_oversized_or_invalid_bundle_is_refused(hub: Hub) -> None:
    big = hub.http.post(
        "/v1/signals/stix", content=b"{" + b" " * 300_000 + b"}", headers=hub.as_(TH_PSP)
    )
    assert big.status_code == 413
    bad = hub.http.post(
        "/v1/signals/stix",
        content=b'{"type":"bundle","objects":[{"type":1}]}',
        headers=hub.as_(TH_PSP),
    )
    assert (bad.status_code, bad.json()["reason"]) == (422, "stix_invalid")


def test_a_stix_bundle_exported_by_one_participant_imports_at_another(hub: Hub) -> None:
    report(hub, TH_PSP, type="domain", value="Refund-Help.example", tlp="green", country=None)
    bundle = hub.http.get("/v1/signals/stix", headers=hub.as_(SG_PSP))
    assert bundle.headers["content-type"].startswith("application/stix+json")
    imported = hub.http.post(
        "/v1/signals/stix", content=bundle.content, headers=hub.as_("OPERATOR")
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["received"] >= 1


def test_the_public_check_answers_in_thai_without_naming_the_reporter(hub: Hub) -> None:
    report(hub, TH_PSP, value="0866666661", tlp="clear")
    r = hub.http.get(
        "/v1/check",
        params={"type": "phone", "value": "0866666661", "country": "TH"},
        headers={"accept-language": "th"},
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["reported"] and answer["language"] == "th" and "ธนาคาร" in answer["advice"]
    assert TH_PSP not in r.text and "CHPY" not in r.text and "investment" not in r.text


def test_the_cli_check_says_what_to_do_next(hub: Hub) -> None:
    cli = typer.Typer()
    cli.command()(check)
    unreported = CliRunner().invoke(
        cli, ["phone", "+66 86-666-6662", "--lang", "vi", "--server", hub.url]
    )
    assert unreported.exit_code == 0, unreported.output
    report(hub, TH_PSP, value="0866666662", tlp="clear")
    result = CliRunner().invoke(
        cli, ["phone", "+66 86-666-6662", "--lang", "vi", "--server", hub.url]
    )
    assert result.exit_code == 2, result.output
    assert "lừa đảo" in result.output


def test_the_cli_reports_looks_up_and_withdraws(hub: Hub) -> None:
    runner = CliRunner()
    made = runner.invoke(
        signals_app,
        [
            "report",
            "qr",
            "id-1122334455",
            "--abuse",
            "shopping_scam",
            "--as",
            SG_PSP,
            "--server",
            hub.url,
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    sid = __import__("json").loads(made.output)["id"]
    looked = runner.invoke(
        signals_app, ["lookup", "qr", "ID1122334455", "--as", TH_PSP, "--server", hub.url]
    )
    assert "1 active report(s)" in looked.output, looked.output
    gone = runner.invoke(signals_app, ["withdraw", sid, "--as", SG_PSP, "--server", hub.url])
    assert gone.exit_code == 0, gone.output


def test_the_public_check_is_rate_limited_per_client(hub: Hub) -> None:
    codes = [
        hub.http.get("/v1/check", params={"type": "domain", "value": "a.example"}).status_code
        for _ in range(40)
    ]
    assert 429 in codes and codes[0] == 200
    limited = hub.http.get("/v1/check", params={"type": "domain", "value": "a.example"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


@contextmanager
def _signals_db(kind: str, tmp_path: Path) -> Iterator[str]:
    """What ``--db`` names for ``kind``: the hub's SQLite file, or a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield str(tmp_path / "hub.db")
        return
    with fresh_database() as url:
        yield url


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_cli_imports_json_lines_and_refuses_a_file_with_one_bad_line(
    kind: str, tmp_path: Path
) -> None:
    with _signals_db(kind, tmp_path) as db:
        _import_then_export(db, tmp_path)


def _import_then_export(db: str, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(
        '{"type":"phone","value":"0812345678","country":"TH","abuse":"job_scam","confidence":70}\n'
        '{"type":"email","value":"Pay@Refund.example","abuse":"phishing","confidence":90}\n'
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + '{"type":"fax","value":"1","abuse":"other","confidence":1}\n')
    runner = CliRunner()
    refused = runner.invoke(signals_app, ["import", str(bad), "--db", db])
    assert refused.exit_code == 1 and "signal_type_unknown" in refused.output
    imported = runner.invoke(signals_app, ["import", str(good), "--db", db, "--json"])
    assert imported.exit_code == 0, imported.output
    assert '"changed": 2' in imported.output
    bundle = tmp_path / "out.json"
    exported = runner.invoke(signals_app, ["export", "-o", str(bundle), "--db", db])
    assert exported.exit_code == 0 and "2 signal(s)" in exported.output
    again = runner.invoke(signals_app, ["import", str(bundle), "--db", db, "--json"])
    assert again.exit_code == 0 and '"changed": 0' in again.output, again.output


def test_the_cli_refuses_a_malformed_postgres_url_for_signals() -> None:
    result = CliRunner().invoke(signals_app, ["export", "-o", "x.json", "--db", "postgresql://:x"])
    assert result.exit_code == 2 and "--db" in result.output


def test_the_cli_says_plainly_when_the_signals_database_does_not_answer(tmp_path: Path) -> None:
    bundle = tmp_path / "out.json"
    url = "postgresql://nobody@127.0.0.1:1/nowhere"
    result = CliRunner().invoke(signals_app, ["export", "-o", str(bundle), "--db", url])
    assert result.exit_code == 1, result.output
    assert "refused store_unreachable" in result.output and "Traceback" not in result.output
    assert not bundle.exists()
