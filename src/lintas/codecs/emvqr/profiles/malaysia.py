"""DuitNow QR (PayNet): GUID ``A0000006150001`` in a merchant-account template."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_MERCHANT_ID: Final = AddressType.MERCHANT_ID
_DUITNOW: Final = Scheme.DUITNOW

DUITNOW_GUID: Final = "A0000006150001"


def read_duitnow(ctx: ProfileContext) -> MerchantAccount:
    """Sub-tag 01 is the participant (acquirer) code, 02 the merchant or account id."""
    participant = ctx.subs.get("01")
    merchant_id = ctx.subs.get("02")
    fields: dict[str, str | bool | None] = {
        "participantId": participant,
        "merchantId": merchant_id,
        "merchantCategory": ctx.subs.get("03"),
    }
    if participant is None:
        ctx.fail("duitnow_participant_missing", "sub-tag 01 (participant) is missing")
    if merchant_id is None:
        ctx.fail("duitnow_merchant_id_missing", "sub-tag 02 (merchant id) is missing")
        return ctx.account(_DUITNOW, fields)
    return ctx.account(_DUITNOW, fields, (_MERCHANT_ID, merchant_id))
