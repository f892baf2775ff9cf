"""Decode an EMVCo merchant-presented QR payload; never raises on bad input.

The pipeline is visible: ID-length-value split -> CRC -> root rules -> templates
(national profiles) -> scheme rules (currency, expiry). Every fault is collected as a
``(code, message)`` pair in one list, in the order found; at the end ``strict`` decides
whether the deviations real generators produce (``TOLERATED_IN_LENIENT``) are warnings
or errors.

Speed (the payment hot path; target 50,000 decodes per second on one core): the common
case, a clean code, is read by one tight pass with table lookups and no regular
expression, and the typed results are built positionally. Anything unusual (a bad
header, a length past the end, a repeated id, a CRC that is not last) is re-read by an
exact slow path that says precisely what is wrong, so the fast path never has to.
Nothing is cached between calls: every decode does all of its work.
"""

from __future__ import annotations

from binascii import crc_hqx
from datetime import datetime
from typing import Any, Final

from msgspec.structs import replace

from lintas.codecs.emvqr.crc import CRC_INIT
from lintas.codecs.emvqr.model import (
    AdditionalData,
    DecodedQr,
    Initiation,
    Merchant,
    MerchantAccount,
    QrIssue,
    Scheme,
    Tip,
)
from lintas.codecs.emvqr.profiles import SCHEME_CURRENCIES, read_account
from lintas.codecs.emvqr.profiles._base import Found
from lintas.codecs.emvqr.tlv import (
    HEADERS,
    PAYLOAD_CHARS_MAX,
    parse_template,
    parse_tlv,
)
from lintas.domain.money import (
    CURRENCY_EXPONENTS,
    CURRENCY_NUMERIC,
    CurrencyCode,
    Money,
    MoneyError,
    parse_amount,
)

#: ISO 4217 numeric -> alphabetic (money.py only has the other direction).
CURRENCY_BY_NUMERIC: Final[dict[str, CurrencyCode]] = {
    num: CurrencyCode(alpha) for alpha, num in CURRENCY_NUMERIC.items()
}

#: The deviations lenient mode reports as warnings (strict mode: errors).
TOLERATED_IN_LENIENT: Final = frozenset(
    {
        "merchant_name_missing",
        "merchant_city_missing",
        "merchant_category_missing",
        "merchant_name_too_long",
        "merchant_city_too_long",
        "tags_out_of_order",
        "crc_lowercase",
        "static_code_carries_amount",
        "payload_format_02",
        "unreserved_template_malformed",
        "tag_reserved_for_future_use",
    }
)

AMOUNT_CHARS_MAX: Final = 13
MERCHANT_NAME_CHARS_MAX: Final = 25
MERCHANT_CITY_CHARS_MAX: Final = 15
PERCENTAGE_CHARS_MAX: Final = 5
#: A data object takes at least 5 characters (id, length, one character of value), so a
#: payload of at most ``PAYLOAD_CHARS_MAX`` characters holds at most this many.
ROOT_FIELDS_MAX: Final = PAYLOAD_CHARS_MAX // 5
#: The loop counter of the root reading (built once: ``range`` is not free).
_ROOT_COUNTS: Final = range(ROOT_FIELDS_MAX + 1)
_INITIATIONS: Final[dict[str | None, Initiation]] = {
    "11": Initiation.STATIC,
    "12": Initiation.DYNAMIC,
}
_ADDITIONAL_NAMES: Final = {
    "01": "bill_number",
    "02": "mobile_number",
    "03": "store_label",
    "04": "loyalty_number",
    "05": "reference_label",
    "06": "customer_label",
    "07": "terminal_label",
    "08": "purpose",
    "09": "consumer_data_request",
    "10": "merchant_tax_id",
    "11": "merchant_channel",
}

