"""Evicting finished transfers from memory changes no answer (``Ledger.evict``)."""

from __future__ import annotations

import pytest
from test_ledger import NOW, R, S, make_ledger, tr  # type: ignore[import-not-found]
from test_ledger_stateful import DrainedArchive  # type: ignore[import-not-found]

from lintas.domain.ledger import (
    EXPIRIES_COMPACT_MIN,
    InvariantBroken,
    Ledger,
    PendingState,
    TransferFlags,
)

P = TransferFlags.PENDING
POST = TransferFlags.POST_PENDING_TRANSFER
VOID = TransferFlags.VOID_PENDING_TRANSFER


def archived_ledger() -> tuple[Ledger, DrainedArchive]:
    archive = DrainedArchive()
    return make_ledger(archive), archive


def drain_and_evict(ledger: Ledger, archive: DrainedArchive, keep: int = 0) -> int:
    archive.keep(ledger.drain_changes())
    return ledger.evict(keep)


def test_evicted_transfers_leave_memory_and_retries_still_get_the_exact_answer() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(10, flags=P, timeout_s=60), tr(11)], NOW) == [R.ok] * 2
    assert ledger.create_transfers([tr(12, flags=POST, pending_id=10, amount=0)], NOW) == [R.ok]
    assert drain_and_evict(ledger, archive) == 3
    assert ledger.transfers_in_memory() == 0
    loads = archive.loads
    assert ledger.create_transfers([tr(11)], NOW + 1) == [R.exists]
    assert ledger.create_transfers([tr(11, amount=5)], NOW + 2) == [R.exists_with_different_amount]
    assert ledger.create_transfers([tr(12, flags=POST, pending_id=10, amount=0)], NOW + 3) == [
        R.exists
    ]
    assert ledger.create_transfers([tr(13, flags=VOID, pending_id=10)], NOW + 4) == [
        R.pending_transfer_already_posted
    ]
    assert ledger.pending_state(10) is PendingState.posted
    assert archive.loads > loads
    ledger.check_invariants()


def test_a_live_pending_transfer_is_never_evicted_and_can_still_be_posted() -> None:
    ledger, archive = archived_ledger()
    assert (
        ledger.create_transfers([tr(20, flags=P, timeout_s=60), tr(21), tr(22)], NOW) == [R.ok] * 3
    )
    assert drain_and_evict(ledger, archive) == 2
    assert ledger.transfers_in_memory() == 1
    assert ledger.create_transfers([tr(23, flags=POST, pending_id=20)], NOW + S) == [R.ok]
    account = ledger.account(2)
    assert account is not None and account.credits_posted == 300
    ledger.check_invariants()


def test_an_expired_pending_transfer_is_answered_as_expired_after_eviction() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(30, flags=P, timeout_s=1)], NOW) == [R.ok]
    assert [t.id for t in ledger.expire_pending(NOW + 2 * S)] == [30]
    assert drain_and_evict(ledger, archive) == 1
    assert ledger.create_transfers([tr(31, flags=POST, pending_id=30)], NOW + 3 * S) == [
        R.pending_transfer_expired
    ]


def test_a_new_id_below_the_eviction_horizon_is_looked_up_and_then_created() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(40), tr(45)], NOW) == [R.ok, R.ok]
    drain_and_evict(ledger, archive)
    assert ledger.eviction_horizon() == 45
    loads = archive.loads
    assert ledger.create_transfers([tr(41)], NOW + 1) == [R.ok]  # Never stored: new.
    assert archive.loads == loads + 2, "one read for a transfer, one for a refusal"
    assert ledger.create_transfers([tr(46)], NOW + 2) == [R.ok]  # Above: no read at all.
    assert archive.loads == loads + 2
    ledger.check_invariants()


def test_the_eviction_horizon_only_rises_and_counts_every_eviction() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(90), tr(60, dr=3, amount=5)], NOW) == [
        R.ok,
        R.exceeds_credits,
    ]
    drain_and_evict(ledger, archive)
    assert (ledger.eviction_horizon(), ledger.transfers_evicted()) == (90, 2)
    assert ledger.create_transfers([tr(70)], NOW + 1) == [R.ok]
    drain_and_evict(ledger, archive)
    assert (ledger.eviction_horizon(), ledger.transfers_evicted()) == (90, 3)


