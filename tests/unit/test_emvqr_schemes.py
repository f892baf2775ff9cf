"""Each national profile: encode a code, decode it into the scheme's typed fields."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest

import lintas.codecs.emvqr as emvqr
from lintas.codecs.emvqr import (
    AddressType,
    EmvQrEncodeError,
    Scheme,
    decode,
    encode,
    render_png,
    render_svg,
    to_json,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mobile", "proxy"),
    [
        ("081-234-5678", "+66812345678"),
        ("+66812345678", "+66812345678"),
        ("0066812345678", "+66812345678"),
    ],
)
def test_promptpay_mobiles_are_normalised_to_0066_in_the_code(mobile: str, proxy: str) -> None:
    payload = encode("promptpay", mobile=mobile)
    assert "01130066812345678" in payload
    assert decode(payload).payable_proxy() == (AddressType.MOBILE, proxy)


def test_a_thai_tax_id_starting_with_zero_is_a_business_id() -> None:
    assert decode(encode("promptpay", national_id="0105551234567")).payable_proxy() == (
        AddressType.BUSINESS_ID,
        "0105551234567",
    )
    assert decode(encode("promptpay", national_id="1101700203451")).payable_proxy() == (
        AddressType.NATIONAL_ID,
        "1101700203451",
    )


def test_a_promptpay_bill_payment_carries_biller_id_and_references() -> None:
    qr = decode(
        encode(
            "promptpay",
            biller_id="010555123456701",
            reference1="INV001",
            reference2="X",
            amount="250.00",
        )
    )
    account = qr.account(Scheme.PROMPTPAY)
    assert account is not None and account.tag == "30"
    assert account.field("reference1") == "INV001" and account.field("reference2") == "X"
    assert qr.payable_proxy() == (AddressType.MERCHANT_ID, "010555123456701")


def test_paynow_with_sgqr_identity_decodes_both_templates_and_the_expiry() -> None:
    qr = decode(
        encode(
            "paynow",
            uen="201403121W",
            amount="10.50",
            editable=False,
            expires_at=date(2025, 6, 1),
            sgqr_id="180101000000001",
        ),
        now=NOW,
    )
    assert qr.valid, qr.errors
    paynow = qr.account(Scheme.PAYNOW)
    sgqr = qr.account(Scheme.SGQR)
    assert paynow is not None and sgqr is not None
    assert paynow.field("editable") is False and paynow.field("proxyType") == "UEN"
    assert sgqr.field("sgqrId") == "180101000000001"
    assert qr.expires_at == datetime(2025, 6, 1, 16, 0, tzinfo=UTC)
    assert qr.payable_proxy() == (AddressType.UEN, "201403121W")


def test_a_paynow_mobile_is_carried_with_its_country_code() -> None:
    qr = decode(encode("paynow", mobile="91234567"))
    assert qr.payable_proxy() == (AddressType.MOBILE, "+6591234567")


def test_duitnow_carries_participant_and_merchant() -> None:
    qr = decode(encode("duitnow", participant_id="890053", merchant_id="0000012345"))
    account = qr.account(Scheme.DUITNOW)
    assert account is not None and account.field("participantId") == "890053"


def test_qris_prefers_the_national_nmid_over_the_acquirer_pan() -> None:
    qr = decode(
        encode(
            "qris",
            nmid="ID1020021181745",
            acquirer_guid="ID.CO.BANKMANDIRI.WWW",
            merchant_pan="9360000812345678",
            amount="15000",
        )
    )
    assert [a.scheme for a in qr.accounts] == [Scheme.QRIS, Scheme.QRIS]
    assert qr.accounts[0].field("nns") == "93600008"
    assert qr.payable_proxy() == (AddressType.MERCHANT_ID, "ID1020021181745")


def test_vietqr_card_transfers_use_the_card_service_code() -> None:
    qr = decode(encode("vietqr", bank_bin="970436", card="9704366800000001"))
    account = qr.account(Scheme.VIETQR)
    assert account is not None and account.field("serviceCode") == "QRIBFTTC"
    assert account.field("cardNumber") == "9704366800000001"


def test_vnpay_and_qrph_merchant_codes_give_a_merchant_id() -> None:
    assert decode(encode("vnpay", merchant_id="0101234567")).payable_proxy() == (
        AddressType.MERCHANT_ID,
        "0101234567",
    )
    qr = decode(encode("qrph", bic="BNORPHMMXXX", merchant_id="M12345"))
    account = qr.account(Scheme.QRPH)
    assert account is not None and account.field("kind") == "p2m"


def test_a_qrph_person_to_person_mobile_is_normalised() -> None:
    qr = decode(encode("qrph", bic="GCASHPHMXXX", mobile="09171234567"))
    assert qr.payable_proxy() == (AddressType.MOBILE, "+639171234567")


def test_khqr_carries_creation_and_expiry_and_refuses_other_currencies() -> None:
    payload = encode(
        "khqr",
        account_id="john_smith@devb",
        currency="USD",
        amount="1.25",
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=5),
    )
    qr = decode(payload, now=NOW)
    assert qr.valid and qr.created_at == NOW and qr.expires_at == NOW + timedelta(minutes=5)
    assert qr.payable_proxy() == (AddressType.EWALLET, "john_smith@devb")
    assert not decode(payload, now=NOW + timedelta(minutes=5)).valid
    with pytest.raises(EmvQrEncodeError) as raised:
        encode("khqr", account_id="john_smith@devb", currency="THB")
    assert raised.value.reason == "currency_not_allowed_by_scheme"


def test_a_khqr_merchant_code_uses_tag_30() -> None:
    qr = decode(
        encode("khqr", account_id="shop@aclb", merchant_id="123456", acquiring_bank="ACLEDA")
    )
    account = qr.account(Scheme.KHQR)
    assert account is not None and account.tag == "30" and account.field("kind") == "merchant"


def test_laoqr_reads_the_lapnet_template() -> None:
    qr = decode(encode("laoqr", iin="27710418", merchant_id="LA123", amount="5000"))
    assert qr.valid and qr.currency == "LAK"
    assert qr.payable_proxy() == (AddressType.MERCHANT_ID, "LA123")


@pytest.mark.parametrize(
    ("scheme", "fields", "reason"),
    [
        ("promptpay", {}, "proxy_count_invalid"),
        ("promptpay", {"mobile": "12"}, "mobile_invalid"),
        ("vietqr", {"bank_bin": "97", "account": "1"}, "vietqr_bank_bin_invalid"),
        (
            "vietqr",
            {"bank_bin": "970415", "account": "1", "amount": "1.5"},
            "amount_has_too_many_decimals",
        ),
        ("paynow", {"uen": "X", "colour": "red"}, "field_unknown"),
        ("nope", {}, "scheme_unknown"),
        ("khqr", {"account_id": "a@b", "amount": "1.00"}, "field_missing"),
        ("promptpay", {"mobile": ""}, "field_not_text"),
        ("promptpay", {"mobile": "0812345678", "merchant_name": "X" * 100}, "field_too_long"),
        ("promptpay", {"mobile": "0812345678", "dynamic": "maybe"}, "field_not_bool"),
        ("template", {"country": "thailand", "tag": "26", "guid": "A0"}, "country_invalid"),
        ("promptpay", {"mobile": "0812345678", "currency": "XXX"}, "currency_unknown"),
        ("promptpay", {"mobile": "0812345678", "amount": "0"}, "amount_zero"),
        ("template", {"country": "TH", "tag": "99", "guid": "A0"}, "tag_invalid"),
        ("paynow", {"mobile": "+6591234567", "uen": "201234567A"}, "proxy_count_invalid"),
        ("paynow", {"uen": "201234567A", "expires_at": "soon"}, "field_not_date"),
        ("vietqr", {"bank_bin": "970415", "account": "1", "card": "2"}, "proxy_count_invalid"),
        ("qrph", {"bic": "BOPIPHMM"}, "proxy_count_invalid"),
        (
            "khqr",
            {"account_id": "a@b", "expires_at": "2030-01-01T00:00:00"},
            "field_not_aware_datetime",
        ),
    ],
)
def test_bad_encode_fields_raise_a_typed_error(
    scheme: str, fields: dict[str, object], reason: str
) -> None:
    with pytest.raises(EmvQrEncodeError) as raised:
        encode(scheme, **fields)
    assert raised.value.reason == reason
    assert isinstance(raised.value, ValueError)


def test_to_json_follows_the_contract() -> None:
    out = to_json(
        decode(encode("vietqr", bank_bin="970415", account="0011", amount="5000", reference="R1"))
    )
    assert set(out) >= {
        "valid",
        "errors",
        "warnings",
        "payloadFormat",
        "initiation",
        "country",
        "currency",
        "amount",
        "merchant",
        "accounts",
        "additionalData",
    }
    assert out["initiation"] == "dynamic" and out["amount"] == "5000"
    assert out["currency"] == "VND"
    accounts = out["accounts"]
    assert isinstance(accounts, list)
    assert accounts[0]["scheme"] == "vietqr" and accounts[0]["bankBin"] == "970415"
    merchant = out["merchant"]
    assert isinstance(merchant, dict) and set(merchant) >= {"name", "city", "mcc", "postalCode"}


def test_to_json_of_an_unreadable_code_lists_errors_as_code_and_message() -> None:
    out = to_json(decode("000"))
    assert out["valid"] is False
    errors = out["errors"]
    assert isinstance(errors, list) and errors[0]["code"] == "tlv_truncated"
    assert set(errors[0]) == {"code", "message"}


def test_render_png_gives_a_png_image_of_the_code() -> None:
    png = render_png(encode("promptpay", mobile="0812345678"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height and width > 100
    assert zlib.crc32(png[12:29]) == struct.unpack(">I", png[29:33])[0]


def test_render_svg_gives_an_svg_document() -> None:
    svg = render_svg(encode("promptpay", mobile="0812345678"))
    assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")


def test_render_refuses_a_payload_longer_than_emvco_allows() -> None:
    with pytest.raises(ValueError):
        render_svg("0" * 513)


def test_the_public_surface_is_pinned() -> None:
    assert set(emvqr.__all__) == {
        "TOLERATED_IN_LENIENT",
        "AdditionalData",
        "AddressType",
        "DecodedQr",
        "EmvQrEncodeError",
        "Initiation",
        "Merchant",
        "MerchantAccount",
        "QrIssue",
        "Scheme",
        "Tip",
        "decode",
        "encode",
        "fields_from_text",
        "render_png",
        "render_svg",
        "to_json",
    }
