"""The ledger's rules, one test per sentence (see the docstring of lintas.domain.ledger)."""

from __future__ import annotations

import pytest

from lintas.domain.ledger import (
    TRANSFER_BATCH_MAX,
    Account,
    AccountFlags,
    BatchTooLargeError,
    CreateAccountResult,
    CreateTransferResult,
    InvariantBroken,
    Ledger,
    LedgerTotals,
    PendingState,
    Transfer,
    TransferArchive,
    TransferFlags,
)

R = CreateTransferResult
L = 702  # one ledger: SGD on the Singapore IPS
NOW = 1_700_000_000_000_000_000
S = 1_000_000_000


def make_ledger(archive: TransferArchive | None = None) -> Ledger:
    ledger = Ledger(archive)
    results = ledger.create_accounts(
        [
            Account(id=1, ledger=L, code=1),
            Account(id=2, ledger=L, code=1),
            Account(id=3, ledger=L, code=1, flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
            Account(id=4, ledger=L, code=1, flags=AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            Account(id=9, ledger=458, code=1),
        ]
    )
    assert results == [CreateAccountResult.ok] * 5
    return ledger


def tr(
    tid: int,
    dr: int = 1,
    cr: int = 2,
    amount: int = 100,
    flags: TransferFlags = TransferFlags.NONE,
    pending_id: int = 0,
    timeout_s: int = 0,
    ledger: int = L,
    user_data: str = "",
) -> Transfer:
    return Transfer(
        id=tid,
        debit_account_id=dr,
        credit_account_id=cr,
        amount=amount,
        ledger=ledger,
        code=1,
        flags=flags,
        pending_id=pending_id,
        timeout_s=timeout_s,
        user_data=user_data,
    )


def post(tid: int, pending_id: int, amount: int = 0) -> Transfer:
    return Transfer(
        id=tid,
        debit_account_id=0,
        credit_account_id=0,
        amount=amount,
        ledger=0,
        code=0,
        flags=TransferFlags.POST_PENDING_TRANSFER,
        pending_id=pending_id,
    )


def void(tid: int, pending_id: int) -> Transfer:
    return Transfer(
        id=tid,
        debit_account_id=0,
        credit_account_id=0,
        amount=0,
        ledger=0,
        code=0,
        flags=TransferFlags.VOID_PENDING_TRANSFER,
        pending_id=pending_id,
    )


def balances(ledger: Ledger, account_id: int) -> tuple[int, int, int, int]:
    a = ledger.account(account_id)
    assert a is not None
    return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)


def test_a_simple_transfer_moves_the_amount_and_keeps_the_ledger_balanced() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10)], NOW) == [R.ok]
    assert balances(ledger, 1) == (0, 100, 0, 0)
    assert balances(ledger, 2) == (0, 0, 0, 100)
    assert ledger.totals()[L] == LedgerTotals(0, 100, 0, 100)
    ledger.check_invariants()


def test_results_are_aligned_one_to_one_with_the_input() -> None:
    ledger = make_ledger()
    results = ledger.create_transfers([tr(10), tr(0), tr(11, cr=1), tr(12, cr=77)], NOW)
    assert results == [
        R.ok,
        R.id_must_not_be_zero,
        R.accounts_must_be_different,
        R.credit_account_not_found,
    ]


def test_a_linked_chain_that_fails_is_rolled_back_entirely() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(1, dr=2, cr=3, amount=50)], NOW) == [R.ok]
    chain = [
        tr(10, amount=5, flags=TransferFlags.LINKED),
        tr(11, amount=7, flags=TransferFlags.PENDING | TransferFlags.LINKED),
        tr(12, dr=3, cr=1, amount=51),  # exceeds the 50 credited to account 3
    ]
    before = {a: balances(ledger, a) for a in (1, 2, 3)}
    assert ledger.create_transfers(chain, NOW + 1) == [
        R.linked_event_failed,
        R.linked_event_failed,
        R.exceeds_credits,
    ]
    assert {a: balances(ledger, a) for a in (1, 2, 3)} == before
    assert ledger.transfer(10) is None and ledger.transfer(11) is None
    assert ledger.pending_state(11) is None
    ledger.check_invariants()


