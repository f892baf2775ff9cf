"""Payee verification: MTCH, CMTC, NMTC and NOAP across the region's scripts."""

from __future__ import annotations

import pytest

from lintas.matching.verification import (
    VerificationResult,
    mask_name,
    verify_payee,
)

MTCH, CMTC, NMTC, NOAP = (
    VerificationResult.MATCH,
    VerificationResult.CLOSE_MATCH,
    VerificationResult.NO_MATCH,
    VerificationResult.NOT_POSSIBLE,
)


@pytest.mark.parametrize(
    ("expected", "registered"),
    [
        ("Somchai Bunma", "Somchai Bunma"),
        ("SOMCHAI  BUNMA", "Somchai Bunma"),
        ("Bunma Somchai", "Somchai Bunma"),
        ("To Phuong Thao", "Tô Phương Thảo"),
        ("Surachai Thongkham", "สุรชัย ทองคำ"),
        ("Thy Pisal", "ធី ពិសាល"),
        ("Encik Ahmad Faizal", "Ahmad Faizal"),
        ("Rosnah binti Haji Rashid", "Rosnah bte Haji Rashid"),
    ],
)
def test_the_same_name_in_another_case_order_or_script_is_a_match(
    expected: str, registered: str
) -> None:
    v = verify_payee(expected, registered)
    assert v.result is MTCH, v
    assert v.name_shown is None


@pytest.mark.parametrize(
    ("expected", "registered"),
    [
        ("Somchai Bunmaa", "Somchai Bunma"),
        ("Nur Aisyah", "Nur Aisyah binti Rahman"),
        ("Souvanny Khanthavong", "ສຸວັນນີ ຂັນທະວົງ"),
        ("Rommel Dela Cruz", "Rommel Aquino Dela Cruz"),
    ],
)
def test_a_typo_or_a_missing_middle_name_is_a_close_match_that_shows_the_name_masked(
    expected: str, registered: str
) -> None:
    v = verify_payee(expected, registered)
    assert v.result in (CMTC, MTCH), v
    if v.result is CMTC:
        assert v.name_shown == mask_name(registered)
        assert v.name_shown != registered


def test_a_close_match_shows_the_destinations_own_masked_name() -> None:
    v = verify_payee("Nur Aisyah", "Nur Aisyah binti Rahman", masked="Nur A***** b**** R*****")
    assert v.result is CMTC
    assert v.name_shown == "Nur A***** b**** R*****"


def test_a_name_that_fits_the_masked_registered_name_is_at_least_a_close_match() -> None:
    # Hokkien "Goh" for the Mandarin reading "Wu" of 吴: the scripts alone cannot tell.
    v = verify_payee("Goh Xuan Xiao", "吴轩晓", masked="Goh X*** X***")
    assert v.result is CMTC, v
    assert v.name_shown == "Goh X*** X***"
    assert any("masked" in line for line in v.explanation)


@pytest.mark.parametrize(
    ("expected", "registered"),
    [
        ("John Smith", "Somchai Bunma"),
        ("Siti Nurhaliza", "Nur Aisyah binti Rahman"),
        ("Nguyen Van An", "Tô Phương Thảo"),
        ("Somsak Jaidee", "สุรชัย ทองคำ"),
    ],
)
def test_another_persons_name_is_no_match(expected: str, registered: str) -> None:
    v = verify_payee(expected, registered)
    assert v.result is NMTC, v
    assert v.name_shown is None


def test_without_a_registered_name_or_a_given_name_verification_is_not_possible() -> None:
    assert verify_payee("Somchai", None).result is NOAP
    assert verify_payee(None, "Somchai Bunma").result is NOAP
    assert verify_payee("   ", "Somchai Bunma").result is NOAP
    assert verify_payee("x" * 1000, "Somchai Bunma").result is NOAP


def test_every_answer_says_why_with_its_score() -> None:
    v = verify_payee("Somchai Bunmaa", "Somchai Bunma")
    assert v.explanation[-1] == f"score {v.score:.2f}"
    assert any("somchai" in line for line in v.explanation)


def test_the_mask_keeps_the_first_word_and_each_other_words_initial_and_length() -> None:
    assert mask_name("Somchai Jaidee") == "Somchai J*****"
    assert mask_name("Ana") == "Ana"
    assert mask_name("") == ""
