"""Decode an EMVCo merchant-presented QR payload; never raises on bad input.

The pipeline is visible: ID-length-value split -> CRC -> root rules -> templates
(national profiles) -> scheme rules (currency, expiry). Every fault is collected as a
``QrIssue``; ``strict`` decides whether the deviations real generators produce
(``TOLERATED_IN_LENIENT``) are warnings or errors.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime
from typing import Final

from lintas.codecs.emvqr.crc import crc_hex
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
from lintas.codecs.emvqr.tlv import PAYLOAD_CHARS_MAX, parse_template, parse_tlv
from lintas.domain.money import CURRENCY_NUMERIC, Money, MoneyError, parse_amount

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


def decode(payload: str, *, strict: bool = False, now: datetime | None = None) -> DecodedQr:
    """Read ``payload``; ``now`` (aware) enables the expiry check. Never raises on input."""
    assert now is None or now.tzinfo is not None, "now must be timezone-aware"
    issues = _Issues(strict)
    if not isinstance(payload, str):
        issues.add("payload_not_text", f"payload must be text, not {type(payload).__name__}")
        return DecodedQr(False, tuple(issues.errors), (), "")
    if not payload:
        issues.add("payload_empty", "payload is empty")
        return DecodedQr(False, tuple(issues.errors), (), payload)
    if len(payload) > PAYLOAD_CHARS_MAX:
        issues.add(
            "payload_too_long",
            f"payload has {len(payload)} characters; EMVCo allows {PAYLOAD_CHARS_MAX}",
        )
        return DecodedQr(False, tuple(issues.errors), (), payload)

    fields, tlv_error = parse_tlv(payload)
    if tlv_error is not None:
        issues.add(tlv_error.code, tlv_error.message)
    root: dict[str, str] = {}
    for tag, value, _ in fields:
        if tag in root:
            issues.add("tag_duplicated", f"tag {tag} appears more than once")
        else:
            root[tag] = value

    crc = _check_crc(payload, fields, tlv_error is None, issues)
    _check_order([tag for tag, _, _ in fields], issues)

    payload_format = root.get("00")
    if payload_format is None:
        issues.add("payload_format_missing", "tag 00 (payload format indicator) is missing")
    elif payload_format == "02":
        issues.add("payload_format_02", "payload format is 02 (as DuitNow writes it), not 01")
    elif payload_format != "01":
        issues.add("payload_format_unknown", f"payload format {payload_format!r} is not 01")

    initiation_text = root.get("01")
    initiation = _INITIATIONS.get(initiation_text or "")
    if initiation_text is not None and initiation is None:
        issues.add("initiation_invalid", f"point of initiation {initiation_text!r} is not 11/12")

    country = root.get("58")
    if country is None:
        issues.add("country_missing", "tag 58 (country code) is missing")
    elif not (len(country) == 2 and country.isascii() and country.isalpha() and country.isupper()):
        issues.add("country_invalid", f"country {country!r} is not an ISO 3166 alpha-2 code")
        country = None

    currency = _read_currency(root.get("53"), issues)
    amount = _read_amount(root.get("54"), currency, issues)
    if amount is not None and initiation is Initiation.STATIC:
        issues.add("static_code_carries_amount", "a static code (01=11) carries an amount (54)")
    tip = _read_tip(root, currency, issues)
    merchant = _read_merchant(root, issues)

    accounts: list[MerchantAccount] = []
    unreserved: list[MerchantAccount] = []
    reserved: list[tuple[str, str]] = []
    for tag, value, _ in fields:
        if "02" <= tag <= "25":
            # Card-network ids (Visa, Mastercard, UnionPay...) are primitive values.
            accounts.append(MerchantAccount(Scheme.UNKNOWN, tag, "", (), (("value", value),)))
        elif "26" <= tag <= "51":
            account, faults = read_account(tag, value, country)
            accounts.append(account)
            for code, message in faults:
                issues.add(code, message)
        elif "80" <= tag <= "99":
            account, faults = read_account(tag, value, country)
            unreserved.append(account)
            for code, message in faults:
                # An unreadable unreserved template does not change what is paid.
                code = "unreserved_template_malformed" if code == "template_malformed" else code
                issues.add(code, message)
        elif "65" <= tag <= "79":
            reserved.append((tag, value))
            issues.add("tag_reserved_for_future_use", f"tag {tag} is reserved by EMVCo")
    if not accounts:
        issues.add("merchant_account_missing", "no merchant account information (tags 02-51)")

    _check_scheme_currencies(accounts, currency, issues)
    additional = _read_additional(root.get("62"), issues)
    language = _read_language(root.get("64"), issues)
    if language:
        alternate = dict(language)
        merchant = replace(
            merchant,
            language=alternate.get("00"),
            name_alternate=alternate.get("01"),
            city_alternate=alternate.get("02"),
        )

    expiries = [a.expires_at for a in (*accounts, *unreserved) if a.expires_at is not None]
    expires_at = min(expiries) if expiries else None
    created = [a.created_at for a in unreserved if a.created_at is not None]
    if now is not None and expires_at is not None and expires_at <= now:
        issues.add("code_expired", f"the code expired at {expires_at.isoformat()}")

    return DecodedQr(
        valid=not issues.errors,
        errors=tuple(issues.errors),
        warnings=tuple(issues.warnings),
        payload=payload,
        payload_format=payload_format,
        initiation=initiation,
        country=country,
        currency=currency,
        amount=amount,
        tip=tip,
        merchant=merchant,
        accounts=tuple(accounts),
        additional_data=additional,
        unreserved=tuple(unreserved),
        language=language,
        reserved=tuple(reserved),
        crc=crc,
        expires_at=expires_at,
        created_at=created[0] if created else None,
    )


def _check_crc(
    payload: str, fields: list[tuple[str, str, int]], complete: bool, issues: _Issues
) -> str | None:
    """Tag 63 must be last, four hex digits, and match the CRC of everything before it."""
    crc_index = next((i for i, (tag, _, _) in enumerate(fields) if tag == "63"), None)
    if crc_index is None:
        if complete:
            issues.add("crc_missing", "tag 63 (CRC) is missing")
        return None
    _, value, offset = fields[crc_index]
    if crc_index != len(fields) - 1 or not complete:
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


def _check_order(tags: list[str], issues: _Issues) -> None:
    """00 first, then ascending ids (63, the CRC, is checked to be last on its own)."""
    body = [t for t in tags if t != "63"]
    if body and (body[0] != "00" or any(a > b for a, b in itertools.pairwise(body))):
        issues.add("tags_out_of_order", "data objects are not in ascending id order after 00")


def _read_currency(text: str | None, issues: _Issues) -> str | None:
    if text is None:
        issues.add("currency_missing", "tag 53 (transaction currency) is missing")
        return None
    alpha = CURRENCY_BY_NUMERIC.get(text)
    if alpha is None:
        issues.add("currency_unknown", f"currency {text!r} is not one Lintas handles")
    return alpha


def _read_amount(text: str | None, currency: str | None, issues: _Issues) -> Money | None:
    if text is None:
        return None
    if len(text) > AMOUNT_CHARS_MAX:
        issues.add("amount_too_long", f"amount {text!r} is over {AMOUNT_CHARS_MAX} characters")
        return None
    if currency is None:
        return None
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
    return Merchant(name=name, city=city, mcc=mcc, postal_code=root.get("61"))


def _check_scheme_currencies(
    accounts: list[MerchantAccount], currency: str | None, issues: _Issues
) -> None:
    if currency is None:
        return
    for account in accounts:
        allowed = SCHEME_CURRENCIES.get(account.scheme)
        if allowed is not None and currency not in allowed:
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
