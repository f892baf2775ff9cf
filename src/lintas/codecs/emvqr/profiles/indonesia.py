"""QRIS: the national template ``ID.CO.QRIS.WWW`` (NMID) and acquirer templates 26-45."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext, is_digits

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_MERCHANT_ID: Final = AddressType.MERCHANT_ID
_QRIS: Final = Scheme.QRIS

QRIS_NATIONAL_GUID: Final = "ID.CO.QRIS.WWW"
#: Merchant criteria: micro, small, medium, large, regular (non-business) and others.
QRIS_CRITERIA: Final = frozenset({"UMI", "UKE", "UME", "UBE", "URE"})


def read_national(ctx: ProfileContext) -> MerchantAccount:
    """Sub-tag 02 is the National Merchant ID (NMID), 03 the merchant criteria."""
    nmid = ctx.subs.get("02")
    criteria = ctx.subs.get("03")
    fields: dict[str, str | bool | None] = {"nmid": nmid, "criteria": criteria}
    if criteria is not None and criteria not in QRIS_CRITERIA:
        ctx.fail("qris_criteria_invalid", f"merchant criteria {criteria!r} is not known")
    if nmid is None:
        ctx.fail("qris_nmid_missing", "the QRIS national template has no NMID (02)")
        return ctx.account(_QRIS, fields)
    return ctx.account(_QRIS, fields, (_MERCHANT_ID, nmid))


def read_acquirer(ctx: ProfileContext) -> MerchantAccount:
    """An acquirer's template: merchant PAN (NNS + id), merchant id, criteria."""
    pan = ctx.subs.get("01")
    fields: dict[str, str | bool | None] = {
        "acquirer": ctx.guid,
        "merchantPan": pan,
        "nns": pan[:8] if pan is not None and len(pan) >= 8 else None,
        "merchantId": ctx.subs.get("02"),
        "criteria": ctx.subs.get("03"),
    }
    if pan is not None and not is_digits(pan, 8, 19):
        ctx.fail("qris_merchant_pan_invalid", f"merchant PAN {pan!r} is not 8-19 digits")
        pan = None
    proxy = None if pan is None else (_MERCHANT_ID, pan)
    return ctx.account(_QRIS, fields, proxy, proxy_rank=1)
