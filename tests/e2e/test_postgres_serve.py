"""``lintas serve --db postgresql://...`` as a real process: pay, recall the payment and report
a scam signal over HTTP, stop, start again; nothing is written to a SQLite file.

The database is fresh and dropped afterwards (``pgkit.fresh_database``); without a server the
test skips (fails in CI).
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from e2ekit import (  # type: ignore[import-not-found]
    LINTAS,
    bearer,
    free_port,
    payment_body,
    richest_customer,
    sg_to_th_quote_id,
    stop_serving,
    wait_until_up,
)

import isokit
from isokit import assert_valid
from lintas.codecs import iso20022 as iso
from lintas.domain.money import parse_amount
from lintas.entrypoints.api.taxii import COLLECTION_ID, TAXII_MEDIA_TYPE
from lintas.services.iso_gateway import HUB_BIC
from pgkit import connection, fresh_database  # type: ignore[import-not-found]

PACS_008: Final = iso.MessageId("pacs.008.001.13")
TAXII_OBJECTS: Final = f"/taxii2/signals/collections/{COLLECTION_ID}/objects/"


def _serve(db: str, port: int, cwd: Path) -> subprocess.Popen[bytes]:
    """``lintas serve`` on ``db``, run in ``cwd`` (where a SQLite file would appear, if written)."""
    log = cwd / "hub.log"
    command = [str(LINTAS), "serve", "--db", db, "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)


def _quoted_payments(http: httpx.Client, count: int) -> list[tuple[str, dict[str, Any]]]:
    """(debtor PSP's key, payment body) for ``count`` SG -> TH payments, each quoted."""
    keys = {k["participant"]: k["apiKey"] for k in http.get("/v1/sandbox/keys").json()["keys"]}
    debtor, creditor = richest_customer(http, "SG"), richest_customer(http, "TH")
    key = keys[debtor["agent"]]
    work = []
    for _ in range(count):
        work.append((key, payment_body(debtor, creditor, sg_to_th_quote_id(http, key))))
    return work


def _recall(http: httpx.Client, key: str, paid: dict[str, Any]) -> iso.RecallResolution:
    """The debtor agent's camt.056 for the payment ``paid``, and the hub's camt.029."""
    agent = paid["debtor"]["agent"]
    target = parse_amount(paid["interbankTarget"]["amount"], paid["interbankTarget"]["currency"])
    now = datetime.now(UTC)
    recall = iso.RecallRequest(
        case=iso.CaseAssignment("A-1", now, agent, HUB_BIC, "CASE-PG", agent),
        cancellation_id="CXL-PG",
        original=iso.OriginalReference("M-1", PACS_008, None, paid["uetr"]),
        original_settlement_amount=target,
        original_settlement_date=None,
        reason=iso.RecallReason("FRAD"),
    )
    r = http.post(
        "/v1/iso20022/camt.056",
        content=isokit.encoded(recall, agent, now, "B-PG"),
        headers={**bearer(key), "content-type": "application/xml"},
    )
    assert r.status_code == 200, r.text
    resolution = assert_valid(r.content).message
    assert isinstance(resolution, iso.RecallResolution), resolution
    return resolution


def _report_signal(http: httpx.Client, key: str) -> dict[str, Any]:
    r = http.post(
        "/v1/signals",
        json={
            "type": "phone",
            "value": "0812345678",
            "country": "TH",
            "abuse": "investment_scam",
            "confidence": 80,
            "tlp": "green",
        },
        headers=bearer(key),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _taxii_ids(http: httpx.Client, key: str) -> list[str]:
    r = http.get(TAXII_OBJECTS, headers={**bearer(key), "accept": TAXII_MEDIA_TYPE})
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()["objects"]]


def _reconciliation_balances(http: httpx.Client) -> list[dict[str, object]]:
    r = http.get("/v1/reconciliation")
    assert r.status_code == 200, r.text
    assert r.json()["balanced"] is True, r.text
    return list(r.json()["ledgers"])


def test_lintas_serve_on_postgres_pays_recalls_and_reports_over_http_and_keeps_it_all(
    tmp_path: Path,
) -> None:
    with fresh_database() as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _serve(url, port, tmp_path)
        try:
            wait_until_up(proc, base)
            with httpx.Client(base_url=base, timeout=30.0) as http:
                [(key, body)] = _quoted_payments(http, 1)

                paid = http.post("/v1/payments", json=body, headers=bearer(key))
                again = http.post("/v1/payments", json=body, headers=bearer(key))

                assert paid.status_code == 200, paid.text
                assert paid.json()["status"] == "ACCC"
                assert again.status_code == 200 and again.json() == paid.json()
                # The sandbox answers the recall at once: accepted, and the payment returned.
                resolution = _recall(http, key, paid.json())
                assert resolution.status is iso.ResolutionStatus.ACCEPTED, resolution
                signal_made = _report_signal(http, key)
                taxii = _taxii_ids(http, key)
                assert len(taxii) == 1 and signal_made["id"] in taxii[0]
                ledgers = _reconciliation_balances(http)
        finally:
            stop_serving(proc)
        # Recall cases, returns and scam signals are in PostgreSQL; no SQLite file anywhere.
        with connection(url) as conn:
            for table, rows in (("recall_cases", 1), ("payment_returns", 1), ("scam_signals", 1)):
                found = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                assert found == (rows,), table
        assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.log"]

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _serve(url, port, tmp_path)
        try:
            wait_until_up(proc, base)
            with httpx.Client(base_url=base, timeout=30.0) as http:
                status = http.get(f"/v1/payments/{body['uetr']}", headers=bearer(key))
                assert status.status_code == 200, status.text
                assert status.json()["status"] == "ACCC"
                kept = http.get(f"/v1/signals/{signal_made['id']}", headers=bearer(key))
                assert kept.status_code == 200 and kept.json() == signal_made, kept.text
                # A resent camt.056 gets the recorded answer (in a new message): the case
                # was kept.
                resent = _recall(http, key, paid.json())
                same = ("original", "status", "rejection_reason")
                assert [getattr(resent, f) for f in same] == [getattr(resolution, f) for f in same]
                assert _reconciliation_balances(http) == ledgers
        finally:
            stop_serving(proc)
        assert "Traceback" not in (tmp_path / "hub.log").read_text()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.log"]


@pytest.mark.parametrize(
    "command", [["serve", "--port", "1"], ["demo", "--once"]], ids=["serve", "demo"]
)
def test_a_malformed_postgres_url_is_refused_before_the_hub_starts(
    tmp_path: Path, command: list[str]
) -> None:
    done = subprocess.run(
        [str(LINTAS), command[0], "--db", "postgresql://host/db?nonsense=1", *command[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "--db" in done.stderr and "nonsense" in done.stderr


def test_lintas_demo_runs_on_postgres_and_writes_no_sqlite_file(tmp_path: Path) -> None:
    with fresh_database() as url:
        port = str(free_port())
        done = subprocess.run(
            [str(LINTAS), "demo", "--db", url, "--once", "--payments", "12", "--port", port],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "postgresql://" in done.stdout and "Traceback" not in done.stderr
        with connection(url) as conn:
            paid = conn.execute("SELECT count(*) FROM payments").fetchone()
        assert paid is not None and paid[0] >= 12
    assert list(tmp_path.iterdir()) == []