#: Root id -> what the decode does with it besides keeping it (precomputed: one dict
#: lookup per field reads the id, the length and this together).
_KIND_PLAIN: Final = 0
_KIND_CARD: Final = 1  # 02-25: card-network ids, primitive values
_KIND_ACCOUNT: Final = 2  # 26-51: merchant-account templates
_KIND_RESERVED: Final = 3  # 65-79: reserved for future use
_KIND_UNRESERVED: Final = 4  # 80-99: unreserved templates
_KIND_CRC: Final = 5  # 63: outside the order check, must come last
_ROOT_KIND: Final[tuple[int, ...]] = tuple(
    _KIND_CARD
    if 2 <= i <= 25
    else _KIND_ACCOUNT
    if 26 <= i <= 51
    else _KIND_RESERVED
    if 65 <= i <= 79
    else _KIND_UNRESERVED
    if i >= 80
    else _KIND_CRC
    if i == 63
    else _KIND_PLAIN
    for i in range(100)
)
#: Every valid header "IDLL" -> (id as a number, 4 + length, kind): one slice and one
#: dict lookup read and check an id and its length and say what to do with the field.
_ROOT_HEADERS: Final[dict[str, tuple[int, int, int]]] = {
    header: (int(tag), step, _ROOT_KIND[int(tag)]) for header, (tag, step) in HEADERS.items()
}
#: Id number -> its two-digit text.
_TAG_TEXT: Final[tuple[str, ...]] = tuple(f"{i:02d}" for i in range(100))
#: The first two data objects of nearly every code (format 01, then static or dynamic):
#: read together with one slice and one lookup, they cost a third of two loop turns.
_COMMON_HEADS: Final[dict[str, str]] = {"000201010211": "11", "000201010212": "12"}
_COMMON_HEAD_CHARS: Final = 12
#: Every well-formed country code: one set lookup instead of four string predicates.
_COUNTRY_CODES: Final = frozenset(chr(a) + chr(b) for a in range(65, 91) for b in range(65, 91))
#: Byte -> two upper-case hex digits: the CRC's four digits are two lookups and one
#: concatenation, about five times cheaper than ``f"{crc:04X}"``.
_HEX_BYTE: Final = tuple(f"{i:02X}" for i in range(256))
#: Enum members bound once: ``Initiation.STATIC`` goes through the enum metaclass
#: (about 150 ns in 3.11); a module global is one dict lookup.
_STATIC: Final = Initiation.STATIC
_UNKNOWN: Final = Scheme.UNKNOWN
#: One slot per root id: the value, or None when the id is absent.
Root = list[str | None]


