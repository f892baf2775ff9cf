"""Returns and recall cases: which payment returned which, and how each recall was answered.

A payment's own record says what it returns (``Payment.return_of``); this port keeps the other
direction (original -> its return), which "one return per original" needs, and the recall
cases (camt.056) with their resolution (camt.029), so that a resent camt.056 gets the same
answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ReturnLink:
    """The return payment made for an original payment.

    ``return_id`` is what the returning PSP named it by (the pacs.004 ``RtrId``, the return
    pacs.008's UETR, or the recall case id), so that a resent message is recognised.
    """

    original_uetr: str
    return_uetr: str
    return_id: str
    returned_by: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RecallCase:
    """A recall (camt.056) and how it was resolved (camt.029)."""

    creator: str
    case_id: str
    cancellation_id: str
    original_uetr: str
    reason: str
    accepted: bool
    #: The camt.029 rejection reason (ExternalPaymentCancellationRejection1Code), if refused.
    rejection_reason: str | None
    detail: str
    #: The return payment made when the recall was accepted.
    return_uetr: str | None
    created_at: datetime


class Recalls(Protocol):
    """Where return links and recall cases are kept (durably, before anyone is answered)."""

    def return_of(self, original_uetr: str) -> ReturnLink | None:
        """The return recorded for ``original_uetr`` (it may have failed: read its payment)."""
        ...

    def claim_return(self, link: ReturnLink, replaces: str | None) -> bool:
        """Record ``link``. With ``replaces`` None, only when the original has no link yet;
        otherwise only in place of the link whose return UETR is ``replaces`` (a failed
        return). False when another link won."""
        ...

    def case(self, creator: str, case_id: str) -> RecallCase | None:
        """A recall case by its creator and case id."""
        ...

    def save_case(self, case: RecallCase) -> RecallCase:
        """Record ``case`` unless its (creator, case id) is already recorded; the recorded one."""
        ...
