"""Addressing: turn a proxy (mobile, national id, UPI id ...), an account or a merchant QR
code into a payee.

A QR code (address type ``QR``) is decoded in lenient mode (the deviations real generators
produce are tolerated), checked against the country asked and the hub's clock, and the proxy
it carries (``DecodedQr.payable_proxy()``) is resolved through the same directory as any
other proxy. The resolution then carries what the code says: the amount of a dynamic code,
the merchant's name, city and MCC, and the scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, NoReturn

from lintas.codecs.emvqr import DecodedQr, Initiation, Scheme, decode
from lintas.codecs.emvqr.tlv import PAYLOAD_CHARS_MAX
from lintas.domain.errors import InputInvalid, NotFound, ReasonCode, Refused
from lintas.domain.money import Money
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


@dataclass(frozen=True, slots=True)
class QrDetails:
    """What a resolved QR code says besides the payee."""

    scheme: Scheme
    initiation: Initiation
    #: The amount the code asks for (dynamic codes, or a static one carrying an amount).
    amount: Money | None
    currency: str
    merchant_name: str | None
    merchant_city: str | None
    mcc: str | None
    expires_at: datetime | None


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
    ) -> None:
        self._reference = reference
        self._directory = directory
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
    ) -> Resolution:
        """Resolve ``value`` of ``address_type`` in ``country_code``; refuse with BE23 when
        nobody holds it, FF01 when it is not even well-formed. With ``expected_name``, the
        answer carries the payee verification (MTCH, CMTC with the masked name, NMTC, NOAP).

        For a ``QR`` code, ``now`` (default: the service's clock) decides whether it expired.
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
                country, value, expected_name, self._clock.now() if now is None else now
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
        self, country: Country, payload: str, expected_name: str | None, now: datetime
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
        proxy = qr.payable_proxy()
        if proxy is None:
            raise InputInvalid(
                "qr_not_payable",
                "the code carries no merchant account the hub can pay (only "
                + ", ".join(a.scheme.value for a in qr.accounts)
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
            _details(qr, proxy_type.value, proxy_value),
        )


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


def _details(qr: DecodedQr, proxy_type: str, proxy_value: str) -> QrDetails:
    assert qr.initiation is not None and qr.currency is not None, "a valid code has both"
    scheme = next(
        (
            a.scheme
            for a in qr.accounts
            if a.proxy is not None and (a.proxy[0].value, a.proxy[1]) == (proxy_type, proxy_value)
        ),
        Scheme.UNKNOWN,
    )
    return QrDetails(
        scheme=scheme,
        initiation=qr.initiation,
        amount=qr.amount,
        currency=qr.currency,
        merchant_name=qr.merchant.name,
        merchant_city=qr.merchant.city,
        mcc=qr.merchant.mcc,
        expires_at=qr.expires_at,
    )


def verify_holder(expected_name: str, holder: AccountHolder) -> Verification:
    """The best verification against any registered form of the holder's name.

    A directory may register the name in its own script and in Latin; a sender who typed
    the Latin form exactly deserves MTCH, not the close match a transliteration gives.
    """
    answers = [verify_payee(expected_name, holder.name, masked=holder.display_name)]
    if holder.name_latin and holder.name_latin != holder.name:
        answers.append(verify_payee(expected_name, holder.name_latin, masked=holder.display_name))
    return max(answers, key=lambda v: v.score)
