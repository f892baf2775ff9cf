"""Money as integer minor units of an ISO 4217 currency.

Amounts are never floats. A decimal string is parsed exactly, refusing anything a
payment system should not guess about: floats, negatives, NaN, exponents, signs,
whitespace and more decimals than the currency has.

Rounding rules (tested in tests/unit/test_money.py):
- What the *sender pays* is rounded **down** (``round_down``): the sender is never
  charged a fraction more than the disclosed figure.
- What the *recipient receives* is rounded **down** too, and the disclosed figure is
  that rounded value, so the recipient never receives a fraction less than disclosed.
- When a target amount is fixed and the source amount is derived, the source is
  rounded **up** (``round_up``) so the FXP is never short; the disclosure shows that
  exact rounded figure, so the sender still sees what they pay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final, NewType

CurrencyCode = NewType("CurrencyCode", str)

#: ISO 4217 minor-unit exponents of the currencies the region uses.
CURRENCY_EXPONENTS: Final[dict[str, int]] = {
    "SGD": 2,
    "MYR": 2,
    "THB": 2,
    "IDR": 2,
    "PHP": 2,
    "VND": 0,
    "KHR": 2,
    "LAK": 2,
    "BND": 2,
    "MMK": 2,
    "INR": 2,
    "USD": 2,
}

#: ISO 4217 numeric codes, used by EMVCo QR (tag 53) and some ISO 20022 fields.
CURRENCY_NUMERIC: Final[dict[str, str]] = {
    "SGD": "702",
    "MYR": "458",
    "THB": "764",
    "IDR": "360",
    "PHP": "608",
    "VND": "704",
    "KHR": "116",
    "LAK": "418",
    "BND": "096",
    "MMK": "104",
    "INR": "356",
    "USD": "840",
}

#: The largest amount in minor units Lintas will hold in one value: far above any
#: IPS cap, and well inside a signed 64-bit integer so every store can keep it.
AMOUNT_MINOR_MAX: Final[int] = 10**17

_DECIMAL_PATTERN: Final = re.compile(r"(?P<units>0|[1-9][0-9]{0,17})(?:\.(?P<fraction>[0-9]+))?")


def is_plain_decimal(text: str) -> bool:
    """Whether ``text`` is written as ``parse_amount`` reads amounts: digits, at most one
    '.', no sign, exponent or leading zero (its decimals are checked against a currency by
    ``parse_amount`` only)."""
    return _DECIMAL_PATTERN.fullmatch(text) is not None


class MoneyError(ValueError):
    """A currency or amount that cannot be accepted as money."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        #: A stable, sentence-like reason (``amount_has_too_many_decimals``).
        self.reason = reason
        self.message = message


def currency(code: str) -> CurrencyCode:
    """Return ``code`` as a known currency, or raise ``MoneyError``."""
    if code not in CURRENCY_EXPONENTS:
        raise MoneyError("currency_unknown", f"unknown currency {code!r}")
    return CurrencyCode(code)


def exponent(code: CurrencyCode | str) -> int:
    """The ISO 4217 minor-unit exponent of ``code``."""
    try:
        return CURRENCY_EXPONENTS[code]
    except KeyError:
        raise MoneyError("currency_unknown", f"unknown currency {code!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An exact, non-negative amount of one currency, in minor units."""

    minor: int
    currency: CurrencyCode

    def __post_init__(self) -> None:
        # Cheap guard assertions: a Money that exists is always valid.
        assert type(self.minor) is int, "minor units must be an int"
        assert 0 <= self.minor <= AMOUNT_MINOR_MAX, self.minor
        assert self.currency in CURRENCY_EXPONENTS, self.currency

    def to_decimal(self) -> Decimal:
        """The exact decimal value (for display and rate arithmetic only)."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def format(self) -> str:
        """The amount as a plain decimal string with exactly the currency's decimals."""
        exp = exponent(self.currency)
        if exp == 0:
            return str(self.minor)
        units, fraction = divmod(self.minor, 10**exp)
        return f"{units}.{fraction:0{exp}d}"

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"


def zero(code: CurrencyCode) -> Money:
    """No money of ``code``."""
    return Money(0, code)


def parse_amount(text: object, code: str) -> Money:
    """Parse a decimal string such as ``"1234.50"`` into ``Money`` of ``code``.

    Only strings are accepted: a float (or int) from JSON has already lost the
    sender's intent, so it is refused rather than guessed at.
    """
    cur = currency(code)
    if not isinstance(text, str):
        raise MoneyError(
            "amount_must_be_a_decimal_string",
            f'amount must be a decimal string such as "10.00", not {type(text).__name__}',
        )
    match = _DECIMAL_PATTERN.fullmatch(text)
    if match is None:
        raise MoneyError(
            "amount_malformed",
            f"amount {text!r} is not a plain non-negative decimal (digits, at most one '.')",
        )
    exp = exponent(cur)
    fraction = match.group("fraction") or ""
    if len(fraction) > exp:
        raise MoneyError(
            "amount_has_too_many_decimals",
            f"{cur} has {exp} decimal place(s); {text!r} has {len(fraction)}",
        )
    minor = int(match.group("units")) * 10**exp + int(fraction.ljust(exp, "0") or "0")
    if minor > AMOUNT_MINOR_MAX:
        raise MoneyError("amount_too_large", f"amount {text!r} is beyond what Lintas holds")
    return Money(minor, cur)


def from_decimal_down(value: Decimal, code: CurrencyCode) -> Money:
    """Round an exact decimal **down** to the currency's minor unit."""
    return _from_decimal(value, code, ROUND_FLOOR)


def from_decimal_up(value: Decimal, code: CurrencyCode) -> Money:
    """Round an exact decimal **up** to the currency's minor unit."""
    return _from_decimal(value, code, ROUND_CEILING)


def _from_decimal(value: Decimal, code: CurrencyCode, rounding: str) -> Money:
    if value.is_nan() or value.is_infinite() or value < 0:
        raise MoneyError("amount_malformed", f"cannot make money of {value}")
    minor = int(value.scaleb(exponent(code)).to_integral_value(rounding=rounding))
    if minor > AMOUNT_MINOR_MAX:
        raise MoneyError("amount_too_large", f"{value} {code} is beyond what Lintas holds")
    return Money(minor, code)


def add(a: Money, b: Money) -> Money:
    """``a + b``; both must be the same currency."""
    assert a.currency == b.currency, (a.currency, b.currency)
    return Money(a.minor + b.minor, a.currency)


def subtract(a: Money, b: Money) -> Money:
    """``a - b``; refuses to go below zero (money is never negative)."""
    assert a.currency == b.currency, (a.currency, b.currency)
    if b.minor > a.minor:
        raise MoneyError("amount_below_zero", f"{b} is more than {a}")
    return Money(a.minor - b.minor, a.currency)