def test_a_linked_chain_rolls_back_the_post_of_an_earlier_member() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=TransferFlags.PENDING)], NOW) == [R.ok]
    chain = [
        Transfer(
            id=11,
            debit_account_id=0,
            credit_account_id=0,
            amount=0,
            ledger=0,
            code=0,
            flags=TransferFlags.POST_PENDING_TRANSFER | TransferFlags.LINKED,
            pending_id=10,
        ),
        tr(12, dr=1, cr=1),
    ]
    assert ledger.create_transfers(chain, NOW + 1) == [
        R.linked_event_failed,
        R.accounts_must_be_different,
    ]
    assert ledger.pending_state(10) is PendingState.pending
    assert balances(ledger, 1) == (100, 0, 0, 0)
    ledger.check_invariants()


def test_members_after_the_failing_one_in_a_chain_report_linked_event_failed() -> None:
    ledger = make_ledger()
    chain = [
        tr(10, cr=1, flags=TransferFlags.LINKED),
        tr(11, flags=TransferFlags.LINKED),
        tr(12),
        tr(13),
    ]
    assert ledger.create_transfers(chain, NOW) == [
        R.accounts_must_be_different,
        R.linked_event_failed,
        R.linked_event_failed,
        R.ok,
    ]
    assert ledger.transfer(11) is None and ledger.transfer(13) is not None


def test_a_linked_chain_that_succeeds_applies_every_member() -> None:
    ledger = make_ledger()
    chain = [tr(10, flags=TransferFlags.LINKED), tr(11, dr=2, cr=1, amount=30)]
    assert ledger.create_transfers(chain, NOW) == [R.ok, R.ok]
    assert balances(ledger, 1) == (0, 100, 0, 30)


def test_a_chain_left_open_at_the_end_of_the_batch_reports_chain_open_for_every_member() -> None:
    ledger = make_ledger()
    batch = [tr(9), tr(10, flags=TransferFlags.LINKED), tr(11, flags=TransferFlags.LINKED)]
    assert ledger.create_transfers(batch, NOW) == [
        R.ok,
        R.linked_event_chain_open,
        R.linked_event_chain_open,
    ]
    assert ledger.transfer(10) is None and ledger.transfer(11) is None
    assert balances(ledger, 1) == (0, 100, 0, 0)


def test_a_retry_with_the_same_id_and_content_returns_exists_and_changes_nothing() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10)], NOW) == [R.ok]
    ledger.drain_changes()
    assert ledger.create_transfers([tr(10)], NOW + 1) == [R.exists]
    assert balances(ledger, 1) == (0, 100, 0, 0)
    changes = ledger.drain_changes()
    assert changes.transfers_created == [] and changes.accounts_touched == set()


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        (tr(10, dr=2, cr=1), R.exists_with_different_debit_account_id),
        (tr(10, cr=4), R.exists_with_different_credit_account_id),
        (tr(10, amount=101), R.exists_with_different_amount),
        (tr(10, flags=TransferFlags.PENDING), R.exists_with_different_flags),
        (tr(10, user_data="other"), R.exists_with_different_user_data),
        (tr(10, ledger=458), R.exists_with_different_ledger),
    ],
)
def test_a_retry_with_the_same_id_and_different_content_names_the_field(
    retry: Transfer, expected: CreateTransferResult
) -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10)], NOW) == [R.ok]
    assert ledger.create_transfers([retry], NOW + 1) == [expected]
    assert balances(ledger, 1) == (0, 100, 0, 0)


