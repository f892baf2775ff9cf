"""Every risk rule inside a real payment: passed, held (funds reserved) or blocked (nothing
reserved), and every ledger still balances. Sanctions use the real UN list from ../shared."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from testkit import (  # type: ignore[import-not-found]
    accounts_snapshot,
    assert_ledgers_balance,
    every_rule_off,
    get_quote,
    open_hub,
    payment_request,
    psp_of,
    richest,
    run,
)

from lintas.adapters.sanctions import load_list
from lintas.bootstrap import Hub
from lintas.codecs import emvqr
from lintas.domain import signals as sig
from lintas.domain.errors import ReasonCode
from lintas.domain.payment import Payment, PaymentStatus
from lintas.domain.reference import Country
from lintas.matching import SanctionsEntry, SanctionsList
from lintas.ports.clock import SystemClock
from lintas.ports.directory import AccountHolder, Participant, Role
from lintas.ports.signals import InMemorySignals
from lintas.sandbox.merchants import Merchant, merchants_in
from lintas.sandbox.region import Customer
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.risk import RiskRules, RulesAssessor, load_risk_rules
from lintas.services.screening import ScreeningService

UN_LIST = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "sanctions"
    / "un-sc-consolidated-2020-11-24.xml"
)
needs_un_list = pytest.mark.skipif(
    not UN_LIST.exists(), reason=f"the UN list is not at {UN_LIST} (../shared is absent)"
)
OPERATOR = Participant("OPERATOR", Role.OPERATOR)


@pytest.fixture(scope="module")
def un_screening() -> ScreeningService:
    if not UN_LIST.exists():
        pytest.skip(f"the UN list is not at {UN_LIST} (../shared is absent)")
    return ScreeningService.from_files([UN_LIST], loader=load_list, clock=SystemClock())


def _hub(tmp_path: Path, assessor: RulesAssessor, **config: Any) -> Iterator[Hub]:
    hub = open_hub(tmp_path / "hub.db", risk=assessor, **config)
    try:
        yield hub
    finally:
        hub.close()


def _only(**on: Any) -> RiskRules:
    return replace(load_risk_rules(), **every_rule_off(**on))


def _signals_hub(tmp_path: Path) -> Iterator[tuple[Hub, InMemorySignals]]:
    """A hub whose only rule is the scam signals one, and the signals it reads."""
    signals = InMemorySignals()
    for hub in _hub(tmp_path, RulesAssessor(_only(signals_enabled=True), signals=signals)):
        yield hub, signals


def _mobile_creditor(hub: Hub) -> tuple[Customer, str]:
    """The first TH customer with a mobile proxy, and that proxy."""
    creditor = next(c for c in hub.region.customers_of("TH") if "MOBILE" in dict(c.proxies))
    return creditor, dict(creditor.proxies)["MOBILE"]


def _pay_merchant(hub: Hub, debtor: Customer, merchant: Merchant) -> Payment:
    """``debtor`` pays 100.00 of its currency to ``merchant`` by its QR code."""
    quote = get_quote(hub, debtor, merchant.country, "100.00")
    request = PaymentRequest(
        uetr=str(uuid.uuid4()),
        quote_id=quote.quote_id,
        debtor=PartyInput(debtor.name_latin, debtor.account, debtor.psp_id),
        creditor=PartyInput(merchant.name, merchant.account, merchant.psp),
        merchant_qr=merchant.qr,
    )
    return run(hub.payments.submit(request, psp_of(debtor)))  # type: ignore[no-any-return]


def _pay(
    hub: Hub,
    amount: str = "100.00",
    *,
    debtor_name: str | None = None,
    creditor_name: str | None = None,
    creditor: Customer | None = None,
) -> Payment:
    debtor = richest(hub, "SG")
    creditor = creditor or richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", amount)
    request = payment_request(quote, debtor, creditor, creditor_name=creditor_name)
    if debtor_name is not None:
        request = PaymentRequest(
            uetr=request.uetr,
            quote_id=request.quote_id,
            debtor=PartyInput(debtor_name, debtor.account, debtor.psp_id),
            creditor=request.creditor,
        )
    return run(hub.payments.submit(request, psp_of(debtor)))  # type: ignore[no-any-return]


def _assert_nothing_reserved(hub: Hub, before: list[tuple[Any, ...]], db: Path) -> None:
    assert accounts_snapshot(db) == before
    assert_ledgers_balance(hub)


def test_with_every_rule_on_an_ordinary_payment_settles(
    tmp_path: Path, un_screening: ScreeningService
) -> None:
    assessor = RulesAssessor(load_risk_rules(), screening=un_screening, signals=InMemorySignals())
    for hub in _hub(tmp_path, assessor):
        payment = _pay(hub)
        assert payment.status is PaymentStatus.SETTLED, payment
        assert payment.risk_reasons == ()
        assert_ledgers_balance(hub)


@needs_un_list
def test_a_debtor_on_the_un_list_is_blocked_rr04_and_nothing_is_reserved(
    tmp_path: Path, un_screening: ScreeningService
) -> None:
    assessor = RulesAssessor(_only(sanctions_enabled=True), screening=un_screening)
    for hub in _hub(tmp_path, assessor):
        before = accounts_snapshot(tmp_path / "hub.db")
        payment = _pay(hub, debtor_name="ABU BAKAR BA'ASYIR")
        assert payment.status is PaymentStatus.BLOCKED and payment.iso_status == "BLCK"
        assert payment.reason is ReasonCode.RR04
        assert payment.risk_reasons[0].startswith("sanctions_hit_debtor: UN Security Council")
        _assert_nothing_reserved(hub, before, tmp_path / "hub.db")


@needs_un_list
def test_a_near_miss_on_the_un_list_is_held_with_the_funds_reserved(
    tmp_path: Path, un_screening: ScreeningService
) -> None:
    assessor = RulesAssessor(_only(sanctions_enabled=True), screening=un_screening)
    for hub in _hub(tmp_path, assessor):
        payment = _pay(hub, debtor_name="Abu Bakar")  # Partial: two of three names.
        hits = un_screening.screen("Abu Bakar", threshold=0.8)
        if hits and hits[0].score >= 0.95:
            pytest.fail(f"'Abu Bakar' should not be a confident hit: {hits[0]}")
        if not hits:
            assert payment.status is PaymentStatus.SETTLED
        else:
            assert payment.status is PaymentStatus.HELD and payment.iso_status == "ACWP"
            rejected = run(hub.payments.reject(payment.uetr, OPERATOR))
            assert rejected.status is PaymentStatus.REJECTED
        assert_ledgers_balance(hub)


def test_the_creditors_registered_name_is_screened_not_the_name_the_sender_typed(
    tmp_path: Path,
) -> None:
    # A list naming the sandbox creditor (in its own script) stands in for a real listing.
    for hub in _hub(tmp_path, RulesAssessor(_only())):
        creditor = richest(hub, "TH")
    entry = SanctionsEntry(
        list_id="t",
        entry_id="T-1",
        primary_name=creditor.name,
        aliases=(),
        entity_type="person",
        source_list="Test list",
    )
    screening = ScreeningService(
        [(SanctionsList("Test list", dt.date(2026, 1, 1), (entry,)), "memory")],
        clock=SystemClock(),
    )
    assessor = RulesAssessor(_only(sanctions_enabled=True), screening=screening)
    for hub in _hub(tmp_path, assessor):
        before = accounts_snapshot(tmp_path / "hub.db")
        payment = _pay(hub, creditor_name="Innocent Name")
        assert payment.status is PaymentStatus.BLOCKED and payment.reason is ReasonCode.RR04
        assert payment.risk_reasons[0].startswith("sanctions_hit_creditor: Test list T-1")
        _assert_nothing_reserved(hub, before, tmp_path / "hub.db")


def test_a_scam_report_on_the_creditor_account_holds_and_a_confident_one_blocks_frad(
    tmp_path: Path,
) -> None:
    for hub, signals in _signals_hub(tmp_path):
        creditor = richest(hub, "TH")
        target = f"{creditor.psp_id}:{creditor.account}"
        assert _pay(hub).status is PaymentStatus.SETTLED
        signals.report("account", target, confidence=70, source="TH-ACSC")
        held = _pay(hub)
        assert held.status is PaymentStatus.HELD and held.iso_status == "ACWP"
        assert held.risk_reasons[0].startswith("scam_signal_on_creditor_account")
        signals.report("account", target, confidence=95, source="MY-NSRC")
        before = accounts_snapshot(tmp_path / "hub.db")
        blocked = _pay(hub)
        assert blocked.status is PaymentStatus.BLOCKED and blocked.reason is ReasonCode.FRAD
        _assert_nothing_reserved(hub, before, tmp_path / "hub.db")
        released = run(hub.payments.release(held.uetr, OPERATOR))
        assert released.status is PaymentStatus.SETTLED
        assert_ledgers_balance(hub)


def test_too_many_payments_from_one_debtor_in_the_window_are_held(tmp_path: Path) -> None:
    assessor = RulesAssessor(_only(velocity_enabled=True, velocity_payments_max=2))
    for hub in _hub(tmp_path, assessor):
        assert _pay(hub, "10.00").status is PaymentStatus.SETTLED
        assert _pay(hub, "10.00").status is PaymentStatus.SETTLED
        third = _pay(hub, "10.00")
        assert third.status is PaymentStatus.HELD
        assert third.risk_reasons[0].startswith("velocity_payments_exceeded: 3 payments")
        assert [p.uetr for p in hub.payments.cases(OPERATOR)] == [third.uetr]
        assert_ledgers_balance(hub)


def test_a_large_first_payment_to_a_new_payee_is_held_then_the_payee_is_known(
    tmp_path: Path,
) -> None:
    rules = _only(new_payee_enabled=True, new_payee_amount_max_minor={"SGD": 50_00})
    for hub in _hub(tmp_path, RulesAssessor(rules)):
        first = _pay(hub, "100.00")
        assert first.status is PaymentStatus.HELD
        assert first.risk_reasons[0].startswith("first_payment_to_new_payee_above_amount")
        assert _pay(hub, "20.00").status is PaymentStatus.SETTLED  # Small: passes, now known.
        assert _pay(hub, "100.00").status is PaymentStatus.SETTLED
        run(hub.payments.reject(first.uetr, OPERATOR))
        assert_ledgers_balance(hub)


def test_a_creditor_name_that_is_not_the_account_holders_is_held_nmtc(tmp_path: Path) -> None:
    for hub in _hub(tmp_path, RulesAssessor(_only(verification_enabled=True))):
        right = _pay(hub)  # The sandbox sends the Latin name; the register holds Thai script.
        assert right.status is PaymentStatus.SETTLED, right.risk_reasons
        wrong = _pay(hub, creditor_name="Golden Harvest Investment Ltd")
        assert wrong.status is PaymentStatus.HELD
        assert wrong.risk_reasons[0].startswith("payee_verification_NMTC")
        assert_ledgers_balance(hub)


def test_a_scam_report_on_the_proxy_the_sender_used_holds_the_payment(tmp_path: Path) -> None:
    for hub, signals in _signals_hub(tmp_path):
        creditor, mobile = _mobile_creditor(hub)
        signals.report("phone", mobile, confidence=70, source="TH-ACSC")
        assert _pay(hub, creditor=creditor).status is PaymentStatus.SETTLED
        held = _declared(hub, creditor, creditor)  # Declares the creditor's mobile number.
        assert held.status is PaymentStatus.HELD
        assert held.risk_reasons[0].startswith("scam_signal_on_creditor_phone")
        assert_ledgers_balance(hub)


def test_a_scam_report_on_a_merchant_qr_id_holds_a_payment_of_that_code(tmp_path: Path) -> None:
    for hub, signals in _signals_hub(tmp_path):
        debtor = richest(hub, "SG")
        merchant = merchants_in(hub.region, "TH")[0]
        decoded = emvqr.decode(merchant.qr)
        proxy = decoded.payable_proxy()
        assert proxy is not None
        signals.report("qr", proxy[1].upper(), confidence=70, source="TH-ACSC")
        held = _pay_merchant(hub, debtor, merchant)
        assert held.status is PaymentStatus.HELD
        assert held.risk_reasons[0].startswith("scam_signal_on_creditor_qr")
        assert_ledgers_balance(hub)


class _HubDirectory:
    """The directory and reference data of a hub opened after its assessor was built."""

    hub: Hub | None = None

    def _open(self) -> Hub:
        assert self.hub is not None, "the hub is opened before any payment"
        return self.hub

    def resolve(self, country: str, address_type: str, value: str) -> AccountHolder | None:
        return self._open().directory.resolve(country, address_type, value)

    def holder(self, country: str, agent: str, account: str) -> AccountHolder | None:
        return self._open().directory.holder(country, agent, account)

    def country(self, code: str) -> Country | None:
        return self._open().reference.country(code)


def _proxy_checking_hub(tmp_path: Path) -> Iterator[Hub]:
    """A hub whose only rule checks a declared proxy against the hub's own directory."""
    late = _HubDirectory()
    assessor = RulesAssessor(_only(), directory=late, reference=late)  # type: ignore[arg-type]
    for hub in _hub(tmp_path, assessor):
        late.hub = hub
        yield hub


