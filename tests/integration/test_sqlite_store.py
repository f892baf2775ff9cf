"""The SQLite store on a real file: migrations, restart, recovery, timeouts, reconciliation."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from testkit import (  # type: ignore[import-not-found]
    assert_ledgers_balance,
    get_quote,
    open_hub,
    payment_request,
    psp_of,
    received_payment,
    richest,
    run,
)

from lintas.adapters import rows
from lintas.adapters.sqlite import store as store_module
from lintas.adapters.sqlite.migrations import MIGRATIONS, migrate
from lintas.adapters.sqlite.store import SqliteStore, StoreConfig
from lintas.domain import settlement
from lintas.domain.ledger import Account, CreateTransferResult, Transfer
from lintas.domain.payment import Payment, PaymentStatus, transition
from lintas.ports.clock import SystemClock
from lintas.ports.store import WriteCommand


def test_migrations_are_applied_once_recorded_and_reopening_applies_none(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    open_hub(db).close()
    conn = sqlite3.connect(db)
    try:
        recorded = conn.execute(
            "SELECT version, name, applied_at_ns FROM schema_migrations ORDER BY version"
        ).fetchall()
        assert [(v, n) for v, n, _ in recorded] == [(v, n) for v, n, _ in MIGRATIONS]
        assert migrate(conn) == []
    finally:
        conn.close()
    open_hub(db).close()
    conn = sqlite3.connect(db)
    try:
        again = conn.execute(
            "SELECT version, name, applied_at_ns FROM schema_migrations ORDER BY version"
        ).fetchall()
    finally:
        conn.close()
    assert again == recorded


def _tamper_add_one(conn: sqlite3.Connection, a: bytes, b: bytes) -> None:
    conn.execute("UPDATE accounts SET credits_posted = credits_posted + 1 WHERE id = ?", (a,))


def _tamper_move_one(conn: sqlite3.Connection, a: bytes, b: bytes) -> None:
    # The ledger's totals still balance: only the replay of the transfers can tell.
    conn.execute("UPDATE accounts SET credits_posted = credits_posted + 1 WHERE id = ?", (a,))
    conn.execute("UPDATE accounts SET credits_posted = credits_posted - 1 WHERE id = ?", (b,))


@pytest.mark.parametrize("tamper", [_tamper_add_one, _tamper_move_one])
def test_reconciliation_detects_a_balance_changed_behind_the_ledgers_back(
    tmp_path: Path, tamper: object
) -> None:
    db = _tampered_store(tmp_path, tamper)

    reader = SqliteStore(StoreConfig(path=db), SystemClock())
    try:
        balances = {b.country: b for b in reader.ledger_balances()}
    finally:
        reader.close()

    assert not balances["SG"].balanced
    assert balances["SG"].flag_violations >= 1
    assert all(b.balanced for country, b in balances.items() if country != "SG")


def _tampered_store(tmp_path: Path, tamper: object) -> Path:
    db = tmp_path / "hub.db"
    hub = open_hub(db)
    rich, other = richest(hub, "SG"), hub.region.customers_of("SG")[0]
    hub.close()
    a = rows.id_blob(settlement.customer_account_id("SG", rich.psp_id, rich.account))
    b = rows.id_blob(settlement.customer_account_id("SG", other.psp_id, other.account))
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert callable(tamper)
        tamper(conn, a, b)
    finally:
        conn.close()
    return db


def test_a_chained_step_is_applied_in_the_same_batch_and_only_the_last_payment_is_kept(
    tmp_path: Path,
) -> None:
    hub = open_hub(tmp_path / "hub.db")
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
        quote = get_quote(hub, debtor, "TH", "100.00")
        payment = received_payment(quote, debtor, creditor, "SG", "TH", hub.clock.now())
        legs = settlement.payment_legs(payment)
        chain = legs.reserve_chain()
        seen: list[PaymentStatus] = []

        def reserved(results: Sequence[CreateTransferResult]) -> Payment:
            return transition(payment, PaymentStatus.RESERVED, hub.clock.now())

        def post(after: Payment) -> WriteCommand:
            seen.append(after.status)

            def settled(results: Sequence[CreateTransferResult]) -> Payment:
                return transition(after, PaymentStatus.SETTLED, hub.clock.now())

            return WriteCommand(transfers=legs.post_chain(), decide=settled, then=lambda p: None)

        batches = hub.store.stats.batches
        outcome = hub.store.submit(
            WriteCommand(transfers=chain, decide=reserved, then=post)
        ).result(timeout=30)
        assert seen == [PaymentStatus.RESERVED]
        assert outcome.transfer_results == (CreateTransferResult.ok,) * (2 * len(chain))
        assert outcome.payment is not None and outcome.payment.status is PaymentStatus.SETTLED
        # Reserved and posted in one transaction; only the final record was written.
        assert hub.store.stats.batches - batches <= 1
        stored = hub.store.payment(payment.uetr)
        assert stored is not None and stored.status is PaymentStatus.SETTLED
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_payment_is_reserved_and_posted_in_one_trip_through_the_writer(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db")
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "MY")
        quote = get_quote(hub, debtor, "MY", "25.00")
        commands = hub.store.stats.commands
        payment = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
        assert payment.status is PaymentStatus.SETTLED
        assert hub.store.stats.commands - commands == 1
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def _wal_bytes_max_under_steady_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wal_restart_frames: int
) -> tuple[int, SqliteStore]:
    """Four threads commit one transfer at a time for 3,000 transfers, with a checkpoint
    every 5 ms; the largest size the WAL file reached."""

    monkeypatch.setattr(store_module, "CHECKPOINT_INTERVAL_S", 0.005)
    db = tmp_path / "wal.db"
    store = SqliteStore(StoreConfig(path=db, wal_restart_frames=wal_restart_frames), SystemClock())
    store.open()
    sizes: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.005):
            with contextlib.suppress(FileNotFoundError):  # Not yet created.
                sizes.append(db.with_name("wal.db-wal").stat().st_size)

    try:
        store.submit(WriteCommand(accounts=[Account(1, 1, 1), Account(2, 1, 1)])).result()
        ids = iter(range(100, 3100))
        lock = threading.Lock()

        def pay() -> None:
            while True:
                with lock:
                    tid = next(ids, None)
                if tid is None:
                    return
                command = WriteCommand(transfers=[Transfer(tid, 1, 2, 1, 1, 1)])
                assert store.submit(command).result().transfer_results == (CreateTransferResult.ok,)

        watcher = threading.Thread(target=watch)
        watcher.start()
        payers = [threading.Thread(target=pay) for _ in range(4)]
        for t in payers:
            t.start()
        for t in payers:
            t.join()
        done.set()
        watcher.join()
    finally:
        store.close()
    return max(sizes), store


def test_the_wal_starts_over_under_a_steady_stream_of_commits_instead_of_growing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 32 frames of 4 KiB pages: about 130 KiB before the writer lets the WAL start over.
    largest, store = _wal_bytes_max_under_steady_writes(tmp_path, monkeypatch, 32)
    assert store.wal_restarts >= 3
    assert largest <= 1024 * 1024, largest
