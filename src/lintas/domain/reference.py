"""Reference data of the region: instant payment systems, PSPs, SAPs, FXPs, address types, rates.

These are pure, immutable value types (standard library only). The sandbox builds one set of
them in ``lintas.sandbox.region``; a production deployment would load the same types from the
scheme operator's configuration.

An ``AddressType`` knows how to *normalise* what a person types (``081-234-5678``) into the one
canonical form the directories store (``+66812345678``) and whether a value is acceptable.
Normalising is deliberately forgiving about separators and case, and acceptance is strict: a
proxy that is accepted is exactly in the canonical form, with a valid check digit where the
scheme has one (Singapore NRIC/FIN, Thai citizen and tax ids, Malaysian MyKad date and place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Final, Literal

from lintas.domain.money import CURRENCY_EXPONENTS, Money

AddressTypeCode = Literal[
    "MOBILE", "NATIONAL_ID", "BUSINESS_ID", "EWALLET", "UPI", "ACCOUNT", "UEN", "EMAIL", "QR"
]

#: Every address type code, in a stable order (for documentation and validation).
ADDRESS_TYPE_CODES: Final[tuple[AddressTypeCode, ...]] = (
    "MOBILE",
    "NATIONAL_ID",
    "BUSINESS_ID",
    "EWALLET",
    "UPI",
    "ACCOUNT",
    "UEN",
    "EMAIL",
    "QR",
)

#: The check-digit schemes an address type can require on top of its pattern.
CheckScheme = Literal["none", "sg_nric", "th_id", "my_nric"]

Case = Literal["keep", "upper", "lower"]

PspKind = Literal["bank", "ewallet"]

#: A BIC-like identifier: institution (4 letters), country (2 letters), location (2).
BIC_PATTERN: Final = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}")

#: The longest value any proxy may have, normalised or not; longer input is refused unread.
PROXY_LENGTH_MAX: Final[int] = 256

_NRIC_WEIGHTS: Final = (2, 7, 6, 5, 4, 3, 2)
_NRIC_LETTERS_ST: Final = "JZIHGFEDCBA"
_NRIC_LETTERS_FG: Final = "XWUTRQPNMLK"
# The M series (FINs issued from 2022) indexes its table from the other end (ICA's P - 1).
_NRIC_LETTERS_M: Final = "KLJNPQRTUWX"

# MyKad place-of-birth codes in use: Malaysian states (01-16), then foreign-born codes.
_MYKAD_PLACE_CODES: Final[frozenset[int]] = frozenset(
    [*range(1, 17), *range(21, 60), *range(60, 69), 71, 72, *range(74, 80), *range(82, 94), 98, 99]
)


def nric_check_letter(prefix: str, digits: str) -> str:
    """The check letter of a Singapore NRIC/FIN with ``prefix`` (S, T, F, G, M) and 7 digits."""
    assert prefix in "STFGM" and len(prefix) == 1, prefix
    assert len(digits) == 7 and digits.isascii() and digits.isdigit(), digits
    total = sum(int(d) * w for d, w in zip(digits, _NRIC_WEIGHTS, strict=True))
    if prefix in "TG":
        total += 4  # Born or issued from 2000 onwards.
    elif prefix == "M":
        total += 3
    remainder = total % 11
    if prefix in "ST":
        return _NRIC_LETTERS_ST[remainder]
    if prefix in "FG":
        return _NRIC_LETTERS_FG[remainder]
    return _NRIC_LETTERS_M[10 - remainder]


def thai_id_check_digit(first_twelve: str) -> str:
    """The 13th (check) digit of a Thai citizen id or juristic-person tax id."""
    assert len(first_twelve) == 12 and first_twelve.isascii() and first_twelve.isdigit()
    total = sum(int(d) * (13 - i) for i, d in enumerate(first_twelve))
    return str((11 - total % 11) % 10)


def _my_nric_is_plausible(value: str) -> bool:
    # MyKad numbers carry no check digit; a real birth date and a known place code is as far as
    # validation can go. The century is unknown, so a date valid in either century passes.
    yy, mm, dd, place = int(value[0:2]), int(value[2:4]), int(value[4:6]), int(value[6:8])
    if place not in _MYKAD_PLACE_CODES:
        return False
    for century in (1900, 2000):
        try:
            date(century + yy, mm, dd)
        except ValueError:
            continue
        return True
    return False


def _passes_check(scheme: CheckScheme, value: str) -> bool:
    if scheme == "none":
        return True
    if scheme == "sg_nric":
        return nric_check_letter(value[0], value[1:8]) == value[8]
    if scheme == "th_id":
        return thai_id_check_digit(value[:12]) == value[12]
    assert scheme == "my_nric", scheme
    return _my_nric_is_plausible(value)


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Address types are few and long-lived; compiling each pattern once keeps `accepts` cheap.
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class AddressType:
    """One way of addressing a payee in one country (a proxy type), with its canonical form.

    ``pattern`` is matched in full against the *normalised* value. Phone types set
    ``calling_code`` (``"+66"``) and ``trunk_prefix`` (``"0"``, or ``""`` where the country
    dials no trunk prefix) so that local forms map to E.164.
    """

    code: AddressTypeCode
    label: str
    pattern: str
    example: str
    #: Characters dropped while normalising (people type them as separators).
    separators: str = " -"
    #: How letters are folded: NRICs are upper case, handles and e-mails lower case.
    case: Case = "keep"
    calling_code: str = ""
    trunk_prefix: str = ""
    check: CheckScheme = "none"

    def __post_init__(self) -> None:
        assert self.code in ADDRESS_TYPE_CODES, self.code
        assert (self.code == "MOBILE") == (self.calling_code != ""), (self.code, self.calling_code)
        assert self.calling_code == "" or re.fullmatch(r"\+[1-9]\d{0,2}", self.calling_code)
        # The example is documentation; an example that is refused is a broken invariant.
        assert self.normalise(self.example) == self.example, self.example
        assert self.accepts(self.example), (self.code, self.example)

    def normalise(self, value: str) -> str:
        """``value`` in canonical form (the caller still checks ``accepts`` or ``pattern``)."""
        text = value.strip()
        if self.separators:
            text = text.translate({ord(c): None for c in self.separators})
        if self.case == "upper":
            text = text.upper()
        elif self.case == "lower":
            text = text.lower()
        if self.calling_code:
            text = self._to_e164(text)
        return text

    def accepts(self, value: str) -> bool:
        """Whether ``value``, once normalised, is a valid proxy of this type."""
        if len(value) > PROXY_LENGTH_MAX:
            return False
        normalised = self.normalise(value)
        if _compiled(self.pattern).fullmatch(normalised) is None:
            return False
        return _passes_check(self.check, normalised)

    def _to_e164(self, text: str) -> str:
        if text.startswith("+"):
            return text
        if text.startswith("00"):
            return "+" + text[2:]  # The international call prefix most of the region dials.
        if self.trunk_prefix and text.startswith(self.trunk_prefix):
            return self.calling_code + text[len(self.trunk_prefix) :]
        # A number typed with its country code but without "+" (6681...) is taken as such only
        # when that reading is valid; otherwise it is a national number without trunk prefix.
        if _compiled(self.pattern).fullmatch("+" + text) is not None:
            return "+" + text
        return self.calling_code + text


@dataclass(frozen=True, slots=True)
class Ips:
    """A domestic instant payment system and its per-payment maximum."""

    id: str
    name: str
    country: str
    currency: str
    amount_max: Money

    def __post_init__(self) -> None:
        assert self.amount_max.currency == self.currency, (self.amount_max, self.currency)
        assert self.id.startswith(self.country + "-"), self.id


@dataclass(frozen=True, slots=True)
class Psp:
    """A payment service provider (bank or e-wallet) that holds payers' and payees' accounts."""

    id: str
    name: str
    country: str
    kind: PspKind

    def __post_init__(self) -> None:
        assert BIC_PATTERN.fullmatch(self.id), self.id
        assert self.id[4:6] == self.country, (self.id, self.country)


@dataclass(frozen=True, slots=True)
class Sap:
    """A settlement access provider: holds FXPs' accounts in one country's IPS."""

    id: str
    name: str
    country: str

    def __post_init__(self) -> None:
        assert BIC_PATTERN.fullmatch(self.id), self.id
        assert self.id[4:6] == self.country, (self.id, self.country)


@dataclass(frozen=True, slots=True)
class Country:
    """A country of the region, its IPS and everything a sender needs to address a payee."""

    code: str
    name: str
    currency: str
    ips: Ips
    address_types: tuple[AddressType, ...]
    psps: tuple[Psp, ...]
    sap: Sap
    mobile_prefix: str

    def __post_init__(self) -> None:
        assert self.ips.country == self.code and self.ips.currency == self.currency
        assert self.sap.country == self.code
        assert all(p.country == self.code for p in self.psps)
        codes = [a.code for a in self.address_types]
        assert len(codes) == len(set(codes)), codes
        assert all(
            a.calling_code == self.mobile_prefix for a in self.address_types if a.code == "MOBILE"
        )

    def address_type(self, code: str) -> AddressType | None:
        """The address type ``code`` of this country, or None where the country has none."""
        for address_type in self.address_types:
            if address_type.code == code:
                return address_type
        return None

    def psp(self, psp_id: str) -> Psp | None:
        """The PSP ``psp_id`` of this country, or None."""
        for psp in self.psps:
            if psp.id == psp_id:
                return psp
        return None


@dataclass(frozen=True, slots=True)
class Fxp:
    """An FX provider: its margin off the mid rate and its size tiers.

    ``tiers`` are ``(threshold in USD minor units, improvement in bps)``, ascending: once the
    source amount converted to USD at mid reaches a threshold, the margin shrinks by that
    tier's improvement (the highest tier reached applies, never a sum).
    """

    id: str
    name: str
    spread_bps: int
    tiers: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        assert BIC_PATTERN.fullmatch(self.id), self.id
        assert 0 <= self.spread_bps < 10_000, self.spread_bps
        thresholds = [t for t, _ in self.tiers]
        improvements = [i for _, i in self.tiers]
        assert thresholds == sorted(set(thresholds)), thresholds
        assert improvements == sorted(improvements), improvements
        assert all(0 <= i <= self.spread_bps for i in improvements), improvements

    def improvement_bps(self, amount_usd_minor: int) -> int:
        """The size improvement for an amount worth ``amount_usd_minor`` US cents at mid."""
        assert amount_usd_minor >= 0, amount_usd_minor
        improvement = 0
        for threshold, tier_improvement in self.tiers:
            if amount_usd_minor >= threshold:
                improvement = tier_improvement
        return improvement


@dataclass(frozen=True, slots=True)
class MidRate:
    """The mid-market value of one unit of ``currency`` in US dollars, as of a date."""

    currency: str
    usd_per_unit: Decimal
    as_of: date

    def __post_init__(self) -> None:
        assert self.currency in CURRENCY_EXPONENTS, self.currency
        assert isinstance(self.usd_per_unit, Decimal), type(self.usd_per_unit)
        assert self.usd_per_unit.is_finite() and self.usd_per_unit > 0, self.usd_per_unit
