"""National profiles: which template belongs to which scheme, and how it is read.

A template is matched by its GUID (sub-tag 00, compared case-insensitively). Two
schemes do not put a GUID in sub-tag 00 and are matched by country instead: KHQR
(tag 29/30 hold the Bakong account id) and acquirer templates of QRIS and Lao QR.
A template no profile claims is kept as ``unknown`` with its raw sub-tags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles import (
    cambodia,
    generic,
    indonesia,
    laos,
    malaysia,
    philippines,
    singapore,
    thailand,
    vietnam,
)
from lintas.codecs.emvqr.profiles._base import ProfileContext
from lintas.codecs.emvqr.tlv import parse_template

Reader = Callable[[ProfileContext], MerchantAccount]

#: GUID (upper case) -> reader.
GUID_READERS: Final[dict[str, Reader]] = {
    thailand.PROMPTPAY_CREDIT_TRANSFER_GUID: thailand.read_credit_transfer,
    thailand.PROMPTPAY_BILL_PAYMENT_GUID: thailand.read_bill_payment,
    singapore.PAYNOW_GUID: singapore.read_paynow,
    singapore.SGQR_GUID: singapore.read_sgqr,
    malaysia.DUITNOW_GUID: malaysia.read_duitnow,
    indonesia.QRIS_NATIONAL_GUID: indonesia.read_national,
    vietnam.NAPAS_GUID: vietnam.read_vietqr,
    vietnam.VNPAY_GUID: vietnam.read_vnpay,
    philippines.QRPH_P2M_GUID: philippines.read_p2m,
    philippines.QRPH_P2P_GUID: philippines.read_p2p,
    laos.LAPNET_GUID: laos.read_laoqr,
    generic.GENERIC_GUID: generic.read_generic,
}

#: The currencies each scheme settles in; a code in another currency is refused.
SCHEME_CURRENCIES: Final[dict[Scheme, frozenset[str]]] = {
    Scheme.PROMPTPAY: frozenset({"THB"}),
    Scheme.PAYNOW: frozenset({"SGD"}),
    Scheme.DUITNOW: frozenset({"MYR"}),
    Scheme.QRIS: frozenset({"IDR"}),
    Scheme.VIETQR: frozenset({"VND"}),
    Scheme.VNPAY: frozenset({"VND"}),
    Scheme.QRPH: frozenset({"PHP"}),
    Scheme.KHQR: frozenset({"KHR", "USD"}),
    Scheme.LAOQR: frozenset({"LAK"}),
}

#: Acquirer templates of QRIS sit in 26-45 (46-51 are national/reserved in Indonesia).
_QRIS_ACQUIRER_TAGS: Final = frozenset(str(t) for t in range(26, 46))


def read_account(
    tag: str, value: str, country: str | None
) -> tuple[MerchantAccount, list[tuple[str, str]]]:
    """Read one merchant-account template (26-51) or scheme template (80-99).

    Returns the account and the faults found in it (each makes the code unpayable).
    """
    subs, error = parse_template(value)
    if error is not None:
        faults = [("template_malformed", f"tag {tag}: {error.message} ({error.code})")]
        account = MerchantAccount(Scheme.UNKNOWN, tag, "", (), (("raw", value),))
        return account, faults
    guid = subs.get("00", "")
    ctx = ProfileContext(country, tag, guid, subs)
    # Most generators write the GUID as registered; only then try it case-insensitively.
    reader = GUID_READERS.get(guid)
    if reader is None:
        reader = GUID_READERS.get(guid.upper())
    if reader is None:
        if country == "KH" and tag in ("29", "30"):
            reader = cambodia.read_khqr
        elif country == "KH" and tag == "99":
            reader = cambodia.read_timestamps
        elif country == "ID" and tag in _QRIS_ACQUIRER_TAGS:
            reader = indonesia.read_acquirer
        elif country == "LA" and "26" <= tag <= "51":
            reader = laos.read_laoqr
    if reader is None:
        return ctx.account(Scheme.UNKNOWN, {}, None, proxy_rank=9), []
    return reader(ctx), ctx.errors