def decode(payload: str, *, strict: bool = False, now: datetime | None = None) -> DecodedQr:
    """Read ``payload``; ``now`` (aware) enables the expiry check. Never raises on input."""
    assert now is None or now.tzinfo is not None, "now must be timezone-aware"
    if not isinstance(payload, str):
        found: Found = [("payload_not_text", f"payload must be text, not {type(payload).__name__}")]
        return DecodedQr(False, _errors_only(found), (), "")
    n = len(payload)
    if not n or n > PAYLOAD_CHARS_MAX:
        found = (
            [("payload_too_long", f"payload has {n} characters; EMVCo allows {PAYLOAD_CHARS_MAX}")]
            if n
            else [("payload_empty", "payload is empty")]
        )
        return DecodedQr(False, _errors_only(found), (), payload)

    # The root in one pass, into one slot per id (a list: storing and reading a slot is
    # cheaper than a dict). Per data object, one slice and one dict lookup read and check
    # its id and length; templates (and reserved ids) are noted on the side. The pass
    # only takes a clean root: ids strictly ascending (so none repeated) and the CRC, if
    # any, last. Anything else, rare in practice, is read again by ``_read_root_exact``.
    # The loop ends: every turn moves ``pos`` on by at least 5 (an id, a length and one
    # character), so a payload of PAYLOAD_CHARS_MAX characters takes ROOT_FIELDS_MAX turns.
    headers = _ROOT_HEADERS
    root: Root = [None] * 100
    templates: list[tuple[int, int, int, int]] = []
    found = []
    crc_offset = -1
    crc_end = -1
    common = _COMMON_HEADS.get(payload[:_COMMON_HEAD_CHARS])
    if common is None:
        pos = 0
        last = -1
    else:
        root[0] = "01"
        root[1] = common
        pos = _COMMON_HEAD_CHARS
        last = 1
    try:
        while pos < n:
            num, step, kind = headers[payload[pos : pos + 4]]
            end = pos + step
            if kind:
                if kind == _KIND_CRC:
                    if crc_offset >= 0:
                        break  # A second 63: not clean.
                    root[63] = payload[pos + 4 : end]
                    crc_offset = pos
                    crc_end = pos = end
                    continue
                # Templates are read in place later: no slice of their value here.
                templates.append((kind, num, pos + 4, end))
            else:
                root[num] = payload[pos + 4 : end]
            if num <= last:
                break  # Out of order or repeated: not clean.
            last = num
            pos = end
    except KeyError:
        pos = -1  # A header that is not two digits and a length 01-99.

    # Clean: read to the end exactly (a length past the end leaves ``pos`` beyond it or
    # the loop stopped early), and a CRC only as the last data object.
    tlv_failed = False
    if pos == n and crc_end == (n if crc_offset >= 0 else -1):
        crc_last = crc_offset >= 0
        # Strictly ascending: in order, unless 00 is missing (it must come first).
        ordered = root[0] is not None or last < 0
    else:
        root, templates, crc_offset, crc_last, ordered, tlv_failed = _read_root_exact(
            payload, found
        )
    crc_value = root[63] or ""

    # The common case inline (a correct upper-case CRC, last); any doubt goes to
    # ``_check_crc``, which reports precisely what is wrong.
    crc: str | None = None
    if crc_last and not tlv_failed and len(crc_value) == 4:
        try:
            expected = crc_hqx(payload[: n - 4].encode(), CRC_INIT)
        except UnicodeEncodeError:
            expected = -1
        if expected >= 0 and crc_value == _HEX_BYTE[expected >> 8] + _HEX_BYTE[expected & 0xFF]:
            crc = crc_value
    if crc is None:
        crc = _check_crc(payload, crc_offset, crc_value, crc_last and not tlv_failed, found)
        if crc is None and not tlv_failed:
            found.append(("crc_missing", "tag 63 (CRC) is missing"))
    if not ordered:
        found.append(("tags_out_of_order", "data objects are not in ascending id order after 00"))

    payload_format = root[0]
    if payload_format != "01":
        _report_payload_format(payload_format, found)

    initiation_text = root[1]
    initiation = _INITIATIONS.get(initiation_text)
    if initiation is None and initiation_text is not None:
        found.append(
            ("initiation_invalid", f"point of initiation {initiation_text!r} is not 11/12")
        )

    country = root[58]
    if country is None:
        found.append(("country_missing", "tag 58 (country code) is missing"))
    elif country not in _COUNTRY_CODES:
        found.append(("country_invalid", f"country {country!r} is not an ISO 3166 alpha-2 code"))
        country = None

    currency_text = root[53]
    currency = None if currency_text is None else CURRENCY_BY_NUMERIC.get(currency_text)
    if currency is None:
        _report_currency(currency_text, found)
    amount_text = root[54]
    amount = None if amount_text is None else _read_amount(amount_text, currency, found)
    if amount is not None and initiation is _STATIC:
        found.append(("static_code_carries_amount", "a static code (01=11) carries an amount (54)"))
    tip = None
    if root[55] is not None or root[56] is not None or root[57] is not None:
        tip = _read_tip(root, currency, found)

    mcc = root[52]
    name = root[59]
    city = root[60]
    if mcc is None or len(mcc) != 4 or not (mcc.isascii() and mcc.isdigit()):
        _report_mcc(mcc, found)
    if name is None or len(name) > MERCHANT_NAME_CHARS_MAX:
        _report_name(name, found)
    if city is None or len(city) > MERCHANT_CITY_CHARS_MAX:
        _report_city(city, found)
    # Positional: the cheaper call (order as declared in the model).
    merchant = Merchant(name, city, mcc, root[61])

    accounts: list[MerchantAccount] = []
    unreserved: list[MerchantAccount] = []
    reserved: list[tuple[str, str]] = []
    tag_text = _TAG_TEXT
    for kind, num, start, end in templates:
        if kind == _KIND_ACCOUNT:
            accounts.append(read_account(tag_text[num], payload, start, end, country, found))
        elif kind == _KIND_UNRESERVED:
            # An unreadable unreserved template does not change what is paid.
            unreserved.append(
                read_account(tag_text[num], payload, start, end, country, found, True)
            )
        elif kind == _KIND_CARD:
            # Card-network ids (Visa, Mastercard, UnionPay...) are primitive values.
            value = payload[start:end]
            accounts.append(MerchantAccount(_UNKNOWN, tag_text[num], "", (), (("value", value),)))
        else:
            tag = tag_text[num]
            reserved.append((tag, payload[start:end]))
            found.append(("tag_reserved_for_future_use", f"tag {tag} is reserved by EMVCo"))
    if not accounts:
        found.append(("merchant_account_missing", "no merchant account information (tags 02-51)"))

    if currency is not None:
        # Eager and cheap: one dict lookup per account; the message only on a fault.
        scheme_currencies = SCHEME_CURRENCIES
        for account in accounts:
            allowed = scheme_currencies.get(account.scheme)
            if allowed is not None and currency not in allowed:
                _report_scheme_currency(account, currency, allowed, found)
    additional_text = root[62]
    additional = None if additional_text is None else _read_additional(additional_text, found)
    language_text = root[64]
    language: tuple[tuple[str, str], ...] = ()
    if language_text is not None:
        language = _read_language(language_text, found)
        alternate = dict(language)
        merchant = replace(
            merchant,
            language=alternate.get("00"),
            name_alternate=alternate.get("01"),
            city_alternate=alternate.get("02"),
        )

    expires_at: datetime | None = None
    created_at: datetime | None = None
    for account in accounts:
        moment = account.expires_at
        if moment is not None and (expires_at is None or moment < expires_at):
            expires_at = moment
    for account in unreserved:
        moment = account.expires_at
        if moment is not None and (expires_at is None or moment < expires_at):
            expires_at = moment
        if created_at is None:
            created_at = account.created_at
    if now is not None and expires_at is not None and expires_at <= now:
        found.append(("code_expired", f"the code expired at {expires_at.isoformat()}"))

    if found:
        errors, warnings = _split(found, strict)
    else:
        errors = warnings = ()
    return DecodedQr(
        not errors,
        errors,
        warnings,
        payload,
        payload_format,
        initiation,
        country,
        currency,
        amount,
        tip,
        merchant,
        tuple(accounts),
        additional,
        tuple(unreserved) if unreserved else (),
        language,
        tuple(reserved) if reserved else (),
        crc,
        expires_at,
        created_at,
    )


