"""Returns and recalls: money going back after a payment settled.

**Return.** The destination PSP (the original's creditor agent) sends money back, either as a
pacs.004 (``return_payment``) or as a new pacs.008 whose remittance information carries
``NexusOrgnlUETR:<uuid>`` (``submit_return_payment``). Either way the money goes back as a new
payment through both legs, reversed (the original creditor pays the original debtor), on a
fresh quote requested by the returning PSP, and linked to the original (``return_of``):

- the amount is fixed on the sending side, in the original's destination currency: the pacs.004
  ``RtrdIntrBkSttlmAmt`` (or, for a pacs.008 return, the quote's ``amount_debited``) is what
  leaves the creditor's account, at most what the original credited it (else ``AM09``). The
  return pays its own fees and FX like any payment: the debtor gets back the return's
  ``amount_credited``, so original + return leave the debtor poorer by both payments' fees and
  the FX spread, and by nothing else;
- only a SETTLED original, only by its creditor agent (``AG01``), never a return of a return;
- one return per original: a second is refused (``DUPL``, naming the first), unless the first
  was itself refused (rejected or blocked: nothing went back), which frees the original again.
  A resent message (the same pacs.004 ``RtrId``, or the same return pacs.008 UETR) is answered
  with the return as it stands.

**Recall.** The source PSP (the original's debtor agent) asks with a camt.056 (AM09, CUST, DUPL,
FRAD, TECH). A payment that is unknown (or not the caller's), unsettled, or a return itself is
refused ``NOOR`` at once, one already returned ``ARDT``. Who answers the others is the
``RecallPolicy`` (``HubConfig.recall_answering_psps``):

- a destination PSP listed there answers itself: the case is recorded **pending** (camt.029
  ``PDCR``), one pending case per payment, until that PSP sends its own camt.029
  (``answer_recall``), exactly once: accepted, the return is executed through both legs on a
  fresh quote of that PSP (pacs.004 reason ``FOCR``); refused, with its reason. The source PSP
  reads the outcome with ``recall_case`` (``GET camt.029?caseId=``), the destination PSP
  finds the case with ``pending_recall_of`` (``GET camt.056?uetr=``);
- every other destination PSP (by default all of them: the sandbox's PSPs are simulated) is
  answered for at once by a deterministic policy (``simulated_recall_answer``):

  - ``CUST`` (the debtor changed their mind) is refused ``CUST``: it needs the creditor's
    consent, which a simulated creditor does not give. If the creditor later agrees, its PSP
    sends a pacs.004 (reason ``CUST``), which is always possible while the original is not
    returned;
  - ``AM09``, ``DUPL``, ``FRAD`` and ``TECH`` are accepted when the creditor's account still
    holds the whole amount credited, and then returned in full at once (pacs.004 reason
    ``FOCR``); refused ``AM04`` when the funds are gone (all or nothing: no partial returns).

Either way, an accepted recall whose return payment the ledger refuses (the money is gone) is
closed rejected ``AM04`` (``NOAS`` for any other refusal of the return).

Every case is recorded with its answer before the answer is sent, so a resent camt.056 (same
creator and case id) gets the same answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Final, Generic, TypeVar

from lintas.domain import settlement
from lintas.domain.errors import (
    Conflict,
    Forbidden,
    InputInvalid,
    LintasError,
    NotFound,
    ReasonCode,
    Refused,
)
from lintas.domain.money import Money
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.clock import Clock
from lintas.ports.directory import Participant, ReferenceData, Role
from lintas.ports.recalls import (
    SIMULATED_ANSWERER,
    RecallCase,
    Recalls,
    RecallStatus,
    ReturnLink,
)
from lintas.ports.store import Reader
from lintas.services.payments import PartyInput, PaymentRequest, PaymentsService
from lintas.services.quoting import QuoteRequest, QuotingService

#: Recall reasons the simulated destination PSPs accept when the funds are still there.
RECALL_REASONS_ACCEPTED: Final = frozenset({"AM09", "DUPL", "FRAD", "TECH"})
#: Every recall reason (camt.056 ExternalCancellationReason1Code values Lintas takes).
RECALL_REASONS: Final = RECALL_REASONS_ACCEPTED | {"CUST"}
#: The pacs.004 reason of a return made because a recall was accepted.
FOLLOWING_A_RECALL: Final = "FOCR"
#: Returns being executed at once, at most (each holds its original until it is answered).
RETURNS_IN_FLIGHT_MAX: Final = 10_000

K = TypeVar("K", bound=Hashable)

#: A return that ended in one of these states returned nothing; the original is free again.
_NOTHING_RETURNED: Final = frozenset({PaymentStatus.REJECTED, PaymentStatus.BLOCKED})


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    """The original payment, its return payment (in whatever state), and the link."""

    original: Payment
    payment: Payment
    link: ReturnLink


@dataclass(frozen=True, slots=True)
class RecallOutcome:
    """How a recall was answered, and the return it led to (if any)."""

    case: RecallCase
    original: Payment | None = None
    returned: Payment | None = None
    link: ReturnLink | None = None


@dataclass(frozen=True, slots=True)
class RecallAnswer:
    """The simulated destination PSP's answer: accepted, or the camt.029 reason and why."""

    accepted: bool
    rejection_reason: str | None
    detail: str


