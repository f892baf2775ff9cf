"""A hub whose ledger keeps few transfers in memory answers exactly as one that keeps all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from testkit import (  # type: ignore[import-not-found]
    assert_ledgers_balance,
    get_quote,
    open_hub,
    payment_request,
    psp_of,
    richest,
    run,
)

from lintas.domain import settlement
from lintas.domain.ledger import CreateTransferResult, PendingState, Transfer
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.store import WriteCommand

R = CreateTransferResult


def legs_of(payment: Payment) -> list[Transfer]:
    return settlement.payment_legs(payment).pending


#: Far fewer than one payment's transfers times the payments below: most are evicted.
KEEP = 8


def test_old_transfers_are_evicted_and_read_back_exactly_across_a_restart(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    hub = open_hub(db, transfers_in_memory_max=KEEP)
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "PH")
        requests = [
            payment_request(get_quote(hub, debtor, "PH", "12.50"), debtor, creditor)
            for _ in range(5)
        ]
        first = [run(hub.payments.submit(r, psp_of(debtor))) for r in requests]
        assert all(p.status is PaymentStatus.SETTLED for p in first)
        # The writer evicts right after answering a batch: allow the last payment's transfers.
        assert hub.store._ledger.transfers_in_memory() <= KEEP + 2 * len(legs_of(first[-1]))
        assert hub.store.stats.transfers_evicted > 0
        # The oldest payment's transfers left memory; replaying its legs changes nothing.
        legs = settlement.payment_legs(first[0])
        replay = hub.store.submit(WriteCommand(transfers=legs.reserve_chain())).result(30)
        assert replay.transfer_results[0] is R.exists
        repost = hub.store.submit(WriteCommand(transfers=legs.voids()[:1])).result(30)
        assert repost.transfer_results == (R.pending_transfer_already_posted,)
        assert_ledgers_balance(hub)
    finally:
        hub.close()

    hub = open_hub(db, transfers_in_memory_max=KEEP)
    try:
        assert hub.store._ledger.transfers_in_memory() <= KEEP
        # A retried submission is answered with the stored payment, nothing moves twice.
        before = hub.store.ledger_balances()
        again = run(hub.payments.submit(requests[1], psp_of(debtor)))
        assert again.status is PaymentStatus.SETTLED and again.uetr == first[1].uetr
        assert hub.store.ledger_balances() == before
        pending_id = settlement.payment_legs(first[2]).pending[0].id
        assert hub.store._ledger.pending_state(pending_id) is PendingState.posted
        # And new payments still settle.
        fresh = payment_request(get_quote(hub, debtor, "PH", "3.00"), debtor, creditor)
        assert run(hub.payments.submit(fresh, psp_of(debtor))).status is PaymentStatus.SETTLED
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_restart_keeps_an_old_live_reservation_in_memory_and_the_clock_moves_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    hub = open_hub(db, transfers_in_memory_max=KEEP)
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "PH")
        request = payment_request(get_quote(hub, debtor, "PH", "7.00"), debtor, creditor)
        # Reserved and never posted: older than everything after it, yet live.
        reserved = settlement.payment_legs(hub.payments._accept(request, psp_of(debtor)), 3600)
        done = hub.store.submit(WriteCommand(transfers=reserved.reserve_chain())).result(30)
        assert set(done.transfer_results) == {R.ok}
        for _ in range(4):
            later = payment_request(get_quote(hub, debtor, "PH", "2.00"), debtor, creditor)
            assert run(hub.payments.submit(later, psp_of(debtor))).status is PaymentStatus.SETTLED
        latest_ns = max(r[0] for r in _timestamps(db))
    finally:
        hub.close()

    hub = open_hub(db, transfers_in_memory_max=KEEP)
    try:
        ledger = hub.store._ledger
        for t in reserved.pending:
            assert ledger.pending_state(t.id) is PendingState.pending
        posted = hub.store.submit(WriteCommand(transfers=reserved.post_chain())).result(30)
        assert set(posted.transfer_results) == {R.ok}
        # The posts are stamped after everything stored before the restart.
        assert len([r for r in _timestamps(db) if r[0] > latest_ns]) == len(reserved.pending)
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def _timestamps(db: Path) -> list[tuple[int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT timestamp_ns FROM transfers").fetchall()
