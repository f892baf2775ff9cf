"""Shared Hypothesis strategies and fixed samples for the ISO 20022 codec tests.

Also checks that every fixed sample is a message the official XSDs accept.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from lintas.codecs import iso20022 as iso
from lintas.codecs.iso20022.schema import XSD_DIR_ENV
from lintas.domain.money import CURRENCY_EXPONENTS, Money, currency

REPO_ROOT = Path(__file__).resolve().parents[2]
XSD_DIR = REPO_ROOT / ".." / "shared" / "iso20022" / "xsd"
needs_xsd = pytest.mark.skipif(
    not XSD_DIR.is_dir() and not os.environ.get(XSD_DIR_ENV),
    reason=f"official ISO 20022 XSDs not found at {XSD_DIR} (set {XSD_DIR_ENV})",
)
# Every test here builds or validates against the official XSDs.
pytestmark = needs_xsd

# ---------------------------------------------------------------- strategies
# Text the XSDs and XML both accept: printable, no leading/trailing space games needed
# because xs:string keeps whitespace as written.
_CHARS = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Co", "Cn"),
    exclude_characters="\ufffe\uffff",
)


def text(length_max: int) -> st.SearchStrategy[str]:
    return st.text(_CHARS, min_size=1, max_size=length_max)


ids = text(35)
names = text(140)
infos = st.lists(text(105), max_size=4).map(tuple)
# Both the 2009 BICFI pattern (acmt) and the 2014 one (pacs, camt, head) accept these.
bics = st.from_regex(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?", fullmatch=True)
uetrs = st.uuids(version=4).map(str)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=7))])
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=offsets
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS)).map(currency)


def money_in(code: str, minor_max: int = 10**13) -> st.SearchStrategy[Money]:
    return st.integers(0, minor_max).map(lambda minor: Money(minor, currency(code)))


monies = currencies.flatmap(money_in)
accounts = st.builds(iso.Account, text(34), st.none() | ids)


def _rate_fits(rate: Decimal) -> bool:
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)
    return len(rate.as_tuple().digits) <= 11 and -exponent <= 10


rates: st.SearchStrategy[Decimal] = st.builds(
    lambda n, k: Decimal(n).scaleb(-k), st.integers(1, 10**11 - 1), st.integers(0, 10)
).filter(_rate_fits)
originals = st.builds(
    iso.OriginalReference,
    message_id=ids,
    message_name=st.just(iso.MessageId("pacs.008.001.13")),
    end_to_end_id=st.none() | ids,
    uetr=uetrs,
)


@st.composite
def credit_transfers(draw: st.DrawFn) -> iso.CreditTransfer:
    source, target = draw(currencies), draw(currencies)
    remittance = draw(st.lists(text(140).filter(lambda s: not s.startswith("Nexus")), max_size=3))
    if draw(st.booleans()):
        remittance.append(f"NexusOrgnlUETR:{draw(uetrs)}")
    return iso.CreditTransfer(
        message_id=draw(ids),
        created_at=draw(moments),
        clearing_system=draw(ids),
        end_to_end_id=draw(ids),
        transaction_id=draw(st.none() | ids),
        uetr=draw(uetrs),
        priority=draw(st.sampled_from(iso.Priority)),
        settlement_amount=draw(money_in(target)),
        settlement_date=draw(st.none() | days),
        accepted_at=draw(moments),
        instructed_amount=draw(money_in(source)),
        exchange_rate=draw(rates),
        quote_id=draw(st.none() | uetrs),
        charge_bearer=draw(st.sampled_from(iso.ChargeBearer)),
        charges=tuple(draw(st.lists(st.builds(iso.Charge, money_in(source), bics), max_size=2))),
        instructing_agent_bic=draw(bics),
        instructed_agent_bic=draw(bics),
        intermediary_agent_1_bic=draw(bics),
        intermediary_agent_1_account=draw(accounts),
        intermediary_agent_2_bic=draw(bics),
        intermediary_agent_2_account=draw(accounts),
        debtor_name=draw(names),
        debtor_account=draw(accounts),
        debtor_agent_bic=draw(bics),
        creditor_agent_bic=draw(bics),
        creditor_name=draw(names),
        creditor_account=draw(accounts),
        remittance_lines=tuple(remittance),
    )


@st.composite
def status_reports(draw: st.DrawFn) -> iso.StatusReport:
    status = draw(st.sampled_from(iso.TransactionStatus))
    reason: iso.StatusReason | None = None
    info: tuple[str, ...] = ()
    if status in (iso.TransactionStatus.REJECTED, iso.TransactionStatus.BLOCKED) or (
        status is iso.TransactionStatus.ACCEPTED_WITH_CHANGE_OR_HELD and draw(st.booleans())
    ):
        reason = draw(st.sampled_from(iso.StatusReason))
        info = draw(infos)
    return iso.StatusReport(
        message_id=draw(ids),
        created_at=draw(moments),
        original=draw(originals),
        status=status,
        reason=reason,
        additional_info=info,
        accepted_at=draw(st.none() | moments),
        instructing_agent_bic=draw(st.none() | bics),
        instructed_agent_bic=draw(st.none() | bics),
        returned_by_uetr=draw(st.none() | uetrs),
        return_of_uetr=draw(st.none() | uetrs),
    )


assignments = st.builds(iso.Assignment, ids, moments, bics, bics)
verification_requests = st.builds(
    iso.VerificationRequest,
    assignment=assignments,
    verification_id=ids,
    address=st.builds(iso.Account, text(34), ids),
    party_name=st.none() | names,
    agent_bic=st.none() | bics,
)


@st.composite
def verification_reports(draw: st.DrawFn) -> iso.VerificationReport:
    result = draw(st.sampled_from(iso.VerificationResult))
    resolved = result is not iso.VerificationResult.NOT_APPLICABLE
    return iso.VerificationReport(
        assignment=draw(assignments),
        original_message_id=draw(ids),
        original_verification_id=draw(ids),
        result=result,
        account=draw(accounts) if resolved else None,
        agent_bic=draw(bics) if resolved else None,
        full_name=draw(names) if resolved else None,
        display_name=draw(names) if resolved else None,
    )


@st.composite
def payment_returns(draw: st.DrawFn) -> iso.PaymentReturn:
    code = draw(currencies)
    original_amount = draw(money_in(code))
    returned = Money(draw(st.integers(0, original_amount.minor)), original_amount.currency)
    return iso.PaymentReturn(
        message_id=draw(ids),
        created_at=draw(moments),
        clearing_system=draw(ids),
        return_id=draw(ids),
        original=draw(originals),
        original_settlement_amount=original_amount,
        returned_amount=returned,
        settlement_date=draw(st.none() | days),
        reason=draw(st.sampled_from(iso.ReturnReason)),
        additional_info=draw(infos),
        instructing_agent_bic=draw(st.none() | bics),
        instructed_agent_bic=draw(st.none() | bics),
    )


cases = st.builds(iso.CaseAssignment, ids, moments, bics, bics, ids, bics)
recall_requests = st.builds(
    iso.RecallRequest,
    case=cases,
    cancellation_id=ids,
    original=originals,
    original_settlement_amount=monies,
    original_settlement_date=st.none() | days,
    reason=st.sampled_from(iso.RecallReason),
    additional_info=infos,
)


@st.composite
def recall_resolutions(draw: st.DrawFn) -> iso.RecallResolution:
    status = draw(st.sampled_from(iso.ResolutionStatus))
    rejected = status is iso.ResolutionStatus.REJECTED
    return iso.RecallResolution(
        case=draw(cases),
        resolution_id=draw(ids),
        original=draw(originals),
        status=status,
        rejection_reason=draw(st.sampled_from(iso.RecallRejectionReason)) if rejected else None,
        additional_info=draw(infos) if rejected else (),
    )


status_requests = st.builds(
    iso.StatusRequest,
    message_id=ids,
    created_at=moments,
    status_request_id=ids,
    original=originals,
    instructing_agent_bic=st.none() | bics,
    instructed_agent_bic=st.none() | bics,
)


@st.composite
def statements(draw: st.DrawFn) -> iso.Statement:
    code = draw(currencies)
    day = draw(days)
    opening_signed = draw(st.integers(-(10**12), 10**12))
    entries = []
    balance = opening_signed
    for _ in range(draw(st.integers(0, 5))):
        side = draw(st.sampled_from(iso.Side))
        amount = draw(money_in(code, 10**10))
        balance += amount.minor if side is iso.Side.CREDIT else -amount.minor
        entries.append(
            iso.StatementEntry(
                reference=draw(ids),
                amount=amount,
                side=side,
                booking_date=day,
                transaction_code=draw(ids),
                message_id=draw(st.none() | ids),
                end_to_end_id=draw(st.none() | ids),
                uetr=draw(st.none() | uetrs),
            )
        )

    def signed(value: int) -> iso.Balance:
        side = iso.Side.CREDIT if value >= 0 else iso.Side.DEBIT
        return iso.Balance(Money(abs(value), code), side)

    return iso.Statement(
        message_id=draw(ids),
        created_at=draw(moments),
        statement_id=draw(ids),
        account=draw(accounts),
        currency=code,
        statement_date=day,
        opening=signed(opening_signed),
        closing=signed(balance),
        entries=tuple(entries),
        pagination=draw(
            st.none() | st.builds(iso.Pagination, st.integers(1, 99_999), st.booleans())
        ),
    )


MESSAGE_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "pacs.008.001.13": credit_transfers(),
    "pacs.002.001.15": status_reports(),
    "acmt.023.001.02": verification_requests,
    "acmt.024.001.02": verification_reports(),
    "pacs.004.001.14": payment_returns(),
    "camt.056.001.11": recall_requests,
    "camt.029.001.10": recall_resolutions(),
    "pacs.028.001.06": status_requests,
    "camt.053.001.12": statements(),
}


@st.composite
def envelopes(draw: st.DrawFn, message_id: str) -> iso.Envelope:
    message = draw(MESSAGE_STRATEGIES[message_id])
    if draw(st.booleans()):
        return iso.Envelope(message)
    header = iso.AppHeader(
        draw(bics), draw(bics), draw(ids), iso.MessageId(message_id), draw(moments)
    )
    return iso.Envelope(message, header)


# ---------------------------------------------------------------- fixed samples
T0 = datetime(2026, 11, 29, 9, 30, 0, tzinfo=timezone(timedelta(hours=8)))
UETR = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
QUOTE = "8d0c9a3e-1b2f-4c5d-8e7f-6a5b4c3d2e1f"


def sample_credit_transfer(**changes: Any) -> iso.CreditTransfer:
    fields: dict[str, Any] = dict(
        message_id="MSG-SG-0001",
        created_at=T0,
        clearing_system="SGFAST",
        end_to_end_id="E2E-0001",
        transaction_id=None,
        uetr=UETR,
        priority=iso.Priority.NORMAL,
        settlement_amount=Money(3_456_78, currency("THB")),
        settlement_date=date(2026, 11, 29),
        accepted_at=T0,
        instructed_amount=Money(135_00, currency("SGD")),
        exchange_rate=Decimal("25.6058"),
        quote_id=QUOTE,
        charge_bearer=iso.ChargeBearer.SHARED,
        charges=(iso.Charge(Money(50, currency("SGD")), "DBSSSGSGXXX"),),
        instructing_agent_bic="DBSSSGSGXXX",
        instructed_agent_bic="KASITHBKXXX",
        intermediary_agent_1_bic="FXPASGSGXXX",
        intermediary_agent_1_account=iso.Account("SG-FXP-001"),
        intermediary_agent_2_bic="FXPATHBKXXX",
        intermediary_agent_2_account=iso.Account("TH-FXP-001"),
        debtor_name="Tan Wei Ming",
        debtor_account=iso.Account("0012345678"),
        debtor_agent_bic="DBSSSGSGXXX",
        creditor_agent_bic="KASITHBKXXX",
        creditor_name="Somchai Jaidee",
        creditor_account=iso.Account("123-4-56789-0"),
        remittance_lines=("Invoice 42",),
    )
    fields.update(changes)
    return iso.CreditTransfer(**fields)


def sample_header(message_id: str) -> iso.AppHeader:
    return iso.AppHeader("DBSSSGSGXXX", "LINTASSGXXX", "BIZ-0001", iso.MessageId(message_id), T0)


def sample_status_report(**changes: Any) -> iso.StatusReport:
    fields: dict[str, Any] = dict(
        message_id="MSG-ST-0001",
        created_at=T0,
        original=iso.OriginalReference(
            "MSG-SG-0001", iso.MessageId("pacs.008.001.13"), "E2E-0001", UETR
        ),
        status=iso.TransactionStatus.REJECTED,
        reason=iso.StatusReason.INSUFFICIENT_FUNDS,
        additional_info=("Sender balance too low",),
    )
    fields.update(changes)
    return iso.StatusReport(**fields)


def sample_pacs008_bytes() -> bytes:
    return iso.encode(iso.Envelope(sample_credit_transfer(), sample_header("pacs.008.001.13")))


@needs_xsd
def test_the_fixed_pacs008_and_pacs002_samples_validate_against_their_official_xsds() -> None:
    for xml in (
        sample_pacs008_bytes(),
        iso.encode(iso.Envelope(sample_status_report(), sample_header("pacs.002.001.15"))),
    ):
        report = iso.validate(xml)
        assert report.problems == (), report.problems
        assert report.valid


def test_uuid_helper_makes_lower_case_v4_identifiers() -> None:
    # The fixed samples must themselves satisfy the UETR rule they exercise.
    assert uuid.UUID(UETR).version == 4 and uuid.UUID(QUOTE).version == 4
