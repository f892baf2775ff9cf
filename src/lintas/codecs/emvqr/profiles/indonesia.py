"""QRIS: the national template ``ID.CO.QRIS.WWW`` (NMID) and acquirer templates 26-45."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount
from lintas.codecs.emvqr.profiles._base import MERCHANT_ID, QRIS, Found, fail, is_digits

QRIS_NATIONAL_GUID: Final = "ID.CO.QRIS.WWW"
#: Merchant criteria: micro, small, medium, large, regular (non-business) and others.
QRIS_CRITERIA: Final = frozenset({"UMI", "UKE", "UME", "UBE", "URE"})


def read_national(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Sub-tag 02 is the National Merchant ID (NMID), 03 the merchant criteria."""
    get = subs.get
    nmid = get("02")
    criteria = get("03")
    fields = (("nmid", nmid), ("criteria", criteria))
    if criteria is not None and criteria not in QRIS_CRITERIA:
        fail(found, tag, "qris_criteria_invalid", f"merchant criteria {criteria!r} is not known")
    if nmid is None:
        fail(found, tag, "qris_nmid_missing", "the QRIS national template has no NMID (02)")
        return MerchantAccount(QRIS, tag, guid, tuple(subs.items()), fields, None, 0)
    return MerchantAccount(QRIS, tag, guid, tuple(subs.items()), fields, (MERCHANT_ID, nmid), 0)


def read_acquirer(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """An acquirer's template: merchant PAN (NNS + id), merchant id, criteria."""
    get = subs.get
    pan = get("01")
    fields = (
        ("acquirer", guid),
        ("merchantPan", pan),
        ("nns", pan[:8] if pan is not None and len(pan) >= 8 else None),
        ("merchantId", get("02")),
        ("criteria", get("03")),
    )
    if pan is not None and not is_digits(pan, 8, 19):
        fail(found, tag, "qris_merchant_pan_invalid", f"merchant PAN {pan!r} is not 8-19 digits")
        pan = None
    proxy = None if pan is None else (MERCHANT_ID, pan)
    return MerchantAccount(QRIS, tag, guid, tuple(subs.items()), fields, proxy, 1)
