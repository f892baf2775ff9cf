"""Screening over a real HTTP server and the CLI: POST /v1/screening, GET/POST /v1/lists,
payee verification in POST /v1/addressing/resolve, `lintas screen`, `lintas lists`,
`lintas resolve --name`.

The hub loads a small FollowTheMoney list given in its configuration.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import typer
from e2ekit import free_port, lintas  # type: ignore[import-not-found]
from typer.testing import CliRunner

from lintas.bootstrap import Hub, HubConfig
from lintas.entrypoints.api.app import LintasApp
from lintas.entrypoints.cli_screening import lists_app, screen
from lintas.entrypoints.server import ServerThread

UN_LIST = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "sanctions"
    / "un-sc-consolidated-2020-11-24.xml"
)
FTM_LINES: Final = [
    {
        "id": "NK-1",
        "schema": "Person",
        "datasets": ["test_list"],
        "last_change": "2024-03-01T10:00:00",
        "properties": {"name": ["Umar Patek"], "alias": ["Omar Patek"], "nationality": ["id"]},
    },
    {
        "id": "NK-2",
        "schema": "Organization",
        "datasets": ["test_list"],
        "properties": {"name": ["Jemaah Islamiyah"]},
    },
]


@dataclass
class Server:
    url: str
    app: LintasApp
    http: httpx.Client
    keys: dict[str, str]

    @property
    def hub(self) -> Hub:
        assert self.app.hub is not None
        return self.app.hub

    def headers(self, participant: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[participant]}"}

    def a_psp(self) -> str:
        return self.hub.region.countries[0].psps[0].id


@pytest.fixture(scope="module")
def ftm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lists") / "test.ftm.json"
    path.write_text("\n".join(json.dumps(x) for x in FTM_LINES) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, ftm_file: Path) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("screening-http") / "hub.db"
    app = LintasApp(HubConfig(db_path=db, customers_per_country=50, sanctions_lists=(ftm_file,)))
    hub_thread = ServerThread(app.config, port=free_port(), app=app).start()
    try:
        with httpx.Client(base_url=hub_thread.url, timeout=30) as http:
            listed = http.get("/v1/sandbox/keys").json()["keys"]
            yield Server(hub_thread.url, app, http, {k["participant"]: k["apiKey"] for k in listed})
    finally:
        hub_thread.stop()


def _cli() -> typer.Typer:
    cli = typer.Typer()
    cli.command("screen")(screen)
    cli.add_typer(lists_app, name="lists")
    return cli


def _invoke(server: Server, *args: str) -> Any:
    return CliRunner().invoke(_cli(), [*args, "--server", server.url], env={"COLUMNS": "200"})


def test_screening_a_listed_name_answers_hits_best_first_with_score_and_explanation(
    server: Server,
) -> None:
    r = server.http.post(
        "/v1/screening",
        json={"name": "PATEK, Omar", "country": "ID"},
        headers=server.headers(server.a_psp()),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    hit = body["hits"][0]
    assert (hit["list"], hit["entryId"]) == ("test_list", "NK-1")
    assert hit["matchedName"] == "Omar Patek" and 0.9 <= hit["score"] <= 1.0
    assert any("reordered" in line for line in hit["explanation"])
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_screening_an_unlisted_name_answers_no_hits(server: Server) -> None:
    r = server.http.post(
        "/v1/screening", json={"name": "Somchai Bunma"}, headers=server.headers(server.a_psp())
    )
    assert r.status_code == 200 and r.json()["hits"] == []


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"name": ""}, 422, "name_refused"),
        ({"name": "x" * 400}, 422, "name_refused"),
        ({"name": "Omar", "limit": 0}, 422, "limit_out_of_range"),
        ({"name": "Omar", "threshold": 1.5}, 422, "threshold_out_of_range"),
        ({"name": "Omar", "colour": "red"}, 422, "body_invalid"),
    ],
)
def test_bad_screening_requests_are_refused_with_a_clear_reason(
    server: Server, body: dict[str, Any], status: int, reason: str
) -> None:
    r = server.http.post("/v1/screening", json=body, headers=server.headers(server.a_psp()))
    assert r.status_code == status, r.text
    assert r.json()["reason"] == reason


def test_screening_needs_a_key(server: Server) -> None:
    assert server.http.post("/v1/screening", json={"name": "Omar"}).status_code == 401


def test_the_list_status_shows_each_lists_date_and_entry_counts(server: Server) -> None:
    r = server.http.get("/v1/lists", headers=server.headers(server.a_psp()))
    assert r.status_code == 200, r.text
    (listed,) = [x for x in r.json()["lists"] if x["name"] == "test_list"]
    assert listed["asOf"] == "2024-03-01"
    assert (listed["entryCount"], listed["personCount"], listed["organisationCount"]) == (2, 1, 1)


def test_only_the_operator_loads_a_list_and_a_missing_file_is_refused(
    server: Server, ftm_file: Path
) -> None:
    psp = server.http.post(
        "/v1/lists", json={"path": str(ftm_file)}, headers=server.headers(server.a_psp())
    )
    assert psp.status_code == 403 and psp.json()["reason"] == "operator_only"
    missing = server.http.post(
        "/v1/lists", json={"path": "/nonexistent/list.xml"}, headers=server.headers("OPERATOR")
    )
    assert missing.status_code == 404 and missing.json()["reason"] == "list_file_missing"
    refused = server.http.post(
        "/v1/lists", json={"path": str(ftm_file.parent)}, headers=server.headers("OPERATOR")
    )
    assert refused.status_code == 422 and refused.json()["reason"] == "list_refused"


@pytest.mark.skipif(not UN_LIST.exists(), reason=f"the UN list is not at {UN_LIST}")
def test_lintas_lists_load_puts_the_un_list_in_force_and_lintas_screen_finds_its_entries(
    server: Server,
) -> None:
    loaded = _invoke(server, "lists", "load", str(UN_LIST), "--json")
    assert loaded.exit_code == 0, loaded.output
    status = json.loads(loaded.output)
    assert status["asOf"] == "2020-11-24" and status["entryCount"] > 1000
    shown = _invoke(server, "lists", "status")
    assert shown.exit_code == 0 and "2020-11-24" in shown.output and "test_list" in shown.output
    found = _invoke(server, "screen", "ABU BAKAR BA'ASYIR", "--country", "ID", "--json")
    assert found.exit_code == 3, found.output  # 3: something matched.
    assert json.loads(found.output)["hits"][0]["entryId"] == "QDi.217"
    clean = _invoke(server, "screen", "Somchai Bunma")
    assert clean.exit_code == 0 and "no hit" in clean.output


def test_lintas_screen_prints_a_table_of_hits(server: Server) -> None:
    result = _invoke(server, "screen", "Umar Patek")
    assert result.exit_code == 3, result.output
    assert "NK-1" in result.output and "Umar Patek" in result.output


def test_resolve_with_the_expected_name_answers_the_payee_verification(server: Server) -> None:
    customer = server.hub.region.customers_of("TH")[0]
    address_type, value = customer.proxies[0]

    def resolve(name: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"country": "TH", "addressType": address_type, "value": value}
        if name is not None:
            body["expectedName"] = name
        r = server.http.post(
            "/v1/addressing/resolve", json=body, headers=server.headers(server.a_psp())
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    assert resolve(customer.name_latin)["verification"] == "MTCH"
    close = resolve(customer.name_latin.split()[0])
    assert close["verification"] in ("CMTC", "NMTC")
    if close["verification"] == "CMTC":
        assert close["verificationName"] == close["displayName"]
    assert resolve("Golden Harvest Investment Ltd")["verification"] == "NMTC"
    plain = resolve(None)
    assert plain["verification"] is None and plain["verificationName"] is None


def test_lintas_resolve_with_a_name_prints_the_payee_check(server: Server) -> None:
    customer = server.hub.region.customers_of("TH")[0]
    address_type, value = customer.proxies[0]
    result = lintas(
        "resolve",
        "--country",
        "TH",
        "--type",
        address_type,
        "--value",
        value,
        "--name",
        "Golden Harvest Investment Ltd",
        server=server.url,
    )
    assert result.returncode == 0, result.stderr
    assert "payee check NMTC" in result.stdout