def _declared(hub: Hub, creditor: Customer, proxy_of: Customer, amount: str = "100.00") -> Payment:
    debtor = richest(hub, "SG")
    quote = get_quote(hub, debtor, "TH", amount)
    request = replace(
        payment_request(quote, debtor, creditor),
        creditor_proxy=next(p for p in proxy_of.proxies if p[0] == "MOBILE"),
    )
    return run(hub.payments.submit(request, psp_of(debtor)))  # type: ignore[no-any-return]


def test_a_declared_proxy_of_another_account_holds_the_payment_until_reviewed(
    tmp_path: Path,
) -> None:
    for hub in _proxy_checking_hub(tmp_path):
        creditor, other = hub.region.customers_of("TH")[:2]
        assert _declared(hub, creditor, creditor).status is PaymentStatus.SETTLED
        held = _declared(hub, creditor, other)
        assert held.status is PaymentStatus.HELD and held.iso_status == "ACWP"
        assert held.risk_reasons[0].startswith("creditor_proxy_not_the_creditor_account: TH")
        assert_ledgers_balance(hub)
        assert run(hub.payments.reject(held.uetr, OPERATOR)).status is PaymentStatus.REJECTED
        assert_ledgers_balance(hub)


def _spaced(e164: str) -> str:
    """A Thai E.164 number as people type it: "+66 81-234-5678"."""
    assert e164.startswith("+66") and len(e164) == 12, e164
    return f"+66 {e164[3:5]}-{e164[5:8]}-{e164[8:]}"


