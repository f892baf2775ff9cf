"""Decode an EMVCo merchant-presented QR payload; never raises on bad input.

The pipeline is visible: ID-length-value split -> CRC -> root rules -> templates
(national profiles) -> scheme rules (currency, expiry). Every fault is collected as a
``QrIssue``; ``strict`` decides whether the deviations real generators produce
(``TOLERATED_IN_LENIENT``) are warnings or errors.
"""

from __future__ import annotations

from binascii import crc_hqx
from datetime import datetime
from typing import Final

from msgspec.structs import replace

from lintas.codecs.emvqr.crc import CRC_INIT, crc_hex
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
from lintas.codecs.emvqr.tlv import (
    HEADERS,
    PAYLOAD_CHARS_MAX,
    TlvError,
    header_error,
    parse_template,
    parse_tlv,
    past_end_error,
    truncated_error,
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
CURRENCY_BY_NUMERIC: Final[dict[str, str]] = {num: alpha for alpha, num in CURRENCY_NUMERIC.items()}

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
_INITIATIONS: Final = {"11": Initiation.STATIC, "12": Initiation.DYNAMIC}
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


class _Issues:
    """Collects errors and warnings for one decode."""

    __slots__ = ("errors", "strict", "warnings")

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.errors: list[QrIssue] = []
        self.warnings: list[QrIssue] = []

    def add(self, code: str, message: str) -> None:
        if code in TOLERATED_IN_LENIENT and not self.strict:
            self.warnings.append(QrIssue(code, message))
        else:
            self.errors.append(QrIssue(code, message))


#: Root id -> what the single pass does with it (precomputed: one dict lookup per field).
_KIND_PLAIN: Final = 0
_KIND_CARD: Final = 1  # 02-25: card-network ids, primitive values
_KIND_ACCOUNT: Final = 2  # 26-51: merchant-account templates
_KIND_RESERVED: Final = 3  # 65-79: reserved for future use
_KIND_UNRESERVED: Final = 4  # 80-99: unreserved templates
_KIND_CRC: Final = 5  # 63
_ROOT_KIND: Final[dict[str, int]] = {
    f"{i:02d}": (
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
    )
    for i in range(100)
}
#: ``HEADERS`` with the root kind folded in: "IDLL" -> (id, 4 + length, kind), so the
#: root loop reads id, length and what to do with the field in one dict lookup.
_ROOT_HEADERS: Final[dict[str, tuple[str, int, int]]] = {
    header: (tag, step, _ROOT_KIND[tag]) for header, (tag, step) in HEADERS.items()
}
#: Every well-formed country code: one set lookup instead of four string predicates.
_COUNTRY_CODES: Final = frozenset(chr(a) + chr(b) for a in range(65, 91) for b in range(65, 91))
#: Enum members bound once: ``Initiation.STATIC`` goes through the enum metaclass
#: (about 150 ns in 3.11); a module global is one dict lookup.
_STATIC: Final = Initiation.STATIC
_UNKNOWN: Final = Scheme.UNKNOWN


def decode(payload: str, *, strict: bool = False, now: datetime | None = None) -> DecodedQr:
    """Read ``payload``; ``now`` (aware) enables the expiry check. Never raises on input.

    The root is read in one pass that also records duplicates, the order and where the
    CRC sits; templates are read once each by their profile. This is the payment hot path
    (target: 50,000 decodes per second on one core), hence the local-variable style.
    """
    assert now is None or now.tzinfo is not None, "now must be timezone-aware"
    issues = _Issues(strict)
    if not isinstance(payload, str):
        issues.add("payload_not_text", f"payload must be text, not {type(payload).__name__}")
        return DecodedQr(False, tuple(issues.errors), (), "")
    n = len(payload)
    if not n:
        issues.add("payload_empty", "payload is empty")
        return DecodedQr(False, tuple(issues.errors), (), payload)
    if n > PAYLOAD_CHARS_MAX:
        issues.add(
            "payload_too_long",
            f"payload has {n} characters; EMVCo allows {PAYLOAD_CHARS_MAX}",
        )
        return DecodedQr(False, tuple(issues.errors), (), payload)

    # One pass over the root: the reading of ``parse_tlv``, inlined, with the id and
    # length taken in one table lookup. A repeated id (rare, always an error) is
    # re-read by the exact slow path so that the first occurrence wins.
    headers = _ROOT_HEADERS
    root: dict[str, str] = {}
    templates: list[tuple[int, str, str]] = []
    tlv_error: TlvError | None = None
    crc_offset = -1
    count = 0
    pos = 0
    try:
        # No bound on the loop: a data object takes at least 5 characters and the payload
        # at most PAYLOAD_CHARS_MAX, so the root holds at most 102 < FIELDS_PER_LEVEL_MAX.
        while pos != n:
            # Subscription, not .get(): the specialised dict lookup is the cheaper one, and
            # a bad header (KeyError) ends the code anyway.
            tag, step, kind = headers[payload[pos : pos + 4]]
            end = pos + step
            if end > n:
                tlv_error = past_end_error(n, pos, tag, step - 4)
                break
            value = root[tag] = payload[pos + 4 : end]
            if kind:
                if kind == _KIND_CRC:
                    crc_offset = pos
                else:
                    templates.append((kind, tag, value))
            count += 1
            pos = end
    except KeyError:
        if pos + 4 > n:
            tlv_error = truncated_error(n, pos)
        else:
            tlv_error = header_error(payload, pos, payload[pos : pos + 2])

    if tlv_error is not None:
        issues.add(tlv_error.code, tlv_error.message)
    if count != len(root):
        root, templates, crc_offset, crc_last, ordered = _read_root_with_duplicates(payload, issues)
    else:
        keys = list(root)
        # No repeats: 63 is last exactly when the last field read is the (only) 63.
        crc_last = crc_offset >= 0 and keys[-1] == "63"
        if crc_last:
            keys.pop()
        elif crc_offset >= 0:
            keys.remove("63")
        ordered = not keys or (keys[0] == "00" and keys == sorted(keys))
    crc_value = root.get("63", "")
    # The common case inline (a correct upper-case CRC, last); any doubt goes to
    # ``_check_crc``, which reports precisely what is wrong.
    if (
        crc_last
        and tlv_error is None
        and len(crc_value) == 4
        and crc_value == f"{crc_hqx(payload[: crc_offset + 4].encode(), CRC_INIT):04X}"
    ):
        crc: str | None = crc_value
    else:
        crc = _check_crc(payload, crc_offset, crc_value, crc_last and tlv_error is None, issues)
    if crc is None and tlv_error is None:
        issues.add("crc_missing", "tag 63 (CRC) is missing")
    if not ordered:
        issues.add("tags_out_of_order", "data objects are not in ascending id order after 00")

    get = root.get
    payload_format = get("00")
    if payload_format == "01":
        pass
    elif payload_format is None:
        issues.add("payload_format_missing", "tag 00 (payload format indicator) is missing")
    elif payload_format == "02":
        issues.add("payload_format_02", "payload format is 02 (as DuitNow writes it), not 01")
    else:
        issues.add("payload_format_unknown", f"payload format {payload_format!r} is not 01")

    initiation_text = get("01")
    initiation = _INITIATIONS.get(initiation_text or "")
    if initiation_text is not None and initiation is None:
        issues.add("initiation_invalid", f"point of initiation {initiation_text!r} is not 11/12")

    country = get("58")
    if country is None:
        issues.add("country_missing", "tag 58 (country code) is missing")
    elif country not in _COUNTRY_CODES:
        issues.add("country_invalid", f"country {country!r} is not an ISO 3166 alpha-2 code")
        country = None

    currency_text = get("53")
    currency = CURRENCY_BY_NUMERIC.get(currency_text) if currency_text is not None else None
    if currency is None:
        _report_currency(currency_text, issues)
    amount_text = get("54")
    amount = None if amount_text is None else _read_amount(amount_text, currency, issues)
    if amount is not None and initiation is _STATIC:
        issues.add("static_code_carries_amount", "a static code (01=11) carries an amount (54)")
    tip = (
        None
        if "55" not in root and "56" not in root and "57" not in root
        else (_read_tip(root, currency, issues))
    )
    merchant = _read_merchant(root, issues)

    accounts: list[MerchantAccount] = []
    unreserved: list[MerchantAccount] = []
    reserved: list[tuple[str, str]] = []
    for kind, tag, value in templates:
        if kind == _KIND_ACCOUNT:
            account, faults = read_account(tag, value, country)
            accounts.append(account)
            for code, message in faults:
                issues.add(code, message)
        elif kind == _KIND_CARD:
            # Card-network ids (Visa, Mastercard, UnionPay...) are primitive values.
            accounts.append(MerchantAccount(_UNKNOWN, tag, "", (), (("value", value),)))
        elif kind == _KIND_UNRESERVED:
            account, faults = read_account(tag, value, country)
            unreserved.append(account)
            for code, message in faults:
                # An unreadable unreserved template does not change what is paid.
                code = "unreserved_template_malformed" if code == "template_malformed" else code
                issues.add(code, message)
        else:
            reserved.append((tag, value))
            issues.add("tag_reserved_for_future_use", f"tag {tag} is reserved by EMVCo")
    if not accounts:
        issues.add("merchant_account_missing", "no merchant account information (tags 02-51)")

    if currency is not None:
        # Eager and cheap: one dict lookup per account; the message only on a fault.
        scheme_currencies = SCHEME_CURRENCIES
        for account in accounts:
            allowed = scheme_currencies.get(account.scheme)
            if allowed is not None and currency not in allowed:
                _report_scheme_currency(account, currency, allowed, issues)
    additional_text = get("62")
    additional = None if additional_text is None else _read_additional(additional_text, issues)
    language_text = get("64")
    language: tuple[tuple[str, str], ...] = ()
    if language_text is not None:
        language = _read_language(language_text, issues)
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
        issues.add("code_expired", f"the code expired at {expires_at.isoformat()}")

    errors = issues.errors
    warnings = issues.warnings
    return DecodedQr(
        not errors,
        tuple(errors) if errors else (),
        tuple(warnings) if warnings else (),
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


def _read_root_with_duplicates(
    payload: str, issues: _Issues
) -> tuple[dict[str, str], list[tuple[int, str, str]], int, bool, bool]:
    """The root of a code that repeats an id: first occurrence wins, each repeat reported.

    Returns the root, its templates, where the first 63 starts, whether it is last, and
    whether the ids (63 aside) ascend after 00.
    """
    fields, _ = parse_tlv(payload)
    root: dict[str, str] = {}
    templates: list[tuple[int, str, str]] = []
    crc_index = -1
    crc_offset = -1
    for index, (tag, value, offset) in enumerate(fields):
        if tag in root:
            issues.add("tag_duplicated", f"tag {tag} appears more than once")
        else:
            root[tag] = value
        if tag == "63":
            if crc_index < 0:
                crc_index, crc_offset = index, offset
        elif _ROOT_KIND[tag]:
            templates.append((_ROOT_KIND[tag], tag, value))  # 63 is handled above
    body = [tag for tag, _, _ in fields if tag != "63"]
    ordered = not body or (body[0] == "00" and body == sorted(body))
    return root, templates, crc_offset, crc_index == len(fields) - 1, ordered


def _check_crc(payload: str, offset: int, value: str, last: bool, issues: _Issues) -> str | None:
    """Tag 63 must be last, four hex digits, and match the CRC of everything before it."""
    if offset < 0:
        return None
    if not last:
        issues.add("crc_not_last", "tag 63 (CRC) is not the last data object")
    if len(value) != 4:
        issues.add("crc_malformed", f"CRC {value!r} is not four hex digits")
        return value
    expected = crc_hex(payload[: offset + 4])
    if value != expected:
        if value.upper() == expected:
            issues.add("crc_lowercase", f"CRC {value!r} is written in lower case")
        else:
            issues.add("crc_mismatch", f"CRC is {value!r} but the payload's CRC is {expected!r}")
    return value


def _report_currency(text: str | None, issues: _Issues) -> None:
    """Tag 53 is missing or not a currency Lintas handles (the common case is inline)."""
    if text is None:
        issues.add("currency_missing", "tag 53 (transaction currency) is missing")
    else:
        issues.add("currency_unknown", f"currency {text!r} is not one Lintas handles")


#: Currency -> 10 ** exponent, so the common amount needs no regex and no lookup chain.
_MINOR_PER_UNIT: Final[dict[str, int]] = {c: 10**e for c, e in CURRENCY_EXPONENTS.items()}


def _read_amount(text: str, currency: str | None, issues: _Issues) -> Money | None:
    """Tag 54. Plain amounts are read directly; anything unusual goes through
    ``parse_amount`` so that its precise refusal reasons are kept."""
    if len(text) > AMOUNT_CHARS_MAX:
        issues.add("amount_too_long", f"amount {text!r} is over {AMOUNT_CHARS_MAX} characters")
        return None
    if currency is None:
        return None
    units, dot, fraction = text.partition(".")
    scale = _MINOR_PER_UNIT[currency]
    if (
        units.isascii()
        and units.isdigit()
        and (units[0] != "0" or len(units) == 1)
        and len(fraction) < len(str(scale))
        and (not dot or (fraction.isascii() and fraction.isdigit()))
    ):
        # At most 13 characters: far below AMOUNT_MINOR_MAX, no overflow check needed.
        minor = int(units) * scale + (int(fraction) * scale // 10 ** len(fraction) if dot else 0)
        amount = Money(minor, CurrencyCode(currency))
    else:
        try:
            amount = parse_amount(text, currency)
        except MoneyError as exc:
            issues.add(exc.reason, f"tag 54: {exc.message}")
            return None
    if amount.minor == 0:
        issues.add("amount_zero", "tag 54 holds a zero amount")
        return None
    return amount


def _read_tip(root: dict[str, str], currency: str | None, issues: _Issues) -> Tip | None:
    """55: 01 prompt for a tip, 02 fixed fee in 56, 03 percentage in 57."""
    indicator = root.get("55")
    fixed_text = root.get("56")
    percentage = root.get("57")
    if indicator is None:
        if fixed_text is not None or percentage is not None:
            issues.add("convenience_fee_without_indicator", "tag 56/57 present without tag 55")
        return None
    if indicator not in ("01", "02", "03"):
        issues.add("tip_indicator_invalid", f"tip indicator {indicator!r} is not 01, 02 or 03")
        return None
    fixed: Money | None = None
    if indicator == "02":
        if fixed_text is None:
            issues.add("convenience_fee_fixed_missing", "indicator 02 needs a fixed fee in 56")
        elif currency is not None:
            try:
                fixed = parse_amount(fixed_text, currency)
            except MoneyError as exc:
                issues.add(exc.reason, f"tag 56: {exc.message}")
    elif fixed_text is not None:
        issues.add("convenience_fee_fixed_unexpected", f"tag 56 with indicator {indicator}")
    if indicator == "03":
        if percentage is None:
            issues.add("convenience_fee_percentage_missing", "indicator 03 needs tag 57")
        elif not _is_percentage(percentage):
            issues.add("convenience_fee_percentage_invalid", f"{percentage!r} is not 00.01-99.99")
    elif percentage is not None:
        issues.add("convenience_fee_percentage_unexpected", f"tag 57 with indicator {indicator}")
    return Tip(indicator, fixed, percentage if indicator == "03" else None)


def _is_percentage(text: str) -> bool:
    if len(text) > PERCENTAGE_CHARS_MAX:
        return False
    units, _, fraction = text.partition(".")
    if not (units.isascii() and units.isdigit()) or (fraction and not fraction.isdigit()):
        return False
    value = int(units) * 100 + int(fraction.ljust(2, "0")[:2] or "0")
    return 0 < value < 10000 and len(fraction) <= 2


def _read_merchant(root: dict[str, str], issues: _Issues) -> Merchant:
    mcc = root.get("52")
    name = root.get("59")
    city = root.get("60")
    if mcc is None:
        issues.add("merchant_category_missing", "tag 52 (merchant category code) is missing")
    elif not (len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):
        issues.add("merchant_category_malformed", f"merchant category {mcc!r} is not 4 digits")
    if name is None:
        issues.add("merchant_name_missing", "tag 59 (merchant name) is missing")
    elif len(name) > MERCHANT_NAME_CHARS_MAX:
        issues.add("merchant_name_too_long", f"merchant name has {len(name)} characters (25)")
    if city is None:
        issues.add("merchant_city_missing", "tag 60 (merchant city) is missing")
    elif len(city) > MERCHANT_CITY_CHARS_MAX:
        issues.add("merchant_city_too_long", f"merchant city has {len(city)} characters (15)")
    # Positional: the cheaper call (order as declared in the model).
    return Merchant(name, city, mcc, root.get("61"))


def _report_scheme_currency(
    account: MerchantAccount, currency: str, allowed: frozenset[str], issues: _Issues
) -> None:
    issues.add(
        "currency_not_allowed_by_scheme",
        f"{account.scheme.value} (tag {account.tag}) does not settle in {currency}; "
        f"allowed: {', '.join(sorted(allowed))}",
    )


def _read_additional(text: str | None, issues: _Issues) -> AdditionalData | None:
    if text is None:
        return None
    subs, error = parse_template(text)
    if error is not None:
        issues.add("additional_data_malformed", f"tag 62: {error.message} ({error.code})")
    named: dict[str, str] = {}
    other: list[tuple[str, str]] = []
    for tag, value in subs.items():
        name = _ADDITIONAL_NAMES.get(tag)
        if name is None:
            other.append((tag, value))
        else:
            named[name] = value
    get = named.get
    return AdditionalData(
        bill_number=get("bill_number"),
        mobile_number=get("mobile_number"),
        store_label=get("store_label"),
        loyalty_number=get("loyalty_number"),
        reference_label=get("reference_label"),
        customer_label=get("customer_label"),
        terminal_label=get("terminal_label"),
        purpose=get("purpose"),
        consumer_data_request=get("consumer_data_request"),
        merchant_tax_id=get("merchant_tax_id"),
        merchant_channel=get("merchant_channel"),
        other=tuple(other),
    )


def _read_language(text: str | None, issues: _Issues) -> tuple[tuple[str, str], ...]:
    if text is None:
        return ()
    subs, error = parse_template(text)
    if error is not None:
        issues.add("language_template_malformed", f"tag 64: {error.message} ({error.code})")
    if "00" not in subs or "01" not in subs:
        issues.add("language_template_incomplete", "tag 64 needs 00 (language) and 01 (name)")
    return tuple(subs.items())
