"""Build valid static and dynamic EMVCo codes for each scheme.

``encode(scheme, **fields)`` takes keyword fields. Common to every scheme:

- ``amount``: a decimal string (``"100.50"``) or ``Money``; absent for a static code.
- ``dynamic``: bool, default ``amount is not None`` (tag 01: 12 dynamic, 11 static).
- ``merchant_name`` (default ``"NA"``), ``merchant_city`` (default the scheme's
  capital), ``mcc`` (default ``"0000"``), ``postal_code``.
- ``reference`` (62/05), ``bill_number`` (62/01), ``terminal_label`` (62/07),
  ``purpose`` (62/08).

Per scheme (``scheme`` is the JSON name):

- ``promptpay``: one of ``mobile``, ``national_id``, ``ewallet``, ``bank_account``;
  or ``biller_id`` with ``reference1`` and optional ``reference2`` (tag 30).
- ``paynow``: ``mobile`` or ``uen``; ``editable`` (default: no amount);
  ``expires_at`` (``date`` or aware ``datetime``, written as the Singapore date);
  ``sgqr_id`` adds the SGQR identity template (tag 51).
- ``duitnow``: ``participant_id``, ``merchant_id``.
- ``qris``: ``nmid``, ``criteria`` (default ``UMI``); optional acquirer template
  ``acquirer_guid``, ``merchant_pan``, ``merchant_id``.
- ``vietqr``: ``bank_bin`` and ``account`` or ``card`` (QRIBFTTA / QRIBFTTC).
- ``vnpay``: ``merchant_id``.
- ``qrph``: ``bic`` with ``merchant_id`` (P2M, tag 28) or ``account`` / ``mobile``
  (P2P, tag 27).
- ``khqr``: ``account_id`` (``name@bank``), ``currency`` ``KHR`` or ``USD``,
  ``merchant_id`` (makes a merchant code, tag 30), ``acquiring_bank``; a dynamic code
  needs ``created_at`` and may carry ``expires_at`` (aware datetimes, tag 99).
- ``laoqr``: ``iin``, ``merchant_id``, ``payment_type`` (default ``001``).
- ``template``: a merchant-account template of a scheme Lintas does not read (it decodes
  as ``unknown``): ``country`` (its currency is the default for the region's countries),
  ``guid`` (sub-tag 00), ``tag`` (26-51, default ``26``) and the other sub-tags as
  ``sub01`` ... ``sub99``. The sandbox prints its merchants of BN, MM and IN this way.

Tip and convenience fee (tags 55-57), for every scheme: ``tip_prompt=True`` (55 = 01, the
payer is asked for a tip), ``convenience_fee`` (55 = 02, a fixed fee in tag 56, a decimal
string or ``Money`` of the code's currency) or ``convenience_fee_percentage`` (55 = 03, a
percentage from ``0.01`` to ``99.99`` in tag 57); at most one of the three.

Every built code is decoded again in strict mode before it is returned: the encoder
never hands out a code its own decoder refuses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from lintas.codecs.emvqr.crc import crc_hex
from lintas.codecs.emvqr.decode import decode
from lintas.codecs.emvqr.profiles import singapore
from lintas.codecs.emvqr.profiles.thailand import normalise_thai_mobile
from lintas.codecs.emvqr.tlv import PAYLOAD_CHARS_MAX, tlv
from lintas.domain.money import CURRENCY_NUMERIC, Money, MoneyError, parse_amount

VALUE_CHARS_MAX: Final = 99
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class EmvQrEncodeError(ValueError):
    """A field cannot be put into a code of the requested scheme."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


#: scheme -> (country, currency, default city, merchant-account builder name).
_SCHEMES: Final[dict[str, tuple[str, str, str]]] = {
    "promptpay": ("TH", "THB", "BANGKOK"),
    "paynow": ("SG", "SGD", "SINGAPORE"),
    "duitnow": ("MY", "MYR", "KUALA LUMPUR"),
    "qris": ("ID", "IDR", "JAKARTA"),
    "vietqr": ("VN", "VND", "HANOI"),
    "vnpay": ("VN", "VND", "HANOI"),
    "qrph": ("PH", "PHP", "MANILA"),
    "khqr": ("KH", "KHR", "PHNOM PENH"),
    "laoqr": ("LA", "LAK", "VIENTIANE"),
    "template": ("", "", ""),
}
#: The region's countries: country -> (currency, default city), the defaults of a
#: ``template`` code (the country's own currency and capital).
_COUNTRIES: Final[dict[str, tuple[str, str]]] = {
    **{country: (currency, city) for country, currency, city in _SCHEMES.values() if country},
    "BN": ("BND", "B.S. BEGAWAN"),
    "MM": ("MMK", "NAY PYI TAW"),
    "IN": ("INR", "NEW DELHI"),
}
#: ``sub01`` ... ``sub99``: the sub-tags of a ``template`` code other than the GUID.
_TEMPLATE_SUBTAGS: Final[dict[str, str]] = {f"sub{i:02d}": f"{i:02d}" for i in range(1, 100)}
#: Tags a ``template`` code may put its template in: the merchant-account range.
_TEMPLATE_TAGS: Final = frozenset(f"{i:02d}" for i in range(26, 52))


