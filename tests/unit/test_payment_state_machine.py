"""The payment state machine: exactly the documented transitions, reasons exactly on refusals."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from lintas.domain.errors import ReasonCode
from lintas.domain.payment import (
    FINAL_STATUSES,
    ISO_STATUS,
    TRANSITIONS,
    Payment,
    PaymentStatus,
    TransitionRefused,
    can_transition,
    request_digest,
    transition,
)

S = PaymentStatus

#: The diagram of domain/payment.py, written out independently of the code under test.
ALLOWED: frozenset[tuple[PaymentStatus, PaymentStatus]] = frozenset(
    {
        (S.RECEIVED, S.RESERVED),
        (S.RECEIVED, S.REJECTED),
        (S.RECEIVED, S.BLOCKED),
        (S.RESERVED, S.SETTLED),
        (S.RESERVED, S.REJECTED),
        (S.RESERVED, S.HELD),
        (S.RESERVED, S.BLOCKED),
        (S.HELD, S.RESERVED),
        (S.HELD, S.REJECTED),
    }
)
ALL_PAIRS = list(itertools.product(PaymentStatus, PaymentStatus))
NEEDS_REASON = {S.REJECTED, S.BLOCKED}
LATER = datetime(2026, 1, 2, 3, 5, 0, tzinfo=UTC)


def _reason_for(new: PaymentStatus) -> ReasonCode | None:
    return ReasonCode.AM04 if new in NEEDS_REASON else None


def test_the_transition_table_is_exactly_the_documented_diagram() -> None:
    assert TRANSITIONS == ALLOWED


@pytest.mark.parametrize(("current", "new"), sorted(ALLOWED))
def test_an_allowed_transition_moves_the_payment_and_stamps_the_time(
    make_payment: Callable[..., Payment], current: PaymentStatus, new: PaymentStatus
) -> None:
    payment = make_payment(status=current)
    moved = transition(payment, new, LATER, _reason_for(new), "detail")
    assert can_transition(current, new)
    assert moved.status is new
    assert moved.reason == _reason_for(new)
    assert moved.updated_at == LATER
    assert moved.created_at == payment.created_at
    assert moved.uetr == payment.uetr and moved.amount_debited == payment.amount_debited


@pytest.mark.parametrize(("current", "new"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_every_other_transition_is_refused_with_or_without_a_reason(
    make_payment: Callable[..., Payment], current: PaymentStatus, new: PaymentStatus
) -> None:
    payment = make_payment(status=current)
    assert not can_transition(current, new)
    for reason in (None, ReasonCode.AB04):
        with pytest.raises(TransitionRefused):
            transition(payment, new, LATER, reason)


@pytest.mark.parametrize(("current", "new"), [p for p in sorted(ALLOWED) if p[1] in NEEDS_REASON])
def test_a_rejection_or_block_without_a_reason_is_refused(
    make_payment: Callable[..., Payment], current: PaymentStatus, new: PaymentStatus
) -> None:
    with pytest.raises(TransitionRefused):
        transition(make_payment(status=current), new, LATER)


@pytest.mark.parametrize(
    ("current", "new"), [p for p in sorted(ALLOWED) if p[1] not in NEEDS_REASON]
)
def test_a_transition_that_does_not_reject_refuses_a_reason(
    make_payment: Callable[..., Payment], current: PaymentStatus, new: PaymentStatus
) -> None:
    with pytest.raises(TransitionRefused):
        transition(make_payment(status=current), new, LATER, ReasonCode.NARR)


def test_final_states_have_no_way_out_and_every_other_state_has_one() -> None:
    assert {S.SETTLED, S.REJECTED, S.BLOCKED} == FINAL_STATUSES
    for status in PaymentStatus:
        leaves = any(current == status for current, _ in ALLOWED)
        assert leaves == (status not in FINAL_STATUSES), status


def test_each_state_reports_its_iso_20022_status(make_payment: Callable[..., Payment]) -> None:
    assert ISO_STATUS == {
        S.RECEIVED: "ACTC",
        S.RESERVED: "ACSP",
        S.HELD: "ACWP",
        S.SETTLED: "ACCC",
        S.REJECTED: "RJCT",
        S.BLOCKED: "BLCK",
    }
    assert make_payment(status=S.SETTLED).iso_status == "ACCC"
    assert make_payment(status=S.SETTLED).is_final
    assert not make_payment(status=S.RESERVED).is_final


def test_a_refused_transition_leaves_the_payment_unchanged(
    make_payment: Callable[..., Payment],
) -> None:
    payment = make_payment(status=S.SETTLED)
    with pytest.raises(TransitionRefused):
        transition(payment, S.REJECTED, LATER, ReasonCode.AB04)
    assert payment.status is S.SETTLED and payment.reason is None


def test_the_request_digest_is_stable_and_tells_apart_where_parts_are_split() -> None:
    assert request_digest("a", "b") == request_digest("a", "b")
    assert request_digest("ab", "c") != request_digest("a", "bc")
    assert request_digest("a") != request_digest("a", "")
