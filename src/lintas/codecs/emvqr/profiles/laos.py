"""Lao QR (LAPNet).

We read the LAPNet template as published summaries describe it (GUID ``A005266284662577``,
01 the participant IIN, 02 the payment type, 03 the merchant or account id). Any
merchant-account template of a Lao code with another GUID is read the same way, since
Lao banks publish their own GUIDs under the same layout.
"""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_MERCHANT_ID: Final = AddressType.MERCHANT_ID
_LAOQR: Final = Scheme.LAOQR

LAPNET_GUID: Final = "A005266284662577"


def read_laoqr(ctx: ProfileContext) -> MerchantAccount:
    """01 IIN, 02 payment type, 03 merchant or account id."""
    merchant_id = ctx.subs.get("03")
    fields: dict[str, str | bool | None] = {
        "iin": ctx.subs.get("01"),
        "paymentType": ctx.subs.get("02"),
        "merchantId": merchant_id,
    }
    if merchant_id is None:
        ctx.fail("laoqr_merchant_id_missing", "the LAPNet template has no merchant id (03)")
        return ctx.account(_LAOQR, fields)
    return ctx.account(_LAOQR, fields, (_MERCHANT_ID, merchant_id))
