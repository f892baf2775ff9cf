"""Addressing: turn a proxy (mobile, national id, UPI id ...), an account or a merchant QR
code into a payee.

A QR code (address type ``QR``) is decoded in lenient mode (the deviations real generators
produce are tolerated), checked against the country asked and the hub's clock, and the proxy
it carries (``DecodedQr.payable_proxy()``) is resolved through the same directory as any
other proxy. A template no national profile reads (scheme ``unknown``) is still payable when
the destination's directory registers its GUID (``DIRECTORY_TEMPLATES``: the GUID and the
sub-tag that holds the merchant id, resolved as ``MERCHANT_ID``); the sandbox's template of
Brunei, Myanmar and India is one. The resolution then carries what the code says: the
merchant's name, city and MCC, the scheme, and what the payer pays.

What the payer pays a code (``QrDetails``), in the code's currency, every part shown
separately before the payer approves:

- **merchant amount**: the code's amount (tag 54); for a code without one, the amount the
  payer enters (``amount``).
- **convenience fee**: fixed (tag 55 = 02, the amount in tag 56), or a percentage of the
  merchant amount (55 = 03, tag 57) rounded **down** to the currency's minor unit, so the
  fee is never more than the percentage printed on the code (100.05 THB at 3.5 % is
  3.50175, charged 3.50).
- **tip**: what the payer chooses to add (``tip``), only when the code prompts for one
  (55 = 01); a tip on any other code is refused (``qr_tip_not_prompted``). A zero tip is
  no tip.

The **amount** is their sum: what the merchant receives, the amount a quote is fixed to
receive. It is unknown (None) while the merchant amount is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, NoReturn

from lintas.codecs.emvqr import AddressType as QrAddressType
from lintas.codecs.emvqr import DecodedQr, Initiation, Scheme, decode
from lintas.codecs.emvqr.tlv import PAYLOAD_CHARS_MAX
from lintas.domain.errors import InputInvalid, NotFound, ReasonCode, Refused
from lintas.domain.money import AMOUNT_MINOR_MAX, CurrencyCode, Money, MoneyError, parse_amount
from lintas.domain.reference import Country
from lintas.matching.verification import Verification, verify_payee
from lintas.ports.clock import Clock, SystemClock
from lintas.ports.directory import AccountHolder, ProxyDirectory, ReferenceData

#: Characters a proxy value may have at most before normalisation.
PROXY_VALUE_CHARS_MAX: Final = 128
#: Characters a QR payload may have at most (EMVCo's maximum).
QR_PAYLOAD_CHARS_MAX: Final = PAYLOAD_CHARS_MAX
#: Codec errors quoted in a refusal at most (the rest are counted).
QR_ERRORS_SHOWN_MAX: Final = 5
#: The address type whose value is the text of a merchant QR code.
QR_ADDRESS_TYPE: Final = "QR"
#: Merchant-account templates outside the QR contract's schemes that destination
#: directories register by GUID (upper case): GUID -> the sub-tag holding the merchant id,
#: resolved as a ``MERCHANT_ID``. The sandbox's template of BN, MM and IN
#: (``lintas.sandbox.merchants.SANDBOX_TEMPLATE_GUID``) is the only one Lintas knows; a
#: deployment passes its own (``AddressingService(directory_templates=...)``).
DIRECTORY_TEMPLATES: Final[Mapping[str, str]] = {"LINTAS.GENERIC": "02"}
#: 100 % in hundredths of a percent (tag 57 is read in hundredths).
_PERCENT_HUNDREDTHS: Final = 100 * 100
_MERCHANT_ID: Final = QrAddressType.MERCHANT_ID


@dataclass(frozen=True, slots=True)
class QrDetails:
    """What a resolved QR code says besides the payee, and what the payer pays (in the
    code's currency; the module docstring gives the rule)."""

    scheme: Scheme
    initiation: Initiation
    #: What the merchant receives in all (merchant amount + convenience fee + tip): the
    #: amount to quote fixed to receive. None while the merchant amount is not known.
    amount: Money | None
    currency: str
    merchant_name: str | None
    merchant_city: str | None
    mcc: str | None
    expires_at: datetime | None
    #: The code's amount (tag 54), or the amount the payer entered; None when neither.
    merchant_amount: Money | None = None
    #: The convenience fee (tag 56, or tag 57 applied to the merchant amount); None when
    #: the code has none, or has a percentage and the merchant amount is not known yet.
    convenience_fee: Money | None = None
    #: Tag 57 as printed (``"3.5"``) when the fee is a percentage, else None.
    convenience_fee_percentage: str | None = None
    #: The tip the payer added, else None.
    tip: Money | None = None
    #: Whether the code asks the payer for a tip (tag 55 = 01).
    tip_prompted: bool = False

    def __post_init__(self) -> None:
        parts = [self.merchant_amount, self.convenience_fee, self.tip]
        if self.amount is not None:
            # The amount is exactly the sum of its parts, all in the code's currency.
            assert self.merchant_amount is not None, self
            assert all(p is None or p.currency == self.currency for p in parts), self
            assert self.amount.minor == sum(p.minor for p in parts if p is not None), self
        assert self.tip is None or self.tip_prompted, self


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a proxy leads: the account, its agent, the full name (kept for screening) and
    the masked name the sender is shown."""

    country: str
    address_type: str
    value: str
    holder: AccountHolder
    #: How the name the sender expects compares with the holder's (None when none was given).
    verification: Verification | None = None
    #: For a QR code: its amount, merchant and scheme (None for every other address type).
    qr: QrDetails | None = None


class AddressingService:
    """Resolves proxies and merchant QR codes through each country's directory."""

    def __init__(
        self,
        *,
        reference: ReferenceData,
        directory: ProxyDirectory,
        clock: Clock | None = None,
        directory_templates: Mapping[str, str] = DIRECTORY_TEMPLATES,
    ) -> None:
        self._reference = reference
        self._directory = directory
        assert all(k == k.upper() for k in directory_templates), "GUIDs are kept upper case"
        self._directory_templates = dict(directory_templates)
        # The hub passes its clock; QR expiry is judged by it (or by ``now`` per call).
        self._clock: Clock = clock or SystemClock()

    def country(self, code: str) -> Country:
        """A connected country, or ``NotFound``."""
        country = self._reference.country(code)
        if country is None:
            raise NotFound("country_unknown", f"no country {code!r} is connected", field="country")
        return country

    def resolve(
        self,
        country_code: str,
        address_type: str,
        value: str,
        expected_name: str | None = None,
        *,
        now: datetime | None = None,
        amount: str | None = None,
        tip: str | None = None,
    ) -> Resolution:
        """Resolve ``value`` of ``address_type`` in ``country_code``; refuse with BE23 when
        nobody holds it, FF01 when it is not even well-formed. With ``expected_name``, the
        answer carries the payee verification (MTCH, CMTC with the masked name, NMTC, NOAP).

        For a ``QR`` code, ``now`` (default: the service's clock) decides whether it expired;
        ``amount`` (for a code without one) and ``tip`` are decimal strings in the code's
        currency, and the answer's ``qr`` says what the payer pays (module docstring).
        Neither is accepted for another address type.
        """
        country = self.country(country_code)
        kind = country.address_type(address_type)
        if kind is None:
            codes = ", ".join(a.code for a in country.address_types)
            raise InputInvalid(
                "address_type_unknown",
                f"{country.code} has no address type {address_type!r} (it has {codes})",
                field="addressType",
            )
        if kind.code == QR_ADDRESS_TYPE:
            return self._resolve_qr(
                country,
                value,
                expected_name,
                self._clock.now() if now is None else now,
                amount,
                tip,
            )
        for name, given in (("amount", amount), ("tip", tip)):
            if given is not None:
                raise InputInvalid(
                    f"{name}_without_a_qr_code",
                    f"{name} is only taken with addressType QR (what the payer pays a code)",
                    field=name,
                )
        if not value or len(value) > PROXY_VALUE_CHARS_MAX:
            raise InputInvalid(
                "address_value_length_out_of_range",
                f"value must have 1 to {PROXY_VALUE_CHARS_MAX} characters",
                field="value",
            )
        normalised = kind.normalise(value)
        if not kind.accepts(value):
            raise InputInvalid(
                "address_value_malformed",
                f"{value!r} is not a valid {kind.label} (example: {kind.example})",
                field="value",
            )
        if kind.code == "ACCOUNT":
            holder = self._find_account(country, normalised)
        else:
            holder = self._directory.resolve(country.code, kind.code, normalised)
        if holder is None:
            raise Refused(
                "proxy_unknown",
                f"no {kind.label} {normalised} is registered in {country.code}",
                code=ReasonCode.BE23,
                field="value",
            )
        verification = None
        if expected_name is not None:
            verification = verify_holder(expected_name, holder)
        return Resolution(country.code, kind.code, normalised, holder, verification)

    def _find_account(self, country: Country, account: str) -> AccountHolder | None:
        for psp in country.psps:
            holder = self._directory.holder(country.code, psp.id, account)
            if holder is not None:
                return holder
        return None

    def _resolve_qr(
        self,
        country: Country,
        payload: str,
        expected_name: str | None,
        now: datetime,
        amount: str | None,
        tip: str | None,
    ) -> Resolution:
        if not payload or len(payload) > QR_PAYLOAD_CHARS_MAX:
            raise InputInvalid(
                "qr_length_out_of_range",
                f"a QR code must have 1 to {QR_PAYLOAD_CHARS_MAX} characters",
                field="value",
            )
        # Scanners add a trailing newline or spaces; the code itself never ends in blanks
        # (it ends with its CRC), so stripping cannot change what the CRC covers.
        text = payload.strip()
        qr = decode(text, strict=False, now=now)
        if not qr.valid:
            _refuse_invalid(qr)
        if qr.country != country.code:
            raise InputInvalid(
                "qr_country_mismatch",
                f"the code is for a merchant in {qr.country}, not in {country.code}: "
                f"resolve it in {qr.country}",
                field="country",
            )
        if qr.currency != country.currency:
            raise InputInvalid(
                "qr_currency_not_settled",
                f"the code asks for {qr.currency}; {country.code} settles in {country.currency}",
                field="value",
            )
        # What the payer pays is checked before the directory is asked: a refused tip or
        # amount says so whoever the merchant is.
        details = qr_details(qr, amount, tip)
        proxy = qr.payable_proxy() or self._template_proxy(qr)
        if proxy is None:
            raise InputInvalid(
                "qr_not_payable",
                "the code carries no merchant account the hub can pay (only "
                + ", ".join(f"{a.scheme.value} {a.guid}".rstrip() for a in qr.accounts)
                + ")",
                field="value",
            )
        proxy_type, proxy_value = proxy
        holder = self._directory.resolve(country.code, proxy_type.value, proxy_value)
        if holder is None:
            raise Refused(
                "proxy_unknown",
                f"no merchant with {proxy_type.value} {proxy_value} is registered in "
                f"{country.code}",
                code=ReasonCode.BE23,
                field="value",
            )
        verification = None
        if expected_name is not None:
            verification = verify_holder(expected_name, holder)
        return Resolution(
            country.code,
            QR_ADDRESS_TYPE,
            text,
            holder,
            verification,
            _with_scheme(details, qr, proxy),
        )

    def _template_proxy(self, qr: DecodedQr) -> tuple[QrAddressType, str] | None:
        """The merchant id of the first template the directory registers by GUID."""
        for account in qr.accounts:
            if account.scheme is not Scheme.UNKNOWN or not account.guid:
                continue
            subtag = self._directory_templates.get(account.guid.upper())
            if subtag is None:
                continue
            merchant_id = dict(account.subtags).get(subtag)
            if merchant_id:
                return _MERCHANT_ID, merchant_id
        return None


def _refuse_invalid(qr: DecodedQr) -> NoReturn:
    """Raise the refusal of a code the codec found invalid: expired, or unreadable."""
    codes = {e.code for e in qr.errors}
    if codes == {"code_expired"}:
        # Well-formed but stale: a business refusal, not bad input.
        raise Refused("qr_expired", qr.errors[0].message + "; ask for a new code", field="value")
    shown = "; ".join(f"{e.code}: {e.message}" for e in qr.errors[:QR_ERRORS_SHOWN_MAX])
    hidden = len(qr.errors) - QR_ERRORS_SHOWN_MAX
    if hidden > 0:
        shown += f" (and {hidden} more)"
    raise InputInvalid("qr_invalid", f"the QR code cannot be paid: {shown}", field="value")


def qr_details(qr: DecodedQr, amount: str | None, tip: str | None) -> QrDetails:
    """What a valid code says and what the payer pays it (module docstring), the scheme
    left ``unknown``; refuses a tip the code does not ask for, an amount the code fixes
    otherwise, and anything that is not money of the code's currency."""
    assert qr.valid and qr.initiation is not None and qr.currency is not None, qr.errors
    currency = CurrencyCode(qr.currency)
    merchant_amount = qr.amount
    if amount is not None:
        entered = _money(amount, currency, "amount")
        if merchant_amount is not None and entered != merchant_amount:
            raise InputInvalid(
                "qr_amount_fixed_by_code",
                f"the code asks for {merchant_amount}; leave amount out or give that amount",
                field="amount",
            )
        if entered.minor == 0:
            raise InputInvalid("amount_zero", "a code cannot be paid a zero amount", field="amount")
        merchant_amount = entered
    rule = qr.tip
    tip_prompted = rule is not None and rule.prompts_for_tip
    added: Money | None = None
    if tip is not None:
        if not tip_prompted:
            raise InputInvalid(
                "qr_tip_not_prompted",
                "the code does not ask for a tip (tag 55 is not 01): pay it without one",
                field="tip",
            )
        added = _money(tip, currency, "tip")
        added = added if added.minor else None
    fee: Money | None = None
    percentage: str | None = None
    if rule is not None and rule.fixed_fee is not None:
        fee = rule.fixed_fee
    elif rule is not None and rule.percentage is not None:
        percentage = rule.percentage
        hundredths = rule.percentage_hundredths()
        assert hundredths is not None and 0 < hundredths < _PERCENT_HUNDREDTHS, percentage
        if merchant_amount is not None:
            # Rounded down: never more than the printed percentage of the merchant amount.
            fee = Money(merchant_amount.minor * hundredths // _PERCENT_HUNDREDTHS, currency)
    total: Money | None = None
    if merchant_amount is not None:
        minor = sum(m.minor for m in (merchant_amount, fee, added) if m is not None)
        if minor > AMOUNT_MINOR_MAX:
            raise InputInvalid(
                "amount_too_large", "the amount with fee and tip is beyond what Lintas holds"
            )
        total = Money(minor, currency)
    return QrDetails(
        scheme=Scheme.UNKNOWN,
        initiation=qr.initiation,
        amount=total,
        currency=currency,
        merchant_name=qr.merchant.name,
        merchant_city=qr.merchant.city,
        mcc=qr.merchant.mcc,
        expires_at=qr.expires_at,
        merchant_amount=merchant_amount,
        convenience_fee=fee,
        convenience_fee_percentage=percentage,
        tip=added,
        tip_prompted=tip_prompted,
    )


def _money(text: str, currency: CurrencyCode, field: str) -> Money:
    try:
        return parse_amount(text, currency)
    except MoneyError as exc:
        raise InputInvalid(exc.reason, f"{field}: {exc.message}", field=field) from None


def _with_scheme(details: QrDetails, qr: DecodedQr, proxy: tuple[QrAddressType, str]) -> QrDetails:
    """``details`` with the scheme of the template whose proxy is paid (else ``unknown``)."""
    scheme = next((a.scheme for a in qr.accounts if a.proxy == proxy), Scheme.UNKNOWN)
    return replace(details, scheme=scheme)


def verify_holder(expected_name: str, holder: AccountHolder) -> Verification:
    """The best verification against any registered form of the holder's name.

    A directory may register the name in its own script and in Latin; a sender who typed
    the Latin form exactly deserves MTCH, not the close match a transliteration gives.
    """
    answers = [verify_payee(expected_name, holder.name, masked=holder.display_name)]
    if holder.name_latin and holder.name_latin != holder.name:
        answers.append(verify_payee(expected_name, holder.name_latin, masked=holder.display_name))
    return max(answers, key=lambda v: v.score)
