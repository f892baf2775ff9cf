"""The SQLite store on a real file: migrations, restart, recovery, timeouts, reconciliation."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from testkit import (  # type: ignore[import-not-found]
    accounts_snapshot,
    assert_ledgers_balance,
    get_quote,
    open_hub,
    payment_request,
    psp_of,
    received_payment,
    richest,
    run,
)

from lintas.adapters.sqlite import rows
from lintas.adapters.sqlite.migrations import MIGRATIONS, migrate
from lintas.adapters.sqlite.store import SqliteStore, StoreConfig
from lintas.bootstrap import Hub
from lintas.domain import settlement
from lintas.domain.errors import ReasonCode
from lintas.domain.ledger import CreateTransferResult, InvariantBroken, Transfer, TransferFlags
from lintas.domain.payment import Payment, PaymentStatus, transition
from lintas.ports.clock import SystemClock
from lintas.ports.store import WriteCommand

#: How long a test waits at most for the writer to act on an expiry.
EXPIRY_WAIT_S_MAX = 10.0


def _reserve_without_posting(hub: Hub, timeout_s: int) -> Payment:
    """Drive the writer directly: reserve an SG -> TH payment's legs and never post them."""
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "100.00")
    payment = received_payment(quote, debtor, creditor, "SG", "TH", hub.clock.now())
    chain = settlement.payment_legs(payment, timeout_s).reserve_chain()

    def decide(results: Sequence[CreateTransferResult]) -> Payment:
        return transition(payment, PaymentStatus.RESERVED, hub.clock.now())

    outcome = hub.store.submit(WriteCommand(transfers=chain, decide=decide)).result(timeout=30)
    assert outcome.transfer_results == (CreateTransferResult.ok,) * len(chain)
    assert outcome.payment is not None and outcome.payment.status is PaymentStatus.RESERVED
    stored = hub.store.payment(payment.uetr)
    assert stored is not None and stored.status is PaymentStatus.RESERVED
    return stored


def _wait_for_status(hub: Hub, uetr: str, status: PaymentStatus) -> Payment:
    deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
    while True:
        payment = hub.store.payment(uetr)
        assert payment is not None
        if payment.status is status or time.monotonic() > deadline:
            return payment
        time.sleep(0.05)


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


def test_a_fresh_hub_is_seeded_and_every_ledger_balances_from_the_start(hub: Hub) -> None:
    balances = hub.store.ledger_balances()
    assert {b.country for b in balances} == {c.code for c in hub.region.countries}
    assert all(b.debits_posted > 0 for b in balances)
    assert_ledgers_balance(hub)


