"""What every national profile shares: the reader signature and how a fault is recorded.

A reader is a plain function ``(tag, guid, subs, found) -> MerchantAccount``: it gets the
template's id, its GUID (sub-tag 00, as written), its sub-tags, and the decode's list of
faults, to which it appends ``(code, message)`` for anything that makes the code
unpayable. No context object is built per template: a decode reads one or two templates
on the payment hot path, and a function with four arguments is the cheapest call there is.
Readers build their ``MerchantAccount`` positionally (the order declared in the model),
with their typed fields as a tuple of pairs, for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme

#: Enum members bound once, for every profile: ``Scheme.X`` / ``AddressType.X`` go through
#: the enum metaclass (about 150 ns each in 3.11); a module global is one dict lookup (an
#: imported name is a global of the importing module too).
DUITNOW: Final = Scheme.DUITNOW
KHQR: Final = Scheme.KHQR
LAOQR: Final = Scheme.LAOQR
PAYNOW: Final = Scheme.PAYNOW
PROMPTPAY: Final = Scheme.PROMPTPAY
QRIS: Final = Scheme.QRIS
QRPH: Final = Scheme.QRPH
SGQR: Final = Scheme.SGQR
UNKNOWN: Final = Scheme.UNKNOWN
VIETQR: Final = Scheme.VIETQR
VNPAY: Final = Scheme.VNPAY
ACCOUNT: Final = AddressType.ACCOUNT
BUSINESS_ID: Final = AddressType.BUSINESS_ID
EWALLET: Final = AddressType.EWALLET
MERCHANT_ID: Final = AddressType.MERCHANT_ID
MOBILE: Final = AddressType.MOBILE
NATIONAL_ID: Final = AddressType.NATIONAL_ID
UEN: Final = AddressType.UEN

#: ``(code, message)`` pairs: the faults one decode has found so far.
Found = list[tuple[str, str]]
#: ``(tag, guid, subs, found) -> account``.
Reader = Callable[[str, str, dict[str, str], Found], MerchantAccount]
#: Address type -> its plain text: ``AddressType.X.value`` is an enum property (about
#: 0.5 µs in 3.11), a dict lookup is a tenth of that.
TYPE_NAMES: Final[dict[AddressType, str]] = {t: t.value for t in AddressType}


def fail(found: Found, tag: str, code: str, message: str) -> None:
    """Record a fault of template ``tag`` that makes the code unpayable."""
    found.append((code, f"tag {tag}: {message}"))


def is_digits(text: str, length_min: int, length_max: int) -> bool:
    """ASCII digits only, with a length in range (``str.isdigit`` admits Thai digits)."""
    return length_min <= len(text) <= length_max and text.isascii() and text.isdigit()
