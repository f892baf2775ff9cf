"""Decoding: published examples, the EMVCo rules, lenient deviations and every failure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lintas.codecs.emvqr import AddressType, Initiation, Scheme, decode, encode, to_json
from lintas.codecs.emvqr.crc import crc16_ccitt_false, crc_hex

# Published payloads (from open-source generators' READMEs and tests), CRCs as printed.
VIETQR_SUBIZ = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA53037045406"
    "1200005802VN62170813ung ho lu lut6304C15C"
)
PROMPTPAY_MOBILE = (
    "00020101021129370016A000000677010111011300668123456785204000053037645406100.505802TH6304ACCB"
)
PROMPTPAY_BILL_WITHOUT_AID = (
    "000201010212304701151423461990019930210REFERENCE10310REFERENCE252047011530376454061"
    "00.005802TH5907PPETECH6007BANGKOK62380523202106250425429530000000707SRU123563043AEF"
)


def signed(body: str) -> str:
    """Append a correct CRC to ``body`` (which must not end in 6304)."""
    return body + "6304" + crc_hex(body + "6304")


BASE = "000201010211" + "29370016A00000067701011101130066812345678" + "52040000" + "5303764"
TAIL = "5802TH5904SHOP6007BANGKOK"


def test_the_crc_is_ccitt_false_with_the_standard_check_value() -> None:
    # The catalogue check value of CRC-16/CCITT-FALSE over "123456789" is 0x29B1.
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_a_published_vietqr_code_decodes_to_bank_bin_and_account() -> None:
    qr = decode(VIETQR_SUBIZ)
    assert qr.valid, qr.errors
    assert qr.country == "VN" and qr.currency == "VND"
    assert qr.amount is not None and qr.amount.minor == 120000
    account = qr.account(Scheme.VIETQR)
    assert account is not None
    assert account.field("bankBin") == "970415"
    assert account.field("accountNumber") == "0011001932418"
    assert account.field("serviceCode") == "QRIBFTTA"
    assert qr.payable_proxy() == (AddressType.ACCOUNT, "970415:0011001932418")
    assert qr.additional_data is not None and qr.additional_data.purpose == "ung ho lu lut"


def test_a_published_promptpay_code_resolves_to_the_normalised_mobile() -> None:
    qr = decode(PROMPTPAY_MOBILE)
    assert qr.valid
    assert qr.payable_proxy() == (AddressType.MOBILE, "+66812345678")
    assert qr.amount is not None and qr.amount.format() == "100.50"
    # The generator marks it static yet puts an amount and omits name and city.
    assert {w.code for w in qr.warnings} == {
        "static_code_carries_amount",
        "merchant_name_missing",
        "merchant_city_missing",
    }


def test_the_same_published_promptpay_code_is_refused_in_strict_mode() -> None:
    qr = decode(PROMPTPAY_MOBILE, strict=True)
    assert not qr.valid
    assert "static_code_carries_amount" in {e.code for e in qr.errors}
    assert qr.payable_proxy() is None


def test_a_template_without_a_guid_is_kept_and_shown_as_unknown() -> None:
    qr = decode(PROMPTPAY_BILL_WITHOUT_AID)
    assert qr.valid
    (account,) = qr.accounts
    assert account.scheme is Scheme.UNKNOWN and account.tag == "30"
    assert dict(account.subtags)["01"] == "142346199001993"
    assert qr.payable_proxy() is None


def test_a_well_formed_static_code_is_valid_in_strict_mode() -> None:
    qr = decode(signed(BASE + TAIL), strict=True)
    assert qr.valid, qr.errors
    assert qr.initiation is Initiation.STATIC
    assert qr.merchant.name == "SHOP" and qr.merchant.city == "BANGKOK"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("0002010", "tlv_truncated"),
        ("0002010102119999", "length_past_end"),
        ("00020101x211", "length_not_numeric"),
        ("000201011a11", "length_not_numeric"),
        ("", "payload_empty"),
        ("0" * 513, "payload_too_long"),
    ],
)
def test_an_unreadable_payload_is_invalid_with_a_precise_error(payload: str, code: str) -> None:
    qr = decode(payload)
    assert not qr.valid
    assert code in {e.code for e in qr.errors}


def test_a_wrong_crc_is_reported_with_both_values() -> None:
    good = signed(BASE + TAIL)
    bad = good[:-4] + ("0000" if good[-4:] != "0000" else "FFFF")
    qr = decode(bad)
    assert not qr.valid
    (error,) = [e for e in qr.errors if e.code == "crc_mismatch"]
    assert good[-4:] in error.message


def test_a_lowercase_crc_is_a_warning_in_lenient_and_an_error_in_strict_mode() -> None:
    good = signed(BASE + TAIL)
    lower = good[:-4] + good[-4:].lower()
    if lower == good:
        pytest.skip("this CRC has no letters")
    assert decode(lower).valid
    assert [w.code for w in decode(lower).warnings] == ["crc_lowercase"]
    assert not decode(lower, strict=True).valid


def test_a_missing_crc_and_a_crc_that_is_not_last_are_errors() -> None:
    assert "crc_missing" in {e.code for e in decode(BASE + TAIL).errors}
    body = BASE + TAIL
    crc = crc_hex(body + "6304")
    qr = decode(body + "6304" + crc + "0502AB")
    assert "crc_not_last" in {e.code for e in qr.errors}


def test_a_currency_not_allowed_by_the_scheme_is_refused() -> None:
    # PromptPay settles in THB only; 702 is SGD.
    qr = decode(signed(BASE.replace("5303764", "5303702") + TAIL))
    assert not qr.valid
    assert "currency_not_allowed_by_scheme" in {e.code for e in qr.errors}


def test_an_unknown_numeric_currency_is_refused() -> None:
    qr = decode(signed(BASE.replace("5303764", "5303999") + TAIL))
    assert "currency_unknown" in {e.code for e in qr.errors}


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("5405-1.00", "amount_malformed"),
        ("54051.001", "amount_has_too_many_decimals"),
        ("54041e10", "amount_malformed"),
        ("540100", "amount_zero"),
        ("54141234567890.12", "amount_too_long"),
    ],
)
def test_a_malformed_amount_is_refused(amount: str, code: str) -> None:
    qr = decode(signed(BASE.replace("010211", "010212") + amount + TAIL))
    assert not qr.valid
    assert code in {e.code for e in qr.errors}


def test_vnd_amounts_may_not_carry_decimals() -> None:
    body = VIETQR_SUBIZ[:-8].replace("5406120000", "540812000.5")
    assert "amount_has_too_many_decimals" in {e.code for e in decode(signed(body)).errors}


def test_tags_out_of_order_are_tolerated_only_in_lenient_mode() -> None:
    shuffled = signed("000201" + "5303764" + "010211" + BASE[12:].replace("5303764", "") + TAIL)
    assert decode(shuffled).valid
    assert "tags_out_of_order" in {w.code for w in decode(shuffled).warnings}
    assert "tags_out_of_order" in {e.code for e in decode(shuffled, strict=True).errors}


def test_payload_format_02_is_tolerated_as_duitnow_writes_it() -> None:
    qr = decode(signed("000202" + BASE[6:] + TAIL))
    assert qr.valid and qr.payload_format == "02"
    assert not decode(signed("000202" + BASE[6:] + TAIL), strict=True).valid
    assert not decode(signed("000203" + BASE[6:] + TAIL)).valid


def test_missing_mandatory_root_fields_are_errors() -> None:
    qr = decode(signed("000201010211" + "52040000" + "5303764"))
    codes = {e.code for e in qr.errors}
    assert {"merchant_account_missing", "country_missing"} <= codes


def test_a_repeated_root_tag_is_an_error() -> None:
    qr = decode(signed(BASE + "5802TH" + TAIL))
    assert "tag_duplicated" in {e.code for e in qr.errors}


@pytest.mark.parametrize(
    ("tip", "code"),
    [
        ("550202", "convenience_fee_fixed_missing"),
        ("550203", "convenience_fee_percentage_missing"),
        ("55020357063.5000", "convenience_fee_percentage_invalid"),
        ("56041.00", "convenience_fee_without_indicator"),
        ("550209", "tip_indicator_invalid"),
        ("55020256041.005703.50", "convenience_fee_percentage_unexpected"),
    ],
)
def test_tip_and_convenience_fee_rules_are_enforced(tip: str, code: str) -> None:
    qr = decode(signed(BASE + tip + TAIL))
    assert code in {e.code for e in qr.errors}


def test_a_fixed_convenience_fee_is_read_as_money_of_the_code_currency() -> None:
    qr = decode(signed(BASE + "55020256041.50" + TAIL))
    assert qr.valid and qr.tip is not None and qr.tip.fixed_fee is not None
    assert qr.tip.fixed_fee.format() == "1.50"


def test_a_malformed_merchant_template_is_an_error_not_an_exception() -> None:
    qr = decode(signed("000201010211" + "2606001099" + "52040000530376458" + "02TH"))
    assert not qr.valid
    assert "template_malformed" in {e.code for e in qr.errors}


def test_an_unreserved_template_of_an_unknown_owner_is_kept() -> None:
    qr = decode(signed(BASE + TAIL + "80200008COM.ACME0104X123"))
    assert qr.valid
    (kept,) = qr.unreserved
    assert kept.scheme is Scheme.UNKNOWN and kept.guid == "COM.ACME"


def test_the_alternate_language_template_is_read() -> None:
    thai = "ร้านค้า"
    lang = "0002TH01" + f"{len(thai):02d}" + thai
    qr = decode(signed(BASE + TAIL + "64" + f"{len(lang):02d}" + lang))
    assert qr.valid, qr.errors
    assert qr.merchant.name_alternate == thai and qr.merchant.language == "TH"


def test_lengths_count_characters_and_the_crc_covers_utf8_bytes() -> None:
    name = "ร้าน"  # four characters, twelve UTF-8 bytes
    body = BASE + "5802TH59" + f"{len(name):02d}" + name + "6007BANGKOK"
    qr = decode(signed(body))
    assert qr.valid and qr.merchant.name == name


def test_a_non_text_payload_is_invalid_rather_than_raising() -> None:
    qr = decode(b"000201")  # type: ignore[arg-type]
    assert not qr.valid and qr.errors[0].code == "payload_not_text"


def test_an_expired_code_is_refused_when_now_is_given() -> None:
    expiry = "20240101"
    template = "0009SG.PAYNOW01012" + "0210201234567Z" + "03010" + "0408" + expiry
    body = (
        "000201010212" + f"26{len(template):02d}{template}" + "520400005303702540510.00"
        "5802SG5904SHOP6009SINGAPORE"
    )
    payload = signed(body)
    assert decode(payload).valid
    assert decode(payload, now=datetime(2024, 1, 1, 15, 59, tzinfo=UTC)).valid
    late = decode(payload, now=datetime(2024, 1, 1, 16, 0, tzinfo=UTC))
    assert [e.code for e in late.errors] == ["code_expired"]


def test_with_a_repeated_tag_the_first_occurrence_wins_and_each_repeat_is_reported() -> None:
    qr = decode(signed(BASE + "5802TH" + "5802MY" + TAIL))
    assert [e.code for e in qr.errors].count("tag_duplicated") == 2
    assert qr.country == "TH" and qr.merchant.name == "SHOP"


def test_a_second_crc_makes_the_first_one_not_last() -> None:
    body = BASE + TAIL + "6304"
    crc = crc_hex(body)
    qr = decode(body + crc + "6304" + crc)
    assert {"tag_duplicated", "crc_not_last"} <= {e.code for e in qr.errors}


def test_a_crc_alone_is_neither_out_of_order_nor_readable_as_a_code() -> None:
    qr = decode("63041234")
    codes = {e.code for e in qr.errors}
    assert "tags_out_of_order" not in codes and "crc_mismatch" in codes


@pytest.mark.parametrize(
    ("text", "minor"),
    [("100", 10000), ("100.5", 10050), ("0.01", 1), ("9999999999.99", 999999999999)],
)
def test_plain_amounts_are_read_exactly(text: str, minor: int) -> None:
    qr = decode(signed(BASE.replace("010211", "010212") + f"54{len(text):02d}{text}" + TAIL))
    assert qr.valid and qr.amount is not None and qr.amount.minor == minor


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("01.00", "amount_malformed"),
        ("1.", "amount_malformed"),
        ("1.234", "amount_has_too_many_decimals"),
        (".5", "amount_malformed"),
        ("١٠", "amount_malformed"),
        ("0", "amount_zero"),
    ],
)
def test_unusual_amounts_keep_their_precise_reasons(text: str, code: str) -> None:
    qr = decode(signed(BASE.replace("010211", "010212") + f"54{len(text):02d}{text}" + TAIL))
    assert code in {e.code for e in qr.errors}


def test_a_template_no_profile_reads_is_unknown_with_its_tag_guid_and_raw_subtags() -> None:
    # The sandbox prints such a template for Brunei, Myanmar and India: the contract's
    # schemes do not grow for it, and the code stays valid in any currency.
    for country, currency in (("BN", "BND"), ("MM", "MMK"), ("IN", "INR")):
        payload = encode(
            "template", country=country, guid="LINTAS.GENERIC", sub01="PSPXXX01", sub02="M1"
        )
        qr = decode(payload, strict=True)
        assert qr.valid and qr.currency == currency, qr.errors
        (account,) = qr.accounts
        assert (account.scheme, account.tag, account.guid) == (
            Scheme.UNKNOWN,
            "26",
            "LINTAS.GENERIC",
        )
        assert account.subtags == (("00", "LINTAS.GENERIC"), ("01", "PSPXXX01"), ("02", "M1"))
        assert account.fields == () and account.proxy is None and qr.payable_proxy() is None
        shown = to_json(qr)["accounts"]
        assert shown == [
            {
                "scheme": "unknown",
                "tag": "26",
                "guid": "LINTAS.GENERIC",
                "proxy": None,
                "subtags": {"00": "LINTAS.GENERIC", "01": "PSPXXX01", "02": "M1"},
            }
        ]


def test_every_scheme_in_the_json_contract_is_one_the_issue_names() -> None:
    assert {s.value for s in Scheme} == {
        "promptpay",
        "paynow",
        "sgqr",
        "duitnow",
        "qris",
        "vietqr",
        "vnpay",
        "qrph",
        "khqr",
        "laoqr",
        "unknown",
    }


def test_a_local_thai_mobile_that_starts_with_0066_is_read_as_a_local_number() -> None:
    # Found by the round-trip property: 0 + 066000000 is a 10-digit local number.
    qr = decode(encode("promptpay", mobile="0066000000", amount="0.01"), strict=True)
    assert qr.payable_proxy() == (AddressType.MOBILE, "+66066000000")


def test_a_lone_surrogate_makes_the_code_unreadable_rather_than_raising() -> None:
    # Command lines can carry undecodable bytes as lone surrogates; UTF-8 has no form for
    # them, so the CRC cannot be checked.
    body = BASE + "5802TH5904SH\udcffP6007BANGKOK"
    qr = decode(body + "63041234")
    assert not qr.valid
    (error,) = [e for e in qr.errors if e.code == "payload_not_unicode"]
    assert "character" in error.message and "surrogate" in error.message


def test_the_fast_reading_and_the_exact_reading_agree_on_an_out_of_order_code() -> None:
    # Out of order: read again by the exact path; the same fields, plus the warning.
    in_order = decode(signed(BASE + TAIL))
    shuffled = decode(
        signed("000201" + "5303764" + "010211" + BASE[12:].replace("5303764", "") + TAIL)
    )
    assert shuffled.valid and [w.code for w in shuffled.warnings] == ["tags_out_of_order"]
    assert (shuffled.country, shuffled.currency, shuffled.merchant) == (
        in_order.country,
        in_order.currency,
        in_order.merchant,
    )
    assert shuffled.accounts == in_order.accounts
