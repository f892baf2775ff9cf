"""QR Ph: person-to-merchant (``ph.ppmi.p2m``) and person-to-person (``com.p2pqrpay``)."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext, is_digits

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_ACCOUNT: Final = AddressType.ACCOUNT
_MERCHANT_ID: Final = AddressType.MERCHANT_ID
_MOBILE: Final = AddressType.MOBILE
_QRPH: Final = Scheme.QRPH

QRPH_P2M_GUID: Final = "PH.PPMI.P2M"
QRPH_P2P_GUID: Final = "COM.P2PQRPAY"


def read_p2m(ctx: ProfileContext) -> MerchantAccount:
    """01 acquirer BIC, 03 merchant id, 05 merchant credit account."""
    merchant_id = ctx.subs.get("03")
    fields: dict[str, str | bool | None] = {
        "kind": "p2m",
        "acquirerBic": ctx.subs.get("01"),
        "merchantId": merchant_id,
        "creditAccount": ctx.subs.get("05"),
    }
    if merchant_id is None:
        ctx.fail("qrph_merchant_id_missing", "a P2M template needs a merchant id (03)")
        return ctx.account(_QRPH, fields)
    return ctx.account(_QRPH, fields, (_MERCHANT_ID, merchant_id))


def read_p2p(ctx: ProfileContext) -> MerchantAccount:
    """01 receiving institution BIC, 03 account number, 04 mobile number."""
    bic = ctx.subs.get("01")
    account = ctx.subs.get("03")
    mobile = ctx.subs.get("04")
    fields: dict[str, str | bool | None] = {
        "kind": "p2p",
        "bic": bic,
        "accountNumber": account,
        "mobile": mobile,
    }
    if bic is None:
        ctx.fail("qrph_bic_missing", "a P2P template needs the receiving institution (01)")
        return ctx.account(_QRPH, fields)
    if account is not None:
        return ctx.account(_QRPH, fields, (_ACCOUNT, f"{bic}:{account}"))
    if mobile is not None:
        digits = mobile.removeprefix("+")
        if digits.startswith("0") and is_digits(digits, 11, 11):
            digits = "63" + digits[1:]
        if not (digits.startswith("63") and is_digits(digits, 12, 12)):
            ctx.fail("qrph_mobile_invalid", f"mobile {mobile!r} is not a Philippine mobile")
            return ctx.account(_QRPH, fields)
        return ctx.account(_QRPH, fields, (_MOBILE, "+" + digits))
    ctx.fail("qrph_account_missing", "a P2P template needs an account (03) or mobile (04)")
    return ctx.account(_QRPH, fields)