def _split(found: Found, strict: bool) -> tuple[tuple[QrIssue, ...], tuple[QrIssue, ...]]:
    """Errors and warnings, each in the order found."""
    if strict:
        return _errors_only(found), ()
    errors: list[QrIssue] = []
    warnings: list[QrIssue] = []
    tolerated = TOLERATED_IN_LENIENT
    for code, message in found:
        (warnings if code in tolerated else errors).append(QrIssue(code, message))
    return tuple(errors), tuple(warnings)


def _errors_only(found: Found) -> tuple[QrIssue, ...]:
    return tuple(QrIssue(code, message) for code, message in found)


def _read_root_exact(
    payload: str, found: Found
) -> tuple[Root, list[tuple[int, int, int, int]], int, bool, bool, bool]:
    """The careful reading of a root the fast pass did not take as clean.

    Stops at the first unreadable data object and reports it; then the first occurrence
    of a repeated id wins and each repeat is reported. Returns the root, its templates,
    where the first 63 starts, whether it is the last data object, whether the ids (63
    aside) ascend after 00, and whether the reading stopped at a fault.
    """
    fields, tlv_error = parse_tlv(payload)
    if tlv_error is not None:
        found.append((tlv_error.code, tlv_error.message))
    root: Root = [None] * 100
    templates: list[tuple[int, int, int, int]] = []
    crc_index = -1
    crc_offset = -1
    for index, (tag, value, offset) in enumerate(fields):
        num = int(tag)
        if root[num] is not None:
            found.append(("tag_duplicated", f"tag {tag} appears more than once"))
        else:
            root[num] = value
        kind = _ROOT_KIND[num]
        if kind == _KIND_CRC:
            if crc_index < 0:
                crc_index, crc_offset = index, offset
        elif kind:
            templates.append((kind, num, offset + 4, offset + 4 + len(value)))
    body = [tag for tag, _, _ in fields if tag != "63"]
    ordered = not body or (body[0] == "00" and body == sorted(body))
    crc_last = crc_index >= 0 and crc_index == len(fields) - 1
    return root, templates, crc_offset, crc_last, ordered, tlv_error is not None


