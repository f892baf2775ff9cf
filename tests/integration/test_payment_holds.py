"""Risk decisions inside the payment: pass, hold for review (funds reserved), block."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from testkit import (  # type: ignore[import-not-found]
    accounts_snapshot,
    assert_ledgers_balance,
    get_quote,
    open_hub,
    payment_request,
    psp_of,
    richest,
    run,
)

from lintas.bootstrap import Hub
from lintas.domain import settlement
from lintas.domain.errors import Forbidden, ReasonCode, Refused
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.directory import Participant, Role
from lintas.ports.risk import RiskContext, RiskDecision, RiskOutcome

OPERATOR = Participant("OPERATOR", Role.OPERATOR)


class Fixed:
    """An assessor that gives one decision to every payment and remembers what it saw."""

    def __init__(self, decision: RiskDecision) -> None:
        self.decision = decision
        self.seen: list[tuple[Payment, RiskContext]] = []

    def assess(self, payment: Payment, context: RiskContext) -> RiskDecision:
        self.seen.append((payment, context))
        return self.decision


HOLD = RiskDecision(RiskOutcome.HOLD, ("first_payment_to_new_payee_above_threshold",))
BLOCK = RiskDecision(RiskOutcome.BLOCK, ("sanctions_hit: TAi.109 (0.97)",), ReasonCode.RR04)


def _available(hub: Hub, account_id: int) -> int:
    b = hub.store.account_balance(account_id)
    assert b is not None
    return b.available


def _pay(hub: Hub) -> tuple[Payment, int]:
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "100.00")
    debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
    payment = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
    return payment, debtor_id


def test_the_assessor_sees_both_registered_account_holders(tmp_path: Path) -> None:
    risk = Fixed(RiskDecision(RiskOutcome.PASS))
    hub = open_hub(tmp_path / "hub.db", risk=risk)
    try:
        payment, _ = _pay(hub)
        assert payment.status is PaymentStatus.SETTLED
        ((_, context),) = risk.seen
        assert context.creditor_holder is not None and context.debtor_holder is not None
        assert context.creditor_holder.account == payment.creditor.account
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_held_payment_reserves_the_funds_and_reports_acwp_with_its_reasons(
    tmp_path: Path,
) -> None:
    hub = open_hub(tmp_path / "hub.db", risk=Fixed(HOLD))
    try:
        payment, debtor_id = _pay(hub)
        assert payment.status is PaymentStatus.HELD and payment.iso_status == "ACWP"
        assert payment.risk_reasons == HOLD.reasons
        balance = hub.store.account_balance(debtor_id)
        assert balance is not None and balance.debits_pending == payment.amount_debited.minor
        assert [p.uetr for p in hub.payments.cases(OPERATOR)] == [payment.uetr]
        assert hub.store.payment(payment.uetr) == payment
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_releasing_a_held_payment_settles_it(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db", risk=Fixed(HOLD))
    try:
        payment, debtor_id = _pay(hub)
        before = _available(hub, debtor_id)
        released = run(hub.payments.release(payment.uetr, OPERATOR))
        assert released.status is PaymentStatus.SETTLED and released.iso_status == "ACCC"
        assert _available(hub, debtor_id) == before  # It was already reserved.
        b = hub.store.account_balance(debtor_id)
        assert b is not None and b.debits_pending == 0
        assert hub.payments.cases(OPERATOR) == []
        with pytest.raises(Refused):
            run(hub.payments.release(payment.uetr, OPERATOR))
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_rejecting_a_held_payment_voids_both_legs_and_changes_no_balance(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db", risk=Fixed(HOLD))
    try:
        before = accounts_snapshot(tmp_path / "hub.db")
        payment, _ = _pay(hub)
        rejected = run(hub.payments.reject(payment.uetr, OPERATOR))
        assert rejected.status is PaymentStatus.REJECTED and rejected.reason is ReasonCode.RR04
        assert accounts_snapshot(tmp_path / "hub.db") == before
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_only_the_operator_reviews_held_payments(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db", risk=Fixed(HOLD))
    try:
        payment, _ = _pay(hub)
        psp = Participant(payment.debtor.agent, Role.PSP, "SG")
        with pytest.raises(Forbidden):
            run(hub.payments.release(payment.uetr, psp))
        with pytest.raises(Forbidden):
            hub.payments.cases(psp)
        assert hub.store.payment(payment.uetr).status is PaymentStatus.HELD  # type: ignore[union-attr]
    finally:
        hub.close()


def test_a_hold_nobody_reviews_is_rejected_and_both_legs_voided(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db", risk=Fixed(HOLD), payment_timeout_s=1, hold_review_s=1)
    try:
        before = accounts_snapshot(tmp_path / "hub.db")
        payment, _ = _pay(hub)
        assert payment.status is PaymentStatus.HELD
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            stored = hub.store.payment(payment.uetr)
            if stored is not None and stored.status is PaymentStatus.REJECTED:
                break
            time.sleep(0.1)
        assert stored is not None and stored.status is PaymentStatus.REJECTED
        assert stored.reason is ReasonCode.AB03
        assert accounts_snapshot(tmp_path / "hub.db") == before
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_blocked_payment_reserves_nothing_and_reports_blck(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db", risk=Fixed(BLOCK))
    try:
        before = accounts_snapshot(tmp_path / "hub.db")
        payment, _ = _pay(hub)
        assert payment.status is PaymentStatus.BLOCKED and payment.iso_status == "BLCK"
        assert payment.reason is ReasonCode.RR04
        assert payment.risk_reasons == BLOCK.reasons
        assert accounts_snapshot(tmp_path / "hub.db") == before
        assert_ledgers_balance(hub)
    finally:
        hub.close()
