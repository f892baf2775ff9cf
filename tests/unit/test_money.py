"""Money: exact parsing of decimal strings, and the rounding helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lintas.domain.money import (
    AMOUNT_MINOR_MAX,
    CURRENCY_EXPONENTS,
    CurrencyCode,
    Money,
    MoneyError,
    add,
    from_decimal_down,
    from_decimal_up,
    parse_amount,
    subtract,
)

SGD = CurrencyCode("SGD")
VND = CurrencyCode("VND")


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("0", "SGD", 0),
        ("0.00", "SGD", 0),
        ("1", "SGD", 100),
        ("1.5", "SGD", 150),
        ("1234.56", "SGD", 123_456),
        ("100", "VND", 100),
        ("2500000", "VND", 2_500_000),
        ("1000000000000000.00", "SGD", AMOUNT_MINOR_MAX),
    ],
)
def test_a_plain_decimal_string_parses_to_exact_minor_units(
    text: str, code: str, minor: int
) -> None:
    assert parse_amount(text, code) == Money(minor, CurrencyCode(code))


@pytest.mark.parametrize("value", [10.0, 10, Decimal("10.00"), None, b"10.00", True])
def test_anything_but_a_string_is_refused_as_not_a_decimal_string(value: object) -> None:
    with pytest.raises(MoneyError) as e:
        parse_amount(value, "SGD")
    assert e.value.reason == "amount_must_be_a_decimal_string"


@pytest.mark.parametrize(
    "text",
    [
        "-1.00",
        "+1.00",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "1e2",
        "1E2",
        "1.0e1",
        " 1.00",
        "1.00 ",
        "\t1.00",
        "1.00\n",
        "",
        ".50",
        "5.",
        "01.00",
        "00",
        "1.2.3",
        "1,000.00",
        "1_000",
        "0x10",
        "١٢",  # Arabic-Indic digits: int() would accept them.
        "１２",  # Full-width digits.
        "1234567890123456789",  # 19 integer digits: beyond the pattern.
    ],
)
def test_anything_but_plain_digits_with_at_most_one_point_is_malformed(text: str) -> None:
    with pytest.raises(MoneyError) as e:
        parse_amount(text, "SGD")
    assert e.value.reason == "amount_malformed"


@pytest.mark.parametrize(
    ("text", "code"),
    [("1.001", "SGD"), ("0.000", "THB"), ("1.0", "VND"), ("5.5", "VND"), ("1.00", "VND")],
)
def test_more_decimals_than_the_currency_has_are_refused(text: str, code: str) -> None:
    with pytest.raises(MoneyError) as e:
        parse_amount(text, code)
    assert e.value.reason == "amount_has_too_many_decimals"


def test_vnd_has_no_decimals_and_every_other_region_currency_has_two() -> None:
    assert CURRENCY_EXPONENTS["VND"] == 0
    assert {c for c, exp in CURRENCY_EXPONENTS.items() if exp != 2} == {"VND"}


def test_an_amount_beyond_what_lintas_holds_is_refused() -> None:
    with pytest.raises(MoneyError) as e:
        parse_amount("1000000000000000.01", "SGD")
    assert e.value.reason == "amount_too_large"


@pytest.mark.parametrize("code", ["XXX", "sgd", "", "EUR"])
def test_an_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(MoneyError) as e:
        parse_amount("1.00", code)
    assert e.value.reason == "currency_unknown"


@given(
    minor=st.integers(min_value=0, max_value=AMOUNT_MINOR_MAX),
    code=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
)
def test_formatting_then_parsing_gives_back_the_same_money(minor: int, code: str) -> None:
    money = Money(minor, CurrencyCode(code))
    text = money.format()
    assert parse_amount(text, code) == money
    assert text.count(".") == (1 if CURRENCY_EXPONENTS[code] else 0)


def test_a_money_value_cannot_hold_a_float_or_a_negative_amount() -> None:
    with pytest.raises(AssertionError):
        Money(1.0, SGD)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        Money(-1, SGD)


@pytest.mark.parametrize(
    ("value", "code", "down", "up"),
    [
        ("1.239", SGD, 123, 124),
        ("1.231", SGD, 123, 124),
        ("1.23", SGD, 123, 123),
        ("0.001", SGD, 0, 1),
        ("10.5", VND, 10, 11),
        ("10", VND, 10, 10),
        ("0", SGD, 0, 0),
    ],
)
def test_rounding_down_never_exceeds_and_rounding_up_never_falls_short_of_the_exact_value(
    value: str, code: CurrencyCode, down: int, up: int
) -> None:
    assert from_decimal_down(Decimal(value), code) == Money(down, code)
    assert from_decimal_up(Decimal(value), code) == Money(up, code)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "-0.01", "-1"])
def test_rounding_refuses_what_is_not_money(value: str) -> None:
    for helper in (from_decimal_down, from_decimal_up):
        with pytest.raises(MoneyError) as e:
            helper(Decimal(value), SGD)
        assert e.value.reason == "amount_malformed"


def test_rounding_refuses_an_amount_beyond_what_lintas_holds() -> None:
    with pytest.raises(MoneyError) as e:
        from_decimal_up(Decimal("1000000000000000.001"), SGD)
    assert e.value.reason == "amount_too_large"


def test_adding_sums_minor_units_and_subtracting_below_zero_is_refused() -> None:
    assert add(Money(150, SGD), Money(250, SGD)) == Money(400, SGD)
    assert subtract(Money(400, SGD), Money(150, SGD)) == Money(250, SGD)
    with pytest.raises(MoneyError) as e:
        subtract(Money(1, SGD), Money(2, SGD))
    assert e.value.reason == "amount_below_zero"


def test_money_of_two_currencies_cannot_be_added() -> None:
    with pytest.raises(AssertionError):
        add(Money(1, SGD), Money(1, VND))
