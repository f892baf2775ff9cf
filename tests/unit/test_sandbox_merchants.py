"""The sandbox merchants: deterministic, at least 50 per country, each with a valid code."""

from __future__ import annotations

from collections import Counter

import pytest

from lintas.codecs.emvqr import AddressType, Scheme, decode
from lintas.sandbox.merchants import (
    MERCHANTS_PER_COUNTRY,
    Merchant,
    build_merchants,
    merchant_by_proxy,
    merchants_of,
)
from lintas.sandbox.region import Region, build_region

#: The scheme each country's codes are read as.
SCHEMES = {
    "SG": Scheme.PAYNOW,
    "MY": Scheme.DUITNOW,
    "TH": Scheme.PROMPTPAY,
    "ID": Scheme.QRIS,
    "PH": Scheme.QRPH,
    "VN": Scheme.VIETQR,
    "KH": Scheme.KHQR,
    "LA": Scheme.LAOQR,
    "BN": Scheme.GENERIC,
    "MM": Scheme.GENERIC,
    "IN": Scheme.GENERIC,
}


@pytest.fixture(scope="module")
def region() -> Region:
    return build_region()


@pytest.fixture(scope="module")
def merchants(region: Region) -> tuple[Merchant, ...]:
    return build_merchants(region)


def test_every_country_has_at_least_fifty_merchants(
    region: Region, merchants: tuple[Merchant, ...]
) -> None:
    per_country = Counter(m.country for m in merchants)
    assert set(per_country) == {c.code for c in region.countries} == set(SCHEMES)
    assert min(per_country.values()) >= MERCHANTS_PER_COUNTRY >= 50


def test_the_merchants_are_the_same_on_every_build(merchants: tuple[Merchant, ...]) -> None:
    assert build_merchants(build_region()) == merchants


def test_every_code_decodes_valid_in_strict_mode_in_its_countrys_scheme(
    merchants: tuple[Merchant, ...],
) -> None:
    for m in merchants:
        qr = decode(m.qr, strict=True)
        assert qr.valid, (m.id, qr.errors)
        assert qr.country == m.country and qr.accounts[0].scheme is SCHEMES[m.country], m.id
        assert qr.merchant.name == m.name and qr.merchant.city == m.city
        assert qr.merchant.mcc == m.mcc and qr.amount is None


def test_every_codes_payable_proxy_finds_its_merchant(merchants: tuple[Merchant, ...]) -> None:
    for m in merchants:
        proxy = decode(m.qr).payable_proxy()
        assert proxy == (m.address_type, m.proxy), m.id
        assert merchant_by_proxy(*proxy) == m


def test_every_merchant_banks_with_a_psp_of_its_country(
    region: Region, merchants: tuple[Merchant, ...]
) -> None:
    for m in merchants:
        assert region.country(m.country).psp(m.psp) is not None, m.id
        assert m.account.isdigit() and 1 <= len(m.name) <= 25 and 1 <= len(m.city) <= 15


def test_merchant_ids_and_codes_are_unique(merchants: tuple[Merchant, ...]) -> None:
    assert len({(m.country, m.id) for m in merchants}) == len(merchants)
    assert len({m.qr for m in merchants}) == len(merchants)


def test_an_unknown_proxy_finds_no_merchant() -> None:
    assert merchant_by_proxy(AddressType.MERCHANT_ID, "NOBODY") is None
    assert merchant_by_proxy("uen", "202600001M") is not None  # the type is case-insensitive


def test_merchants_of_lists_one_countrys_merchants() -> None:
    thai = merchants_of("th")
    assert len(thai) >= 50 and {m.country for m in thai} == {"TH"}
