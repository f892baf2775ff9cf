"""Returns and recall cases: which payment returned which, and how each recall was answered.

A payment's own record says what it returns (``Payment.return_of``); this port keeps the other
direction (original -> its return), which "one return per original" needs, and the recall
cases (camt.056) with their resolution (camt.029), so that a resent camt.056 gets the same
answer. A case is answered at once (by the sandbox's policy, or because the payment cannot be
recalled), or it is pending until the destination PSP answers it, exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class RecallStatus(StrEnum):
    """Where a recall case stands (stored as is)."""

    #: With the destination PSP, which has not answered yet.
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


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
    """A recall (camt.056) and how it was resolved (camt.029), or that it is pending."""

    creator: str
    case_id: str
    cancellation_id: str
    original_uetr: str
    reason: str
    status: RecallStatus
    #: The camt.029 rejection reason (ExternalPaymentCancellationRejection1Code), if refused.
    rejection_reason: str | None
    detail: str
    #: The return payment made when the recall was accepted.
    return_uetr: str | None
    created_at: datetime
    #: Who answered: the destination PSP's id, or ``SIMULATED_ANSWERER`` (the sandbox's
    #: policy, or the hub when the payment cannot be recalled); None while pending.
    answered_by: str | None = None
    answered_at: datetime | None = None

    def __post_init__(self) -> None:
        assert (self.status is RecallStatus.REJECTED) == (self.rejection_reason is not None), self
        assert (self.status is RecallStatus.PENDING) == (self.answered_at is None), self
        assert self.return_uetr is None or self.status is not RecallStatus.PENDING, self

    @property
    def accepted(self) -> bool:
        return self.status is RecallStatus.ACCEPTED

    @property
    def pending(self) -> bool:
        return self.status is RecallStatus.PENDING


#: ``RecallCase.answered_by`` of a case the hub answered itself (not a PSP id: ids are BICs).
SIMULATED_ANSWERER = "hub"


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

    def pending_case_of(self, original_uetr: str) -> RecallCase | None:
        """The pending case about ``original_uetr``, if any (there is at most one)."""
        ...

    def answer_case(self, answered: RecallCase) -> bool:
        """Record the answer to a pending case (same creator and case id), only if it is still
        pending: an answer is given once. False when it was not pending (or not there)."""
        ...
