"""QR Ph: person-to-merchant (``ph.ppmi.p2m``) and person-to-person (``com.p2pqrpay``)."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount
from lintas.codecs.emvqr.profiles._base import (
    ACCOUNT,
    MERCHANT_ID,
    MOBILE,
    QRPH,
    Found,
    fail,
    is_digits,
)

QRPH_P2M_GUID: Final = "PH.PPMI.P2M"
QRPH_P2P_GUID: Final = "COM.P2PQRPAY"


def read_p2m(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """01 acquirer BIC, 03 merchant id, 05 merchant credit account."""
    get = subs.get
    merchant_id = get("03")
    fields = (
        ("kind", "p2m"),
        ("acquirerBic", get("01")),
        ("merchantId", merchant_id),
        ("creditAccount", get("05")),
    )
    if merchant_id is None:
        fail(found, tag, "qrph_merchant_id_missing", "a P2M template needs a merchant id (03)")
        return MerchantAccount(QRPH, tag, guid, tuple(subs.items()), fields, None, 0)
    proxy = (MERCHANT_ID, merchant_id)
    return MerchantAccount(QRPH, tag, guid, tuple(subs.items()), fields, proxy, 0)


def read_p2p(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """01 receiving institution BIC, 03 account number, 04 mobile number."""
    get = subs.get
    bic = get("01")
    account = get("03")
    mobile = get("04")
    fields = (("kind", "p2p"), ("bic", bic), ("accountNumber", account), ("mobile", mobile))
    subtags = tuple(subs.items())
    if bic is None:
        fail(found, tag, "qrph_bic_missing", "a P2P template needs the receiving institution (01)")
        return MerchantAccount(QRPH, tag, guid, subtags, fields, None, 0)
    if account is not None:
        return MerchantAccount(QRPH, tag, guid, subtags, fields, (ACCOUNT, f"{bic}:{account}"), 0)
    if mobile is not None:
        digits = mobile.removeprefix("+")
        if digits.startswith("0") and is_digits(digits, 11, 11):
            digits = "63" + digits[1:]
        if not (digits.startswith("63") and is_digits(digits, 12, 12)):
            fail(found, tag, "qrph_mobile_invalid", f"mobile {mobile!r} is not a Philippine mobile")
            return MerchantAccount(QRPH, tag, guid, subtags, fields, None, 0)
        return MerchantAccount(QRPH, tag, guid, subtags, fields, (MOBILE, "+" + digits), 0)
    fail(found, tag, "qrph_account_missing", "a P2P template needs an account (03) or mobile (04)")
    return MerchantAccount(QRPH, tag, guid, subtags, fields, None, 0)