class _Fields:
    """Keyword fields, each taken once; leftovers are refused (a typo is not ignored)."""

    def __init__(self, fields: dict[str, object]) -> None:
        self._fields = dict(fields)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self._fields.pop(name, None)
        if value is None:
            return default
        if not isinstance(value, str) or not value:
            raise EmvQrEncodeError("field_not_text", f"{name} must be non-empty text")
        if len(value) > VALUE_CHARS_MAX:
            raise EmvQrEncodeError("field_too_long", f"{name} is over {VALUE_CHARS_MAX} chars")
        return value

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise EmvQrEncodeError("field_missing", f"{name} is required")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self._fields.pop(name, None)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise EmvQrEncodeError("field_not_bool", f"{name} must be true or false")
        return value

    def raw(self, name: str) -> object:
        return self._fields.pop(name, None)

    def finish(self) -> None:
        if self._fields:
            unknown = ", ".join(sorted(self._fields))
            raise EmvQrEncodeError("field_unknown", f"unknown field(s): {unknown}")


def _template(*parts: tuple[str, str | None]) -> str:
    body = "".join(tlv(tag, value) for tag, value in parts if value is not None)
    if len(body) > VALUE_CHARS_MAX:
        raise EmvQrEncodeError("template_too_long", f"template is {len(body)} chars (max 99)")
    return body


