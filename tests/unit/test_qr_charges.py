"""What a payer pays a merchant QR code: the merchant amount, the convenience fee (fixed or a
percentage rounded down) and a tip, each shown, and their sum (``qr_details``, pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lintas.codecs.emvqr import EmvQrEncodeError, decode, encode
from lintas.domain.errors import InputInvalid
from lintas.domain.money import Money, parse_amount
from lintas.services.addressing import QrDetails, qr_details


def _code(amount: str | None = None, **tip: object) -> str:
    fields: dict[str, object] = {"mobile": "0812345678", **tip}
    if amount is not None:
        fields["amount"] = amount
    return encode("promptpay", **fields)


def _details(payload: str, amount: str | None = None, tip: str | None = None) -> QrDetails:
    qr = decode(payload, strict=True)
    assert qr.valid, qr.errors
    return qr_details(qr, amount, tip)


def _thb(text: str) -> Money:
    return parse_amount(text, "THB")


def test_a_code_without_tip_or_fee_is_paid_its_amount() -> None:
    d = _details(_code("100.00"))
    assert d.merchant_amount == d.amount == _thb("100.00")
    assert d.convenience_fee is None and d.tip is None and not d.tip_prompted


def test_a_fixed_convenience_fee_is_added_to_the_amount_and_shown_on_its_own() -> None:
    d = _details(_code("100.00", convenience_fee="2.50"))
    assert d.merchant_amount == _thb("100.00")
    assert d.convenience_fee == _thb("2.50") and d.convenience_fee_percentage is None
    assert d.amount == _thb("102.50")


@pytest.mark.parametrize(
    ("amount", "percentage", "fee"),
    [
        ("100.00", "3.5", "3.50"),
        # 3.5 % of 100.05 is 3.50175: rounded down, never more than the printed percentage.
        ("100.05", "3.5", "3.50"),
        ("0.99", "99.99", "0.98"),
        # 0.01 % of 99.99 is 0.009999: rounded down to nothing.
        ("99.99", "0.01", "0.00"),
        ("1234.56", "10", "123.45"),
    ],
)
def test_a_percentage_fee_is_rounded_down_to_the_currencys_minor_unit(
    amount: str, percentage: str, fee: str
) -> None:
    d = _details(_code(amount, convenience_fee_percentage=percentage))
    assert d.convenience_fee == _thb(fee) and d.convenience_fee_percentage == percentage
    assert d.amount == Money(_thb(amount).minor + _thb(fee).minor, _thb(amount).currency)


def test_a_percentage_fee_of_a_currency_without_decimals_is_whole_dong() -> None:
    code = encode(
        "vietqr",
        bank_bin="970415",
        account="0011001932418",
        amount="120001",
        convenience_fee_percentage="2.5",
    )
    d = _details(code)
    # 2.5 % of 120001 VND is 3000.025 VND.
    assert d.convenience_fee == parse_amount("3000", "VND")
    assert d.amount == parse_amount("123001", "VND")


@given(
    # At most 13 characters in tag 54: 9999999999.99.
    minor=st.integers(min_value=1, max_value=10**12 - 1),
    hundredths=st.integers(min_value=1, max_value=9999),
)
def test_a_percentage_fee_is_never_more_than_the_percentage_and_less_by_under_a_unit(
    minor: int, hundredths: int
) -> None:
    amount = Money(minor, _thb("1").currency)
    percentage = f"{hundredths // 100}.{hundredths % 100:02d}"
    d = _details(_code(amount.format(), convenience_fee_percentage=percentage))
    assert d.convenience_fee is not None and d.amount is not None
    exact_times_10000 = minor * hundredths
    assert d.convenience_fee.minor * 10000 <= exact_times_10000
    assert exact_times_10000 - d.convenience_fee.minor * 10000 < 10000
    assert d.amount.minor == minor + d.convenience_fee.minor


def test_a_static_code_with_a_percentage_fee_gets_it_once_the_payer_gives_the_amount() -> None:
    code = _code(None, convenience_fee_percentage="3")
    unknown = _details(code)
    assert unknown.merchant_amount is None and unknown.amount is None
    assert unknown.convenience_fee is None and unknown.convenience_fee_percentage == "3"
    known = _details(code, amount="200.00")
    assert known.merchant_amount == _thb("200.00") and known.convenience_fee == _thb("6.00")
    assert known.amount == _thb("206.00")


def test_a_static_code_with_a_fixed_fee_shows_the_fee_before_the_amount_is_known() -> None:
    d = _details(_code(None, convenience_fee="5"))
    assert d.convenience_fee == _thb("5.00") and d.amount is None
    assert _details(_code(None, convenience_fee="5"), amount="20").amount == _thb("25.00")


def test_a_tip_is_added_only_to_a_code_that_asks_for_one() -> None:
    asks = _code("100.00", tip_prompt=True)
    assert _details(asks).tip_prompted and _details(asks).amount == _thb("100.00")
    d = _details(asks, tip="15.5")
    assert d.merchant_amount == _thb("100.00") and d.tip == _thb("15.50")
    assert d.convenience_fee is None and d.amount == _thb("115.50")


@pytest.mark.parametrize(
    "tip_fields",
    [{}, {"convenience_fee": "1.00"}, {"convenience_fee_percentage": "2"}],
)
def test_a_tip_on_a_code_that_does_not_ask_for_one_is_refused(
    tip_fields: dict[str, object],
) -> None:
    with pytest.raises(InputInvalid) as refused:
        _details(_code("100.00", **tip_fields), tip="10.00")
    assert refused.value.reason == "qr_tip_not_prompted" and refused.value.field == "tip"


def test_a_zero_tip_is_no_tip() -> None:
    d = _details(_code("100.00", tip_prompt=True), tip="0.00")
    assert d.tip is None and d.amount == _thb("100.00")


@pytest.mark.parametrize(
    ("tip", "reason"),
    [
        ("1.005", "amount_has_too_many_decimals"),
        ("-1", "amount_malformed"),
        ("1e3", "amount_malformed"),
        ("9" * 18, "amount_too_large"),
    ],
)
def test_a_tip_that_is_not_money_of_the_codes_currency_is_refused(tip: str, reason: str) -> None:
    with pytest.raises(InputInvalid) as refused:
        _details(_code("100.00", tip_prompt=True), tip=tip)
    assert refused.value.reason == reason and refused.value.field == "tip"


def test_a_payer_amount_that_differs_from_the_codes_is_refused() -> None:
    code = _code("100.00", convenience_fee="1")
    assert _details(code, amount="100").amount == _thb("101.00")
    with pytest.raises(InputInvalid) as refused:
        _details(code, amount="99.00")
    assert refused.value.reason == "qr_amount_fixed_by_code" and refused.value.field == "amount"


def test_a_zero_amount_from_the_payer_is_refused() -> None:
    with pytest.raises(InputInvalid) as refused:
        _details(_code(None), amount="0")
    assert refused.value.reason == "amount_zero"


def test_a_total_beyond_what_lintas_holds_is_refused_not_an_assertion() -> None:
    code = _code("9999999999.99", tip_prompt=True)
    with pytest.raises(InputInvalid) as refused:
        _details(code, tip="999999999999999.99")
    assert refused.value.reason == "amount_too_large"


def test_the_details_refuse_an_amount_that_is_not_the_sum_of_its_parts() -> None:
    with pytest.raises(AssertionError):
        QrDetails(
            scheme=_details(_code("1.00")).scheme,
            initiation=_details(_code("1.00")).initiation,
            amount=_thb("2.00"),
            currency="THB",
            merchant_name=None,
            merchant_city=None,
            mcc=None,
            expires_at=None,
            merchant_amount=_thb("1.00"),
        )


def test_tip_and_fee_options_round_trip_through_the_encoder() -> None:
    prompt = decode(_code("1.00", tip_prompt=True), strict=True)
    assert prompt.tip is not None and prompt.tip.indicator == "01" and prompt.tip.prompts_for_tip
    fixed = decode(_code("1.00", convenience_fee="0.5"), strict=True)
    assert fixed.tip is not None and fixed.tip.fixed_fee == _thb("0.50")
    percent = decode(_code("1.00", convenience_fee_percentage="12.25"), strict=True)
    assert percent.tip is not None and percent.tip.percentage_hundredths() == 1225
    assert not percent.tip.prompts_for_tip


def test_the_encoder_refuses_two_tip_options_and_a_bad_percentage() -> None:
    with pytest.raises(EmvQrEncodeError) as both:
        _code("1.00", tip_prompt=True, convenience_fee="1")
    assert both.value.reason == "tip_options_conflict"
    with pytest.raises(EmvQrEncodeError) as bad:
        _code("1.00", convenience_fee_percentage="100")
    assert bad.value.reason == "convenience_fee_percentage_invalid"