def test_a_retry_of_a_refused_transfer_returns_the_original_refusal_even_if_now_possible() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, dr=3, amount=5)], NOW) == [R.exceeds_credits]
    assert ledger.create_transfers([tr(1, dr=2, cr=3, amount=50)], NOW + 1) == [R.ok]
    assert ledger.create_transfers([tr(10, dr=3, amount=5)], NOW + 2) == [R.exceeds_credits]
    assert balances(ledger, 3) == (0, 0, 0, 50)


def test_a_refused_id_reused_with_different_content_returns_id_already_failed() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, dr=3, amount=5)], NOW) == [R.exceeds_credits]
    assert ledger.create_transfers([tr(10, amount=5)], NOW + 1) == [R.id_already_failed]


def test_a_refusal_on_the_transfers_own_fields_leaves_the_id_free_for_a_corrected_transfer() -> (
    None
):
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, cr=1)], NOW) == [R.accounts_must_be_different]
    assert ledger.create_transfers([tr(10)], NOW + 1) == [R.ok]


def test_a_member_of_a_rolled_back_chain_can_be_retried_with_the_same_id() -> None:
    ledger = make_ledger()
    chain = [tr(10, flags=TransferFlags.LINKED), tr(11, dr=3, amount=1)]
    assert ledger.create_transfers(chain, NOW) == [R.linked_event_failed, R.exceeds_credits]
    assert ledger.create_transfers([tr(10)], NOW + 1) == [R.ok]


def test_a_retried_chain_reports_exists_first_and_changes_nothing() -> None:
    ledger = make_ledger()
    chain = [tr(10, flags=TransferFlags.LINKED), tr(11)]
    assert ledger.create_transfers(chain, NOW) == [R.ok, R.ok]
    assert ledger.create_transfers(chain, NOW + 1) == [R.exists, R.linked_event_failed]
    assert balances(ledger, 1) == (0, 200, 0, 0)


def test_a_pending_transfer_reserves_and_a_post_moves_it_to_posted() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=TransferFlags.PENDING)], NOW) == [R.ok]
    assert balances(ledger, 1) == (100, 0, 0, 0)
    assert balances(ledger, 2) == (0, 0, 100, 0)
    assert ledger.pending_state(10) is PendingState.pending
    assert ledger.create_transfers([post(11, 10)], NOW + 1) == [R.ok]
    assert balances(ledger, 1) == (0, 100, 0, 0)
    assert balances(ledger, 2) == (0, 0, 0, 100)
    assert ledger.pending_state(10) is PendingState.posted
    stored = ledger.transfer(11)
    assert stored is not None
    assert (stored.debit_account_id, stored.credit_account_id, stored.amount, stored.ledger) == (
        1,
        2,
        100,
        L,
    )
    ledger.check_invariants()


def test_posting_a_smaller_amount_releases_the_rest() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=TransferFlags.PENDING)], NOW) == [R.ok]
    assert ledger.create_transfers([post(11, 10, amount=60)], NOW + 1) == [R.ok]
    assert balances(ledger, 1) == (0, 60, 0, 0)
    assert balances(ledger, 2) == (0, 0, 0, 60)
    ledger.check_invariants()


def test_posting_more_than_the_pending_amount_is_refused() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=TransferFlags.PENDING)], NOW) == [R.ok]
    assert ledger.create_transfers([post(11, 10, amount=101)], NOW + 1) == [
        R.exceeds_pending_transfer_amount
    ]


def test_a_void_releases_the_pending_amount() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=TransferFlags.PENDING)], NOW) == [R.ok]
    assert ledger.create_transfers([void(11, 10)], NOW + 1) == [R.ok]
    assert balances(ledger, 1) == (0, 0, 0, 0)
    assert ledger.pending_state(10) is PendingState.voided
    ledger.check_invariants()


