"""The risk decision a payment gets before any money is reserved.

The payments service asks a ``RiskAssessor`` once per payment, before reserving: *pass*
executes as usual; *hold* reserves both legs (funds held) and waits for an operator's review
(pacs.002 ACWP); *block* refuses without reserving (BLCK). Every decision carries its reasons,
which are recorded on the payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from lintas.domain.errors import ReasonCode
from lintas.domain.payment import Payment
from lintas.ports.directory import AccountHolder


class RiskOutcome(StrEnum):
    """What happens to the payment."""

    PASS = "pass"
    HOLD = "hold"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """An outcome and why (each reason a short sentence-like code plus detail)."""

    outcome: RiskOutcome
    reasons: tuple[str, ...] = ()
    #: The ISO 20022 reason reported when the payment is blocked (e.g. RR04, FRAD via NARR).
    code: ReasonCode | None = None


PASS = RiskDecision(RiskOutcome.PASS)


@dataclass(frozen=True, slots=True)
class RiskContext:
    """What the assessor may look at besides the payment itself."""

    #: Who the destination directory says holds the creditor account (full registered name).
    creditor_holder: AccountHolder | None
    #: Who the source directory says holds the debtor account.
    debtor_holder: AccountHolder | None
    #: The proxy the sender addressed the creditor by, as (address type, value as the debtor
    #: agent wrote it; the assessor normalises it), when the debtor agent said so: scam
    #: signals on that proxy count too.
    creditor_proxy: tuple[str, str] | None = None
    #: The merchant QR payload paid, when the payment is a QR payment.
    merchant_qr: str | None = None


class RiskAssessor(Protocol):
    """Decides pass / hold / block for one payment. Must be fast: it runs on every payment."""

    def assess(self, payment: Payment, context: RiskContext) -> RiskDecision:
        """The decision for ``payment`` (never raises for a business reason)."""
        ...


class PassAll:
    """The assessor used when no risk rules are configured."""

    def assess(self, payment: Payment, context: RiskContext) -> RiskDecision:
        return PASS
