"""DuitNow QR (PayNet): GUID ``A0000006150001`` in a merchant-account template."""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount
from lintas.codecs.emvqr.profiles._base import DUITNOW, MERCHANT_ID, Found, fail

DUITNOW_GUID: Final = "A0000006150001"


def read_duitnow(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Sub-tag 01 is the participant (acquirer) code, 02 the merchant or account id."""
    get = subs.get
    participant = get("01")
    merchant_id = get("02")
    fields = (
        ("participantId", participant),
        ("merchantId", merchant_id),
        ("merchantCategory", get("03")),
    )
    if participant is None:
        fail(found, tag, "duitnow_participant_missing", "sub-tag 01 (participant) is missing")
    if merchant_id is None:
        fail(found, tag, "duitnow_merchant_id_missing", "sub-tag 02 (merchant id) is missing")
        return MerchantAccount(DUITNOW, tag, guid, tuple(subs.items()), fields, None, 0)
    proxy = (MERCHANT_ID, merchant_id)
    return MerchantAccount(DUITNOW, tag, guid, tuple(subs.items()), fields, proxy, 0)