def simulated_recall_answer(
    reason: str, credited: Money, available_minor: int | None
) -> RecallAnswer:
    """The sandbox destination PSP's deterministic answer to a recall (see the module doc).

    ``available_minor`` is what the creditor's account may still spend (None: no such account).
    """
    assert reason in RECALL_REASONS, reason
    if reason == "CUST":
        return RecallAnswer(
            False,
            "CUST",
            "the creditor did not consent to return a customer-requested recall; its PSP may "
            "still return the payment with a pacs.004",
        )
    if available_minor is None:
        return RecallAnswer(False, "AC04", "the creditor account no longer exists")
    if available_minor < credited.minor:
        return RecallAnswer(
            False,
            "AM04",
            f"the creditor account no longer holds the {credited} credited",
        )
    return RecallAnswer(True, None, f"accepted ({reason}); the {credited} credited is returned")


@dataclass(frozen=True, slots=True)
class RecallPolicy:
    """Who answers a recall of a payment: the destination PSPs listed here answer their own
    (a camt.029 of theirs, ``ReturnsService.answer_recall``); for every other PSP the sandbox
    answers at once on its behalf (``simulated_recall_answer``), as its simulated PSPs do."""

    psps_answering: frozenset[str] = frozenset()

    def answers_itself(self, psp_id: str) -> bool:
        """Whether ``psp_id`` answers recalls of payments it received itself."""
        return psp_id in self.psps_answering