def test_a_report_on_a_national_number_holds_a_payment_declaring_it_in_international_form(
    tmp_path: Path,
) -> None:
    signals = InMemorySignals()
    late = _HubDirectory()
    assessor = RulesAssessor(
        _only(signals_enabled=True),
        signals=signals,
        reference=late,  # type: ignore[arg-type]
    )
    for hub in _hub(tmp_path, assessor):
        late.hub = hub
        debtor = richest(hub, "SG")
        creditor, mobile = _mobile_creditor(hub)
        national = "0" + mobile[3:]
        # The exchange reads a report on the national form in Thailand as the E.164 number.
        thai_mobile = hub.reference.country("TH").address_type("MOBILE")  # type: ignore[union-attr]
        reported = sig.normalise(sig.SignalType.PHONE, national, sig.Hints(mobile=thai_mobile))
        signals.report(reported.type.value, reported.value, confidence=70, source="AOC-TH")
        quote = get_quote(hub, debtor, "TH", "100.00")
        request = replace(
            payment_request(quote, debtor, creditor), creditor_proxy=("MOBILE", _spaced(mobile))
        )
        held = run(hub.payments.submit(request, psp_of(debtor)))
        assert held.status is PaymentStatus.HELD and held.iso_status == "ACWP"
        assert held.risk_reasons[0].startswith("scam_signal_on_creditor_phone")
        assert_ledgers_balance(hub)
        assert run(hub.payments.reject(held.uetr, OPERATOR)).status is PaymentStatus.REJECTED
        assert_ledgers_balance(hub)