def test_posting_or_voiding_twice_is_refused_with_a_named_result() -> None:
    ledger = make_ledger()
    pendings = [tr(10, flags=TransferFlags.PENDING), tr(20, flags=TransferFlags.PENDING)]
    assert ledger.create_transfers(pendings, NOW) == [R.ok, R.ok]
    assert ledger.create_transfers([post(11, 10), void(21, 20)], NOW + 1) == [R.ok, R.ok]
    assert ledger.create_transfers(
        [post(12, 10), void(13, 10), post(22, 20), void(23, 20)], NOW + 2
    ) == [
        R.pending_transfer_already_posted,
        R.pending_transfer_already_posted,
        R.pending_transfer_already_voided,
        R.pending_transfer_already_voided,
    ]
    ledger.check_invariants()


def test_a_post_of_a_transfer_that_is_not_pending_is_refused() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10), post(11, 10), post(12, 99)], NOW) == [
        R.ok,
        R.pending_transfer_not_pending,
        R.pending_transfer_not_found,
    ]


def test_a_post_naming_other_accounts_than_the_pending_transfer_is_refused() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=TransferFlags.PENDING)], NOW) == [R.ok]
    wrong = tr(11, dr=2, cr=1, amount=0, flags=TransferFlags.POST_PENDING_TRANSFER, pending_id=10)
    assert ledger.create_transfers([wrong], NOW + 1) == [
        R.pending_transfer_has_different_debit_account_id
    ]


def test_an_expired_pending_transfer_cannot_be_posted() -> None:
    ledger = make_ledger()
    pending = tr(10, flags=TransferFlags.PENDING, timeout_s=30)
    assert ledger.create_transfers([pending], NOW) == [R.ok]
    # Even before the writer's timer has run expire_pending.
    assert ledger.create_transfers([post(11, 10)], NOW + 30 * S) == [R.pending_transfer_expired]
    assert [t.id for t in ledger.expire_pending(NOW + 30 * S)] == [10]
    assert ledger.pending_state(10) is PendingState.expired
    assert ledger.create_transfers([post(12, 10)], NOW + 31 * S) == [R.pending_transfer_expired]


def test_expiry_releases_the_pending_amounts() -> None:
    ledger = make_ledger()
    pending = tr(10, flags=TransferFlags.PENDING, timeout_s=30)
    assert ledger.create_transfers([pending], NOW) == [R.ok]
    assert ledger.next_expiry_ns() == NOW + 30 * S
    assert ledger.expire_pending(NOW + 30 * S - 1) == []
    expired = ledger.expire_pending(NOW + 30 * S)
    assert [t.id for t in expired] == [10]
    assert balances(ledger, 1) == (0, 0, 0, 0)
    assert balances(ledger, 2) == (0, 0, 0, 0)
    assert ledger.next_expiry_ns() is None
    changes = ledger.drain_changes()
    assert [pid for pid, _ in changes.pending_expired] == [10]
    assert changes.accounts_touched == {1, 2}
    ledger.check_invariants()


def test_a_posted_pending_transfer_does_not_expire() -> None:
    ledger = make_ledger()
    pending = tr(10, flags=TransferFlags.PENDING, timeout_s=30)
    assert ledger.create_transfers([pending, post(11, 10)], NOW) == [R.ok, R.ok]
    assert ledger.next_expiry_ns() is None
    assert ledger.expire_pending(NOW + 60 * S) == []
    assert balances(ledger, 1) == (0, 100, 0, 0)


def test_expire_pending_stops_at_its_limit() -> None:
    ledger = make_ledger()
    pendings = [tr(10 + i, flags=TransferFlags.PENDING, timeout_s=1) for i in range(5)]
    assert ledger.create_transfers(pendings, NOW) == [R.ok] * 5
    assert len(ledger.expire_pending(NOW + 2 * S, limit=3)) == 3
    assert len(ledger.expire_pending(NOW + 2 * S, limit=3)) == 2
    ledger.check_invariants()


def test_debits_must_not_exceed_credits_refuses_with_exceeds_credits() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(1, dr=2, cr=3, amount=100)], NOW) == [R.ok]
    assert ledger.create_transfers([tr(10, dr=3, amount=60, flags=TransferFlags.PENDING)], NOW) == [
        R.ok
    ]
    # Pending debits count: 60 pending + 41 > 100 credited.
    assert ledger.create_transfers([tr(11, dr=3, amount=41)], NOW) == [R.exceeds_credits]
    assert ledger.create_transfers([tr(12, dr=3, amount=40)], NOW) == [R.ok]
    ledger.check_invariants()