class ReturnsService:
    """Executes returns (pacs.004, return pacs.008) and answers recalls (camt.056)."""

    def __init__(
        self,
        *,
        payments: PaymentsService,
        quoting: QuotingService,
        reference: ReferenceData,
        reader: Reader,
        recalls: Recalls,
        clock: Clock,
        policy: RecallPolicy | None = None,
    ) -> None:
        self._payments = payments
        self._quoting = quoting
        self._reference = reference
        self._reader = reader
        self._recalls = recalls
        self._clock = clock
        self._policy = policy or RecallPolicy()
        #: Originals whose return is being executed now (one at a time per original).
        self._returning: _OneAtATime[str] = _OneAtATime()
        #: Recall cases (creator, case id) being answered now (one answer at a time per case).
        self._answering_now: _OneAtATime[tuple[str, str]] = _OneAtATime()

    # -- returns -----------------------------------------------------------------------------

    async def return_payment(
        self,
        original_uetr: str,
        amount: Money,
        caller: Participant,
        *,
        return_id: str,
        reason: str,
        original_amount: Money | None = None,
    ) -> ReturnOutcome:
        """Send ``amount`` (destination currency, taken from the creditor's account) of the
        settled payment ``original_uetr`` back to its debtor, on a fresh quote of ``caller``
        (the original's creditor agent). ``original_amount``, when the message states it, must
        be the original's interbank settlement amount."""
        original = self._returnable(original_uetr, caller)
        if original_amount is not None and original_amount != original.interbank_target:
            raise Refused(
                "original_amount_is_not_the_payment_s",
                f"OrgnlIntrBkSttlmAmt {original_amount} is not the {original.interbank_target} "
                f"settled by {original.uetr}",
                code=ReasonCode.AM09,
            )
        credited = original.amount_credited
        if amount.currency != credited.currency:
            raise Refused(
                "return_is_in_the_currency_credited",
                f"a return of {original.uetr} is in {credited.currency}, not {amount.currency}",
                code=ReasonCode.AM09,
            )
        if amount.minor <= 0:
            raise InputInvalid("return_amount_must_be_positive", f"{amount} is nothing to return")
        if amount.minor > credited.minor:
            raise Refused(
                "return_exceeds_amount_credited",
                f"{amount} is more than the {credited} credited by {original.uetr}",
                code=ReasonCode.AM09,
            )
        with self._exclusive(original.uetr):
            existing, replaces = self._existing_return(original, return_id, caller)
            if existing is not None:
                return existing
            quote = await self._return_quote(original, amount, caller)
            link = ReturnLink(
                original_uetr=original.uetr,
                return_uetr=str(uuid.uuid4()),
                return_id=return_id,
                returned_by=caller.id,
                reason=reason,
                created_at=self._clock.now(),
            )
            self._claim(link, replaces)
            request = PaymentRequest(
                uetr=link.return_uetr,
                quote_id=quote,
                debtor=PartyInput(
                    original.creditor.name, original.creditor.account, original.creditor.agent
                ),
                creditor=PartyInput(
                    original.debtor.name, original.debtor.account, original.debtor.agent
                ),
                return_of=original.uetr,
            )
            payment = await self._payments.submit(request, caller)
            return ReturnOutcome(original, payment, link)

    async def submit_return_payment(self, request: PaymentRequest, caller: Participant) -> Payment:
        """A pacs.008 that returns ``request.return_of``: the same checks as a pacs.004 (the
        quote is the caller's own), then the payment engine."""
        assert request.return_of is not None, request
        original = self._returnable(request.return_of, caller)
        quote = self._quoting.find(request.quote_id)
        if quote is None or quote.requested_by_psp != caller.id:
            return await self._payments.submit(request, caller)  # The engine says why not.
        source = self._reference.country_of_currency(quote.source_currency)
        target = self._reference.country_of_currency(quote.target_currency)
        if (source and source.code, target and target.code) != (
            original.destination_country,
            original.source_country,
        ):
            raise InputInvalid(
                "return_goes_back_over_the_original_corridor",
                f"a return of {original.uetr} goes {original.destination_country} -> "
                f"{original.source_country}; quote {quote.quote_id} does not",
                field="quoteId",
            )
        parties = (
            (request.debtor, original.creditor, "debtor"),
            (request.creditor, original.debtor, "creditor"),
        )
        for given, wanted, side in parties:
            if (given.account.strip(), given.agent.strip().upper()) != (
                wanted.account,
                wanted.agent,
            ):
                raise InputInvalid(
                    "return_pays_back_the_original_debtor",
                    f"the {side} of a return of {original.uetr} is {wanted.account} at "
                    f"{wanted.agent}",
                    field=f"{side}.account",
                )
        debited = quote.disclosure.amount_debited
        if debited.minor > original.amount_credited.minor:
            raise Refused(
                "return_exceeds_amount_credited",
                f"{debited} is more than the {original.amount_credited} credited by "
                f"{original.uetr}",
                code=ReasonCode.AM09,
            )
        with self._exclusive(original.uetr):
            # A resend (the same UETR) passes; any other second return is refused here.
            existing, replaces = self._existing_return(original, request.uetr, caller)
            if existing is None:
                link = ReturnLink(
                    original_uetr=original.uetr,
                    return_uetr=request.uetr,
                    return_id=request.uetr,
                    returned_by=caller.id,
                    reason="NARR",
                    created_at=self._clock.now(),
                )
                self._claim(link, replaces)
            # A resent return pacs.008 (same UETR) gets the engine's idempotent answer.
            return await self._payments.submit(request, caller)

    def return_of(self, original_uetr: str) -> Payment | None:
        """The return payment recorded for ``original_uetr`` (in whatever state), if any."""
        link = self._recalls.return_of(original_uetr)
        return None if link is None else self._reader.payment(link.return_uetr)

    def executed_return(self, original_uetr: str, caller: Participant) -> ReturnOutcome:
        """The settled return of ``original_uetr``, for either agent of it (or the operator)."""
        original = self._reader.payment(_uetr(original_uetr))
        if original is None or not _is_party(original, caller):
            raise NotFound("payment_unknown", f"no payment {original_uetr} visible to {caller.id}")
        link = self._recalls.return_of(original.uetr)
        returned = None if link is None else self._reader.payment(link.return_uetr)
        if link is None or returned is None or returned.status is not PaymentStatus.SETTLED:
            raise NotFound("return_unknown", f"payment {original.uetr} has not been returned")
        return ReturnOutcome(original, returned, link)

    def _returnable(self, original_uetr: str, caller: Participant) -> Payment:
        original = self._reader.payment(_uetr(original_uetr))
        if original is None or not _is_party(original, caller):
            # As for status: a PSP learns nothing of payments it is not part of.
            raise NotFound("payment_unknown", f"no payment {original_uetr} visible to {caller.id}")
        if caller.id != original.creditor.agent:
            raise Forbidden(
                "only_the_creditor_agent_returns",
                f"only {original.creditor.agent}, the creditor agent of {original.uetr}, may "
                "return it; the debtor agent asks with a recall (camt.056)",
                code=ReasonCode.AG01,
            )
        if original.return_of is not None:
            raise Refused(
                "a_return_is_not_returned",
                f"{original.uetr} is itself the return of {original.return_of}; send a new "
                "payment instead",
                code=ReasonCode.NARR,
            )
        if original.status is not PaymentStatus.SETTLED:
            raise Refused(
                "only_a_settled_payment_is_returned",
                f"{original.uetr} is {original.status.value}, not settled: nothing reached the "
                "creditor",
                code=ReasonCode.NARR,
            )
        return original

    def _existing_return(
        self, original: Payment, return_id: str, caller: Participant
    ) -> tuple[ReturnOutcome | None, str | None]:
        """The return already made (when this message is a resend of it), and the failed
        return a new one replaces; refuses a second return."""
        link = self._recalls.return_of(original.uetr)
        if link is None:
            return None, None
        returned = self._reader.payment(link.return_uetr)
        if returned is None or returned.status in _NOTHING_RETURNED:
            if link.return_id == return_id and returned is not None:
                return ReturnOutcome(original, returned, link), None  # A resend: same answer.
            return None, link.return_uetr
        if link.return_id == return_id and link.returned_by == caller.id:
            return ReturnOutcome(original, returned, link), None
        raise Conflict(
            "payment_already_returned",
            f"{original.uetr} was already returned by payment {link.return_uetr} "
            f"({returned.status.value}); one return per payment",
            code=ReasonCode.DUPL,
        )

    def _claim(self, link: ReturnLink, replaces: str | None) -> None:
        if not self._recalls.claim_return(link, replaces):
            raise Conflict(
                "payment_already_returned",
                f"{link.original_uetr} is being returned by another message",
                code=ReasonCode.DUPL,
            )

    async def _return_quote(self, original: Payment, amount: Money, caller: Participant) -> str:
        """A fresh quote of ``caller`` for sending ``amount`` back over the reversed corridor."""
        back = self._reference.country(original.destination_country)
        home = self._reference.country(original.source_country)
        assert back is not None and home is not None, original
        request = QuoteRequest(
            source_country=back.code,
            source_currency=back.currency,
            destination_country=home.code,
            destination_currency=home.currency,
            amount_currency=amount.currency,
            amount=amount.format(),
        )
        quotes = await self._quoting.quote(request, caller)
        # Best first: the most credited back to the debtor for the amount sent.
        return quotes[0].quote_id

    def _exclusive(self, original_uetr: str) -> AbstractContextManager[None]:
        return self._returning.hold(
            original_uetr,
            lambda: Conflict(
                "return_in_progress",
                f"a return of {original_uetr} is being executed; ask its status in a moment",
                code=ReasonCode.DUPL,
            ),
        )

    # -- recalls -----------------------------------------------------------------------------

    async def recall(
        self,
        *,
        original_uetr: str,
        reason: str,
        case_id: str,
        cancellation_id: str,
        stated_amount: Money,
        caller: Participant,
    ) -> RecallOutcome:
        """Take the camt.056 of ``caller`` (the original's debtor agent).

        A payment that cannot be recalled is answered at once (NOOR, ARDT). Otherwise, when
        the destination PSP answers recalls itself (``RecallPolicy``), the case is recorded
        pending until it does (``answer_recall``); for every other PSP the simulated policy
        answers at once, executing the return when it accepts.
        """
        if reason not in RECALL_REASONS:
            raise InputInvalid("recall_reason_unknown", f"{reason!r} is not a recall reason")
        if caller.role is not Role.PSP:
            raise Forbidden("only_psps_recall", "only a debtor agent (a PSP) recalls a payment")
        recorded = self._recalls.case(caller.id, case_id)
        if recorded is not None:
            if recorded.original_uetr != original_uetr:
                raise Conflict(
                    "case_id_reused",
                    f"case {case_id} of {caller.id} is about {recorded.original_uetr}",
                    code=ReasonCode.DUPL,
                )
            return self._outcome_of(recorded)
        original = self._reader.payment(original_uetr)
        refusal = self._unrecallable(original, stated_amount, caller)
        if refusal is None and original is not None:
            if self._policy.answers_itself(original.creditor.agent):
                return self._await_answer(original, reason, case_id, cancellation_id, caller)
            answer, link, returned = await self._simulated_answer(original, reason, case_id)
        else:
            assert refusal is not None
            answer, link, returned = refusal, None, None
        now = self._clock.now()
        case = RecallCase(
            creator=caller.id,
            case_id=case_id,
            cancellation_id=cancellation_id,
            original_uetr=original_uetr,
            reason=reason,
            status=RecallStatus.ACCEPTED if answer.accepted else RecallStatus.REJECTED,
            rejection_reason=answer.rejection_reason,
            detail=answer.detail,
            return_uetr=None if returned is None else returned.uetr,
            created_at=now,
            answered_by=SIMULATED_ANSWERER,
            answered_at=now,
        )
        saved = self._recalls.save_case(case)
        if saved != case:
            return self._outcome_of(saved)  # Another identical camt.056 was answered first.
        return RecallOutcome(case, original, returned, link)

    def _await_answer(
        self,
        original: Payment,
        reason: str,
        case_id: str,
        cancellation_id: str,
        caller: Participant,
    ) -> RecallOutcome:
        """Record the case pending with the destination PSP: one pending case per payment."""
        pending = self._recalls.pending_case_of(original.uetr)
        if pending is None:
            case = RecallCase(
                creator=caller.id,
                case_id=case_id,
                cancellation_id=cancellation_id,
                original_uetr=original.uetr,
                reason=reason,
                status=RecallStatus.PENDING,
                rejection_reason=None,
                detail=f"awaiting the answer of {original.creditor.agent}, the creditor agent",
                return_uetr=None,
                created_at=self._clock.now(),
            )
            pending = self._recalls.save_case(case)
            if pending == case:
                return RecallOutcome(case, original)
            if (pending.creator, pending.case_id) == (caller.id, case_id):
                return self._outcome_of(pending)  # An identical camt.056 was recorded first.
        raise Conflict(
            "recall_already_pending",
            f"case {pending.case_id} of {pending.creator} recalls {original.uetr} and awaits "
            f"the answer of {original.creditor.agent}; one pending recall per payment",
            code=ReasonCode.DUPL,
        )

    async def answer_recall(
        self,
        *,
        creator: str,
        case_id: str,
        original_uetr: str,
        accepted: bool,
        rejection_reason: str | None,
        detail: str | None,
        caller: Participant,
    ) -> RecallOutcome:
        """The destination PSP's own answer (camt.029) to the pending case ``case_id`` of
        ``creator``: accepted, the return is executed through both legs on a fresh quote of
        ``caller`` (pacs.004 reason FOCR); refused, with ``rejection_reason``.

        Refused with a typed error, changing nothing: an unknown case (``NotFound``), a case
        about a payment ``caller`` did not receive (``Forbidden``), a resolution naming another
        payment (``InputInvalid``), a case already answered (``Conflict``), and a return the
        engine cannot start (its own error). A return the ledger refuses (the creditor no
        longer holds the money) closes the case rejected (AM04 or NOAS), as it would have
        been answered by the simulated policy.
        """
        assert accepted == (rejection_reason is None), (accepted, rejection_reason)
        if caller.role is not Role.PSP:
            raise Forbidden(
                "only_psps_answer_recalls", "only the creditor agent (a PSP) answers a recall"
            )
        case = self._recalls.case(creator, case_id)
        if case is None:
            raise NotFound("recall_case_unknown", f"no recall case {case_id!r} of {creator}")
        original = self._reader.payment(case.original_uetr)
        if original is None or original.creditor.agent != caller.id:
            raise Forbidden(
                "only_the_creditor_agent_answers_a_recall",
                f"case {case_id} of {creator} is not about a payment {caller.id} received",
                code=ReasonCode.AG01,
            )
        if original_uetr != case.original_uetr:
            raise InputInvalid(
                "resolution_names_another_payment",
                f"case {case_id} of {creator} recalls {case.original_uetr}, not {original_uetr}",
                field="OrgnlUETR",
            )
        with self._answering(case):
            current = self._recalls.case(creator, case_id)
            assert current is not None, case
            if not current.pending:
                raise Conflict(
                    "recall_already_answered",
                    f"case {case_id} of {creator} was answered ({current.status.value}) by "
                    f"{current.answered_by}; a recall is answered once",
                    code=ReasonCode.DUPL,
                )
            link: ReturnLink | None = None
            returned: Payment | None = None
            if accepted:
                outcome = await self.return_payment(
                    original.uetr,
                    original.amount_credited,
                    caller,
                    return_id=case_id,
                    reason=FOLLOWING_A_RECALL,
                )
                link, returned = outcome.link, outcome.payment
                answer = _accepted_by(caller.id, original, returned)
            else:
                assert rejection_reason is not None
                answer = RecallAnswer(False, rejection_reason, detail or f"refused by {caller.id}")
            answered = replace(
                current,
                status=RecallStatus.ACCEPTED if answer.accepted else RecallStatus.REJECTED,
                rejection_reason=answer.rejection_reason,
                detail=answer.detail,
                return_uetr=None if returned is None else returned.uetr,
                answered_by=caller.id,
                answered_at=self._clock.now(),
            )
            # The lock above keeps this process to one answer per case; the store's
            # compare-and-set keeps it so across processes.
            if not self._recalls.answer_case(answered):
                raise Conflict(
                    "recall_already_answered",
                    f"case {case_id} of {creator} was answered meanwhile",
                    code=ReasonCode.DUPL,
                )
            return RecallOutcome(answered, original, returned, link)

    def recall_case(self, creator: str, case_id: str, caller: Participant) -> RecallOutcome:
        """A recall case as it stands, for its creator, the creditor agent of its payment, or
        the operator; anyone else learns nothing of it (``NotFound``)."""
        case = self._recalls.case(creator, case_id)
        outcome = None if case is None else self._outcome_of(case)
        if outcome is None or not (
            caller.role is Role.OPERATOR
            or caller.id == creator
            or (outcome.original is not None and caller.id == outcome.original.creditor.agent)
        ):
            raise NotFound(
                "recall_case_unknown", f"no recall case {case_id!r} of {creator} for {caller.id}"
            )
        return outcome

    def pending_recall_of(self, original_uetr: str, caller: Participant) -> RecallOutcome:
        """The recall awaiting ``caller``'s answer about ``original_uetr`` (a payment it
        received), so that the destination PSP learns the case it is to answer."""
        original = self._reader.payment(_uetr(original_uetr))
        if original is None or caller.id != original.creditor.agent:
            raise NotFound("payment_unknown", f"no payment {original_uetr} received by {caller.id}")
        case = self._recalls.pending_case_of(original.uetr)
        if case is None:
            raise NotFound("recall_unknown", f"no recall of {original.uetr} awaits an answer")
        return RecallOutcome(case, original)

    def _answering(self, case: RecallCase) -> AbstractContextManager[None]:
        return self._answering_now.hold(
            (case.creator, case.case_id),
            lambda: Conflict(
                "recall_answer_in_progress",
                f"case {case.case_id} of {case.creator} is being answered",
                code=ReasonCode.DUPL,
            ),
        )

    def _unrecallable(
        self, original: Payment | None, stated_amount: Money, caller: Participant
    ) -> RecallAnswer | None:
        """Why the hub answers a recall at once without asking anyone, if it does."""
        if original is None or original.debtor.agent != caller.id:
            return _refusal("NOOR", "no payment with this UETR is known for the caller")
        if original.return_of is not None:
            return _refusal("NOOR", "a return payment is not recalled")
        if original.status is not PaymentStatus.SETTLED:
            return _refusal(
                "NOOR",
                f"the payment is {original.status.value}, not settled: nothing reached the "
                "creditor to recall",
            )
        if stated_amount != original.interbank_target:
            return _refusal(
                "NOOR",
                f"OrgnlIntrBkSttlmAmt {stated_amount} is not the payment's "
                f"{original.interbank_target}",
            )
        earlier = self.return_of(original.uetr)
        if earlier is not None and earlier.status not in _NOTHING_RETURNED:
            return _refusal("ARDT", f"already returned by payment {earlier.uetr}")
        return None

    async def _simulated_answer(
        self, original: Payment, reason: str, case_id: str
    ) -> tuple[RecallAnswer, ReturnLink | None, Payment | None]:
        """The sandbox destination PSP's answer, and the return it executes when it accepts."""
        creditor = original.creditor
        balance = self._reader.account_balance(
            settlement.customer_account_id(
                original.destination_country, creditor.agent, creditor.account
            )
        )
        answer = simulated_recall_answer(
            reason, original.amount_credited, None if balance is None else balance.available
        )
        if not answer.accepted:
            return answer, None, None
        returning = Participant(creditor.agent, Role.PSP, original.destination_country)
        try:
            outcome = await self.return_payment(
                original.uetr,
                original.amount_credited,
                returning,
                return_id=case_id,
                reason=FOLLOWING_A_RECALL,
            )
        except Conflict as error:
            return _refusal("ARDT", error.message), None, None
        except LintasError as error:
            return _refusal("NOAS", f"the return could not be made: {error.message}"), None, None
        returned = outcome.payment
        if returned.status is PaymentStatus.SETTLED:
            return answer, outcome.link, returned
        return _accepted_by("the simulated PSP", original, returned), outcome.link, returned

    def _outcome_of(self, case: RecallCase) -> RecallOutcome:
        original = self._reader.payment(case.original_uetr)
        returned = None if case.return_uetr is None else self._reader.payment(case.return_uetr)
        link = self._recalls.return_of(case.original_uetr) if returned is not None else None
        return RecallOutcome(case, original, returned, link)


