"""PromptPay (Thai QR Payment standard): tag 29 credit transfer and tag 30 bill payment."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount
from lintas.codecs.emvqr.profiles._base import (
    ACCOUNT,
    BUSINESS_ID,
    EWALLET,
    MERCHANT_ID,
    MOBILE,
    NATIONAL_ID,
    PROMPTPAY,
    TYPE_NAMES,
    Found,
    fail,
    is_digits,
)

PROMPTPAY_CREDIT_TRANSFER_GUID: Final = "A000000677010111"
PROMPTPAY_BILL_PAYMENT_GUID: Final = "A000000677010112"

#: Sub-tag of tag 29 -> (field name, address type).
_CREDIT_TRANSFER_PROXIES: Final[dict[str, tuple[str, AddressType]]] = {
    "01": ("mobile", MOBILE),
    "02": ("nationalId", NATIONAL_ID),
    "03": ("ewalletId", EWALLET),
    "04": ("bankAccount", ACCOUNT),
}
_CREDIT_TRANSFER_SUBS: Final = frozenset(_CREDIT_TRANSFER_PROXIES)
_NO_PROXY: Final[tuple[tuple[str, str | bool | None], ...]] = (
    ("proxyType", None),
    ("proxyValue", None),
)


def normalise_thai_mobile(text: str) -> str | None:
    """``0812345678``, ``+66812345678``, ``66812345678`` or ``0066812345678`` as the
    13-digit form PromptPay carries (``0066`` + 9 digits), or ``None``."""
    digits = text.replace("-", "").replace(" ", "")
    if digits.startswith("+66"):
        digits = "0066" + digits[3:]
    elif digits.startswith("0066") and len(digits) == 13:
        # Only the 13-digit form is international: "0066000000" is a local 10-digit number.
        pass
    elif digits.startswith("66") and len(digits) == 11:
        digits = "00" + digits
    elif digits.startswith("0") and len(digits) == 10:
        digits = "0066" + digits[1:]
    return digits if is_digits(digits, 13, 13) and digits.startswith("0066") else None


def read_credit_transfer(
    tag: str, guid: str, subs: dict[str, str], found: Found
) -> MerchantAccount:
    """Tag 29: exactly one proxy (mobile, national/tax id, e-wallet, or bank account)."""
    # One set operation in C finds which proxy sub-tags are present.
    present = subs.keys() & _CREDIT_TRANSFER_SUBS
    if len(present) != 1:
        fail(
            found,
            tag,
            "promptpay_proxy_count_invalid",
            f"a PromptPay credit transfer carries exactly one proxy, found {len(present)}",
        )
        return MerchantAccount(PROMPTPAY, tag, guid, tuple(subs.items()), _NO_PROXY, None, 0)
    (sub,) = present
    value = subs[sub]
    name, address_type = _CREDIT_TRANSFER_PROXIES[sub]
    proxy: tuple[AddressType, str] | None = None
    if address_type is MOBILE:
        if not (is_digits(value, 13, 13) and value.startswith("0066")):
            fail(found, tag, "promptpay_mobile_invalid", f"mobile {value!r} is not 0066 + 9 digits")
        else:
            proxy = (MOBILE, "+66" + value[4:])
    elif address_type is NATIONAL_ID:
        if not is_digits(value, 13, 13):
            fail(found, tag, "promptpay_national_id_invalid", f"id {value!r} is not 13 digits")
        else:
            # Thai juristic-person tax ids start with 0; citizen ids never do.
            proxy = (BUSINESS_ID if value[0] == "0" else NATIONAL_ID, value)
    elif address_type is EWALLET:
        if not is_digits(value, 15, 15):
            fail(found, tag, "promptpay_ewallet_invalid", f"e-wallet id {value!r} is not 15 digits")
        else:
            proxy = (EWALLET, value)
    else:
        proxy = (ACCOUNT, value)
    fields = (("proxyType", TYPE_NAMES[proxy[0]] if proxy else name), ("proxyValue", value))
    return MerchantAccount(PROMPTPAY, tag, guid, tuple(subs.items()), fields, proxy, 0)


def read_bill_payment(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Tag 30: biller id (tax id + 2-digit suffix) and up to two references."""
    get = subs.get
    biller = get("01")
    fields = (("billerId", biller), ("reference1", get("02")), ("reference2", get("03")))
    subtags = tuple(subs.items())
    if biller is None or not is_digits(biller, 15, 15):
        fail(found, tag, "promptpay_biller_id_invalid", f"biller id {biller!r} is not 15 digits")
        return MerchantAccount(PROMPTPAY, tag, guid, subtags, fields, None, 0)
    if "02" not in subs:
        fail(
            found,
            tag,
            "promptpay_reference1_missing",
            "a bill payment needs reference 1 (sub-tag 02)",
        )
    return MerchantAccount(PROMPTPAY, tag, guid, subtags, fields, (MERCHANT_ID, biller), 0)
