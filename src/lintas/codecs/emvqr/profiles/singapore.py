"""PayNow (``SG.PAYNOW``) and the SGQR identity template (``SG.SGQR``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount
from lintas.codecs.emvqr.profiles._base import (
    MOBILE,
    PAYNOW,
    SGQR,
    TYPE_NAMES,
    UEN,
    Found,
    fail,
    is_digits,
)

PAYNOW_GUID: Final = "SG.PAYNOW"
SGQR_GUID: Final = "SG.SGQR"
#: PayNow expiry dates are Singapore dates.
SGT: Final = timezone(timedelta(hours=8), "SGT")

_PROXY_TYPES: Final[dict[str, AddressType]] = {"0": MOBILE, "2": UEN}
#: Sub-tag 03 (editable amount) -> the typed field; anything else is a fault.
_EDITABLE: Final[dict[str, bool]] = {"0": False, "1": True}


def parse_paynow_expiry(text: str) -> datetime | None:
    """``YYYYMMDD`` (valid through the end of that Singapore day) or ``YYYYMMDDhhmmss``."""
    try:
        if is_digits(text, 8, 8):
            day = datetime.strptime(text, "%Y%m%d").replace(tzinfo=SGT)
            return day + timedelta(days=1)
        if is_digits(text, 14, 14):
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=SGT)
    except ValueError:
        return None
    return None


def read_paynow(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Proxy type (0 mobile, 2 UEN) and value, editable amount flag, expiry."""
    get = subs.get
    proxy_type_code = get("01")
    value = get("02")
    editable_text = get("03")
    expiry_text = get("04")
    address_type = _PROXY_TYPES.get(proxy_type_code or "")
    proxy: tuple[AddressType, str] | None = None
    if address_type is None:
        fail(
            found, tag, "paynow_proxy_type_invalid", f"proxy type {proxy_type_code!r} is not 0 or 2"
        )
    elif value is None:
        fail(found, tag, "paynow_proxy_value_missing", "sub-tag 02 (proxy value) is missing")
    elif address_type is MOBILE:
        digits = value.removeprefix("+")
        if not (is_digits(digits, 10, 10) and digits.startswith("65")):
            fail(found, tag, "paynow_mobile_invalid", f"mobile {value!r} is not +65 and 8 digits")
        else:
            proxy = (MOBILE, "+" + digits)
    else:
        proxy = (UEN, value)
    editable: bool | None = None
    if editable_text is not None:
        editable = _EDITABLE.get(editable_text)
        if editable is None:
            # Shown as "not editable", as the flag is anything but "1".
            editable = False
            fail(
                found,
                tag,
                "paynow_editable_invalid",
                f"editable flag {editable_text!r} is not 0 or 1",
            )
    expires_at = None
    if expiry_text is not None:
        expires_at = parse_paynow_expiry(expiry_text)
        if expires_at is None:
            fail(found, tag, "paynow_expiry_invalid", f"expiry {expiry_text!r} is not YYYYMMDD")
    fields = (
        ("proxyType", TYPE_NAMES[address_type] if address_type else proxy_type_code),
        ("proxyValue", value),
        ("editable", editable),
        ("expiry", expiry_text),
    )
    return MerchantAccount(
        PAYNOW, tag, guid, tuple(subs.items()), fields, proxy, 0, expires_at, None
    )


def read_sgqr(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """The SGQR identity: which SGQR label this is, where it is displayed."""
    get = subs.get
    fields = (
        ("sgqrId", get("01")),
        ("version", get("02")),
        ("postalCode", get("03")),
        ("level", get("04")),
        ("unit", get("05")),
        ("misc", get("06")),
        ("revisionDate", get("07")),
    )
    if "01" not in subs:
        fail(found, tag, "sgqr_id_missing", "the SGQR identity template has no SGQR id (01)")
    return MerchantAccount(SGQR, tag, guid, tuple(subs.items()), fields, None, 9)