def _aware(name: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise EmvQrEncodeError("field_not_aware_datetime", f"{name} must be an aware datetime")
    return value


def encode(scheme: str, **fields: object) -> str:
    """Build the payload of a ``scheme`` code; raises ``EmvQrEncodeError`` on bad fields."""
    if scheme not in _SCHEMES:
        raise EmvQrEncodeError("scheme_unknown", f"cannot encode scheme {scheme!r}")
    f = _Fields(fields)
    country, currency, city = _SCHEMES[scheme]
    if scheme == "template":
        country = f.required("country")
        if not (len(country) == 2 and country.isascii() and country.isupper()):
            raise EmvQrEncodeError("country_invalid", f"{country!r} is not an ISO 3166 code")
        currency, city = _COUNTRIES.get(country, ("", "NA"))
    currency = f.text("currency", currency) or currency
    if currency not in CURRENCY_NUMERIC:
        raise EmvQrEncodeError("currency_unknown", f"unknown currency {currency!r}")
    amount = _amount(f.raw("amount"), currency)
    dynamic = f.flag("dynamic", amount is not None)
    tip_parts = _tip(f, currency)
    templates: list[tuple[str, str]] = []
    tail: list[tuple[str, str]] = []
    additional: dict[str, str | None] = {}

    if scheme == "promptpay":
        templates.append(_promptpay(f, additional))
    elif scheme == "paynow":
        templates.extend(_paynow(f, amount is None))
    elif scheme == "duitnow":
        guid = "A0000006150001"
        body = _template(
            ("00", guid), ("01", f.required("participant_id")), ("02", f.required("merchant_id"))
        )
        templates.append(("26", body))
    elif scheme == "qris":
        templates.extend(_qris(f))
    elif scheme == "vietqr":
        templates.append(_vietqr(f))
    elif scheme == "vnpay":
        templates.append(("26", _template(("00", "A000000775"), ("01", f.required("merchant_id")))))
    elif scheme == "qrph":
        templates.append(_qrph(f))
    elif scheme == "khqr":
        templates.append(_khqr_account(f))
        created_at = _aware("created_at", f.raw("created_at"))
        expires_at = _aware("expires_at", f.raw("expires_at"))
        if dynamic and created_at is None:
            raise EmvQrEncodeError("field_missing", "a dynamic KHQR needs created_at")
        if created_at is not None:
            tail.append(
                (
                    "99",
                    _template(
                        ("00", _millis(created_at)),
                        ("01", _millis(expires_at) if expires_at else None),
                    ),
                )
            )
        elif expires_at is not None:
            raise EmvQrEncodeError("field_missing", "a KHQR expiry needs created_at too")
    elif scheme == "template":
        templates.append(_other_template(f))
    else:
        assert scheme == "laoqr", scheme
        body = _template(
            ("00", "A005266284662577"),
            ("01", f.required("iin")),
            ("02", f.text("payment_type", "001")),
            ("03", f.required("merchant_id")),
        )
        templates.append(("38", body))

    name = f.text("merchant_name", "NA")
    city_text = f.text("merchant_city", city)
    mcc = f.text("mcc", "0000")
    postal = f.text("postal_code")
    for key, sub in (
        ("bill_number", "01"),
        ("reference", "05"),
        ("terminal_label", "07"),
        ("purpose", "08"),
    ):
        value = f.text(key)
        if value is not None:
            additional[sub] = value
    f.finish()

    parts: list[tuple[str, str | None]] = [
        ("00", "01"),
        ("01", "12" if dynamic else "11"),
        *sorted(templates),
        ("52", mcc),
        ("53", CURRENCY_NUMERIC[currency]),
        ("54", amount.format() if amount is not None else None),
        *tip_parts,
        ("58", country),
        ("59", name),
        ("60", city_text),
        ("61", postal),
    ]
    if additional:
        parts.append(("62", _template(*sorted(additional.items()))))
    parts.extend(tail)
    body = "".join(tlv(tag, value) for tag, value in parts if value is not None) + "6304"
    payload = body + crc_hex(body)
    if len(payload) > PAYLOAD_CHARS_MAX:
        raise EmvQrEncodeError("payload_too_long", f"code would be {len(payload)} characters")
    checked = decode(payload, strict=True)
    if not checked.valid:
        first = checked.errors[0]
        raise EmvQrEncodeError(first.code, first.message)
    return payload


def _amount(value: object, currency: str) -> Money | None:
    if value is None:
        return None
    if isinstance(value, Money):
        if value.currency != currency:
            raise EmvQrEncodeError("amount_currency_mismatch", f"{value} is not {currency}")
        money = value
    else:
        try:
            money = parse_amount(value, currency)
        except MoneyError as exc:
            raise EmvQrEncodeError(exc.reason, exc.message) from None
    if money.minor == 0:
        raise EmvQrEncodeError("amount_zero", "a code cannot ask for a zero amount")
    return money


def _tip(f: _Fields, currency: str) -> list[tuple[str, str | None]]:
    """Tags 55-57 from ``tip_prompt``, ``convenience_fee`` or ``convenience_fee_percentage``."""
    prompt = f.flag("tip_prompt", False)
    fee = f.raw("convenience_fee")
    percentage = f.text("convenience_fee_percentage")
    if prompt + (fee is not None) + (percentage is not None) > 1:
        raise EmvQrEncodeError(
            "tip_options_conflict",
            "give at most one of tip_prompt, convenience_fee and convenience_fee_percentage",
        )
    if prompt:
        return [("55", "01")]
    if fee is not None:
        money = _amount(fee, currency)
        assert money is not None
        return [("55", "02"), ("56", money.format())]
    if percentage is not None:
        return [("55", "03"), ("57", percentage)]
    return []


def _other_template(f: _Fields) -> tuple[str, str]:
    """A template no profile reads: ``tag``, ``guid`` and ``sub01`` ... ``sub99``."""
    tag = f.text("tag", "26") or "26"
    if tag not in _TEMPLATE_TAGS:
        raise EmvQrEncodeError("tag_invalid", f"tag {tag!r} is not a merchant-account tag 26-51")
    parts: list[tuple[str, str | None]] = [("00", f.required("guid"))]
    for name, sub in _TEMPLATE_SUBTAGS.items():
        parts.append((sub, f.text(name)))
    return tag, _template(*parts)


def _promptpay(f: _Fields, additional: dict[str, str | None]) -> tuple[str, str]:
    biller = f.text("biller_id")
    if biller is not None:
        body = _template(
            ("00", "A000000677010112"),
            ("01", biller),
            ("02", f.required("reference1")),
            ("03", f.text("reference2")),
        )
        return "30", body
    choices = [
        (sub, name, f.text(name))
        for sub, name in (
            ("01", "mobile"),
            ("02", "national_id"),
            ("03", "ewallet"),
            ("04", "bank_account"),
        )
    ]
    given = [(sub, name, value) for sub, name, value in choices if value is not None]
    if len(given) != 1:
        raise EmvQrEncodeError("proxy_count_invalid", "give exactly one PromptPay proxy")
    sub, name, value = given[0]
    if name == "mobile":
        normal = normalise_thai_mobile(value)
        if normal is None:
            raise EmvQrEncodeError("mobile_invalid", f"{value!r} is not a Thai mobile number")
        value = normal
    return "29", _template(("00", "A000000677010111"), (sub, value))


def _paynow(f: _Fields, no_amount: bool) -> list[tuple[str, str]]:
    mobile = f.text("mobile")
    uen = f.text("uen")
    if (mobile is None) == (uen is None):
        raise EmvQrEncodeError("proxy_count_invalid", "give exactly one of mobile or uen")
    if mobile is not None:
        digits = mobile.removeprefix("+")
        digits = "65" + digits if len(digits) == 8 else digits
        proxy = ("0", "+" + digits)
    else:
        assert uen is not None
        proxy = ("2", uen)
    editable = f.flag("editable", no_amount)
    expiry = f.raw("expires_at")
    expiry_text: str | None = None
    if isinstance(expiry, datetime):
        aware = _aware("expires_at", expiry)
        assert aware is not None
        expiry_text = aware.astimezone(singapore.SGT).strftime("%Y%m%d")
    elif isinstance(expiry, date):
        expiry_text = expiry.strftime("%Y%m%d")
    elif expiry is not None:
        raise EmvQrEncodeError("field_not_date", "expires_at must be a date or datetime")
    out = [
        (
            "26",
            _template(
                ("00", "SG.PAYNOW"),
                ("01", proxy[0]),
                ("02", proxy[1]),
                ("03", "1" if editable else "0"),
                ("04", expiry_text),
            ),
        )
    ]
    sgqr_id = f.text("sgqr_id")
    if sgqr_id is not None:
        out.append(("51", _template(("00", "SG.SGQR"), ("01", sgqr_id), ("02", "01.0001"))))
    return out


def _qris(f: _Fields) -> list[tuple[str, str]]:
    out = [
        (
            "51",
            _template(
                ("00", "ID.CO.QRIS.WWW"),
                ("02", f.required("nmid")),
                ("03", f.text("criteria", "UMI")),
            ),
        )
    ]
    acquirer = f.text("acquirer_guid")
    if acquirer is not None:
        out.append(
            (
                "26",
                _template(
                    ("00", acquirer),
                    ("01", f.required("merchant_pan")),
                    ("02", f.text("merchant_id")),
                    ("03", f.text("criteria_acquirer", "UMI")),
                ),
            )
        )
    return out


def _vietqr(f: _Fields) -> tuple[str, str]:
    account = f.text("account")
    card = f.text("card")
    if (account is None) == (card is None):
        raise EmvQrEncodeError("proxy_count_invalid", "give exactly one of account or card")
    beneficiary = _template(("00", f.required("bank_bin")), ("01", account or card))
    service = "QRIBFTTA" if account is not None else "QRIBFTTC"
    return "38", _template(("00", "A000000727"), ("01", beneficiary), ("02", service))


def _qrph(f: _Fields) -> tuple[str, str]:
    bic = f.required("bic")
    merchant_id = f.text("merchant_id")
    if merchant_id is not None:
        return "28", _template(("00", "ph.ppmi.p2m"), ("01", bic), ("03", merchant_id))
    account = f.text("account")
    mobile = f.text("mobile")
    if account is None and mobile is None:
        raise EmvQrEncodeError("proxy_count_invalid", "give merchant_id, account or mobile")
    return "27", _template(("00", "com.p2pqrpay"), ("01", bic), ("03", account), ("04", mobile))


def _khqr_account(f: _Fields) -> tuple[str, str]:
    account_id = f.required("account_id")
    merchant_id = f.text("merchant_id")
    bank = f.text("acquiring_bank")
    if merchant_id is not None:
        return "30", _template(("00", account_id), ("01", merchant_id), ("02", bank))
    return "29", _template(("00", account_id), ("02", bank))


def _millis(moment: datetime) -> str:
    # Integer arithmetic: a float timestamp can be off by one millisecond.
    return str((moment - _EPOCH) // timedelta(milliseconds=1))


#: Fields ``encode`` takes as dates/datetimes, and as booleans, when they arrive as text.
_TIME_FIELDS: Final = frozenset({"expires_at", "created_at"})
_FLAG_FIELDS: Final = frozenset({"dynamic", "editable", "tip_prompt"})


def fields_from_text(fields: dict[str, str | bool]) -> dict[str, object]:
    """Fields from JSON or a command line as ``encode`` takes them.

    ``expires_at``/``created_at``: ISO 8601 (``2026-03-01`` is a date, a time needs an
    offset); ``dynamic``/``editable``: ``true``/``false``. Raises ``EmvQrEncodeError``.
    """
    out: dict[str, object] = {}
    for name, value in fields.items():
        if name in _TIME_FIELDS and isinstance(value, str):
            try:
                moment = (
                    date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
                )
            except ValueError:
                raise EmvQrEncodeError(
                    "field_not_iso_time", f"{name} {value!r} is not an ISO 8601 date or time"
                ) from None
            out[name] = moment
        elif name in _FLAG_FIELDS and isinstance(value, str):
            if value.lower() not in ("true", "false"):
                raise EmvQrEncodeError("field_not_bool", f"{name} must be true or false")
            out[name] = value.lower() == "true"
        else:
            out[name] = value
    return out