def _accepted_by(who: str, original: Payment, returned: Payment) -> RecallAnswer:
    """An accepted recall once its return ran: accepted if the return settled, else refused
    with why the return payment was (AM04 when the creditor no longer holds the money)."""
    if returned.status is PaymentStatus.SETTLED:
        return RecallAnswer(
            True,
            None,
            f"accepted by {who}; the {original.amount_credited} credited is returned by "
            f"payment {returned.uetr}",
        )
    code = "AM04" if returned.reason is ReasonCode.AM04 else "NOAS"
    why = returned.reason_detail or str(returned.reason)
    return _refusal(code, f"the return payment {returned.uetr} was refused: {why}")


def _refusal(code: str, detail: str) -> RecallAnswer:
    return RecallAnswer(False, code, detail)


def _is_party(payment: Payment, caller: Participant) -> bool:
    return caller.role is Role.OPERATOR or caller.id in (
        payment.debtor.agent,
        payment.creditor.agent,
    )


def _uetr(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InputInvalid("uetr_malformed", f"{value!r} is not a UUID", field="uetr") from None
    return str(parsed)


class _OneAtATime(Generic[K]):
    """Keys being worked on now: a second claim of a held key, or any claim beyond
    ``RETURNS_IN_FLIGHT_MAX`` held keys, is refused with the caller's ``Conflict``."""

    def __init__(self) -> None:
        self._held: set[K] = set()

    @contextmanager
    def hold(self, key: K, refusal: Callable[[], Conflict]) -> Iterator[None]:
        if key in self._held or len(self._held) >= RETURNS_IN_FLIGHT_MAX:
            raise refusal()
        self._held.add(key)
        try:
            yield
        finally:
            self._held.discard(key)
