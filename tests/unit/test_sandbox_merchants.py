"""The sandbox merchants: deterministic, at least 50 per country, each with a valid code."""

from __future__ import annotations

from collections import Counter

import pytest

from lintas.codecs.emvqr import AddressType, Scheme, decode
from lintas.sandbox.merchants import (
    MERCHANTS_PER_COUNTRY,
    SANDBOX_TEMPLATE_GUID,
    SANDBOX_TEMPLATE_MERCHANT_ID_SUBTAG,
    Merchant,
    build_merchants,
    merchant_by_proxy,
    merchants_of,
)
from lintas.sandbox.region import Region, build_region
from lintas.services.addressing import DIRECTORY_TEMPLATES

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
    # The sandbox's own template: no national profile reads it (the JSON contract's
    # schemes do not grow), so it is kept and shown as unknown.
    "BN": Scheme.UNKNOWN,
    "MM": Scheme.UNKNOWN,
    "IN": Scheme.UNKNOWN,
}
#: Countries whose codes carry the sandbox template (resolved by its GUID, not a profile).
TEMPLATE_COUNTRIES = {"BN", "MM", "IN"}


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
        if m.country in TEMPLATE_COUNTRIES:
            continue
        proxy = decode(m.qr).payable_proxy()
        assert proxy == (m.address_type, m.proxy), m.id
        assert merchant_by_proxy(*proxy) == m


def test_the_sandbox_template_is_shown_as_unknown_with_its_guid_and_raw_subtags(
    merchants: tuple[Merchant, ...],
) -> None:
    for m in merchants:
        if m.country not in TEMPLATE_COUNTRIES:
            continue
        qr = decode(m.qr, strict=True)
        (account,) = qr.accounts
        assert account.scheme is Scheme.UNKNOWN and account.tag == "26", m.id
        assert account.guid == SANDBOX_TEMPLATE_GUID and account.proxy is None
        assert dict(account.subtags) == {
            "00": SANDBOX_TEMPLATE_GUID,
            "01": m.psp,
            SANDBOX_TEMPLATE_MERCHANT_ID_SUBTAG: m.id,
        }
        assert qr.payable_proxy() is None
        assert merchant_by_proxy(AddressType.MERCHANT_ID, m.id) == m


def test_the_addressing_service_knows_the_sandbox_templates_guid_and_merchant_subtag() -> None:
    assert DIRECTORY_TEMPLATES[SANDBOX_TEMPLATE_GUID.upper()] == SANDBOX_TEMPLATE_MERCHANT_ID_SUBTAG


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
