"""National profiles: which template belongs to which scheme, and how it is read.

A template is matched by its GUID (sub-tag 00, compared case-insensitively). Two
schemes do not put a GUID in sub-tag 00 and are matched by country instead: KHQR
(tag 29/30 hold the Bakong account id) and acquirer templates of QRIS and Lao QR.
A template no profile claims is kept as ``unknown`` with its tag, GUID and raw sub-tags
(the JSON contract's schemes are exactly the profiles below, plus ``unknown``).
"""

from __future__ import annotations

from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles import (
    cambodia,
    indonesia,
    laos,
    malaysia,
    philippines,
    singapore,
    thailand,
    vietnam,
)
from lintas.codecs.emvqr.profiles._base import (
    DUITNOW,
    KHQR,
    LAOQR,
    PAYNOW,
    PROMPTPAY,
    QRIS,
    QRPH,
    UNKNOWN,
    VIETQR,
    VNPAY,
    Found,
    Reader,
)
from lintas.codecs.emvqr.tlv import HEADERS, TEMPLATE_COUNTS, parse_span

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
}
#: The readers by GUID as written, in upper and in lower case (generators write
#: ``ph.ppmi.p2m``): one lookup finds most; any other spelling is upper-cased first.
_GUID_READERS_AS_WRITTEN: Final[dict[str, Reader]] = {
    **{guid.lower(): reader for guid, reader in GUID_READERS.items()},
    **GUID_READERS,
}

#: The currencies each scheme settles in; a code in another currency is refused.
SCHEME_CURRENCIES: Final[dict[Scheme, frozenset[str]]] = {
    PROMPTPAY: frozenset({"THB"}),
    PAYNOW: frozenset({"SGD"}),
    DUITNOW: frozenset({"MYR"}),
    QRIS: frozenset({"IDR"}),
    VIETQR: frozenset({"VND"}),
    VNPAY: frozenset({"VND"}),
    QRPH: frozenset({"PHP"}),
    KHQR: frozenset({"KHR", "USD"}),
    LAOQR: frozenset({"LAK"}),
}

#: Acquirer templates of QRIS sit in 26-45 (46-51 are national/reserved in Indonesia).
_QRIS_ACQUIRER_TAGS: Final = frozenset(str(t) for t in range(26, 46))
#: Country -> tag -> the reader of a template that carries no GUID a profile knows.
_COUNTRY_READERS: Final[dict[str | None, dict[str, Reader]]] = {
    "KH": {"29": cambodia.read_khqr, "30": cambodia.read_khqr, "99": cambodia.read_timestamps},
    "ID": {tag: indonesia.read_acquirer for tag in _QRIS_ACQUIRER_TAGS},
    "LA": {str(tag): laos.read_laoqr for tag in range(26, 52)},
}
_NO_READERS: Final[dict[str, Reader]] = {}


def read_account(
    tag: str,
    text: str,
    start: int,
    end: int,
    country: str | None,
    found: Found,
    unreserved: bool = False,
) -> MerchantAccount:
    """Read the merchant-account template (26-51) or scheme template (80-99, ``unreserved``)
    written in ``text[start:end]`` (read in place: the payload is not sliced for it).

    Faults are appended to ``found``; each makes the code unpayable, except that a template
    in 80-99 that cannot be read is ``unreserved_template_malformed`` (tolerated in lenient
    mode: it does not change what is paid).
    """
    # The template read in place: ``parse_span``'s loop, inlined (one or two templates per
    # decode, a call each saved); anything unusual goes to its exact reading.
    subs: dict[str, str] = {}
    headers = HEADERS
    pos = start
    count = 0
    try:
        for count in TEMPLATE_COUNTS:  # noqa: B007 (read after the loop)
            if pos >= end:
                break
            sub, step = headers[text[pos : pos + 4]]
            stop = pos + step
            subs[sub] = text[pos + 4 : stop]
            pos = stop
        else:
            pos = -1
    except KeyError:
        pos = -1
    if pos != end or count != len(subs):
        subs, error = parse_span(text, start, end)
        if error is not None:
            code = "unreserved_template_malformed" if unreserved else "template_malformed"
            found.append((code, f"tag {tag}: {error.message} ({error.code})"))
            return MerchantAccount(UNKNOWN, tag, "", (), (("raw", text[start:end]),))
    guid = subs.get("00", "")
    # Most generators write the GUID as registered (or in lower case); only then try it
    # case-insensitively.
    reader = _GUID_READERS_AS_WRITTEN.get(guid)
    if reader is None:
        reader = GUID_READERS.get(guid.upper())
        if reader is None:
            reader = _COUNTRY_READERS.get(country, _NO_READERS).get(tag)
            if reader is None:
                return MerchantAccount(UNKNOWN, tag, guid, tuple(subs.items()), (), None, 9)
    return reader(tag, guid, subs, found)
