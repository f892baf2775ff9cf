"""The simulated region behind the ports: reference data, proxy directories and API keys.

Everything here is built from ``lintas.sandbox.region.build_region`` (deterministic), so it
needs no storage of its own: the same seed gives the same countries, customers and keys.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_FLOOR, Decimal
from typing import Final

from lintas.domain.fx import FeeSchedule
from lintas.domain.money import CurrencyCode, Money, exponent
from lintas.domain.reference import Country, Fxp
from lintas.matching.verification import mask_name
from lintas.ports.directory import AccountHolder, Participant, Role
from lintas.sandbox.merchants import Merchant, merchants_for
from lintas.sandbox.region import Customer, Region

#: The fees of every sandbox corridor, in US cents converted at mid to each currency, and bps.
SOURCE_PSP_FEE_USD_CENTS: Final = 25
SCHEME_FEE_BPS: Final = 5
DESTINATION_PSP_FEE_USD_CENTS: Final = 10

OPERATOR_ID: Final = "OPERATOR"
#: One national anti-scam centre per sandbox country. The ids name the real centres where the
#: country has one (Singapore's Anti-Scam Centre, Malaysia's National Scam Response Centre,
#: Thailand's Anti Online Scam Operation Center, the Indonesia Anti-Scam Centre, the
#: Philippines' Cybercrime Investigation and Coordinating Center, India's I4C) and are
#: generic elsewhere; like everything in the sandbox, the keys are fictional.
SCAM_CENTRE_IDS: Final[dict[str, str]] = {
    "SG": "ASC-SG",
    "MY": "NSRC-MY",
    "TH": "AOC-TH",
    "ID": "IASC-ID",
    "PH": "CICC-PH",
    "VN": "ASC-VN",
    "KH": "ASC-KH",
    "LA": "ASC-LA",
    "BN": "ASC-BN",
    "MM": "ASC-MM",
    "IN": "I4C-IN",
}


class SandboxReference:
    """``ReferenceData`` for the simulated region."""

    def __init__(self, region: Region) -> None:
        self._region = region
        self._countries = {c.code: c for c in region.countries}
        self._by_currency = {c.currency: c for c in region.countries}
        self._by_agent: dict[str, Country] = {}
        for c in region.countries:
            self._by_agent[c.sap.id] = c
            for psp in c.psps:
                self._by_agent[psp.id] = c
        self._usd = {m.currency: m.usd_per_unit for m in region.mid_rates}
        self._fees: dict[tuple[str, str], FeeSchedule] = {}

    def countries(self) -> tuple[Country, ...]:
        return self._region.countries

    def country(self, code: str) -> Country | None:
        return self._countries.get(code)

    def country_of_currency(self, currency: str) -> Country | None:
        return self._by_currency.get(currency)

    def country_of_agent(self, agent: str) -> Country | None:
        return self._by_agent.get(agent)

    def fxps(self) -> tuple[Fxp, ...]:
        return self._region.fxps

    def fees(self, source_country: str, destination_country: str) -> FeeSchedule:
        key = (source_country, destination_country)
        fees = self._fees.get(key)
        if fees is None:
            src = self._countries[source_country].currency
            dst = self._countries[destination_country].currency
            fees = FeeSchedule(
                source_psp_fixed=self.usd_cents_in(SOURCE_PSP_FEE_USD_CENTS, src),
                source_psp_bps=0,
                scheme_fixed=Money(0, CurrencyCode(src)),
                scheme_bps=SCHEME_FEE_BPS,
                destination_psp_fixed=self.usd_cents_in(DESTINATION_PSP_FEE_USD_CENTS, dst),
                destination_psp_bps=0,
            )
            self._fees[key] = fees
        return fees

    def usd_cents_in(self, cents: int, currency: str) -> Money:
        """``cents`` US cents in ``currency`` at mid, rounded down to its minor unit."""
        value = Decimal(cents) / 100 / self._usd[currency]
        minor = int((value.scaleb(exponent(currency))).to_integral_value(rounding=ROUND_FLOOR))
        return Money(minor, CurrencyCode(currency))

    def mid_rate(self, source: str, target: str) -> Decimal:
        """Units of ``target`` per unit of ``source`` at mid."""
        return self._usd[source] / self._usd[target]


class SandboxDirectory:
    """``ProxyDirectory`` over the region's customers and its merchants.

    A merchant is found by the proxy its QR code carries (``DecodedQr.payable_proxy()``:
    UEN, BUSINESS_ID, MERCHANT_ID, ``BIN:account`` ...) and by its account at its PSP.
    """

    def __init__(self, region: Region) -> None:
        self._by_proxy: dict[tuple[str, str, str], Customer] = {}
        self._by_account: dict[tuple[str, str, str], Customer] = {}
        #: Holders by customer id, built on first use (bounded by the region's customers).
        self._holders: dict[str, AccountHolder] = {}
        for customer in region.customers:
            self._by_account[(customer.country, customer.psp_id, customer.account)] = customer
            for address_type, value in customer.proxies:
                self._by_proxy[(customer.country, address_type, value)] = customer
        self._merchants_by_proxy: dict[tuple[str, str, str], Merchant] = {}
        self._merchants_by_account: dict[tuple[str, str, str], Merchant] = {}
        for merchant in merchants_for(region):
            account_key = (merchant.country, merchant.psp, merchant.account)
            # Two holders of one account would share one ledger account: a broken sandbox.
            assert account_key not in self._by_account, account_key
            assert account_key not in self._merchants_by_account, account_key
            self._merchants_by_account[account_key] = merchant
            proxy_key = (merchant.country, merchant.address_type.value, merchant.proxy)
            assert proxy_key not in self._merchants_by_proxy, proxy_key
            self._merchants_by_proxy[proxy_key] = merchant

    def _holder(self, c: Customer) -> AccountHolder:
        # Built once per customer and kept: masking a name is string work that a payment's
        # two lookups used to redo every time (measured, about 5 % of the event loop).
        holder = self._holders.get(c.id)
        if holder is None:
            holder = self._holders[c.id] = self._new_holder(c)
        return holder

    @staticmethod
    def _new_holder(c: Customer) -> AccountHolder:
        return AccountHolder(
            country=c.country,
            agent=c.psp_id,
            account=c.account,
            name=c.name,
            display_name=mask_name(c.name_latin),
            kind=c.kind,
            name_latin=c.name_latin,
        )

    @staticmethod
    def _merchant_holder(m: Merchant) -> AccountHolder:
        # The trading name is printed on the code at the counter: nothing to mask.
        return AccountHolder(
            country=m.country,
            agent=m.psp,
            account=m.account,
            name=m.name,
            display_name=m.name,
            kind="business",
        )

    def resolve(self, country: str, address_type: str, value: str) -> AccountHolder | None:
        customer = self._by_proxy.get((country, address_type, value))
        if customer is not None:
            return self._holder(customer)
        merchant = self._merchants_by_proxy.get((country, address_type, value))
        return None if merchant is None else self._merchant_holder(merchant)

    def holder(self, country: str, agent: str, account: str) -> AccountHolder | None:
        customer = self._by_account.get((country, agent, account))
        if customer is not None:
            return self._holder(customer)
        merchant = self._merchants_by_account.get((country, agent, account))
        return None if merchant is None else self._merchant_holder(merchant)


def scam_centre_id(country: str) -> str:
    """The id of the sandbox anti-scam centre of ``country`` (generic for a country the table
    does not name, so every country of any region has one)."""
    return SCAM_CENTRE_IDS.get(country, f"ASC-{country}")


class SandboxParticipants:
    """API keys for every sandbox participant, derived from the seed (so they are stable)."""

    def __init__(self, region: Region, seed: int) -> None:
        self._by_key: dict[str, Participant] = {}
        self._keys: list[tuple[Participant, str]] = []
        participants = [Participant(OPERATOR_ID, Role.OPERATOR)]
        for country in region.countries:
            participants.extend(Participant(p.id, Role.PSP, country.code) for p in country.psps)
        participants.extend(Participant(f.id, Role.FXP) for f in region.fxps)
        participants.extend(
            Participant(scam_centre_id(country.code), Role.SCAM_CENTRE, country.code)
            for country in region.countries
        )
        for p in participants:
            digest = hashlib.blake2b(f"{seed}:{p.id}".encode(), digest_size=12).hexdigest()
            key = f"sbx_{p.role.value}_{p.id.lower()}_{digest}"
            self._by_key[key] = p
            self._keys.append((p, key))

    def by_key(self, api_key: str) -> Participant | None:
        return self._by_key.get(api_key)

    def sandbox_keys(self) -> list[tuple[Participant, str]]:
        return list(self._keys)