def test_a_restored_ledger_reads_back_what_lies_at_or_below_its_horizon() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(10), tr(11, dr=3, amount=5)], NOW) == [
        R.ok,
        R.exceeds_credits,
    ]
    archive.keep(ledger.drain_changes())
    accounts = [a for a in (ledger.account(i) for i in (1, 2, 3, 4, 9)) if a is not None]
    restored = Ledger(archive)
    restored.restore(accounts, [], {}, horizon=11)
    assert restored.transfers_in_memory() == restored.refusals_in_memory() == 0
    assert restored.create_transfers([tr(10)], NOW + 1) == [R.exists]
    assert restored.create_transfers([tr(11, dr=3, amount=5)], NOW + 2) == [R.exceeds_credits]
    assert restored.create_transfers([tr(11, amount=5)], NOW + 3) == [R.id_already_failed]
    restored.check_invariants()


def test_an_archive_that_says_an_evicted_pending_transfer_is_live_breaks_an_invariant() -> None:
    ledger, archive = archived_ledger()
    assert (
        ledger.create_transfers([tr(50, flags=P), tr(51, flags=VOID, pending_id=50)], NOW)
        == [R.ok] * 2
    )
    drain_and_evict(ledger, archive)
    del archive.resolved_by[50]  # The archive lost the void: it now says "pending".
    with pytest.raises(InvariantBroken):
        ledger.create_transfers([tr(52, flags=POST, pending_id=50)], NOW + 1)


def test_evicted_refusals_leave_memory_and_a_retry_still_gets_the_original_refusal() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(60, dr=3, amount=5)], NOW) == [R.exceeds_credits]
    drain_and_evict(ledger, archive)
    assert ledger.refusals_in_memory() == 0
    # Now possible, yet a retry with the same content gets the refusal it got first.
    assert ledger.create_transfers([tr(1, dr=2, cr=3, amount=50)], NOW + 1) == [R.ok]
    loads = archive.loads
    assert ledger.create_transfers([tr(60, dr=3, amount=5)], NOW + 2) == [R.exceeds_credits]
    assert archive.loads > loads
    drain_and_evict(ledger, archive)
    assert ledger.create_transfers([tr(60, amount=5)], NOW + 3) == [R.id_already_failed]
    account = ledger.account(3)
    assert account is not None and account.credits_posted == 50
    ledger.check_invariants()


def test_eviction_keeps_the_newest_refusals_in_memory() -> None:
    ledger, archive = archived_ledger()
    refused = [tr(70 + i, dr=3, amount=5) for i in range(3)]
    assert ledger.create_transfers(refused, NOW) == [R.exceeds_credits] * 3
    drain_and_evict(ledger, archive, keep=1)
    assert ledger.refusals_in_memory() == 1
    loads = archive.loads
    assert ledger.create_transfers([tr(72, dr=3, amount=5)], NOW + 1) == [R.exceeds_credits]
    assert archive.loads == loads, "the newest refusal is answered from memory"
    assert ledger.create_transfers([tr(70, dr=3, amount=5)], NOW + 2) == [R.exceeds_credits]
    assert archive.loads > loads


def test_an_archive_that_gives_another_refusal_than_asked_for_breaks_an_invariant() -> None:
    ledger, archive = archived_ledger()
    assert ledger.create_transfers([tr(80, dr=3, amount=5)], NOW) == [R.exceeds_credits]
    drain_and_evict(ledger, archive)
    archive.refused[80] = (tr(81, dr=3, amount=5), R.exceeds_credits)  # A corrupt archive.
    with pytest.raises(InvariantBroken):
        ledger.create_transfers([tr(80, dr=3, amount=5)], NOW + 1)


def test_expiry_entries_of_posted_transfers_are_dropped_once_there_are_many() -> None:
    ledger = make_ledger()
    count = EXPIRIES_COMPACT_MIN + 10
    for i in range(count):
        tid = 1000 + 2 * i
        pending, post = tr(tid, flags=P, timeout_s=60), tr(tid + 1, flags=POST, pending_id=tid)
        assert ledger.create_transfers([pending, post], NOW + i) == [R.ok, R.ok]
    live = tr(10, flags=P, timeout_s=1)
    assert ledger.create_transfers([live], NOW + count) == [R.ok]
    assert len(ledger._expiries) == count + 1
    ledger.drain_changes()
    assert [pid for _, pid in ledger._expiries] == [10]
    assert [t.id for t in ledger.expire_pending(NOW + 10 * S)] == [10]
    ledger.check_invariants()
