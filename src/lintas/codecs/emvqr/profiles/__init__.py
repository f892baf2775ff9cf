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

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_DUITNOW: Final = Scheme.DUITNOW
_KHQR: Final = Scheme.KHQR
_LAOQR: Final = Scheme.LAOQR
_PAYNOW: Final = Scheme.PAYNOW
_PROMPTPAY: Final = Scheme.PROMPTPAY
_QRIS: Final = Scheme.QRIS
_QRPH: Final = Scheme.QRPH
_UNKNOWN: Final = Scheme.UNKNOWN
_VIETQR: Final = Scheme.VIETQR
_VNPAY: Final = Scheme.VNPAY

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
    _PROMPTPAY: frozenset({"THB"}),
    _PAYNOW: frozenset({"SGD"}),
    _DUITNOW: frozenset({"MYR"}),
    _QRIS: frozenset({"IDR"}),
    _VIETQR: frozenset({"VND"}),
    _VNPAY: frozenset({"VND"}),
    _QRPH: frozenset({"PHP"}),
    _KHQR: frozenset({"KHR", "USD"}),
    _LAOQR: frozenset({"LAK"}),
}

#: Acquirer templates of QRIS sit in 26-45 (46-51 are national/reserved in Indonesia).
_QRIS_ACQUIRER_TAGS: Final = frozenset(str(t) for t in range(26, 46))


_NO_FAULTS: Final[list[tuple[str, str]]] = []


def read_account(
    tag: str, value: str, country: str | None
) -> tuple[MerchantAccount, list[tuple[str, str]]]:
    """Read one merchant-account template (26-51) or scheme template (80-99).

    Returns the account and the faults found in it (each makes the code unpayable).
    The fault list is shared when empty (the common case): callers only read it.
    """
    subs, error = parse_template(value)
    if error is not None:
        faults = [("template_malformed", f"tag {tag}: {error.message} ({error.code})")]
        account = MerchantAccount(_UNKNOWN, tag, "", (), (("raw", value),))
        return account, faults
    guid = subs.get("00", "")
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
            else:
                unknown = MerchantAccount(_UNKNOWN, tag, guid, tuple(subs.items()), (), None, 9)
                return unknown, _NO_FAULTS
    ctx = ProfileContext(country, tag, guid, subs)
    account = reader(ctx)
    return account, ctx.errors or _NO_FAULTS
