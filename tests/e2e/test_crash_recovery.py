"""Kill the hub (SIGKILL) in the middle of a load, restart it on the same store (a SQLite file,
then a PostgreSQL database), and show that nothing answered is lost, nothing is left half done
and nothing is applied twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2ekit import (  # type: ignore[import-not-found]
    bearer,
    free_port,
    lintas,
    payment_body,
    serve,
    sg_to_th_quote_id,
    stop_serving,
    wait_until_up,
)

from lintas.domain.ledger import TransferFlags
from pgkit import connection, fresh_database  # type: ignore[import-not-found]

PAYMENTS = 300
THREADS = 16
#: Answers to wait for before the kill: well into the load, well before its end.
KILL_AFTER_ANSWERS = 60


def _prepare(url: str) -> list[tuple[str, dict[str, Any]]]:
    """(key, payment body) for every payment, each with its own fresh quote."""
    with httpx.Client(base_url=url, timeout=30.0) as http:
        keys = {k["participant"]: k["apiKey"] for k in http.get("/v1/sandbox/keys").json()["keys"]}

        def customers(country: str) -> list[dict[str, Any]]:
            r = http.get("/v1/sandbox/customers", params={"country": country, "limit": 200})
            return list(r.json()["customers"])

        debtors = sorted(
            customers("SG"),
            key=lambda c: -int(c["openingBalance"]["amount"].replace(".", "")),
        )[:40]
        creditors = customers("TH")
        work = []
        for i in range(PAYMENTS):
            debtor, creditor = debtors[i % len(debtors)], creditors[i % len(creditors)]
            key = keys[debtor["agent"]]
            work.append((key, payment_body(debtor, creditor, sg_to_th_quote_id(http, key))))
        return work


def _transfers_of(db: str, uetr: str) -> list[tuple[bytes, int, bytes | None]]:
    """(id, flags, pending id) of ``uetr``'s transfers, read from the store behind the hub."""
    if db.startswith("postgresql://"):
        with connection(db) as conn:
            query = "SELECT id, flags, pending_id FROM transfers WHERE user_data = %s"
            return [(bytes(i), f, p and bytes(p)) for i, f, p in conn.execute(query, (uetr,))]
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        query = "SELECT id, flags, pending_id FROM transfers WHERE user_data = ?"
        return list(conn.execute(query, (uetr,)))


@contextmanager
def _store(kind: str, tmp_path: Path) -> Iterator[str]:
    """What ``--db`` names for ``kind``: a file, or a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield str(tmp_path / "hub.db")
        return
    with fresh_database() as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_hub_killed_mid_load_restarts_with_every_answer_kept_and_nothing_half_done(
    kind: str, tmp_path: Path
) -> None:
    with _store(kind, tmp_path) as db:
        _kill_mid_load_and_check(db, tmp_path / "hub.log")


def _kill_mid_load_and_check(db: str, log: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = serve(db, port, log)
    try:
        wait_until_up(proc, url)
        work = _prepare(url)
        sent: list[str] = []
        answered: dict[str, str] = {}
        lock = threading.Lock()
        enough = threading.Event()
        next_index = iter(range(PAYMENTS))

        def worker() -> None:
            with httpx.Client(base_url=url, timeout=30.0) as http:
                while True:
                    with lock:
                        i = next(next_index, None)
                        if i is None:
                            return
                        key, body = work[i]
                        sent.append(body["uetr"])
                    try:
                        r = http.post("/v1/payments", json=body, headers=bearer(key))
                    except httpx.HTTPError:
                        continue  # Sent, no answer: it may or may not have been accepted.
                    if r.status_code == 200:
                        with lock:
                            answered[body["uetr"]] = r.json()["status"]
                            if len(answered) >= KILL_AFTER_ANSWERS:
                                enough.set()

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        assert enough.wait(timeout=120), "the load never got going"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        assert len(answered) < PAYMENTS, "the kill came after the load: nothing was in flight"
        assert set(answered.values()) <= {"ACCC", "RJCT"}

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = serve(db, port, log)
        wait_until_up(proc, url)

        with httpx.Client(base_url=url, timeout=30.0) as http:
            operator = http.get("/v1/sandbox/keys").json()["keys"]
            op_key = next(k["apiKey"] for k in operator if k["role"] == "operator")
            final: dict[str, str | None] = {}
            for uetr in sent:
                r = http.get(f"/v1/payments/{uetr}", headers=bearer(op_key))
                assert r.status_code in (200, 404), r.text
                final[uetr] = r.json()["status"] if r.status_code == 200 else None
            reconciliation = http.get("/v1/reconciliation").json()

        # Every answer survived the crash, unchanged.
        for uetr, status in answered.items():
            assert final[uetr] == status, uetr
        # Nothing is left half done: final, or never accepted (404).
        assert set(final.values()) <= {"ACCC", "RJCT", None}, Counter(final.values())
        assert Counter(final.values())["ACCC"] >= 1
        # Every ledger balances, over HTTP and through the CLI.
        assert reconciliation["balanced"] is True, reconciliation
        assert lintas("reconcile", server=url).returncode == 0

        # Nothing applied twice: each pending transfer has exactly one resolution.
        for uetr, status in final.items():
            if status is None:
                continue
            transfers = _transfers_of(db, uetr)
            pending = {t[0] for t in transfers if t[1] & TransferFlags.PENDING}
            posts = Counter(t[2] for t in transfers if t[1] & TransferFlags.POST_PENDING_TRANSFER)
            voids = Counter(t[2] for t in transfers if t[1] & TransferFlags.VOID_PENDING_TRANSFER)
            if status == "ACCC":
                assert pending, uetr
                assert posts == Counter(pending), uetr
                assert not voids, uetr
            else:
                assert not posts, uetr
                assert all(n == 1 for n in voids.values()), uetr
                assert set(voids) <= pending, uetr
    finally:
        stop_serving(proc)
