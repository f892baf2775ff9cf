"""VietQR (NAPAS, GUID ``A000000727``) and VNPAY (GUID ``A000000775``)."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount
from lintas.codecs.emvqr.profiles._base import (
    ACCOUNT,
    MERCHANT_ID,
    VIETQR,
    VNPAY,
    Found,
    fail,
    is_digits,
)
from lintas.codecs.emvqr.tlv import parse_template

NAPAS_GUID: Final = "A000000727"
VNPAY_GUID: Final = "A000000775"
SERVICE_TO_ACCOUNT: Final = "QRIBFTTA"
SERVICE_TO_CARD: Final = "QRIBFTTC"
SERVICE_PUSH_PAYMENT: Final = "QRPUSH"
_SERVICES: Final = frozenset({SERVICE_TO_ACCOUNT, SERVICE_TO_CARD, SERVICE_PUSH_PAYMENT})


def read_vietqr(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Sub-tag 01 nests the beneficiary (00 bank BIN, 01 account or card), 02 the service."""
    service = subs.get("02")
    beneficiary_text = subs.get("01")
    beneficiary, error = parse_template(beneficiary_text or "")
    bank_bin = beneficiary.get("00")
    number = beneficiary.get("01")
    card = service == SERVICE_TO_CARD
    fields = (
        ("bankBin", bank_bin),
        ("accountNumber", None if card else number),
        ("cardNumber", number if card else None),
        ("serviceCode", service),
    )
    subtags = tuple(subs.items())
    if error is not None or beneficiary_text is None:
        fail(found, tag, "vietqr_beneficiary_malformed", "sub-tag 01 is not a beneficiary template")
        return MerchantAccount(VIETQR, tag, guid, subtags, fields, None, 0)
    if service is not None and service not in _SERVICES:
        fail(found, tag, "vietqr_service_code_invalid", f"service code {service!r} is not known")
    if bank_bin is None or not is_digits(bank_bin, 6, 6):
        fail(found, tag, "vietqr_bank_bin_invalid", f"bank BIN {bank_bin!r} is not 6 digits")
        return MerchantAccount(VIETQR, tag, guid, subtags, fields, None, 0)
    if number is None:
        fail(found, tag, "vietqr_account_missing", "the beneficiary has no account or card (01)")
        return MerchantAccount(VIETQR, tag, guid, subtags, fields, None, 0)
    address_type = MERCHANT_ID if service == SERVICE_PUSH_PAYMENT else ACCOUNT
    proxy = (address_type, f"{bank_bin}:{number}")
    return MerchantAccount(VIETQR, tag, guid, subtags, fields, proxy, 0)


def read_vnpay(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """VNPAY merchant template: sub-tag 01 is the merchant id."""
    merchant_id = subs.get("01")
    proxy = None if merchant_id is None else (MERCHANT_ID, merchant_id)
    fields = (("merchantId", merchant_id),)
    return MerchantAccount(VNPAY, tag, guid, tuple(subs.items()), fields, proxy, 1)
