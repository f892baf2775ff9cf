"""Addressing: turn a proxy (mobile, national id, UPI id ...) or an account into a payee."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lintas.domain.errors import InputInvalid, NotFound, ReasonCode, Refused
from lintas.domain.reference import Country
from lintas.matching.verification import Verification, verify_payee
from lintas.ports.directory import AccountHolder, ProxyDirectory, ReferenceData

#: Characters a proxy value may have at most before normalisation.
PROXY_VALUE_CHARS_MAX: Final = 128


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


class AddressingService:
    """Resolves proxies through each country's directory."""

    def __init__(self, *, reference: ReferenceData, directory: ProxyDirectory) -> None:
        self._reference = reference
        self._directory = directory

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
    ) -> Resolution:
        """Resolve ``value`` of ``address_type`` in ``country_code``; refuse with BE23 when
        nobody holds it, FF01 when it is not even well-formed. With ``expected_name``, the
        answer carries the payee verification (MTCH, CMTC with the masked name, NMTC, NOAP)."""
        country = self.country(country_code)
        kind = country.address_type(address_type)
        if kind is None:
            codes = ", ".join(a.code for a in country.address_types)
            raise InputInvalid(
                "address_type_unknown",
                f"{country.code} has no address type {address_type!r} (it has {codes})",
                field="addressType",
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
            verification = verify_payee(expected_name, holder.name, masked=holder.display_name)
        return Resolution(country.code, kind.code, normalised, holder, verification)

    def _find_account(self, country: Country, account: str) -> AccountHolder | None:
        for psp in country.psps:
            holder = self._directory.holder(country.code, psp.id, account)
            if holder is not None:
                return holder
        return None
