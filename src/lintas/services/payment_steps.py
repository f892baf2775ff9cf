"""The steps of a payment that run inside the ledger's writer, as plain picklable objects.

``PaymentsService`` hands the writer a ``WriteCommand`` whose ``decide`` turns the ledger's
results into the payment's next state and whose ``then`` chains the next step. They are
objects of the classes here rather than closures: they name the rule that runs in the writer,
and they pickle, which a writer in a process of its own would need (a command would cross to
it pickled; a closure cannot). Such a writer was tried and not kept (docs/benchmarks.md,
session 5).
Each holds only what it needs (the payment, its transfers, the clock) and the rule it applies.

The expiry rule (``RejectExpired``) is here too: it runs in the writer when reserved legs
time out, and reads the payment the timed-out transfers belong to from the writer's store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from lintas.domain import settlement
from lintas.domain.errors import ReasonCode
from lintas.domain.ledger import CreateTransferResult, Transfer
from lintas.domain.payment import Payment, PaymentStatus, transition
from lintas.ports.clock import Clock
from lintas.ports.store import PaymentLookup, WriteCommand

_R = CreateTransferResult
_OK: Final = frozenset({_R.ok, _R.exists})


@dataclass(frozen=True, slots=True)
class DecideReserve:
    """After both legs' reservation: RESERVED (HELD when the risk decision holds it), or
    REJECTED with the reason the ledger gave."""

    payment: Payment
    chain: Sequence[Transfer]
    hold: bool
    clock: Clock

    def __call__(self, results: Sequence[CreateTransferResult]) -> Payment:
        after = after_reserve(self.payment, self.chain, results, self.clock)
        if self.hold and after.status is PaymentStatus.RESERVED:
            return transition(after, PaymentStatus.HELD, after.updated_at)
        return after


@dataclass(frozen=True, slots=True)
class PostStep:
    """Chained after a reservation: post both reserved legs (then void them if that failed,
    ``VoidAfterFailedPost``); nothing when the reservation did not leave them RESERVED."""

    legs: settlement.PaymentLegs
    clock: Clock

    def __call__(self, reserved: Payment) -> WriteCommand | None:
        if reserved.status is not PaymentStatus.RESERVED:
            return None
        return WriteCommand(
            transfers=self.legs.post_chain(),
            decide=DecidePost(reserved, self.clock),
            then=VoidAfterFailedPost(self.legs),
        )


@dataclass(frozen=True, slots=True)
class DecidePost:
    """After posting both legs: SETTLED, or REJECTED AB03 when they expired in between."""

    reserved: Payment
    clock: Clock

    def __call__(self, results: Sequence[CreateTransferResult]) -> Payment:
        return after_post(self.reserved, results, self.clock)


@dataclass(frozen=True, slots=True)
class VoidAfterFailedPost:
    """Posting reserved legs fails only when they expired in between: release the rest."""

    legs: settlement.PaymentLegs

    def __call__(self, posted: Payment) -> WriteCommand | None:
        if posted.status is not PaymentStatus.REJECTED:
            return None
        return WriteCommand(transfers=self.legs.voids())


@dataclass(frozen=True, slots=True)
class DecideRejectedAfterReview:
    """An operator rejected a held payment: REJECTED RR04 once both legs are voided."""

    held: Payment
    clock: Clock

    def __call__(self, results: Sequence[CreateTransferResult]) -> Payment:
        return transition(
            self.held,
            PaymentStatus.REJECTED,
            self.clock.now(),
            ReasonCode.RR04,
            "rejected after review; both legs were voided",
        )


@dataclass(frozen=True, slots=True)
class DecideVoided:
    """A payment a previous run left reserved: REJECTED once its legs are voided (AB04, or
    AB03 when they had expired anyway)."""

    payment: Payment
    clock: Clock

    def __call__(self, results: Sequence[CreateTransferResult]) -> Payment:
        return after_void(self.payment, results, self.clock)


@dataclass(frozen=True, slots=True)
class RejectExpired:
    """The writer's expiry rule: payments whose reserved legs timed out are rejected (AB03).
    ``reader`` is the writer's own store: the payment as last committed."""

    clock: Clock

    def __call__(self, expired: Sequence[Transfer], reader: PaymentLookup) -> list[Payment]:
        out: list[Payment] = []
        now = self.clock.now()
        for uetr in sorted({t.user_data for t in expired if t.user_data}):
            payment = reader.payment(uetr)
            if payment is None:
                continue
            if payment.status is PaymentStatus.RESERVED:
                detail = "settlement timed out; both legs were voided"
            elif payment.status is PaymentStatus.HELD:
                detail = "the hold was not reviewed in time; both legs were voided"
            else:
                continue
            out.append(transition(payment, PaymentStatus.REJECTED, now, ReasonCode.AB03, detail))
        return out


def after_reserve(
    payment: Payment,
    chain: Sequence[Transfer],
    results: Sequence[CreateTransferResult],
    clock: Clock,
) -> Payment:
    """The payment after its reservation chain gave ``results``."""
    now = clock.now()
    if all(r in _OK for r in results):
        return transition(payment, PaymentStatus.RESERVED, now)
    for transfer, result in zip(chain, results, strict=True):
        if result in _OK or result is _R.linked_event_failed:
            continue
        reason, detail = _refusal(payment, transfer, result)
        return transition(payment, PaymentStatus.REJECTED, now, reason, detail)
    raise AssertionError(f"a refused chain names no refusal: {results}")


def _refusal(
    payment: Payment, transfer: Transfer, result: CreateTransferResult
) -> tuple[ReasonCode, str]:
    source_leg = transfer.ledger == settlement.ledger_id(payment.source_country)
    if result is _R.exceeds_credits:
        if source_leg:
            return ReasonCode.AM04, "insufficient funds in the debtor account"
        return ReasonCode.AM04, "the FXP has insufficient liquidity at the destination SAP"
    return (ReasonCode.AB09 if source_leg else ReasonCode.AB10), f"ledger refused: {result}"


def after_post(payment: Payment, results: Sequence[CreateTransferResult], clock: Clock) -> Payment:
    """The payment after the post chain of its reserved legs gave ``results``."""
    now = clock.now()
    # All ok: posted now. A chain whose first post already exists was posted before (a
    # retried step; TigerBeetle reports the rest of such a chain as linked_event_failed).
    if all(r in _OK for r in results) or (
        results
        and results[0] is _R.exists
        and all(r is _R.linked_event_failed for r in results[1:])
    ):
        return transition(payment, PaymentStatus.SETTLED, now)
    # Otherwise posting reserved legs can only fail because they expired in between (the
    # writer expires due pending transfers before it applies anything else in a batch).
    assert all(r in (_R.pending_transfer_expired, _R.linked_event_failed) for r in results), results
    return transition(
        payment,
        PaymentStatus.REJECTED,
        now,
        ReasonCode.AB03,
        "settlement timed out; both legs were voided",
    )


def after_void(payment: Payment, results: Sequence[CreateTransferResult], clock: Clock) -> Payment:
    """The payment after its legs were voided on recovery (``results`` of the voids)."""
    ok = {_R.ok, _R.exists, _R.pending_transfer_expired, _R.pending_transfer_already_voided}
    assert all(r in ok or r is _R.linked_event_failed for r in results), results
    expired = any(r is _R.pending_transfer_expired for r in results)
    reason = ReasonCode.AB03 if expired else ReasonCode.AB04
    detail = (
        "settlement timed out; both legs were voided"
        if expired
        else "the hub stopped during settlement; both legs were voided"
    )
    return transition(payment, PaymentStatus.REJECTED, clock.now(), reason, detail)