def test_credits_must_not_exceed_debits_refuses_with_exceeds_debits() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, cr=4, amount=1)], NOW) == [R.exceeds_debits]
    assert ledger.create_transfers([tr(11, dr=4, cr=2, amount=50)], NOW) == [R.ok]
    assert ledger.create_transfers([tr(12, cr=4, amount=50)], NOW) == [R.ok]
    assert ledger.create_transfers([tr(13, cr=4, amount=1)], NOW) == [R.exceeds_debits]


def test_timestamps_strictly_increase_even_when_now_repeats() -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10), tr(11)], NOW) == [R.ok, R.ok]
    assert ledger.create_transfers([tr(12)], NOW) == [R.ok]
    assert ledger.create_transfers([tr(13)], NOW - 5) == [R.ok]
    stamps = [t.timestamp_ns for t in ledger.drain_changes().transfers_created]
    assert stamps == [NOW, NOW + 1, NOW + 2, NOW + 3]


@pytest.mark.parametrize(
    ("transfer", "expected"),
    [
        (tr(ID := 2**128 - 1), R.id_must_not_be_int_max),
        (tr(10, amount=0), R.amount_must_not_be_zero),
        (tr(10, amount=-1), R.amount_must_not_be_negative),
        (tr(10, amount=2**63), R.overflows_amount),
        (tr(10, cr=9), R.accounts_must_have_the_same_ledger),
        (tr(10, ledger=458), R.transfer_must_have_the_same_ledger_as_accounts),
        (tr(10, dr=0), R.debit_account_id_must_not_be_zero),
        (tr(10, dr=77), R.debit_account_not_found),
        (tr(10, timeout_s=5), R.timeout_reserved_for_pending_transfer),
        (tr(10, pending_id=3), R.pending_id_must_be_zero),
        (
            tr(10, flags=TransferFlags.PENDING | TransferFlags.VOID_PENDING_TRANSFER),
            R.flags_are_mutually_exclusive,
        ),
        (tr(10, flags=TransferFlags(16)), R.reserved_flag),
        (tr(10, user_data="x" * 200), R.user_data_too_long),
        (tr(10, ledger=0), R.ledger_must_not_be_zero),
    ],
)
def test_an_invalid_transfer_is_refused_with_its_reason_and_changes_nothing(
    transfer: Transfer, expected: CreateTransferResult
) -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([transfer], NOW) == [expected]
    assert ledger.totals()[L] == LedgerTotals(0, 0, 0, 0)
    assert ledger.drain_changes().transfers_created == []


def test_a_balance_that_would_pass_the_64_bit_limit_is_refused() -> None:
    ledger = make_ledger()
    big = 2**63 - 1
    assert ledger.create_transfers([tr(10, amount=big)], NOW) == [R.ok]
    assert ledger.create_transfers([tr(11, amount=1)], NOW) == [R.overflows_debits_posted]


def test_a_batch_longer_than_the_maximum_is_refused() -> None:
    ledger = make_ledger()
    with pytest.raises(BatchTooLargeError):
        ledger.create_transfers([tr(10)] * (TRANSFER_BATCH_MAX + 1), NOW)


