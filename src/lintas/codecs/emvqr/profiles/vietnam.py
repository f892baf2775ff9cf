"""VietQR (NAPAS, GUID ``A000000727``) and VNPAY (GUID ``A000000775``)."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext, is_digits
from lintas.codecs.emvqr.tlv import parse_template

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_ACCOUNT: Final = AddressType.ACCOUNT
_MERCHANT_ID: Final = AddressType.MERCHANT_ID
_VIETQR: Final = Scheme.VIETQR
_VNPAY: Final = Scheme.VNPAY

NAPAS_GUID: Final = "A000000727"
VNPAY_GUID: Final = "A000000775"
SERVICE_TO_ACCOUNT: Final = "QRIBFTTA"
SERVICE_TO_CARD: Final = "QRIBFTTC"
SERVICE_PUSH_PAYMENT: Final = "QRPUSH"
_SERVICES: Final = frozenset({SERVICE_TO_ACCOUNT, SERVICE_TO_CARD, SERVICE_PUSH_PAYMENT})


def read_vietqr(ctx: ProfileContext) -> MerchantAccount:
    """Sub-tag 01 nests the beneficiary (00 bank BIN, 01 account or card), 02 the service."""
    service = ctx.subs.get("02")
    beneficiary, error = parse_template(ctx.subs.get("01", ""))
    bank_bin = beneficiary.get("00")
    number = beneficiary.get("01")
    fields: dict[str, str | bool | None] = {
        "bankBin": bank_bin,
        "accountNumber": number if service != SERVICE_TO_CARD else None,
        "cardNumber": number if service == SERVICE_TO_CARD else None,
        "serviceCode": service,
    }
    if error is not None or "01" not in ctx.subs:
        ctx.fail("vietqr_beneficiary_malformed", "sub-tag 01 is not a beneficiary template")
        return ctx.account(_VIETQR, fields)
    if service is not None and service not in _SERVICES:
        ctx.fail("vietqr_service_code_invalid", f"service code {service!r} is not known")
    if bank_bin is None or not is_digits(bank_bin, 6, 6):
        ctx.fail("vietqr_bank_bin_invalid", f"bank BIN {bank_bin!r} is not 6 digits")
        return ctx.account(_VIETQR, fields)
    if number is None:
        ctx.fail("vietqr_account_missing", "the beneficiary has no account or card (01)")
        return ctx.account(_VIETQR, fields)
    address_type = _MERCHANT_ID if service == SERVICE_PUSH_PAYMENT else (_ACCOUNT)
    return ctx.account(_VIETQR, fields, (address_type, f"{bank_bin}:{number}"))


def read_vnpay(ctx: ProfileContext) -> MerchantAccount:
    """VNPAY merchant template: sub-tag 01 is the merchant id."""
    merchant_id = ctx.subs.get("01")
    fields: dict[str, str | bool | None] = {"merchantId": merchant_id}
    proxy = None if merchant_id is None else (_MERCHANT_ID, merchant_id)
    return ctx.account(_VNPAY, fields, proxy, proxy_rank=1)