def _check_crc(payload: str, offset: int, value: str, last: bool, found: Found) -> str | None:
    """Tag 63 must be last, four hex digits, and match the CRC of everything before it."""
    if offset < 0:
        return None
    if not last:
        found.append(("crc_not_last", "tag 63 (CRC) is not the last data object"))
    if len(value) != 4:
        found.append(("crc_malformed", f"CRC {value!r} is not four hex digits"))
        return value
    try:
        data = payload[: offset + 4].encode("utf-8")
    except UnicodeEncodeError as exc:
        found.append(
            (
                "payload_not_unicode",
                f"character {exc.start} has no UTF-8 form (a lone surrogate): "
                "the CRC cannot be checked",
            )
        )
        return value
    expected = f"{crc_hqx(data, CRC_INIT):04X}"
    if value != expected:
        if value.upper() == expected:
            found.append(("crc_lowercase", f"CRC {value!r} is written in lower case"))
        else:
            found.append(
                ("crc_mismatch", f"CRC is {value!r} but the payload's CRC is {expected!r}")
            )
    return value


def _report_payload_format(payload_format: str | None, found: Found) -> None:
    """Tag 00 is missing or not 01 (the common case is inline)."""
    if payload_format is None:
        found.append(("payload_format_missing", "tag 00 (payload format indicator) is missing"))
    elif payload_format == "02":
        found.append(("payload_format_02", "payload format is 02 (as DuitNow writes it), not 01"))
    else:
        found.append(("payload_format_unknown", f"payload format {payload_format!r} is not 01"))


def _report_currency(text: str | None, found: Found) -> None:
    """Tag 53 is missing or not a currency Lintas handles (the common case is inline)."""
    if text is None:
        found.append(("currency_missing", "tag 53 (transaction currency) is missing"))
    else:
        found.append(("currency_unknown", f"currency {text!r} is not one Lintas handles"))


def _report_mcc(mcc: str | None, found: Found) -> None:
    if mcc is None:
        found.append(("merchant_category_missing", "tag 52 (merchant category code) is missing"))
    else:
        found.append(("merchant_category_malformed", f"merchant category {mcc!r} is not 4 digits"))


def _report_name(name: str | None, found: Found) -> None:
    if name is None:
        found.append(("merchant_name_missing", "tag 59 (merchant name) is missing"))
    else:
        found.append(("merchant_name_too_long", f"merchant name has {len(name)} characters (25)"))


def _report_city(city: str | None, found: Found) -> None:
    if city is None:
        found.append(("merchant_city_missing", "tag 60 (merchant city) is missing"))
    else:
        found.append(("merchant_city_too_long", f"merchant city has {len(city)} characters (15)"))


#: Currency -> the factor that turns its amount's digits into minor units, by the number
#: of decimals written: THB (100, 10, 1), VND (1,). A decimal count past the end of the
#: tuple is more than the currency has.
_DIGITS_TO_MINOR: Final[dict[str, tuple[int, ...]]] = {
    c: tuple(10 ** (e - k) for k in range(e + 1)) for c, e in CURRENCY_EXPONENTS.items()
}


def _read_amount(text: str, currency: CurrencyCode | None, found: Found) -> Money | None:
    """Tag 54. Plain amounts are read directly; anything unusual goes through
    ``parse_amount`` so that its precise refusal reasons are kept."""
    if len(text) > AMOUNT_CHARS_MAX:
        found.append(("amount_too_long", f"amount {text!r} is over {AMOUNT_CHARS_MAX} characters"))
        return None
    if currency is None:
        return None
    # Plain: ASCII digits, at most one "." with at least one digit either side, no
    # leading zero (but "0.50"), no more decimals than the currency has. Read as one
    # integer of all the digits, scaled by how many of them are decimals.
    units, dot, fraction = text.partition(".")
    factors = _DIGITS_TO_MINOR[currency]
    decimals = len(fraction)
    digits = units + fraction if dot else units
    if (
        decimals < len(factors)
        and (fraction or not dot)
        and units
        and (units[0] != "0" or len(units) == 1)
        and digits.isdigit()
        and digits.isascii()
    ):
        # At most 13 characters: far below AMOUNT_MINOR_MAX, no overflow check needed.
        # ``currency`` is already a CurrencyCode (CURRENCY_BY_NUMERIC): calling the NewType
        # again would be a Python-level call for nothing.
        amount = Money(int(digits) * factors[decimals], currency)
    else:
        try:
            amount = parse_amount(text, currency)
        except MoneyError as exc:
            found.append((exc.reason, f"tag 54: {exc.message}"))
            return None
    if amount.minor == 0:
        found.append(("amount_zero", "tag 54 holds a zero amount"))
        return None
    return amount


