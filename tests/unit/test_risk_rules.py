"""The risk rules one by one, and their configuration file (no I/O but reading the TOML)."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from testkit import every_rule_off  # type: ignore[import-not-found]

from lintas.adapters.sandbox import SandboxReference
from lintas.codecs import emvqr
from lintas.domain import signals as sig
from lintas.domain.errors import ReasonCode
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Party, Payment
from lintas.matching import SanctionsEntry, SanctionsList
from lintas.ports.clock import FixedClock
from lintas.ports.directory import AccountHolder
from lintas.ports.risk import RiskContext, RiskDecision, RiskOutcome
from lintas.ports.signals import InMemorySignals
from lintas.sandbox.merchants import merchants_in
from lintas.sandbox.region import build_region
from lintas.services.risk import _KEYS as RULE_KEYS
from lintas.services.risk import (
    RISK_CONFIG_DEFAULT,
    RiskConfigError,
    RiskRules,
    RulesAssessor,
    load_risk_rules,
    merchant_qr_ids,
    rules_from_mapping,
)
from lintas.services.screening import ScreeningService

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LISTED = SanctionsEntry(
    list_id="test",
    entry_id="T.1",
    primary_name="Viktor Bout Kalashnikov",
    aliases=(),
    entity_type="person",
    source_list="Test list",
    list_date=dt.date(2026, 1, 1),
)
HOLDER = AccountHolder("TH", "PSPTHBBB", "2222", "Creditor", "Creditor")
DEBTOR = AccountHolder("SG", "PSPSGAAA", "1111", "Debtor", "Debtor")
MakePayment = Callable[..., Payment]


def _screening(threshold: float = 0.8) -> ScreeningService:
    lists = [(SanctionsList("Test list", dt.date(2026, 1, 1), (LISTED,)), "memory")]
    return ScreeningService(lists, clock=FixedClock(T0), threshold=threshold)


def _rules(**overrides: Any) -> RiskRules:
    """Every rule off except those switched on in ``overrides``."""
    return RiskRules(**every_rule_off(**overrides))


def _context(holder: AccountHolder = HOLDER) -> RiskContext:
    return RiskContext(creditor_holder=holder, debtor_holder=DEBTOR)


def test_with_every_rule_on_an_ordinary_payment_passes(make_payment: MakePayment) -> None:
    rules = load_risk_rules()
    assessor = RulesAssessor(rules, screening=_screening(), signals=InMemorySignals())
    decision = assessor.assess(make_payment(), _context())
    assert decision.outcome is RiskOutcome.PASS and decision.reasons == ()


def test_a_debtor_on_a_sanctions_list_blocks_the_payment_with_rr04(
    make_payment: MakePayment,
) -> None:
    assessor = RulesAssessor(_rules(sanctions_enabled=True), screening=_screening())
    payment = make_payment(debtor=Party("KALASHNIKOV Viktor Bout", "1111", "PSPSGAAA"))
    decision = assessor.assess(payment, _context())
    assert decision.outcome is RiskOutcome.BLOCK and decision.code is ReasonCode.RR04
    assert decision.reasons[0].startswith("sanctions_hit_debtor: Test list T.1")


def test_a_creditor_whose_registered_name_is_listed_is_caught_whatever_name_the_sender_gave(
    make_payment: MakePayment,
) -> None:
    assessor = RulesAssessor(_rules(sanctions_enabled=True), screening=_screening())
    holder = AccountHolder("TH", "PSPTHBBB", "2222", "Viktor Bout Kalashnikov", "Viktor B***")
    decision = assessor.assess(make_payment(), _context(holder))
    assert decision.outcome is RiskOutcome.BLOCK
    assert decision.reasons[0].startswith("sanctions_hit_creditor:")


def test_a_weaker_sanctions_hit_holds_instead_of_blocking(make_payment: MakePayment) -> None:
    assessor = RulesAssessor(_rules(sanctions_enabled=True), screening=_screening())
    payment = make_payment(debtor=Party("Viktor Kalashnikov", "1111", "PSPSGAAA"))
    decision = assessor.assess(payment, _context())
    assert decision.outcome is RiskOutcome.HOLD, decision
    assert "sanctions_hit_debtor" in decision.reasons[0]


def test_a_participant_with_a_stricter_threshold_does_not_hold_a_weak_hit(
    make_payment: MakePayment,
) -> None:
    rules = _rules(sanctions_enabled=True, participant_screening_thresholds={"PSPSGAAA": 0.95})
    assessor = RulesAssessor(rules, screening=_screening())
    payment = make_payment(debtor=Party("Viktor Kalashnikov", "1111", "PSPSGAAA"))
    assert assessor.assess(payment, _context()).outcome is RiskOutcome.PASS


def test_one_report_on_the_creditor_account_holds_and_confident_reports_block_with_frad(
    make_payment: MakePayment,
) -> None:
    signals = InMemorySignals()
    assessor = RulesAssessor(_rules(signals_enabled=True), signals=signals)
    signals.report("account", "PSPTHBBB:2222", confidence=90, source="ORG-A")
    held = assessor.assess(make_payment(), _context())
    assert held.outcome is RiskOutcome.HOLD
    assert held.reasons[0].startswith("scam_signal_on_creditor_account: 1 active report")
    signals.report("account", "PSPTHBBB:2222", confidence=85, source="ORG-B")
    blocked = assessor.assess(make_payment(), _context())
    assert blocked.outcome is RiskOutcome.BLOCK and blocked.code is ReasonCode.FRAD


def test_a_report_on_another_account_changes_nothing(make_payment: MakePayment) -> None:
    signals = InMemorySignals()
    signals.report("account", "PSPTHBBB:9999", confidence=100, source="ORG-A")
    assessor = RulesAssessor(_rules(signals_enabled=True), signals=signals)
    assert assessor.assess(make_payment(), _context()).outcome is RiskOutcome.PASS


def test_the_eleventh_payment_within_the_window_is_held_and_the_window_slides(
    make_payment: MakePayment,
) -> None:
    assessor = RulesAssessor(
        _rules(velocity_enabled=True, velocity_payments_max=10, velocity_window_s=3600)
    )
    for i in range(10):
        at = T0 + timedelta(minutes=i)
        assert assessor.assess(make_payment(created_at=at), _context()).outcome is RiskOutcome.PASS
    eleventh = assessor.assess(make_payment(created_at=T0 + timedelta(minutes=10)), _context())
    assert eleventh.outcome is RiskOutcome.HOLD
    assert eleventh.reasons[0].startswith("velocity_payments_exceeded: 11 payments")
    later = make_payment(created_at=T0 + timedelta(hours=2))
    assert assessor.assess(later, _context()).outcome is RiskOutcome.PASS


def test_payments_adding_up_to_more_than_the_window_amount_are_held(
    make_payment: MakePayment,
) -> None:
    rules = _rules(velocity_enabled=True, velocity_amount_max_minor={"SGD": 25_000})
    assessor = RulesAssessor(rules)
    assert assessor.assess(make_payment(), _context()).outcome is RiskOutcome.PASS
    assert assessor.assess(make_payment(), _context()).outcome is RiskOutcome.PASS
    third = assessor.assess(make_payment(), _context())  # 300.00 SGD in all.
    assert third.outcome is RiskOutcome.HOLD
    assert third.reasons[0].startswith("velocity_amount_exceeded: 30000 minor units of SGD")


def test_velocity_memory_is_bounded_by_debtors_max(make_payment: MakePayment) -> None:
    assessor = RulesAssessor(_rules(velocity_enabled=True, velocity_debtors_max=5))
    for i in range(50):
        assessor.assess(make_payment(debtor=Party("D", f"{i:04d}", "PSPSGAAA")), _context())
    assert len(assessor._recent) == 5


def test_a_first_large_payment_to_a_new_payee_is_held_and_a_known_payee_passes(
    make_payment: MakePayment,
) -> None:
    rules = _rules(new_payee_enabled=True, new_payee_amount_max_minor={"SGD": 5_000})
    assessor = RulesAssessor(rules)
    big = Money(10_000, CurrencyCode("SGD"))
    small = Money(4_000, CurrencyCode("SGD"))
    held = assessor.assess(make_payment(amount_debited=big), _context())
    assert held.outcome is RiskOutcome.HOLD
    assert held.reasons[0].startswith("first_payment_to_new_payee_above_amount: 100.00 SGD")
    assert assessor.assess(make_payment(amount_debited=small), _context()).outcome is (
        RiskOutcome.PASS
    )
    assert assessor.assess(make_payment(amount_debited=big), _context()).outcome is (
        RiskOutcome.PASS
    )


def test_a_creditor_name_that_does_not_match_the_registered_name_is_held(
    make_payment: MakePayment,
) -> None:
    assessor = RulesAssessor(_rules(verification_enabled=True))
    holder = AccountHolder("TH", "PSPTHBBB", "2222", "สุรชัย ทองคำ", "Surachai T*******")
    right = make_payment(creditor=Party("Surachai Thongkham", "2222", "PSPTHBBB"))
    wrong = make_payment(creditor=Party("Lucky Investment Ltd", "2222", "PSPTHBBB"))
    assert assessor.assess(right, _context(holder)).outcome is RiskOutcome.PASS
    held = assessor.assess(wrong, _context(holder))
    assert held.outcome is RiskOutcome.HOLD
    assert held.reasons[0].startswith("payee_verification_NMTC:")


def test_a_block_wins_over_holds_and_every_reason_is_kept(make_payment: MakePayment) -> None:
    signals = InMemorySignals()
    signals.report("account", "PSPTHBBB:2222", confidence=90, source="A")
    signals.report("account", "PSPTHBBB:2222", confidence=90, source="B")
    rules = _rules(signals_enabled=True, verification_enabled=True)
    assessor = RulesAssessor(rules, signals=signals)
    payment = make_payment(creditor=Party("Someone Else", "2222", "PSPTHBBB"))
    holder = AccountHolder("TH", "PSPTHBBB", "2222", "Somchai Bunma", "Somchai B****")
    decision = assessor.assess(payment, _context(holder))
    assert decision.outcome is RiskOutcome.BLOCK and decision.code is ReasonCode.FRAD
    assert len(decision.reasons) == 2


def test_the_shipped_configuration_file_loads_with_every_rule_on() -> None:
    rules = load_risk_rules(RISK_CONFIG_DEFAULT)
    assert rules.sanctions_enabled and rules.signals_enabled and rules.velocity_enabled
    assert rules.new_payee_enabled and rules.verification_enabled
    assert rules.new_payee_amount_max_minor["SGD"] == 135_000
    assert len(rules.velocity_amount_max_minor) == 11


def test_a_configuration_file_changes_a_threshold_without_code(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        "[velocity]\npayments_max = 3\n\n[participants.PSPSGAAA]\nscreening_threshold = 0.9\n",
        encoding="utf-8",
    )
    rules = load_risk_rules(path)
    assert rules.velocity_payments_max == 3
    assert rules.participant_screening_thresholds == {"PSPSGAAA": 0.9}


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"velocity": {"payment_max": 3}}, r"unknown key\(s\) in \[velocity\]"),
        ({"sanction": {}}, r"unknown section\(s\)"),
        ({"sanctions": {"hold_score": 0.99, "block_score": 0.9}}, "hold_score <= block_score"),
        ({"velocity": {"window_s": "1h"}}, "velocity.window_s must be int"),
        ({"velocity": {"window_s": 0}}, "velocity.window_s must be"),
        ({"velocity": {"payments_max": 0}}, "velocity.payments_max must be"),
        ({"velocity": {"debtors_max": 10**12}}, "velocity.debtors_max must be"),
        ({"velocity": {"amount_max": 5}}, r"\[velocity.amount_max\] must be a table"),
        ({"new_payee": {"pairs_max": 0}}, "new_payee.pairs_max must be"),
        ({"new_payee": {"amount_max": {"SGD": "1.234"}}}, "new_payee.amount_max.SGD"),
        ({"signals": {"hold_reports": 0}}, "signals.hold_reports must be at least 1"),
        ({"signals": {"block_confidence": 101}}, "signals.block_confidence 0-100"),
        ({"signals": {"block_sources": 0}}, "block_sources at least 1"),
        ({"sanctions": {"cache_max": 0}}, "sanctions.cache_max must be at least 1"),
        ({"sanctions": {"enabled": 1}}, "sanctions.enabled must be bool"),
        ({"velocity": {"window_s": True}}, "velocity.window_s must be int"),
        ({"verification": {"hold_on": ["MAYBE"]}}, "verification.hold_on takes"),
        ({"participants": {"X": {"screening_threshold": 2}}}, "participants.X.screening_threshold"),
        ({"participants": {"X": {"screening_threshold": "0.9"}}}, "participants.X"),
        ({"participants": {"X": {"threshold": 0.9}}}, r"\[participants.X\] takes only"),
    ],
)
def test_a_typo_or_an_invalid_value_in_the_configuration_is_refused_with_what_is_wrong(
    raw: dict[str, Any], says: str
) -> None:
    with pytest.raises(RiskConfigError, match=says):
        rules_from_mapping(raw)


def test_a_whole_number_is_taken_where_a_score_is_expected() -> None:
    rules = rules_from_mapping({"sanctions": {"block_score": 1}})
    assert rules.sanctions_block_score == 1.0 and isinstance(rules.sanctions_block_score, float)


def test_a_missing_or_broken_configuration_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RiskConfigError, match="does not exist"):
        load_risk_rules(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[velocity\n", encoding="utf-8")
    with pytest.raises(RiskConfigError, match="not valid TOML"):
        load_risk_rules(broken)


# -- the creditor proxy the debtor agent declares -------------------------------------------

REGION = build_region(2026, 10)
TH_MOBILE = "+66812345678"


class Directory:
    """A destination directory knowing one proxy per (country, type, value)."""

    def __init__(self, **holders: AccountHolder) -> None:
        self._by_proxy = {("TH", "MOBILE", value): h for value, h in holders.items()}

    def resolve(self, country: str, address_type: str, value: str) -> AccountHolder | None:
        return self._by_proxy.get((country, address_type, value))

    def holder(self, country: str, agent: str, account: str) -> AccountHolder | None:
        return HOLDER if (country, agent, account) == ("TH", "PSPTHBBB", "2222") else None


def _proxy_assessor(directory: Directory, **rules: Any) -> RulesAssessor:
    return RulesAssessor(_rules(**rules), directory=directory, reference=SandboxReference(REGION))


def _declared(value: str, address_type: str = "MOBILE") -> RiskContext:
    return RiskContext(HOLDER, DEBTOR, creditor_proxy=(address_type, value))


def test_a_declared_proxy_leading_to_the_credited_account_passes_however_it_is_written(
    make_payment: MakePayment,
) -> None:
    assessor = _proxy_assessor(Directory(**{TH_MOBILE: HOLDER}))
    for written in (TH_MOBILE, "081-234-5678", "+66 81 234 5678"):
        decision = assessor.assess(make_payment(), _declared(written))
        assert decision.outcome is RiskOutcome.PASS, (written, decision.reasons)


def test_a_declared_proxy_of_another_account_holds_the_payment_and_says_why(
    make_payment: MakePayment,
) -> None:
    someone_else = AccountHolder("TH", "PSPTHCCC", "7777", "Mule", "M***")
    assessor = _proxy_assessor(Directory(**{TH_MOBILE: someone_else}))
    decision = assessor.assess(make_payment(), _declared("0812345678"))
    assert decision.outcome is RiskOutcome.HOLD
    (reason,) = decision.reasons
    assert reason.startswith("creditor_proxy_not_the_creditor_account: TH MOBILE 0812345678")
    assert "leads to another account, not to PSPTHBBB:2222" in reason
    assert "7777" not in reason  # The other account is not disclosed to the PSPs.


def test_a_declared_proxy_nobody_holds_or_that_cannot_be_read_holds_the_payment(
    make_payment: MakePayment,
) -> None:
    assessor = _proxy_assessor(Directory())
    unknown = assessor.assess(make_payment(), _declared(TH_MOBILE))
    assert unknown.outcome is RiskOutcome.HOLD
    assert "is registered to nobody" in unknown.reasons[0]
    malformed = assessor.assess(make_payment(), _declared("12"))
    assert malformed.outcome is RiskOutcome.HOLD and "is no valid" in malformed.reasons[0]
    no_such_type = assessor.assess(make_payment(), _declared("x", address_type="UPI"))
    assert "is no address type of TH" in no_such_type.reasons[0]


def test_a_proxy_mismatch_never_lifts_a_block_and_both_reasons_are_kept(
    make_payment: MakePayment,
) -> None:
    signals = InMemorySignals()
    for source in ("ORG-A", "ORG-B"):
        signals.report("account", "PSPTHBBB:2222", confidence=95, source=source)
    assessor = RulesAssessor(
        _rules(signals_enabled=True),
        signals=signals,
        directory=Directory(),
        reference=SandboxReference(REGION),
    )
    decision = assessor.assess(make_payment(), _declared(TH_MOBILE))
    assert decision.outcome is RiskOutcome.BLOCK and decision.code is ReasonCode.FRAD
    assert [r.split(":")[0] for r in decision.reasons] == [
        "scam_signal_on_creditor_account",
        "creditor_proxy_not_the_creditor_account",
    ]


def test_without_a_directory_or_a_declared_proxy_or_when_switched_off_nothing_is_checked(
    make_payment: MakePayment,
) -> None:
    without = RulesAssessor(_rules())
    assert without.assess(make_payment(), _declared(TH_MOBILE)).outcome is RiskOutcome.PASS
    assessor = _proxy_assessor(Directory())
    assert assessor.assess(make_payment(), _context()).outcome is RiskOutcome.PASS
    qr = assessor.assess(make_payment(), _declared("000201...", address_type="QR"))
    assert qr.outcome is RiskOutcome.PASS  # A QR is checked as merchantQr, not here.
    off = _proxy_assessor(Directory(), creditor_proxy_enabled=False)
    assert off.assess(make_payment(), _declared(TH_MOBILE)).outcome is RiskOutcome.PASS


def test_the_creditor_proxy_rule_is_on_by_default_and_switched_in_its_own_section() -> None:
    assert load_risk_rules().creditor_proxy_enabled
    assert not rules_from_mapping({"creditor_proxy": {"enabled": False}}).creditor_proxy_enabled
    with pytest.raises(RiskConfigError, match="creditor_proxy"):
        rules_from_mapping({"creditor_proxy": {"enabeld": True}})


# -- the declared proxy and the merchant QR as the exchange writes them ---------------------


def _signals_assessor(signals: InMemorySignals, **rules: Any) -> RulesAssessor:
    return RulesAssessor(
        _rules(signals_enabled=True, **rules), signals=signals, reference=SandboxReference(REGION)
    )


def _after_one_report(
    payment: Payment, kind: str, value: str, context: RiskContext
) -> RiskDecision:
    """The signals rule's decision on ``payment`` once one organisation has reported
    ``value``."""
    signals = InMemorySignals()
    signals.report(kind, value, confidence=70, source="AOC-TH")
    return _signals_assessor(signals).assess(payment, context)


@pytest.mark.parametrize("declared", ["+66 81-234-5678", "0812345678", "(081) 234.5678"])
def test_a_report_on_a_number_holds_a_payment_that_declares_it_written_another_way(
    make_payment: MakePayment, declared: str
) -> None:
    # The exchange stores a report on "0812345678" (TH) as the number in E.164.
    decision = _after_one_report(make_payment(), "phone", TH_MOBILE, _declared(declared))
    assert decision.outcome is RiskOutcome.HOLD, decision
    assert decision.reasons[0].startswith("scam_signal_on_creditor_phone: 1 active report")


def test_an_international_number_is_read_even_without_the_reference_data(
    make_payment: MakePayment,
) -> None:
    signals = InMemorySignals()
    signals.report("phone", TH_MOBILE, confidence=70, source="AOC-TH")
    assessor = RulesAssessor(_rules(signals_enabled=True), signals=signals)
    decision = assessor.assess(make_payment(), _declared("+66 81-234-5678"))
    assert decision.outcome is RiskOutcome.HOLD, decision


def test_a_report_on_a_proxy_holds_a_payment_that_declares_it_with_separators(
    make_payment: MakePayment,
) -> None:
    context = _declared("1-1017-00123-45-6", address_type="NATIONAL_ID")
    decision = _after_one_report(make_payment(), "proxy", "TH:NATIONAL_ID:1101700123456", context)
    assert decision.outcome is RiskOutcome.HOLD, decision
    assert decision.reasons[0].startswith("scam_signal_on_creditor_proxy: 1 active report")


def test_an_unreadable_declared_proxy_is_still_looked_up_and_never_raises(
    make_payment: MakePayment,
) -> None:
    decision = _after_one_report(make_payment(), "phone", "12", _declared("12"))
    assert decision.outcome is RiskOutcome.HOLD, decision


@pytest.mark.parametrize(
    "declared", ["+66 (81) 234-5678", "081.234.5678", "0066 81 234 5678", " 0812345678 "]
)
def test_a_declared_proxy_written_another_way_is_no_reason_to_hold(
    make_payment: MakePayment, declared: str
) -> None:
    assessor = _proxy_assessor(Directory(**{TH_MOBILE: HOLDER}))
    decision = assessor.assess(make_payment(), _declared(declared))
    assert decision.outcome is RiskOutcome.PASS, (declared, decision.reasons)


@pytest.mark.parametrize("country", ["BN", "MM", "IN"])
def test_a_report_on_the_merchant_id_of_a_generic_template_qr_holds_then_blocks(
    make_payment: MakePayment, country: str
) -> None:
    merchant = merchants_in(REGION, country)[0]
    assert emvqr.decode(merchant.qr).payable_proxy() is None  # Scheme "unknown".
    payment = make_payment(
        destination_country=country, creditor=Party(merchant.name, merchant.account, merchant.psp)
    )
    context = RiskContext(None, DEBTOR, merchant_qr=merchant.qr)
    signals = InMemorySignals()
    assessor = _signals_assessor(signals)
    assert assessor.assess(payment, context).outcome is RiskOutcome.PASS
    # Reported as a caller writes it; the exchange keeps it upper case, without dashes.
    reported = sig.normalise(sig.SignalType.QR, merchant.id.lower()).value
    signals.report("qr", reported, confidence=90, source="ORG-A")
    held = assessor.assess(payment, context)
    assert held.outcome is RiskOutcome.HOLD
    assert held.reasons[0].startswith("scam_signal_on_creditor_qr: 1 active report")
    signals.report("qr", reported, confidence=85, source="ORG-B")
    blocked = assessor.assess(payment, context)
    assert blocked.outcome is RiskOutcome.BLOCK and blocked.code is ReasonCode.FRAD


def test_merchant_qr_ids_reads_a_template_only_by_a_registered_guid() -> None:
    merchant = merchants_in(REGION, "BN")[0]
    assert merchant_qr_ids(merchant.qr) == [merchant.id]
    assert merchant_qr_ids(merchant.qr, templates={}) == []
    assert merchant_qr_ids(merchant.qr, templates={"LINTAS.GENERIC": "01"}) == [merchant.psp]
    thai = merchants_in(REGION, "TH")[0]
    assert merchant_qr_ids(thai.qr) == [thai.proxy]  # Its payable proxy, as before.


def test_the_shipped_configuration_file_writes_every_section_and_key_at_its_code_default() -> None:
    with RISK_CONFIG_DEFAULT.open("rb") as f:
        raw = tomllib.load(f)
    defaults = RiskRules()
    shipped = load_risk_rules()
    for section, keys in RULE_KEYS.items():
        if section == "participants":
            continue  # Per-participant overrides are examples, commented out.
        assert section in raw, f"[{section}] is missing from {RISK_CONFIG_DEFAULT.name}"
        assert set(raw[section]) == keys, section
        for key in keys - {"amount_max"}:
            name = f"{section}_{key}"
            assert getattr(shipped, name) == getattr(defaults, name), name
    assert raw["creditor_proxy"] == {"enabled": True}


def test_a_creditor_proxy_switch_that_is_not_a_boolean_is_refused_with_its_key_named() -> None:
    with pytest.raises(RiskConfigError, match=r"creditor_proxy\.enabled must be bool"):
        rules_from_mapping({"creditor_proxy": {"enabled": "yes"}})
    with pytest.raises(RiskConfigError, match=r"\[creditor_proxy\] must be a table"):
        rules_from_mapping({"creditor_proxy": True})
