"""The ISO 20022 gateway's pure mappings: statuses, reasons, names, rates, salvage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lintas.codecs import iso20022 as iso
from lintas.domain.errors import Conflict, Forbidden, NotFound, ReasonCode, Refused
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.directory import AccountHolder
from lintas.services.iso_gateway import (
    carried_reason,
    info_lines,
    iso_rate,
    name_match,
    participant_of,
    refusal_of,
    salvage_original,
    status_report_of,
)

UETR = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
ORIGINAL = iso.OriginalReference("MSG-1", iso.MessageId("pacs.008.001.13"), "E2E-1", UETR)
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "reason", "expected"),
    [
        (PaymentStatus.SETTLED, None, iso.TransactionStatus.SETTLED),
        (PaymentStatus.RECEIVED, None, iso.TransactionStatus.ACCEPTED_TECHNICALLY),
        (PaymentStatus.RESERVED, None, iso.TransactionStatus.ACCEPTED_TECHNICALLY),
        (PaymentStatus.HELD, None, iso.TransactionStatus.ACCEPTED_WITH_CHANGE_OR_HELD),
        (PaymentStatus.REJECTED, ReasonCode.AM04, iso.TransactionStatus.REJECTED),
        (PaymentStatus.BLOCKED, ReasonCode.RR04, iso.TransactionStatus.BLOCKED),
    ],
)
def test_every_payment_state_reports_its_iso_status(
    make_payment: Callable[..., Payment],
    state: PaymentStatus,
    reason: ReasonCode | None,
    expected: iso.TransactionStatus,
) -> None:
    report = status_report_of(make_payment(status=state, reason=reason), ORIGINAL, "M-1", NOW)
    assert report.status is expected
    assert (report.reason is None) == (reason is None)
    if reason is not None:
        assert report.reason is not None and report.reason.value == reason.value
    iso.encode(iso.Envelope(report))


def test_a_reason_the_codec_does_not_carry_becomes_narr_with_the_code_first() -> None:
    for code in (ReasonCode.AM09, ReasonCode.AB04, ReasonCode.QTEX, ReasonCode.RC01):
        reason, info = carried_reason(code.value, "why")
        assert reason is iso.StatusReason.NARRATIVE
        assert info == (f"{code.value}: why",)
    assert carried_reason("AM04", "poor") == (iso.StatusReason.INSUFFICIENT_FUNDS, ("poor",))


@given(st.text(max_size=2000))
def test_any_error_text_becomes_at_most_four_valid_information_lines(text: str) -> None:
    lines = info_lines(text)
    assert 1 <= len(lines) <= 4
    assert all(1 <= len(line) <= 105 for line in lines)
    report = iso.StatusReport(
        "M-1",
        NOW,
        ORIGINAL,
        iso.TransactionStatus.REJECTED,
        iso.StatusReason.FORMAT_INVALID,
        lines,
    )
    iso.encode(iso.Envelope(report))


def test_engine_refusals_keep_their_code_or_get_the_closest_one() -> None:
    assert refusal_of(Forbidden("x", "y")).code == "AG01"
    assert refusal_of(Conflict("x", "y")).code == "DUPL"
    assert refusal_of(NotFound("x", "y")).code == "NARR"
    refused = refusal_of(Refused("quote_expired", "late", code=ReasonCode.QTEX))
    assert (refused.code, refused.http_status) == ("QTEX", 422)


def test_a_head_office_bic_names_the_eight_character_participant() -> None:
    assert participant_of("MRLNSGSGXXX") == "MRLNSGSG"
    assert participant_of("MRLNSGSG") == "MRLNSGSG"
    assert participant_of("MRLNSGSG001") == "MRLNSGSG001"


def test_names_are_compared_ignoring_case_and_spacing() -> None:
    holder = AccountHolder(
        "SG", "DBSSSGSG", "123456789", "陈伟明", "Tan W** M***", "person", name_latin="Tan Wei Ming"
    )
    assert name_match(None, holder) is iso.VerificationResult.MATCH
    assert name_match("tan  wei ming", holder) is iso.VerificationResult.MATCH
    assert name_match("Tan Wai Meng", holder) is iso.VerificationResult.CLOSE_MATCH
    assert name_match("Somchai Jaidee", holder) is iso.VerificationResult.NO_MATCH


@given(
    st.decimals(
        min_value=Decimal("0.000001"), max_value=Decimal("99999"), places=14, allow_nan=False
    )
)
def test_a_quote_rate_is_rounded_to_what_an_iso_rate_can_carry(rate: Decimal) -> None:
    rounded = iso_rate(rate)
    digits = rounded.as_tuple()
    assert isinstance(digits.exponent, int)
    assert -digits.exponent <= 10
    assert len(str(int(rounded)).lstrip("0")) + -digits.exponent <= 11
    assert abs(rounded - rate) <= Decimal(1).scaleb(digits.exponent)


def test_a_uetr_is_salvaged_from_a_broken_message_without_parsing_it() -> None:
    broken = (
        b"<Document><MsgId>M-9</MsgId><EndToEndId>E-9</EndToEndId>"
        b"<UETR>" + UETR.encode() + b"</UETR><Broken"
    )
    original = salvage_original(broken, iso.MessageId("pacs.008.001.13"))
    assert original is not None
    assert (original.uetr, original.message_id, original.end_to_end_id) == (UETR, "M-9", "E-9")
    assert salvage_original(b"<Document/>", iso.MessageId("pacs.008.001.13")) is None
    odd = b"<MsgId>\x01</MsgId><UETR>" + UETR.encode() + b"</UETR>"
    salvaged = salvage_original(odd, iso.MessageId("pacs.008.001.13"))
    assert salvaged is not None and salvaged.message_id == "NOTPROVIDED"


def test_a_return_marker_in_the_remittance_names_the_original_uetr_or_is_refused() -> None:
    from lintas.services.iso_gateway import original_uetr_in

    uetr = "7c4e3c1e-2b1a-4f7e-9b51-0e6a3c2d1f00"
    assert original_uetr_in(("invoice 12", f"NexusOrgnlUETR:{uetr}")) == (uetr, None)
    assert original_uetr_in(("no marker here",)) == (None, None)
    found, refusal = original_uetr_in(("NexusOrgnlUETR:7C4E3C1E-nope",))
    assert found is None and refusal is not None and refusal.code == "FF01"
