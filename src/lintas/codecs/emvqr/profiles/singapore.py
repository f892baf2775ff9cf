"""PayNow (``SG.PAYNOW``) and the SGQR identity template (``SG.SGQR``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

from lintas.codecs.emvqr.model import AddressType, MerchantAccount, Scheme
from lintas.codecs.emvqr.profiles._base import ProfileContext, is_digits

#: Enum members bound once: ``Scheme.X`` / ``AddressType.X`` go through the enum
#: metaclass (about 150 ns each in 3.11); a module global is one dict lookup.
_MOBILE: Final = AddressType.MOBILE
_UEN: Final = AddressType.UEN
_PAYNOW: Final = Scheme.PAYNOW
_SGQR: Final = Scheme.SGQR

PAYNOW_GUID: Final = "SG.PAYNOW"
SGQR_GUID: Final = "SG.SGQR"
#: PayNow expiry dates are Singapore dates.
SGT: Final = timezone(timedelta(hours=8), "SGT")

_PROXY_TYPES: Final[dict[str, AddressType]] = {"0": _MOBILE, "2": _UEN}


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


def read_paynow(ctx: ProfileContext) -> MerchantAccount:
    """Proxy type (0 mobile, 2 UEN) and value, editable amount flag, expiry."""
    proxy_type_code = ctx.subs.get("01")
    value = ctx.subs.get("02")
    editable_text = ctx.subs.get("03")
    expiry_text = ctx.subs.get("04")
    address_type = _PROXY_TYPES.get(proxy_type_code or "")
    proxy: tuple[AddressType, str] | None = None
    if address_type is None:
        ctx.fail("paynow_proxy_type_invalid", f"proxy type {proxy_type_code!r} is not 0 or 2")
    elif value is None:
        ctx.fail("paynow_proxy_value_missing", "sub-tag 02 (proxy value) is missing")
    elif address_type is _MOBILE:
        digits = value.removeprefix("+")
        if not (is_digits(digits, 10, 10) and digits.startswith("65")):
            ctx.fail("paynow_mobile_invalid", f"mobile {value!r} is not +65 and 8 digits")
        else:
            proxy = (_MOBILE, "+" + digits)
    else:
        proxy = (_UEN, value)
    if editable_text not in (None, "0", "1"):
        ctx.fail("paynow_editable_invalid", f"editable flag {editable_text!r} is not 0 or 1")
    expires_at = None
    if expiry_text is not None:
        expires_at = parse_paynow_expiry(expiry_text)
        if expires_at is None:
            ctx.fail("paynow_expiry_invalid", f"expiry {expiry_text!r} is not YYYYMMDD")
    fields: dict[str, str | bool | None] = {
        "proxyType": address_type.value if address_type else proxy_type_code,
        "proxyValue": value,
        "editable": editable_text == "1" if editable_text is not None else None,
        "expiry": expiry_text,
    }
    return ctx.account(_PAYNOW, fields, proxy, expires_at=expires_at)


def read_sgqr(ctx: ProfileContext) -> MerchantAccount:
    """The SGQR identity: which SGQR label this is, where it is displayed."""
    s = ctx.subs
    fields: dict[str, str | bool | None] = {
        "sgqrId": s.get("01"),
        "version": s.get("02"),
        "postalCode": s.get("03"),
        "level": s.get("04"),
        "unit": s.get("05"),
        "misc": s.get("06"),
        "revisionDate": s.get("07"),
    }
    if "01" not in s:
        ctx.fail("sgqr_id_missing", "the SGQR identity template has no SGQR id (01)")
    return ctx.account(_SGQR, fields, None, proxy_rank=9)
