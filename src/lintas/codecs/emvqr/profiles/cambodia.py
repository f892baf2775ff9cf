"""KHQR (Bakong): tag 29 individual, tag 30 merchant, tag 99 timestamps; KHR and USD."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from lintas.codecs.emvqr.model import MerchantAccount
from lintas.codecs.emvqr.profiles._base import EWALLET, KHQR, Found, fail, is_digits

#: KHQR carries Unix time in milliseconds (13 digits until the year 2286).
TIMESTAMP_DIGITS: Final = 13
#: A Bakong account id (``name@bank``) has at most this many characters.
ACCOUNT_ID_CHARS_MAX: Final = 32
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def read_khqr(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Sub-tag 00 is the Bakong account id (``name@bank``), not a GUID."""
    get = subs.get
    account_id = get("00", "")
    individual = tag == "29"
    fields = (
        ("kind", "individual" if individual else "merchant"),
        ("bakongAccountId", account_id),
        ("accountInformation", get("01") if individual else None),
        ("merchantId", None if individual else get("01")),
        ("acquiringBank", get("02")),
    )
    subtags = tuple(subs.items())
    if "@" not in account_id or len(account_id) > ACCOUNT_ID_CHARS_MAX:
        fail(
            found,
            tag,
            "khqr_account_id_invalid",
            f"Bakong account id {account_id!r} is not name@bank",
        )
        return MerchantAccount(KHQR, tag, guid, subtags, fields, None, 0)
    if not individual and "01" not in subs:
        fail(
            found,
            tag,
            "khqr_merchant_id_missing",
            "a KHQR merchant template needs a merchant id (01)",
        )
    return MerchantAccount(KHQR, tag, guid, subtags, fields, (EWALLET, account_id), 0)


def parse_millis(text: str | None) -> datetime | None:
    """A 13-digit Unix timestamp in milliseconds as an aware UTC datetime."""
    if text is None or not is_digits(text, TIMESTAMP_DIGITS, TIMESTAMP_DIGITS):
        return None
    # Integer arithmetic: exact to the millisecond (a float division is not), and cheaper.
    return _EPOCH + timedelta(milliseconds=int(text))


def read_timestamps(tag: str, guid: str, subs: dict[str, str], found: Found) -> MerchantAccount:
    """Tag 99: 00 creation, 01 expiration (Unix milliseconds)."""
    created_text = subs.get("00")
    expires_text = subs.get("01")
    created_at = parse_millis(created_text)
    expires_at = parse_millis(expires_text)
    if created_text is not None and created_at is None:
        fail(
            found, tag, "khqr_timestamp_invalid", f"creation time {created_text!r} is not 13 digits"
        )
    if expires_text is not None and expires_at is None:
        fail(found, tag, "khqr_timestamp_invalid", f"expiration {expires_text!r} is not 13 digits")
    if created_at and expires_at and expires_at <= created_at:
        fail(found, tag, "khqr_expiry_before_creation", "the code expires before it was created")
    fields = (
        ("kind", "timestamps"),
        ("createdAt", created_at.isoformat() if created_at else None),
        ("expiresAt", expires_at.isoformat() if expires_at else None),
    )
    return MerchantAccount(
        KHQR, tag, guid, tuple(subs.items()), fields, None, 9, expires_at, created_at
    )
