"""Lao QR (LAPNet).

We read the LAPNet template as published summaries describe it (GUID ``A005266284662577``,
01 the participant IIN, 02 the payment type, 03 the merchant or account id). Any
merchant-account template of a Lao code with another GUID is read the same way, since
Lao banks publish their own GUIDs under the same layout.
"""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount
from lintas.codecs.emvqr.profiles._base import LAOQR, MERCHANT_ID, Found, fail

LAPNET_GUID: Final = "A005266284662577"


def read_laoqr(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """01 IIN, 02 payment type, 03 merchant or account id."""
    get = subs.get
    merchant_id = get("03")
    fields = (("iin", get("01")), ("paymentType", get("02")), ("merchantId", merchant_id))
    if merchant_id is None:
        fail(found, tag, "laoqr_merchant_id_missing", "the LAPNet template has no merchant id (03)")
        return MerchantAccount(LAOQR, tag, guid, tuple(subs.items()), fields, None, 0)
    proxy = (MERCHANT_ID, merchant_id)
    return MerchantAccount(LAOQR, tag, guid, tuple(subs.items()), fields, proxy, 0)
