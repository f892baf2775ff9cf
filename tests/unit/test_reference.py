"""Reference-data types: address normalisation, check digits and the value types' guards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lintas.domain.money import Money, currency
from lintas.domain.reference import (
    PROXY_LENGTH_MAX,
    AddressType,
    Fxp,
    Ips,
    MidRate,
    Psp,
    nric_check_letter,
    thai_id_check_digit,
)

TH_MOBILE = AddressType(
    "MOBILE",
    "Mobile number (PromptPay)",
    r"\+66[689]\d{8}",
    "+66812345678",
    separators=" -.()/",
    calling_code="+66",
    trunk_prefix="0",
)
SG_MOBILE = AddressType(
    "MOBILE",
    "Mobile number (PayNow)",
    r"\+65[89]\d{7}",
    "+6581234567",
    separators=" -.()/",
    calling_code="+65",
)
SG_NRIC = AddressType(
    "NATIONAL_ID",
    "NRIC or FIN",
    r"[STFGM]\d{7}[A-Z]",
    "S1234567D",
    case="upper",
    check="sg_nric",
)
TH_ID = AddressType(
    "NATIONAL_ID",
    "Citizen id",
    r"[1-8]\d{12}",
    "110170012345" + thai_id_check_digit("110170012345"),
    check="th_id",
)
MY_NRIC = AddressType("NATIONAL_ID", "MyKad", r"\d{12}", "900101145673", check="my_nric")
UPI = AddressType(
    "UPI",
    "UPI id",
    r"[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9]{1,63}",
    "rahul.sharma@ganga",
    separators="",
    case="lower",
)


@pytest.mark.parametrize(
    "typed",
    [
        "+66 81-234-5678",
        "081-234-5678",
        "0812345678",
        "66812345678",
        "0066812345678",
        " (081) 234 5678 ",
        "081.234.5678",
    ],
)
def test_every_local_and_international_form_of_a_thai_mobile_normalises_to_e164(
    typed: str,
) -> None:
    assert TH_MOBILE.normalise(typed) == "+66812345678"
    assert TH_MOBILE.accepts(typed)


def test_a_singapore_mobile_without_trunk_prefix_gets_the_country_code() -> None:
    assert SG_MOBILE.normalise("8123 4567") == "+6581234567"
    assert SG_MOBILE.normalise("+65 8123-4567") == "+6581234567"
    assert SG_MOBILE.accepts("9123 4567")


def test_a_mobile_of_the_wrong_length_or_range_is_refused() -> None:
    assert not TH_MOBILE.accepts("081-234-567")
    assert not TH_MOBILE.accepts("071-234-5678")  # 07x is not a Thai mobile range.
    assert not SG_MOBILE.accepts("6123 4567")  # 6xxx xxxx is a fixed line.
    assert not TH_MOBILE.accepts("+65 8123 4567")  # A Singapore number is not a Thai one.


@pytest.mark.parametrize("nric", ["S1234567D", "T1234567J", "F1234567N", "G1234567X", "M1234567K"])
def test_nrics_with_the_right_check_letter_are_accepted_in_every_series(nric: str) -> None:
    assert nric_check_letter(nric[0], nric[1:8]) == nric[8]
    assert SG_NRIC.accepts(nric)


@pytest.mark.parametrize("nric", ["S1234567A", "T1234567D", "F1234567X", "G1234567N", "M1234567X"])
def test_nrics_with_a_wrong_check_letter_are_refused(nric: str) -> None:
    assert not SG_NRIC.accepts(nric)


def test_an_nric_typed_in_lower_case_with_spaces_is_normalised_and_accepted() -> None:
    assert SG_NRIC.normalise(" s 1234567 d") == "S1234567D"
    assert SG_NRIC.accepts("s1234567d")


def test_a_thai_id_is_accepted_only_with_its_check_digit() -> None:
    valid = TH_ID.example
    assert TH_ID.accepts(valid)
    assert TH_ID.accepts(f"{valid[0]}-{valid[1:5]}-{valid[5:10]}-{valid[10:12]}-{valid[12]}")
    for wrong in "0123456789":
        if wrong != valid[12]:
            assert not TH_ID.accepts(valid[:12] + wrong)


def test_the_thai_check_digit_matches_a_hand_computed_value() -> None:
    # 1*13 + 1*12 + 0*11 + 1*10 + 7*9 + 0*8 + 0*7 + 1*6 + 2*5 + 3*4 + 4*3 + 5*2 = 148;
    # 148 mod 11 = 5; (11 - 5) mod 10 = 6.
    assert thai_id_check_digit("110170012345") == "6"


def test_a_mykad_number_needs_a_real_birth_date_and_place_code() -> None:
    assert MY_NRIC.accepts("900101-14-5673")
    assert not MY_NRIC.accepts("901301145673")  # Month 13.
    assert not MY_NRIC.accepts("900231145673")  # 31 February.
    assert not MY_NRIC.accepts("900101005673")  # Place code 00 does not exist.
    assert not MY_NRIC.accepts("90010114567")  # 11 digits.


def test_a_upi_id_is_folded_to_lower_case_and_keeps_its_dots() -> None:
    assert UPI.normalise(" Rahul.Sharma@Ganga ") == "rahul.sharma@ganga"
    assert UPI.accepts("Rahul.Sharma@Ganga")
    assert not UPI.accepts("rahul sharma@ganga")


def test_an_overlong_value_is_refused_without_being_normalised() -> None:
    assert not UPI.accepts("a" * PROXY_LENGTH_MAX + "@ganga")


def test_an_address_type_whose_example_it_refuses_cannot_be_built() -> None:
    with pytest.raises(AssertionError):
        AddressType("NATIONAL_ID", "NRIC", r"[STFGM]\d{7}[A-Z]", "S1234567A", check="sg_nric")


def test_an_ips_maximum_must_be_in_the_ips_currency() -> None:
    with pytest.raises(AssertionError):
        Ips("SG-FAST", "FAST", "SG", "SGD", Money(100, currency("USD")))


def test_a_psp_id_must_be_bic_like_and_name_its_country() -> None:
    assert Psp("MRLNSGSG", "Merlion", "SG", "bank").kind == "bank"
    with pytest.raises(AssertionError):
        Psp("MRLN", "Merlion", "SG", "bank")
    with pytest.raises(AssertionError):
        Psp("MRLNMYKL", "Merlion", "SG", "bank")


def test_an_fxp_applies_the_highest_size_tier_reached_and_no_more() -> None:
    fxp = Fxp("ANDMSGSG", "Andaman FX", 40, ((1_000_000, 5), (10_000_000, 12)))
    assert fxp.improvement_bps(999_999) == 0
    assert fxp.improvement_bps(1_000_000) == 5
    assert fxp.improvement_bps(10_000_000) == 12
    assert fxp.improvement_bps(10**12) == 12


def test_fxp_tiers_must_ascend_and_never_improve_beyond_the_spread() -> None:
    with pytest.raises(AssertionError):
        Fxp("ANDMSGSG", "Andaman FX", 40, ((10_000_000, 5), (1_000_000, 12)))
    with pytest.raises(AssertionError):
        Fxp("ANDMSGSG", "Andaman FX", 10, ((1_000_000, 12),))


def test_a_mid_rate_must_be_an_exact_positive_decimal() -> None:
    rate = MidRate("THB", Decimal("0.02900"), date(2026, 11, 27))
    assert rate.usd_per_unit == Decimal("0.029")
    with pytest.raises(AssertionError):
        MidRate("THB", 0.029, date(2026, 11, 27))  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        MidRate("THB", Decimal("0"), date(2026, 11, 27))