def test_creating_an_account_twice_returns_exists_or_the_differing_field() -> None:
    ledger = make_ledger()
    assert ledger.create_accounts(
        [
            Account(id=1, ledger=L, code=1),
            Account(id=1, ledger=L, code=2),
            Account(id=1, ledger=458, code=1),
            Account(id=1, ledger=L, code=1, flags=AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            Account(id=0, ledger=L, code=1),
            Account(id=5, ledger=0, code=1),
            Account(id=5, ledger=L, code=1, credits_posted=7),
            Account(id=5, ledger=L, code=1, flags=AccountFlags(3)),
        ]
    ) == [
        CreateAccountResult.exists,
        CreateAccountResult.exists_with_different_code,
        CreateAccountResult.exists_with_different_ledger,
        CreateAccountResult.exists_with_different_flags,
        CreateAccountResult.id_must_not_be_zero,
        CreateAccountResult.ledger_must_not_be_zero,
        CreateAccountResult.credits_posted_must_be_zero,
        CreateAccountResult.flags_are_mutually_exclusive,
    ]


def test_the_account_returned_is_a_copy_that_cannot_change_the_ledger() -> None:
    ledger = make_ledger()
    copy = ledger.account(1)
    assert copy is not None
    copy.debits_posted = 10**6
    assert balances(ledger, 1) == (0, 0, 0, 0)


def test_drain_changes_reports_everything_once() -> None:
    ledger = Ledger()
    ledger.create_accounts([Account(id=1, ledger=L, code=1), Account(id=2, ledger=L, code=1)])
    ledger.create_transfers(
        [tr(10, flags=TransferFlags.PENDING, user_data="uetr"), post(11, 10), tr(12, dr=3)], NOW
    )
    changes = ledger.drain_changes()
    assert [a.id for a in changes.accounts_created] == [1, 2]
    assert [t.id for t in changes.transfers_created] == [10, 11]
    assert changes.transfers_created[1].user_data == "uetr"  # inherited from the pending
    assert changes.accounts_touched == {1, 2}
    assert [(t.id, r) for t, r in changes.transfers_refused] == [(12, R.debit_account_not_found)]
    empty = ledger.drain_changes()
    assert (empty.accounts_created, empty.transfers_created, empty.accounts_touched) == (
        [],
        [],
        set(),
    )


def test_a_restored_ledger_answers_as_the_original_did() -> None:
    original = make_ledger()
    original.create_transfers(
        [
            tr(1, dr=2, cr=3, amount=500),
            tr(10, flags=TransferFlags.PENDING, timeout_s=30),
            tr(20, flags=TransferFlags.PENDING),
            post(21, 20, amount=40),
            tr(30, dr=3, amount=10**6),
        ],
        NOW,
    )
    changes = original.drain_changes()
    states = {
        t.id: s
        for t in changes.transfers_created
        if (s := original.pending_state(t.id)) is not None
    }
    accounts = [a for i in (1, 2, 3, 4, 9) if (a := original.account(i)) is not None]
    restored = Ledger()
    restored.restore(accounts, changes.transfers_created, states, changes.transfers_refused)
    for i in (1, 2, 3, 4, 9):
        assert restored.account(i) == original.account(i)
    assert restored.create_transfers([tr(1, dr=2, cr=3, amount=500)], NOW) == [R.exists]
    assert restored.create_transfers([tr(30, dr=3, amount=10**6)], NOW) == [R.exceeds_credits]
    assert restored.create_transfers([post(22, 20)], NOW) == [R.pending_transfer_already_posted]
    assert restored.next_expiry_ns() == original.next_expiry_ns()
    first = restored.create_transfers([tr(40)], NOW)
    assert first == [R.ok]
    stamp = restored.transfer(40)
    assert stamp is not None and stamp.timestamp_ns > max(
        t.timestamp_ns for t in changes.transfers_created
    )


def test_restoring_balances_that_do_not_balance_raises_invariant_broken() -> None:
    ledger = Ledger()
    with pytest.raises(InvariantBroken):
        ledger.restore([Account(id=1, ledger=L, code=1, debits_posted=5)], [], {})


def test_check_invariants_catches_an_account_that_breaks_its_flag() -> None:
    ledger = Ledger()
    accounts = [
        Account(
            id=1,
            ledger=L,
            code=1,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            debits_posted=5,
        ),
        Account(id=2, ledger=L, code=1, credits_posted=5),
    ]
    with pytest.raises(InvariantBroken, match="debits exceed credits"):
        ledger.restore(accounts, [], {})
