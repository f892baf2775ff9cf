"""A generic EMVCo merchant template for the countries without a scheme Lintas reads.

Brunei, Myanmar and India have no national EMVCo template that Lintas implements:
India's UPI QR is a ``upi://pay`` URI, not EMVCo (Bharat QR is EMVCo but card-centred),
Myanmar's MMQR and Brunei's codes are not publicly specified in enough detail. The sandbox
therefore prints, for those countries, a plain EMVCo merchant-presented code whose
merchant-account template follows the common layout of the region's schemes:

==  ===========================================
00  GUID ``LINTAS.GENERIC`` (this template)
01  PSP identifier (BIC-like, the acquirer)
02  merchant id (the payable proxy, ``MERCHANT_ID``)
==  ===========================================

Decoded as scheme ``generic``; any currency is accepted (the country's own, by the code).
"""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_MERCHANT_ID: Final = AddressType.MERCHANT_ID
_GENERIC: Final = Scheme.GENERIC

GENERIC_GUID: Final = "LINTAS.GENERIC"


def read_generic(ctx: ProfileContext) -> MerchantAccount:
    """01 PSP id, 02 merchant id."""
    merchant_id = ctx.subs.get("02")
    fields: dict[str, str | bool | None] = {"psp": ctx.subs.get("01"), "merchantId": merchant_id}
    if "01" not in ctx.subs:
        ctx.fail("generic_psp_missing", "the generic template has no PSP id (01)")
    if merchant_id is None:
        ctx.fail("generic_merchant_id_missing", "the generic template has no merchant id (02)")
        return ctx.account(_GENERIC, fields)
    return ctx.account(_GENERIC, fields, (_MERCHANT_ID, merchant_id))
