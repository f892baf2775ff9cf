"""Payment and quote bodies: what both stores write, read back exactly.

The format is pinned byte for byte: a store written by an earlier run must still read, so a
change here needs a reader for the old bodies too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lintas.adapters import rows
from lintas.domain.errors import ReasonCode
from lintas.domain.fx import AmountType, FeeSchedule, Quote, StandingRate, make_quote
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Party, Payment, PaymentStatus

SGD = CurrencyCode("SGD")
THB = CurrencyCode("THB")
NOW = datetime(2026, 11, 30, 13, 5, 7, 123456, tzinfo=UTC)


def _quote(amount_minor: int = 10_000, amount_type: AmountType = AmountType.SOURCE) -> Quote:
    return make_quote(
        quote_id="Q-1",
        rate=StandingRate("FXP-1", SGD, THB, Decimal("25.5"), NOW - timedelta(seconds=30)),
        fees=FeeSchedule(Money(50, SGD), 10, Money(10, SGD), 0, Money(100, THB), 5),
        amount=Money(amount_minor, SGD if amount_type is AmountType.SOURCE else THB),
        amount_type=amount_type,
        psp_id="PSP-A",
        now=NOW,
    )


def _payment(q: Quote) -> Payment:
    d = q.disclosure
    return Payment(
        uetr="9c58971f-c3f9-4d0d-b2b7-1fd1e9f970db",
        status=PaymentStatus.REJECTED,
        reason=ReasonCode.AM04,
        quote_id=q.quote_id,
        fxp_id=q.fxp_id,
        source_country="SG",
        destination_country="TH",
        debtor=Party("Tan Wei Ming", "SG-001", "PSP-A"),
        creditor=Party("สมชาย ใจดี", "TH-002", "PSP-B"),
        amount_debited=d.amount_debited,
        principal=d.principal,
        source_psp_fee=d.source_psp_fee,
        scheme_fee=d.scheme_fee,
        interbank_target=d.interbank_target,
        destination_psp_fee=d.destination_psp_fee,
        amount_credited=d.amount_credited,
        exchange_rate=str(q.exchange_rate),
        request_digest="ab" * 16,
        created_at=NOW,
        updated_at=NOW + timedelta(milliseconds=3),
        reason_detail="insufficient funds in the debtor account",
        risk_reasons=("new payee",),
        return_of=None,
    )


# What the stores write for ``_payment(_quote())`` and ``_quote()``: the format is pinned,
# because stores written by earlier runs must still read.
PAYMENT_BODY = (
    '{"uetr":"9c58971f-c3f9-4d0d-b2b7-1fd1e9f970db","status":"REJECTED","reason":"AM04",'
    '"reasonDetail":"insufficient funds in the debtor account","quoteId":"Q-1",'
    '"fxpId":"FXP-1","src":"SG","dst":"TH","debtor":["Tan Wei Ming","SG-001","PSP-A"],'
    '"creditor":["สมชาย ใจดี","TH-002","PSP-B"],"debited":[10000,"SGD"],'
    '"principal":[9931,"SGD"],"srcFee":[59,"SGD"],"schemeFee":[10,"SGD"],'
    '"interbank":[253240,"THB"],"dstFee":[226,"THB"],"credited":[253014,"THB"],'
    '"rate":"25.5","digest":"abababababababababababababababab",'
    '"created":"2026-11-30T13:05:07.123456+00:00","updated":"2026-11-30T13:05:07.126456+00:00",'
    '"risk":["new payee"],"returnOf":null}'
).encode()

QUOTE_BODY = (
    b'{"id":"Q-1","fxp":"FXP-1","psp":"PSP-A","src":"SGD","dst":"THB","type":"SOURCE",'
    b'"amount":[10000,"SGD"],"rate":"25.5","disclosure":{"debited":[10000,"SGD"],'
    b'"principal":[9931,"SGD"],"srcFee":[59,"SGD"],"schemeFee":[10,"SGD"],'
    b'"interbank":[253240,"THB"],"dstFee":[226,"THB"],"credited":[253014,"THB"],'
    b'"rate":"25.5","effective":"25.30140000"},"created":"2026-11-30T13:05:07.123456+00:00",'
    b'"expires":"2026-11-30T13:15:07.123456+00:00"}'
)


def test_a_payment_body_is_written_in_the_pinned_format() -> None:
    assert rows.payment_body(_payment(_quote())) == PAYMENT_BODY


def test_a_quote_row_is_its_id_its_expiry_and_the_pinned_body() -> None:
    assert rows.quote_row(_quote()) == ("Q-1", "2026-11-30T13:15:07.123456+00:00", QUOTE_BODY)


def test_the_pinned_bodies_read_back_as_the_records_in_utc() -> None:
    q = rows.quote_from_body(QUOTE_BODY)
    p = rows.payment_from_body(PAYMENT_BODY)
    assert q == _quote() and p == _payment(q)
    assert p.created_at.tzinfo is UTC and q.expires_at.tzinfo is UTC


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@given(
    amount_minor=st.integers(10_000, 10**12),
    amount_type=st.sampled_from(AmountType),
    status=st.sampled_from(PaymentStatus),
    reason=st.none() | st.sampled_from(ReasonCode),
    names=st.tuples(_TEXT, _TEXT),
    detail=_TEXT,
    risk=st.lists(_TEXT, max_size=3).map(tuple),
    return_of=st.none() | st.uuids().map(str),
    micros=st.integers(0, 999_999),
)
def test_any_payment_and_its_quote_read_back_equal_to_what_was_written(
    amount_minor: int,
    amount_type: AmountType,
    status: PaymentStatus,
    reason: ReasonCode | None,
    names: tuple[str, str],
    detail: str,
    risk: tuple[str, ...],
    return_of: str | None,
    micros: int,
) -> None:
    q = _quote(amount_minor, amount_type)
    p = replace(
        _payment(q),
        status=status,
        reason=reason,
        debtor=Party(names[0], "SG-001", "PSP-A"),
        creditor=Party(names[1], "TH-002", "PSP-B"),
        reason_detail=detail,
        risk_reasons=risk,
        return_of=return_of,
        updated_at=NOW + timedelta(microseconds=micros),
    )
    assert rows.quote_from_body(rows.quote_row(q)[2]) == q
    assert rows.payment_from_body(rows.payment_body(p)) == p