def _read_tip(root: Root, currency: str | None, found: Found) -> Tip | None:
    """55: 01 prompt for a tip, 02 fixed fee in 56, 03 percentage in 57."""
    indicator = root[55]
    fixed_text = root[56]
    percentage = root[57]
    if indicator is None:
        if fixed_text is not None or percentage is not None:
            found.append(("convenience_fee_without_indicator", "tag 56/57 present without tag 55"))
        return None
    if indicator not in ("01", "02", "03"):
        found.append(("tip_indicator_invalid", f"tip indicator {indicator!r} is not 01, 02 or 03"))
        return None
    fixed: Money | None = None
    if indicator == "02":
        if fixed_text is None:
            found.append(("convenience_fee_fixed_missing", "indicator 02 needs a fixed fee in 56"))
        elif currency is not None:
            try:
                fixed = parse_amount(fixed_text, currency)
            except MoneyError as exc:
                found.append((exc.reason, f"tag 56: {exc.message}"))
    elif fixed_text is not None:
        found.append(("convenience_fee_fixed_unexpected", f"tag 56 with indicator {indicator}"))
    if indicator == "03":
        if percentage is None:
            found.append(("convenience_fee_percentage_missing", "indicator 03 needs tag 57"))
        elif not is_percentage(percentage):
            found.append(
                ("convenience_fee_percentage_invalid", f"{percentage!r} is not 00.01-99.99")
            )
    elif percentage is not None:
        found.append(
            ("convenience_fee_percentage_unexpected", f"tag 57 with indicator {indicator}")
        )
    return Tip(indicator, fixed, percentage if indicator == "03" else None)


def is_percentage(text: str) -> bool:
    """Tag 57: a percentage from 00.01 to 99.99, at most two decimals, at most 5 characters."""
    if len(text) > PERCENTAGE_CHARS_MAX:
        return False
    units, _, fraction = text.partition(".")
    if not (units.isascii() and units.isdigit()) or (fraction and not fraction.isdigit()):
        return False
    value = int(units) * 100 + int(fraction.ljust(2, "0")[:2] or "0")
    return 0 < value < 10000 and len(fraction) <= 2


def _report_scheme_currency(
    account: MerchantAccount, currency: str, allowed: frozenset[str], found: Found
) -> None:
    found.append(
        (
            "currency_not_allowed_by_scheme",
            f"{account.scheme.value} (tag {account.tag}) does not settle in {currency}; "
            f"allowed: {', '.join(sorted(allowed))}",
        )
    )


def _read_additional(text: str, found: Found) -> AdditionalData:
    subs, error = parse_template(text)
    if error is not None:
        found.append(("additional_data_malformed", f"tag 62: {error.message} ({error.code})"))
    # Any: the keys are AdditionalData's field names (``_ADDITIONAL_NAMES``), which mypy
    # cannot follow through ``**``.
    named: dict[str, Any] = {}
    other: list[tuple[str, str]] = []
    names = _ADDITIONAL_NAMES
    for tag, value in subs.items():
        name = names.get(tag)
        if name is None:
            other.append((tag, value))
        else:
            named[name] = value
    # Keywords from the dict: one C call, whatever few sub-tags the code carries.
    return AdditionalData(**named, other=tuple(other)) if other else AdditionalData(**named)


def _read_language(text: str, found: Found) -> tuple[tuple[str, str], ...]:
    subs, error = parse_template(text)
    if error is not None:
        found.append(("language_template_malformed", f"tag 64: {error.message} ({error.code})"))
    if "00" not in subs or "01" not in subs:
        found.append(("language_template_incomplete", "tag 64 needs 00 (language) and 01 (name)"))
    return tuple(subs.items())