def test_a_declared_proxy_written_another_way_settles_when_it_is_the_creditors(
    tmp_path: Path,
) -> None:
    for hub in _proxy_checking_hub(tmp_path):
        debtor = richest(hub, "SG")
        creditor, mobile = _mobile_creditor(hub)
        for written in (_spaced(mobile), "0" + mobile[3:], f"+66 ({mobile[3:5]}) {mobile[5:]}"):
            quote = get_quote(hub, debtor, "TH", "100.00")
            request = replace(
                payment_request(quote, debtor, creditor), creditor_proxy=("MOBILE", written)
            )
            paid = run(hub.payments.submit(request, psp_of(debtor)))
            assert paid.status is PaymentStatus.SETTLED, (written, paid.risk_reasons)
        assert_ledgers_balance(hub)


@pytest.mark.parametrize("country", ["BN", "MM", "IN"])
def test_a_report_on_a_generic_template_merchant_qr_id_holds_and_then_blocks_its_payment(
    tmp_path: Path, country: str
) -> None:
    for hub, signals in _signals_hub(tmp_path):
        debtor = richest(hub, "SG")
        merchant = merchants_in(hub.region, country)[0]
        assert emvqr.decode(merchant.qr).payable_proxy() is None  # Scheme "unknown".
        assert _pay_merchant(hub, debtor, merchant).status is PaymentStatus.SETTLED
        qr_id = sig.normalise(sig.SignalType.QR, merchant.id).value
        signals.report("qr", qr_id, confidence=90, source="ASC-SG")
        held = _pay_merchant(hub, debtor, merchant)
        assert held.status is PaymentStatus.HELD and held.iso_status == "ACWP"
        assert held.risk_reasons[0].startswith("scam_signal_on_creditor_qr")
        assert_ledgers_balance(hub)
        signals.report("qr", qr_id, confidence=95, source=f"ASC-{country}")
        before = accounts_snapshot(tmp_path / "hub.db")
        blocked = _pay_merchant(hub, debtor, merchant)
        assert blocked.status is PaymentStatus.BLOCKED and blocked.reason is ReasonCode.FRAD
        _assert_nothing_reserved(hub, before, tmp_path / "hub.db")
        assert run(hub.payments.reject(held.uetr, OPERATOR)).status is PaymentStatus.REJECTED
        assert_ledgers_balance(hub)