def test_reserved_legs_that_are_never_posted_time_out_and_the_payment_is_rejected_ab03(
    tmp_path: Path,
) -> None:
    hub = open_hub(tmp_path / "hub.db", payment_timeout_s=1)
    try:
        # Quote first (it writes a row), then compare balances around the reservation only.
        debtor = richest(hub, "SG")
        get_quote(hub, debtor, "TH", "1.00")
        before = accounts_snapshot(tmp_path / "hub.db")
        reserved = _reserve_without_posting(hub, timeout_s=1)
        debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
        held = hub.store.account_balance(debtor_id)
        assert held is not None and held.debits_pending == reserved.amount_debited.minor

        final = _wait_for_status(hub, reserved.uetr, PaymentStatus.REJECTED)

        assert final.status is PaymentStatus.REJECTED
        assert final.reason is ReasonCode.AB03
        assert accounts_snapshot(tmp_path / "hub.db") == before
        transfers = hub.store.transfers_of(reserved.uetr)
        assert not any(t.flags & TransferFlags.POST_PENDING_TRANSFER for t in transfers)
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_restart_restores_the_ledger_and_recover_voids_a_reserved_payment_ab04(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    hub = open_hub(db)
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
        settled_request = payment_request(get_quote(hub, debtor, "TH", "25.00"), debtor, creditor)
        settled = run(hub.payments.submit(settled_request, psp_of(debtor)))
        assert settled.status is PaymentStatus.SETTLED
        before_reserve = accounts_snapshot(db)
        reserved = _reserve_without_posting(hub, timeout_s=settlement.PAYMENT_TIMEOUT_S_DEFAULT)
        balances_at_close = hub.store.ledger_balances()
        rows_at_close = accounts_snapshot(db)
    finally:
        hub.close()

    hub = open_hub(db)
    try:
        assert hub.store.ledger_balances() == balances_at_close
        assert accounts_snapshot(db) == rows_at_close
        debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
        in_memory = hub.store.in_memory_account(debtor_id)
        on_disk = hub.store.account_balance(debtor_id)
        assert in_memory is not None and on_disk is not None
        assert (in_memory.debits_pending, in_memory.debits_posted, in_memory.credits_posted) == (
            on_disk.debits_pending,
            on_disk.debits_posted,
            on_disk.credits_posted,
        )
        assert in_memory.debits_pending == reserved.amount_debited.minor

        run(hub.start())

        assert hub.recovered == 1
        voided = hub.store.payment(reserved.uetr)
        assert voided is not None
        assert voided.status is PaymentStatus.REJECTED and voided.reason is ReasonCode.AB04
        assert accounts_snapshot(db) == before_reserve
        assert run(hub.payments.recover()) == 0
        # The payment settled before the restart is still settled, and a retry moves nothing.
        again = run(hub.payments.submit(settled_request, psp_of(debtor)))
        assert again == settled
        assert accounts_snapshot(db) == before_reserve
        assert_ledgers_balance(hub)
    finally:
        hub.close()


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


def test_a_hub_refuses_to_open_on_a_store_whose_ledger_does_not_balance(tmp_path: Path) -> None:
    db = _tampered_store(tmp_path, _tamper_add_one)
    with pytest.raises(InvariantBroken):
        open_hub(db)


def test_a_hub_refuses_to_open_on_a_store_whose_balances_disagree_with_its_transfers(
    tmp_path: Path,
) -> None:
    db = _tampered_store(tmp_path, _tamper_move_one)
    with pytest.raises(InvariantBroken):
        open_hub(db).close()


def test_a_refused_transfer_retried_after_a_restart_gets_its_original_refusal(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    hub = open_hub(db)
    try:
        poor = min(hub.region.customers_of("SG"), key=lambda c: c.opening_balance.minor)
        rich = max(hub.region.customers_of("SG"), key=lambda c: c.opening_balance.minor)
        poor_id = settlement.customer_account_id("SG", poor.psp_id, poor.account)
        rich_id = settlement.customer_account_id("SG", rich.psp_id, rich.account)
        too_much = Transfer(
            id=424242,
            debit_account_id=poor_id,
            credit_account_id=rich_id,
            amount=poor.opening_balance.minor + 1,
            ledger=settlement.ledger_id("SG"),
            code=settlement.TransferCode.PRINCIPAL,
        )
        first = hub.store.submit(WriteCommand(transfers=[too_much])).result()
        assert first.transfer_results == (CreateTransferResult.exceeds_credits,)
    finally:
        hub.close()
    hub = open_hub(db)
    try:
        # Fund the account so that the same transfer would now succeed if it were re-evaluated.
        funding = Transfer(
            id=434343,
            debit_account_id=rich_id,
            credit_account_id=poor_id,
            amount=too_much.amount,
            ledger=settlement.ledger_id("SG"),
            code=settlement.TransferCode.PRINCIPAL,
        )
        assert hub.store.submit(WriteCommand(transfers=[funding])).result().transfer_results == (
            CreateTransferResult.ok,
        )
        retry = hub.store.submit(WriteCommand(transfers=[too_much])).result()
        assert retry.transfer_results == (CreateTransferResult.exceeds_credits,)
        assert_ledgers_balance(hub)
    finally:
        hub.close()


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
