"""The steps a payment takes inside the writer: each rule on its own, and each a plain object
that pickles (the writer may run in another process; a closure could not go there)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from lintas.domain import settlement
from lintas.domain.errors import ReasonCode
from lintas.domain.ledger import CreateTransferResult, TransferFlags
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.clock import FixedClock
from lintas.services import payment_steps as steps

_R = CreateTransferResult
NOW = datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _reserved(make_payment: Callable[..., Payment]) -> Payment:
    return make_payment(status=PaymentStatus.RESERVED)


def test_a_reservation_the_ledger_took_whole_leaves_the_payment_reserved_at_the_clocks_time(
    make_payment: Callable[..., Payment], clock: FixedClock
) -> None:
    payment = make_payment()
    chain = settlement.payment_legs(payment).reserve_chain()
    after = steps.DecideReserve(payment, chain, False, clock)([_R.ok] * len(chain))
    assert after.status is PaymentStatus.RESERVED and after.updated_at == NOW


def test_a_held_payment_is_held_once_reserved_and_the_post_step_then_does_nothing(
    make_payment: Callable[..., Payment], clock: FixedClock
) -> None:
    payment = make_payment()
    legs = settlement.payment_legs(payment)
    chain = legs.reserve_chain()
    held = steps.DecideReserve(payment, chain, True, clock)([_R.ok] * len(chain))
    assert held.status is PaymentStatus.HELD
    assert steps.PostStep(legs, clock)(held) is None


@pytest.mark.parametrize(
    ("failing_leg", "result", "code"),
    [
        (0, _R.exceeds_credits, ReasonCode.AM04),  # The debtor's account.
        (-1, _R.exceeds_credits, ReasonCode.AM04),  # The FXP's liquidity at the destination.
        (0, _R.debit_account_not_found, ReasonCode.AB09),
        (-1, _R.credit_account_not_found, ReasonCode.AB10),
    ],
)
def test_a_refused_reservation_rejects_the_payment_with_the_reason_of_the_refused_transfer(
    make_payment: Callable[..., Payment],
    clock: FixedClock,
    failing_leg: int,
    result: CreateTransferResult,
    code: ReasonCode,
) -> None:
    payment = make_payment()
    chain = settlement.payment_legs(payment).reserve_chain()
    results = [_R.linked_event_failed] * len(chain)
    results[failing_leg] = result
    after = steps.DecideReserve(payment, chain, False, clock)(results)
    assert after.status is PaymentStatus.REJECTED and after.reason is code


def test_the_post_step_posts_every_reserved_leg_as_one_chain_and_settles_the_payment(
    make_payment: Callable[..., Payment], clock: FixedClock
) -> None:
    reserved = _reserved(make_payment)
    legs = settlement.payment_legs(reserved)
    post = steps.PostStep(legs, clock)(reserved)
    assert post is not None
    assert [t.pending_id for t in post.transfers] == [t.id for t in legs.pending]
    assert all(t.flags & TransferFlags.POST_PENDING_TRANSFER for t in post.transfers)
    assert post.decide is not None
    settled = post.decide([_R.ok] * len(post.transfers))
    assert settled is not None and settled.status is PaymentStatus.SETTLED
    assert post.then is not None and post.then(settled) is None  # Nothing to void.


def test_a_post_that_found_the_legs_expired_rejects_ab03_and_then_voids_the_rest(
    make_payment: Callable[..., Payment], clock: FixedClock
) -> None:
    reserved = _reserved(make_payment)
    legs = settlement.payment_legs(reserved)
    post = steps.PostStep(legs, clock)(reserved)
    assert post is not None and post.decide is not None and post.then is not None
    results = [_R.pending_transfer_expired] + [_R.linked_event_failed] * (len(legs.pending) - 1)
    rejected = post.decide(results)
    assert rejected is not None
    assert rejected.status is PaymentStatus.REJECTED and rejected.reason is ReasonCode.AB03
    voids = post.then(rejected)
    assert voids is not None
    assert [t.pending_id for t in voids.transfers] == [t.id for t in legs.pending]


def test_voids_on_recovery_reject_ab04_or_ab03_when_the_legs_had_expired_anyway(
    make_payment: Callable[..., Payment], clock: FixedClock
) -> None:
    reserved = _reserved(make_payment)
    n = len(settlement.payment_legs(reserved).pending)
    stopped = steps.DecideVoided(reserved, clock)([_R.ok] * n)
    expired = steps.DecideVoided(reserved, clock)([_R.pending_transfer_expired] * n)
    assert stopped.reason is ReasonCode.AB04 and expired.reason is ReasonCode.AB03
    review = steps.DecideRejectedAfterReview(reserved, clock)([_R.ok] * n)
    assert review.status is PaymentStatus.REJECTED and review.reason is ReasonCode.RR04


class _Payments:
    """A store's payment lookup, in memory."""

    def __init__(self, *payments: Payment) -> None:
        self._by_uetr = {p.uetr: p for p in payments}

    def payment(self, uetr: str) -> Payment | None:
        return self._by_uetr.get(uetr)


def test_expired_legs_reject_their_reserved_or_held_payment_ab03_and_nothing_else(
    make_payment: Callable[..., Payment], clock: FixedClock
) -> None:
    reserved = make_payment(
        uetr="00000000-0000-4000-8000-000000000001", status=PaymentStatus.RESERVED
    )
    held = make_payment(uetr="00000000-0000-4000-8000-000000000002", status=PaymentStatus.HELD)
    settled = make_payment(
        uetr="00000000-0000-4000-8000-000000000003", status=PaymentStatus.SETTLED
    )
    expired = [t for p in (reserved, held, settled) for t in settlement.payment_legs(p).pending]
    rejected = steps.RejectExpired(clock)(expired, _Payments(reserved, held, settled))
    assert [(p.uetr, p.status, p.reason) for p in rejected] == [
        (reserved.uetr, PaymentStatus.REJECTED, ReasonCode.AB03),
        (held.uetr, PaymentStatus.REJECTED, ReasonCode.AB03),
    ]
    assert "hold was not reviewed" in (rejected[1].reason_detail or "")


def test_every_step_pickles_and_comes_back_equal(
    make_payment: Callable[..., Payment],
) -> None:
    # The steps carry the clock they decide with: it goes along.
    clock = FixedClock(NOW)
    payment = make_payment()
    legs = settlement.payment_legs(payment)
    chain = legs.reserve_chain()
    for step in (
        steps.DecideReserve(payment, chain, True, clock),
        steps.PostStep(legs, clock),
        steps.DecidePost(payment, clock),
        steps.VoidAfterFailedPost(legs),
        steps.DecideRejectedAfterReview(payment, clock),
        steps.DecideVoided(payment, clock),
        steps.RejectExpired(clock),
    ):
        copy = pickle.loads(pickle.dumps(step))
        assert type(copy) is type(step)
        for name in type(step).__slots__:
            mine, theirs = getattr(step, name), getattr(copy, name)
            if isinstance(mine, FixedClock):
                assert theirs.now() == mine.now()
            else:
                assert theirs == mine, name
