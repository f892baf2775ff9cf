"""A cross-border payment and the rules for how its status may change.

States and the ISO 20022 status each one reports (pacs.002 TxSts)::

    RECEIVED --reserve legs ok--> RESERVED --post both--> SETTLED (ACCC)
       |                            |   \\
       |                            |    hold for review --> HELD (ACWP) --release--> RESERVED
       |                            |                           \\--reject/timeout--> REJECTED
       +--refused------------------>+--void both (refusal, timeout, crash)--> REJECTED (RJCT)
       +--screening block------------------------------------------------> BLOCKED (BLCK)

SETTLED, REJECTED and BLOCKED are final. Every transition is listed in ``TRANSITIONS`` and
tested; anything else is a broken invariant.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from lintas.domain.errors import ReasonCode
from lintas.domain.money import Money


class PaymentStatus(StrEnum):
    """Where a payment is in its life."""

    RECEIVED = "RECEIVED"
    RESERVED = "RESERVED"
    HELD = "HELD"
    SETTLED = "SETTLED"
    REJECTED = "REJECTED"
    BLOCKED = "BLOCKED"


#: The ISO 20022 transaction status each state reports.
ISO_STATUS: Final[dict[PaymentStatus, str]] = {
    PaymentStatus.RECEIVED: "ACTC",
    PaymentStatus.RESERVED: "ACSP",
    PaymentStatus.HELD: "ACWP",
    PaymentStatus.SETTLED: "ACCC",
    PaymentStatus.REJECTED: "RJCT",
    PaymentStatus.BLOCKED: "BLCK",
}

FINAL_STATUSES: Final = frozenset(
    {PaymentStatus.SETTLED, PaymentStatus.REJECTED, PaymentStatus.BLOCKED}
)

#: Every allowed (from, to) pair. A rejection or block must carry a reason; nothing else may.
TRANSITIONS: Final[frozenset[tuple[PaymentStatus, PaymentStatus]]] = frozenset(
    {
        (PaymentStatus.RECEIVED, PaymentStatus.RESERVED),
        (PaymentStatus.RECEIVED, PaymentStatus.REJECTED),
        (PaymentStatus.RECEIVED, PaymentStatus.BLOCKED),
        (PaymentStatus.RESERVED, PaymentStatus.SETTLED),
        (PaymentStatus.RESERVED, PaymentStatus.REJECTED),
        (PaymentStatus.RESERVED, PaymentStatus.HELD),
        (PaymentStatus.RESERVED, PaymentStatus.BLOCKED),
        (PaymentStatus.HELD, PaymentStatus.RESERVED),
        (PaymentStatus.HELD, PaymentStatus.REJECTED),
    }
)

_NEEDS_REASON: Final = frozenset({PaymentStatus.REJECTED, PaymentStatus.BLOCKED})


class TransitionRefused(Exception):
    """A status change that the rules do not allow (a programming error where it happens)."""


@dataclass(frozen=True, slots=True)
class Party:
    """A debtor or creditor: who, which account, at which agent (PSP)."""

    name: str
    account: str
    agent: str


@dataclass(frozen=True, slots=True)
class Payment:
    """One cross-border payment as the hub records it."""

    uetr: str
    status: PaymentStatus
    reason: ReasonCode | None
    quote_id: str
    fxp_id: str
    source_country: str
    destination_country: str
    debtor: Party
    creditor: Party
    amount_debited: Money
    principal: Money
    source_psp_fee: Money
    scheme_fee: Money
    interbank_target: Money
    destination_psp_fee: Money
    amount_credited: Money
    exchange_rate: str
    request_digest: str
    created_at: datetime
    updated_at: datetime
    reason_detail: str = ""
    #: Why the risk assessment held or blocked this payment (empty when it passed).
    risk_reasons: tuple[str, ...] = ()
    #: The UETR of the settled payment this one returns (pacs.004), if it is a return.
    return_of: str | None = None

    @property
    def iso_status(self) -> str:
        """The pacs.002 transaction status of this payment."""
        return ISO_STATUS[self.status]

    @property
    def is_final(self) -> bool:
        """True when nothing more will happen to this payment."""
        return self.status in FINAL_STATUSES


def can_transition(current: PaymentStatus, new: PaymentStatus) -> bool:
    """True when the rules allow ``current`` -> ``new``."""
    return (current, new) in TRANSITIONS


def transition(
    payment: Payment,
    new: PaymentStatus,
    at: datetime,
    reason: ReasonCode | None = None,
    reason_detail: str = "",
) -> Payment:
    """Return ``payment`` moved to ``new``, or raise ``TransitionRefused``."""
    if not can_transition(payment.status, new):
        raise TransitionRefused(f"{payment.uetr}: {payment.status} -> {new} is not allowed")
    if (new in _NEEDS_REASON) != (reason is not None):
        raise TransitionRefused(f"{payment.uetr}: {new} requires a reason exactly when it rejects")
    return replace(payment, status=new, reason=reason, reason_detail=reason_detail, updated_at=at)


def request_digest(*parts: str) -> str:
    """A stable digest of what the submitter asked for, to tell a retry from a conflict."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode())
        h.update(b"\x1f")
    return h.hexdigest()
