"""Reference data, proxy directories and participants, as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from lintas.domain.fx import FeeSchedule
from lintas.domain.reference import Country, Fxp


@dataclass(frozen=True, slots=True)
class AccountHolder:
    """Who holds an account at a PSP: what a directory knows about a payee."""

    country: str
    agent: str
    account: str
    name: str
    display_name: str
    kind: str = "person"
    #: The registered name in Latin script, where the directory keeps one beside ``name``.
    name_latin: str = ""


class ProxyDirectory(Protocol):
    """A country's proxy directory and account register (PayNow, PromptPay, UPI ...)."""

    def resolve(self, country: str, address_type: str, value: str) -> AccountHolder | None:
        """The account behind a (normalised) proxy, or None when nobody registered it."""
        ...

    def holder(self, country: str, agent: str, account: str) -> AccountHolder | None:
        """Who holds ``account`` at ``agent``, or None when the account does not exist."""
        ...


class ReferenceData(Protocol):
    """Countries, their IPSs, PSPs and FXPs, and the fees on each corridor."""

    def countries(self) -> tuple[Country, ...]:
        """Every country the hub connects, in a stable order."""
        ...

    def country(self, code: str) -> Country | None:
        """One country, or None."""
        ...

    def country_of_currency(self, currency: str) -> Country | None:
        """The country whose IPS settles in ``currency``."""
        ...

    def country_of_agent(self, agent: str) -> Country | None:
        """The country where PSP or SAP ``agent`` is a participant."""
        ...

    def fxps(self) -> tuple[Fxp, ...]:
        """The FX providers."""
        ...

    def fees(self, source_country: str, destination_country: str) -> FeeSchedule:
        """The fee schedule of one corridor."""
        ...


class Role(StrEnum):
    """What kind of participant a key belongs to."""

    PSP = "psp"
    FXP = "fxp"
    OPERATOR = "operator"
    #: A national anti-scam centre (Malaysia's NSRC, Thailand's AOC, Indonesia's IASC,
    #: Singapore's ASC): reports, updates and withdraws scam signals as its own organisation
    #: and reads the exchange as a member; it never pays, resolves payees or reviews cases.
    SCAM_CENTRE = "scam_centre"


@dataclass(frozen=True, slots=True)
class Participant:
    """Who is calling: the owner of an API key."""

    id: str
    role: Role
    country: str | None = None


class Participants(Protocol):
    """API keys and the participants they belong to."""

    def by_key(self, api_key: str) -> Participant | None:
        """The participant owning ``api_key``, or None."""
        ...

    def sandbox_keys(self) -> list[tuple[Participant, str]]:
        """Every participant with its key (sandbox only: real keys are never readable)."""
        ...
