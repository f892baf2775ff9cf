"""The deterministic sandbox region: reproducible, valid, varied and quick to build."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from lintas.domain.money import Money
from lintas.sandbox import names
from lintas.sandbox.region import COUNTRY_CODES, Region, build_region

# Unicode blocks of the scripts the region's names are written in.
SCRIPT_RANGES: dict[str, tuple[int, int]] = {
    "TH": (0x0E00, 0x0E7F),  # Thai
    "LA": (0x0E80, 0x0EFF),  # Lao
    "KH": (0x1780, 0x17FF),  # Khmer
    "MM": (0x1000, 0x109F),  # Myanmar
}
DEVANAGARI = (0x0900, 0x097F)
CJK = (0x4E00, 0x9FFF)
ACCOUNT_LENGTHS = {
    "SG": (9, 10),
    "MY": (12, 12),
    "TH": (10, 10),
    "ID": (10, 13),
    "PH": (12, 12),
    "VN": (9, 14),
    "KH": (9, 12),
    "LA": (13, 16),
    "BN": (11, 13),
    "MM": (13, 17),
    "IN": (9, 18),
}
IPS_MAX_MAJOR = {
    "SG": (200_000, "SGD"),
    "MY": (50_000, "MYR"),
    "TH": (2_000_000, "THB"),
    "ID": (250_000_000, "IDR"),
    "PH": (50_000, "PHP"),
    "VN": (500_000_000, "VND"),
    "IN": (100_000, "INR"),
}


@pytest.fixture(scope="module")
def region() -> Region:
    return build_region()


def _letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def _in_range(char: str, block: tuple[int, int]) -> bool:
    return block[0] <= ord(char) <= block[1]


def test_the_same_seed_always_builds_the_same_region() -> None:
    first, second = build_region(7, 200), build_region(7, 200)
    assert first == second
    assert repr(first) == repr(second)


def test_a_different_seed_builds_different_customers() -> None:
    assert build_region(7, 50).customers != build_region(8, 50).customers


def test_the_default_region_has_every_country_in_the_documented_order(region: Region) -> None:
    assert tuple(c.code for c in region.countries) == COUNTRY_CODES
    assert COUNTRY_CODES == ("SG", "MY", "TH", "ID", "PH", "VN", "KH", "LA", "BN", "MM", "IN")


def test_every_country_has_three_psps_a_sap_and_a_thousand_customers(region: Region) -> None:
    for country in region.countries:
        assert len(country.psps) >= 3, country.code
        assert any(p.kind == "bank" for p in country.psps), country.code
        assert country.sap.country == country.code
        customers = region.customers_of(country.code)
        assert len(customers) >= 1000, country.code
        psp_ids = {p.id for p in country.psps}
        assert all(c.psp_id in psp_ids and c.country == country.code for c in customers)


def test_psp_sap_and_fxp_ids_are_unique_across_the_region(region: Region) -> None:
    ids = [p.id for c in region.countries for p in c.psps]
    ids += [c.sap.id for c in region.countries] + [f.id for f in region.fxps]
    assert len(ids) == len(set(ids))


def test_customer_ids_are_stable_and_numbered_per_country(region: Region) -> None:
    thai = region.customers_of("TH")
    assert thai[0].id == "TH-000001"
    assert thai[41].id == "TH-000042"
    assert [c.id for c in thai] == sorted(c.id for c in thai)
    assert len({c.id for c in region.customers}) == len(region.customers)


def test_every_proxy_is_unique_region_wide_and_valid_for_its_address_type(
    region: Region,
) -> None:
    seen: set[tuple[str, str]] = set()
    for customer in region.customers:
        country = region.country(customer.country)
        assert customer.proxies, customer.id
        for code, value in customer.proxies:
            address_type = country.address_type(code)
            assert address_type is not None, (customer.id, code)
            assert address_type.normalise(value) == value, (customer.id, value)
            assert address_type.accepts(value), (customer.id, code, value)
            assert (code, value) not in seen, (code, value)
            seen.add((code, value))


def test_every_address_type_is_used_by_some_customer(region: Region) -> None:
    used = {(c.country, code) for c in region.customers for code, _ in c.proxies}
    for country in region.countries:
        for address_type in country.address_types:
            if address_type.code == "QR":
                continue  # QR codes belong to merchants: tests/unit/test_sandbox_merchants.py.
            assert (country.code, address_type.code) in used, (country.code, address_type.code)


def test_every_customer_is_found_by_each_of_their_proxies(region: Region) -> None:
    for customer in region.customers:
        for code, value in customer.proxies:
            assert region.customer_by_proxy(code, value) is customer


def test_a_local_mobile_form_is_found_only_when_the_country_is_given(region: Region) -> None:
    customer = next(c for c in region.customers_of("TH") if dict(c.proxies).get("MOBILE"))
    e164 = dict(customer.proxies)["MOBILE"]
    local = "0" + e164[3:5] + "-" + e164[5:8] + "-" + e164[8:]
    assert region.customer_by_proxy("MOBILE", local) is None
    assert region.customer_by_proxy("MOBILE", local, country="TH") is customer
    assert region.customer_by_proxy("MOBILE", e164, country="SG") is None


def test_an_unknown_proxy_finds_nobody(region: Region) -> None:
    assert region.customer_by_proxy("MOBILE", "+6580000000x") is None
    assert region.customer_by_proxy("UPI", "nobody@ganga", country="IN") is None
    assert region.customer_by_proxy("UPI", "nobody@ganga", country="TH") is None
    assert region.customer_by_proxy("MOBILE", "0812345678", country="ZZ") is None


def test_about_one_customer_in_ten_is_a_business(region: Region) -> None:
    for country in COUNTRY_CODES:
        customers = region.customers_of(country)
        businesses = sum(1 for c in customers if c.kind == "business")
        assert 0.06 * len(customers) <= businesses <= 0.14 * len(customers), country


@pytest.mark.parametrize("country", sorted(SCRIPT_RANGES))
def test_names_are_written_in_the_country_script_with_an_ascii_romanisation(
    region: Region,
    country: str,
) -> None:
    block = SCRIPT_RANGES[country]
    for customer in region.customers_of(country):
        letters = _letters(customer.name)
        assert letters and all(_in_range(c, block) for c in letters), customer.name
        assert customer.name_latin.isascii() and _letters(customer.name_latin)


def test_vietnamese_names_keep_their_diacritics_and_the_romanisation_drops_them(
    region: Region,
) -> None:
    customers = region.customers_of("VN")
    assert sum(1 for c in customers if not c.name.isascii()) > len(customers) // 2
    assert all(c.name_latin.isascii() for c in customers)
    assert any(
        c.name.startswith("Nguyễn ") and c.name_latin.startswith("Nguyen ") for c in customers
    )


def test_singapore_malaysia_and_india_mix_local_scripts_with_latin_names(
    region: Region,
) -> None:
    for country, block in (("SG", CJK), ("MY", CJK), ("IN", DEVANAGARI)):
        customers = region.customers_of(country)
        in_script = sum(1 for c in customers if any(_in_range(ch, block) for ch in c.name))
        assert 0.2 * len(customers) < in_script < 0.9 * len(customers), country
    malaysian = [c.name for c in region.customers_of("MY")]
    assert any(" bin " in n for n in malaysian) and any(" binti " in n for n in malaysian)
    assert any(" a/l " in n or " a/p " in n for n in malaysian)


def test_every_romanised_name_is_ascii(region: Region) -> None:
    assert all(c.name_latin.isascii() for c in region.customers)


def test_names_are_varied_within_each_country(region: Region) -> None:
    for country in COUNTRY_CODES:
        names = [c.name for c in region.customers_of(country) if c.kind == "person"]
        # 1,000 people should not look like a handful of repeated names.
        assert len(set(names)) > 0.6 * len(names), country


@pytest.mark.parametrize(
    ("country", "given", "family"),
    [
        ("TH", names.TH_GIVEN_M + names.TH_GIVEN_F, names.TH_FAMILY),
        ("LA", names.LA_GIVEN, names.LA_FAMILY),
        ("KH", names.KH_GIVEN, names.KH_FAMILY),
        ("MM", names.MM_SYLLABLES, names.MM_SYLLABLES),
        ("VN", names.VN_GIVEN_M + names.VN_GIVEN_F, names.VN_FAMILY),
        ("BN", names.MALAY_GIVEN_M + names.MALAY_GIVEN_F, names.MALAY_FATHER),
        ("SG", names.CHINESE_GIVEN, names.CHINESE_FAMILY),
        ("IN", names.HINDI_GIVEN_M + names.HINDI_GIVEN_F, names.HINDI_FAMILY),
        ("ID", names.ID_GIVEN, names.ID_FAMILY),
        ("PH", names.PH_GIVEN, names.PH_FAMILY),
    ],
)
def test_each_naming_custom_has_at_least_40_given_and_30_family_name_parts(
    country: str,
    given: tuple[object, ...],
    family: tuple[object, ...],
) -> None:
    assert len(set(given)) >= 40, country
    assert len(set(family)) >= 30, country


def test_account_numbers_are_digits_of_the_country_length(region: Region) -> None:
    for customer in region.customers:
        low, high = ACCOUNT_LENGTHS[customer.country]
        assert customer.account.isdigit(), customer.account
        assert low <= len(customer.account) <= high, (customer.country, customer.account)


def test_indian_accounts_carry_an_ifsc_of_their_bank_and_others_none(region: Region) -> None:
    for customer in region.customers:
        if customer.country == "IN":
            assert re.fullmatch(r"[A-Z]{4}0[A-Z0-9]{6}", customer.branch_code)
            assert customer.branch_code[:4] == customer.psp_id[:4]
        else:
            assert customer.branch_code == ""


def test_opening_balances_are_positive_and_in_the_local_currency(region: Region) -> None:
    for customer in region.customers:
        country = region.country(customer.country)
        assert customer.opening_balance.currency == country.currency
        assert customer.opening_balance.minor > 0


def test_ips_maximums_are_the_documented_local_amounts(region: Region) -> None:
    for code, (major, cur) in IPS_MAX_MAJOR.items():
        ips = region.country(code).ips
        assert ips.currency == cur
        assert ips.amount_max.to_decimal() == Decimal(major), code


def test_there_is_a_mid_rate_for_every_currency_of_the_region_and_usd(region: Region) -> None:
    currencies = [r.currency for r in region.mid_rates]
    assert len(currencies) == len(set(currencies))
    assert set(currencies) == {c.currency for c in region.countries} | {"USD"}
    assert region.mid_rate("USD").usd_per_unit == 1
    assert len({r.as_of for r in region.mid_rates}) == 1


def test_every_fxp_holds_usd_50_million_worth_in_every_country(region: Region) -> None:
    assert len(region.fxps) >= 3
    for fxp in region.fxps:
        for country in region.countries:
            liquidity = region.fxp_liquidity[(fxp.id, country.code)]
            assert isinstance(liquidity, Money) and liquidity.currency == country.currency
            usd = liquidity.to_decimal() * region.mid_rate(country.currency).usd_per_unit
            assert Decimal("49999999") <= usd <= Decimal("50000000"), (fxp.id, country.code)
