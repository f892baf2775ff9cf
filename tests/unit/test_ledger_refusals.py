"""Every refusal the ledger names that ``test_ledger`` does not already show, one row each.

Each case checks the named result, that nothing moved (the ledger's totals and balances are
as before, nothing is drained as created), and, for the refusals that depend only on the
transfer's own fields, that the id stays free for a corrected transfer.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_ledger import NOW, L, balances, make_ledger, post, tr, void

from lintas.domain.ledger import (
    AMOUNT_MAX,
    CODE_MAX,
    TIMEOUT_S_MAX,
    CreateTransferResult,
    Ledger,
    PendingState,
    Transfer,
    TransferFlags,
)

R = CreateTransferResult
PENDING = TransferFlags.PENDING


def _snapshot(ledger: Ledger) -> tuple[object, ...]:
    return (ledger.totals(), *(balances(ledger, a) for a in (1, 2, 3, 4, 9)))


@pytest.mark.parametrize(
    ("transfer", "expected"),
    [
        (tr(-5), R.id_must_not_be_negative),
        (replace(tr(10), timestamp_ns=NOW), R.timestamp_must_be_zero),
        (tr(10, cr=0), R.credit_account_id_must_not_be_zero),
        (tr(10, cr=1), R.accounts_must_be_different),
        (tr(10, flags=PENDING, timeout_s=-1), R.timeout_must_not_be_negative),
        (tr(10, flags=PENDING, timeout_s=TIMEOUT_S_MAX + 1), R.overflows_timeout),
        (replace(tr(10), code=0), R.code_must_not_be_zero),
        (replace(tr(10), code=-1), R.code_must_not_be_negative),
        (replace(tr(10), code=CODE_MAX + 1), R.overflows_code),
        (tr(10, cr=78), R.credit_account_not_found),
    ],
)
def test_a_transfer_with_a_bad_field_is_refused_by_name_and_its_id_stays_free(
    transfer: Transfer, expected: CreateTransferResult
) -> None:
    ledger = make_ledger()
    before = _snapshot(ledger)
    assert ledger.create_transfers([transfer], NOW) == [expected]
    assert _snapshot(ledger) == before
    assert ledger.drain_changes().transfers_created == []
    if transfer.id > 0 and expected is not R.credit_account_not_found:
        assert ledger.create_transfers([tr(transfer.id)], NOW + 1) == [R.ok]


@pytest.mark.parametrize(
    ("setup", "transfer", "expected"),
    [
        (
            [tr(1, amount=AMOUNT_MAX, flags=PENDING)],
            tr(10, flags=PENDING, amount=1),
            R.overflows_debits_pending,
        ),
        (
            [tr(1, amount=AMOUNT_MAX, flags=PENDING)],
            tr(10, dr=3, flags=PENDING, amount=1),
            R.overflows_credits_pending,
        ),
        ([tr(1, amount=AMOUNT_MAX)], tr(10, dr=3, amount=1), R.overflows_credits_posted),
        ([tr(1, amount=2**62)], tr(10, cr=4, flags=PENDING, amount=2**62), R.overflows_debits),
        ([tr(1, amount=2**62)], tr(10, dr=3, flags=PENDING, amount=2**62), R.overflows_credits),
    ],
)
def test_a_transfer_that_would_overflow_a_balance_is_refused_by_name(
    setup: list[Transfer], transfer: Transfer, expected: CreateTransferResult
) -> None:
    ledger = make_ledger()
    assert ledger.create_transfers(setup, NOW) == [R.ok] * len(setup)
    before = _snapshot(ledger)
    assert ledger.create_transfers([transfer], NOW + 1) == [expected]
    assert _snapshot(ledger) == before


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        (post(20, 0), R.pending_id_must_not_be_zero),
        (post(20, 20), R.pending_id_must_be_different),
        (replace(post(20, 10), timeout_s=5), R.timeout_reserved_for_pending_transfer),
        (replace(post(20, 10), code=-1), R.code_must_not_be_negative),
        (replace(post(20, 10), code=CODE_MAX + 1), R.overflows_code),
        (replace(post(20, 10), amount=-1), R.amount_must_not_be_negative),
        (replace(post(20, 10), amount=AMOUNT_MAX + 1), R.overflows_amount),
        (replace(post(20, 10), user_data="x" * 129), R.user_data_too_long),
        (post(20, 11), R.pending_transfer_not_found),
        (
            replace(post(20, 10), credit_account_id=4),
            R.pending_transfer_has_different_credit_account_id,
        ),
        (replace(post(20, 10), ledger=458), R.pending_transfer_has_different_ledger),
        (replace(post(20, 10), code=2), R.pending_transfer_has_different_code),
        (replace(void(20, 10), amount=99), R.pending_transfer_has_different_amount),
    ],
)
def test_a_post_or_void_with_a_bad_field_is_refused_by_name_and_the_reservation_stays(
    resolution: Transfer, expected: CreateTransferResult
) -> None:
    ledger = make_ledger()
    assert ledger.create_transfers([tr(10, flags=PENDING)], NOW) == [R.ok]
    before = _snapshot(ledger)
    assert ledger.create_transfers([resolution], NOW + 1) == [expected]
    assert _snapshot(ledger) == before
    assert ledger.pending_state(10) is PendingState.pending
    assert ledger.create_transfers([post(21, 10)], NOW + 2) == [R.ok]
    assert balances(ledger, 1) == (0, 100, 0, 0)


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        (post(20, 12), R.exists_with_different_pending_id),
        (replace(tr(30), code=2), R.exists_with_different_code),
    ],
)
def test_a_retry_that_differs_in_its_pending_id_or_code_names_the_field(
    retry: Transfer, expected: CreateTransferResult
) -> None:
    ledger = make_ledger()
    setup = [
        tr(10, flags=PENDING),
        tr(12, flags=PENDING),
        post(20, 10),
        tr(30),
    ]
    assert ledger.create_transfers(setup, NOW) == [R.ok] * 4
    before = _snapshot(ledger)
    assert ledger.create_transfers([retry], NOW + 1) == [expected]
    assert _snapshot(ledger) == before
    assert ledger.totals()[L].debits_posted == 200
