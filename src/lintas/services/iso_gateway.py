"""The ISO 20022 gateway: XML messages in, the same services as the JSON API, XML out.

One method per endpoint; each takes the raw bytes (or query values) and the caller and returns
an ``IsoAnswer`` (XML bytes and the HTTP status to send them with):

- ``verify``          acmt.023 -> acmt.024 through ``AddressingService.resolve``. An unknown
                      proxy (or a malformed one, or an unknown country) is answered NOAP.
- ``credit_transfer`` pacs.008 -> pacs.002 through ``PaymentsService.submit``: the same engine
                      and the same idempotency as ``POST /v1/payments``, so a UETR sent once as
                      JSON and once as XML (same content) is one payment.
- ``status_request``  pacs.028 -> pacs.002 with the payment's current status.
- ``statement``       camt.053 of an FXP's account at a SAP, or of a PSP's fee account.
- ``payment_return``  pacs.004 -> pacs.002 of the return payment, through ``ReturnsService``
                      (a pacs.008 whose ``RmtInf/Ustrd`` carries ``NexusOrgnlUETR:<uuid>`` is
                      a return too, through ``credit_transfer``).
- ``recall_request``  camt.056 -> camt.029, answered at once by the simulated destination PSP;
                      when it accepts, the return is executed before the answer, and its
                      pacs.004 is served by ``return_message`` (``GET pacs.004?uetr=``, the
                      original's UETR), which the answer's ``Link`` header names.

The pacs.002 answering a pacs.004 points (``OrgnlUETR``) at the return payment the hub made,
so the returning PSP learns its UETR; a refusal made before any return payment existed points
at the original. A pacs.002 cannot name a return in ``AddtlInf`` when its status is ACCC (the
codec allows ``AddtlInf`` only with a refusal reason), so the pacs.002 of a returned payment
comes with the HTTP headers ``Lintas-Returned-By`` (the return's UETR) and ``Link`` (its
pacs.004), and that of a return with ``Lintas-Return-Of`` (the original's UETR).

How refusals are answered (never a 5xx for anything the sender wrote):

- a message the codec refuses (size, DTD/entities, depth, namespace, schema, usage rule) is
  answered with a pacs.002 RJCT (the codec's reason, FF01 for format) and the precise error,
  HTTP 400, when a UETR can still be read from the bytes (a plain pattern search, never a
  second parse); when not even a UETR can be read, no pacs.002 can point at a payment, so
  the answer is a problem+json (``MalformedRequest``, 400, code FF01). acmt.023 refusals are
  always problem+json: an acmt.024 cannot say "your message was broken".
- a pacs.008 whose amounts, currencies or rate differ from its quote is refused before the
  engine sees it: RJCT ``AM09`` (wrong amount: not the amount agreed in the quote) or
  ``AM03`` (a currency that is not the quote's), HTTP 422;
- an edge refusal by the engine (``Forbidden``, ``NotFound``, ``Conflict``, ``Refused``,
  ``InputInvalid``) is a pacs.002 RJCT with its reason code and the refusal's own HTTP status;
- a payment the engine executed is answered 200 with its status (ACCC, or RJCT and the
  reason the ledger gave).

Reason codes the pacs.002 codec does not carry (``StatusReason`` lacks AM09, AB04, RC01,
QTEX, AB05, AB08) are sent as ``NARR`` with the code first in ``AddtlInf`` ("AM09: ...").
The payment state RESERVED (ISO ``ACSP``) is reported ``ACTC``: the codec has no ACSP.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Final

from lintas.codecs import iso20022 as iso
from lintas.codecs.iso20022.camt053 import STATEMENT_ENTRIES_MAX
from lintas.codecs.iso20022.models import (
    ACMT_024,
    CAMT_029,
    CAMT_053,
    PACS_002,
    PACS_004,
    PACS_008,
    PACS_028,
)
from lintas.codecs.iso20022.pacs008 import ORIGINAL_UETR_PREFIX
from lintas.domain import settlement
from lintas.domain.errors import (
    REASON_TEXT,
    Conflict,
    Forbidden,
    InputInvalid,
    LintasError,
    MalformedRequest,
    NotFound,
    ReasonCode,
    Refused,
    Unavailable,
)
from lintas.domain.fx import Quote
from lintas.domain.ledger import Transfer, TransferFlags
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Payment, PaymentStatus
from lintas.matching.verification import VerificationResult
from lintas.ports.clock import Clock
from lintas.ports.directory import AccountHolder, Participant, ReferenceData, Role
from lintas.ports.store import Reader
from lintas.services.addressing import AddressingService, verify_holder
from lintas.services.payments import PartyInput, PaymentRequest, PaymentsService
from lintas.services.quoting import QuotingService
from lintas.services.returns import ReturnOutcome, ReturnsService

#: The hub's own BIC-like identifier, the sender of every message it produces.
HUB_BIC: Final = "LNTSHUBXXXX"
#: Characters in one ``AddtlInf`` line (Max105Text) and lines per status, at most.
INFO_LINE_CHARS_MAX: Final = 105
INFO_LINES_MAX: Final = 4
#: Payments scanned to build one statement at most (the store's own list bound).
STATEMENT_PAYMENTS_SCAN_MAX: Final = 1000
#: ISO 20022 BaseOneRate: 11 digits in all, 10 after the decimal point, at most.
RATE_TOTAL_DIGITS_MAX: Final = 11
RATE_FRACTION_DIGITS_MAX: Final = 10
#: Name similarity (0..1) from which a verification is a close match (CMTC).

#: ISO 20022 proxy scheme codes (ExternalProxyAccountType1Code-like) and the sandbox type
#: each names; a sandbox code (``MOBILE``, ``UEN``, ``UPI`` ...) is accepted as it is.
ADDRESS_TYPE_OF_SCHEME: Final[dict[str, str]] = {
    "MBNO": "MOBILE",
    "TELE": "MOBILE",
    "NIDN": "NATIONAL_ID",
    "ACCT": "ACCOUNT",
    "EMAL": "EMAIL",
    "BIID": "BUSINESS_ID",
}

_STATUS_OF_STATE: Final[dict[PaymentStatus, iso.TransactionStatus]] = {
    PaymentStatus.RECEIVED: iso.TransactionStatus.ACCEPTED_TECHNICALLY,
    # ISO ACSP; the codec has no such value, and the payment is accepted, not yet settled.
    PaymentStatus.RESERVED: iso.TransactionStatus.ACCEPTED_TECHNICALLY,
    PaymentStatus.HELD: iso.TransactionStatus.ACCEPTED_WITH_CHANGE_OR_HELD,
    PaymentStatus.SETTLED: iso.TransactionStatus.SETTLED,
    PaymentStatus.REJECTED: iso.TransactionStatus.REJECTED,
    PaymentStatus.BLOCKED: iso.TransactionStatus.BLOCKED,
}
_CARRIED: Final = frozenset(reason.value for reason in iso.StatusReason)

# A pattern search over the raw bytes, used only after the codec refused a message, to
# point the pacs.002 at the payment. It never parses, so no refused construct is expanded.
_UETR_IN_BYTES: Final = re.compile(
    rb"<(?:[A-Za-z_][\w.-]{0,30}:)?(?:Orgnl)?UETR>\s*"
    rb"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\s*<"
)
_MSG_ID_IN_BYTES: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?MsgId>([^<]{1,35})</")
_E2E_ID_IN_BYTES: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?EndToEndId>([^<]{1,35})</")
_UNKNOWN_ID: Final = "NOTPROVIDED"
_ORIGINAL_UETR_IN_TEXT: Final = re.compile(re.escape(ORIGINAL_UETR_PREFIX) + r"\s*(\S{0,64})")
#: Where the pacs.004 of a payment's executed return is served.
RETURN_MESSAGE_PATH: Final = "/v1/iso20022/pacs.004"


@dataclass(frozen=True, slots=True)
class IsoAnswer:
    """An XML message to answer with, and the HTTP status to send it with."""

    body: bytes
    http_status: int = 200
    #: Extra HTTP headers (lower-case names): what the message cannot carry itself.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class _Refusal:
    """Why a pacs.008 or pacs.028 is refused, as a pacs.002 will say it."""

    code: str
    text: str
    http_status: int


class IsoGateway:
    """Maps ISO 20022 messages to service calls and the results back to messages."""

    def __init__(
        self,
        *,
        payments: PaymentsService,
        quoting: QuotingService,
        addressing: AddressingService,
        reference: ReferenceData,
        reader: Reader,
        clock: Clock,
        xsd_dir: Path | None = None,
        schema: bool | None = None,
        returns: ReturnsService | None = None,
    ) -> None:
        self._payments = payments
        self._returns = returns
        self._quoting = quoting
        self._addressing = addressing
        self._reference = reference
        self._reader = reader
        self._clock = clock
        self._xsd_dir = xsd_dir
        # Validate input against the official XSDs wherever they are installed; without
        # them the readers still refuse every missing element and usage-rule breach.
        folder = xsd_dir if xsd_dir is not None else iso.default_xsd_dir()
        self._schema = schema if schema is not None else folder.is_dir()

    # -- acmt.023 -> acmt.024 ----------------------------------------------------------------

    def verify(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """Resolve the proxy or account of an acmt.023; answer the acmt.024."""
        try:
            request = self._decode(xml, iso.VerificationRequest)
        except iso.Iso20022Error as error:
            raise MalformedRequest(
                "iso20022_message_refused", error.message, code=ReasonCode.FF01
            ) from None
        assert isinstance(request.message, iso.VerificationRequest)
        message = request.message
        now = self._clock.now()
        assignment = iso.Assignment(
            message_id=_message_id(),
            created_at=now,
            assigner_bic=HUB_BIC,
            assignee_bic=message.assignment.assigner_bic,
        )
        report = iso.VerificationReport(
            assignment=assignment,
            original_message_id=message.assignment.message_id,
            original_verification_id=message.verification_id,
            result=iso.VerificationResult.NOT_APPLICABLE,
        )
        country = self._country_of_request(message)
        scheme = message.address.scheme or ""
        address_type = ADDRESS_TYPE_OF_SCHEME.get(scheme.upper(), scheme.upper())
        if country is not None:
            try:
                found = self._addressing.resolve(
                    country, address_type, message.address.identification
                )
            except (InputInvalid, NotFound, Refused):
                found = None  # Unknown, malformed or unconnected: NOAP, never an error.
            if found is not None:
                holder = found.holder
                report = iso.VerificationReport(
                    assignment=assignment,
                    original_message_id=message.assignment.message_id,
                    original_verification_id=message.verification_id,
                    result=name_match(message.party_name, holder),
                    account=iso.Account(holder.account),
                    agent_bic=holder.agent,
                    full_name=holder.name,
                    display_name=holder.display_name,
                )
        header = self._header(ACMT_024, message.assignment.assigner_bic, request.header, caller)
        return IsoAnswer(iso.encode(iso.Envelope(report, header)))

    def _country_of_request(self, message: iso.VerificationRequest) -> str | None:
        """The country whose directory answers: the named agent's, else the assignee's."""
        if message.agent_bic is not None:
            country = self._reference.country_of_agent(participant_of(message.agent_bic))
            return None if country is None else country.code
        code = message.assignment.assignee_bic[4:6]
        return code if self._reference.country(code) is not None else None

    # -- pacs.008 -> pacs.002 ----------------------------------------------------------------

    async def credit_transfer(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """Execute a pacs.008 with the payment engine; answer the pacs.002."""
        try:
            envelope = self._decode(xml, iso.CreditTransfer)
        except iso.Iso20022Error as error:
            return self._refuse_unreadable(xml, error, PACS_008, caller)
        message = envelope.message
        assert isinstance(message, iso.CreditTransfer)
        original = iso.OriginalReference(
            message.message_id, PACS_008, message.end_to_end_id, message.uetr
        )
        reply_to = envelope.header.from_bic if envelope.header else message.instructing_agent_bic
        refusal = self._check_credit_transfer(message, caller)
        return_of: str | None = None
        if refusal is None:
            return_of, refusal = original_uetr_in(message.remittance_lines)
        if refusal is None and return_of is not None and self._returns is None:
            refusal = _Refusal(ReasonCode.NARR.value, "this hub does not take returns", 422)
        if refusal is not None:
            return self._refused(original, refusal, reply_to, caller)
        request = PaymentRequest(
            uetr=message.uetr,
            quote_id=message.quote_id or "",
            debtor=PartyInput(
                message.debtor_name,
                message.debtor_account.identification,
                participant_of(message.debtor_agent_bic),
            ),
            creditor=PartyInput(
                message.creditor_name,
                message.creditor_account.identification,
                participant_of(message.creditor_agent_bic),
            ),
            return_of=return_of,
        )
        try:
            if return_of is not None and self._returns is not None:
                payment = await self._returns.submit_return_payment(request, caller)
            else:
                payment = await self._payments.submit(request, caller)
        except Unavailable:
            raise  # The hub is at capacity: a problem+json 503 tells the sender to retry.
        except LintasError as error:
            return self._refused(original, refusal_of(error), reply_to, caller)
        return IsoAnswer(
            self._status_report(original, payment, reply_to, caller), headers=self._links(payment)
        )

    def _check_credit_transfer(
        self, message: iso.CreditTransfer, caller: Participant
    ) -> _Refusal | None:
        """The usage rules only the hub can check: who sends, and the quote's terms."""
        for name, bic in (
            ("InstgAgt", message.instructing_agent_bic),
            ("DbtrAgt", message.debtor_agent_bic),
        ):
            if participant_of(bic) != caller.id:
                return _Refusal(
                    ReasonCode.AG01.value,
                    f"{name} {bic} is not the caller {caller.id}: a PSP sends only its own "
                    "payments",
                    403,
                )
        if message.quote_id is None:
            return _Refusal(
                ReasonCode.FF01.value, "AgrdRate/QtId (the quote id) is required by Lintas", 422
            )
        quote = self._quoting.find(message.quote_id)
        if quote is None or quote.requested_by_psp != caller.id:
            return None  # The engine refuses it, saying no more about others' quotes.
        return quote_mismatch(message, quote)

    # -- pacs.028 -> pacs.002 ----------------------------------------------------------------

    def status_request(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """The current status of the payment a pacs.028 asks about."""
        try:
            envelope = self._decode(xml, iso.StatusRequest)
        except iso.Iso20022Error as error:
            return self._refuse_unreadable(xml, error, PACS_028, caller)
        message = envelope.message
        assert isinstance(message, iso.StatusRequest)
        reply_to = envelope.header.from_bic if envelope.header else message.instructing_agent_bic
        try:
            payment = self._payments.status(message.original.uetr, caller)
        except LintasError:
            # Absent and "not yours" get the same answer, as on the JSON API.
            refusal = _Refusal(
                ReasonCode.NARR.value,
                f"no payment with UETR {message.original.uetr} is known to the hub for {caller.id}",
                404,
            )
            return self._refused(message.original, refusal, reply_to, caller)
        original = iso.OriginalReference(
            message.original.message_id,
            message.original.message_name,
            message.original.end_to_end_id,
            payment.uetr,
        )
        return IsoAnswer(
            self._status_report(original, payment, reply_to, caller), headers=self._links(payment)
        )

    def _links(self, payment: Payment) -> tuple[tuple[str, str], ...]:
        """The headers naming a payment's return, or the payment a return returns."""
        if payment.return_of is not None:
            return (("lintas-return-of", payment.return_of),)
        if self._returns is None or payment.status is not PaymentStatus.SETTLED:
            return ()
        returned = self._returns.return_of(payment.uetr)
        if returned is None:
            return ()
        headers = [("lintas-returned-by", returned.uetr)]
        if returned.status is PaymentStatus.SETTLED:
            headers.append(("link", _return_link(payment.uetr)))
        return tuple(headers)

    # -- pacs.004 -> pacs.002, and the pacs.004 of an executed return ------------------------

    async def payment_return(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """Execute the return a pacs.004 asks for; answer the pacs.002 of the return payment."""
        try:
            envelope = self._decode(xml, iso.PaymentReturn)
        except iso.Iso20022Error as error:
            return self._refuse_unreadable(xml, error, PACS_004, caller)
        message = envelope.message
        assert isinstance(message, iso.PaymentReturn)
        reply_to = envelope.header.from_bic if envelope.header else message.instructing_agent_bic
        about = iso.OriginalReference(message.message_id, PACS_004, None, message.original.uetr)
        refusal: _Refusal | None = None
        if message.instructing_agent_bic is not None and (
            participant_of(message.instructing_agent_bic) != caller.id
        ):
            refusal = _Refusal(
                ReasonCode.AG01.value,
                f"InstgAgt {message.instructing_agent_bic} is not the caller {caller.id}: a PSP "
                "returns only payments it received",
                403,
            )
        elif self._returns is None:
            refusal = _Refusal(ReasonCode.NARR.value, "this hub does not take returns", 422)
        if refusal is not None:
            return self._refused(about, refusal, reply_to, caller)
        assert self._returns is not None
        try:
            outcome = await self._returns.return_payment(
                message.original.uetr,
                message.returned_amount,
                caller,
                return_id=message.return_id,
                reason=message.reason.value,
                original_amount=message.original_settlement_amount,
            )
        except Unavailable:
            raise
        except LintasError as error:
            return self._refused(about, refusal_of(error), reply_to, caller)
        returned = outcome.payment
        report_about = iso.OriginalReference(message.message_id, PACS_004, None, returned.uetr)
        return IsoAnswer(
            self._status_report(report_about, returned, reply_to, caller),
            headers=self._links(returned),
        )

    def return_message(self, original_uetr: str, caller: Participant) -> IsoAnswer:
        """The pacs.004 of the executed return of ``original_uetr`` (either agent may read)."""
        if self._returns is None:
            raise NotFound("return_unknown", "this hub does not take returns")
        outcome = self._returns.executed_return(original_uetr, caller)
        message = self.return_of(outcome)
        header = self._header(PACS_004, None, None, caller)
        return IsoAnswer(iso.encode(iso.Envelope(message, header)))

    def return_of(self, outcome: ReturnOutcome) -> iso.PaymentReturn:
        """The pacs.004 the hub sends the original's debtor agent for an executed return."""
        original, returned, link = outcome.original, outcome.payment, outcome.link
        country = self._reference.country(original.destination_country)
        assert country is not None, original
        try:
            reason = iso.ReturnReason(link.reason)
        except ValueError:
            reason = iso.ReturnReason.NARRATIVE
        return_id = link.return_id if len(link.return_id) <= 35 else returned.uetr.replace("-", "")
        credited = returned.amount_credited
        return iso.PaymentReturn(
            message_id=_message_id(),
            created_at=self._clock.now(),
            clearing_system=country.ips.id,
            return_id=return_id,
            original=iso.OriginalReference(_UNKNOWN_ID, PACS_008, None, original.uetr),
            original_settlement_amount=original.interbank_target,
            returned_amount=returned.amount_debited,
            settlement_date=returned.updated_at.date(),
            reason=reason,
            additional_info=info_lines(
                f"return payment UETR {returned.uetr}; {credited.format()} {credited.currency} "
                f"credited back to the debtor"
            ),
            instructing_agent_bic=original.creditor.agent,
            instructed_agent_bic=original.debtor.agent,
        )

    # -- camt.056 -> camt.029 ----------------------------------------------------------------

    async def recall_request(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """Answer a camt.056 with the camt.029 of the (simulated) destination PSP.

        A camt.056 that cannot be read, or that the caller did not assign, is answered with a
        problem+json (a camt.029 resolves a case: there is none to resolve).
        """
        try:
            envelope = self._decode(xml, iso.RecallRequest)
        except iso.Iso20022Error as error:
            raise MalformedRequest(
                "iso20022_message_refused", error.message, code=ReasonCode.FF01
            ) from None
        message = envelope.message
        assert isinstance(message, iso.RecallRequest)
        case = message.case
        if participant_of(case.assigner_bic) != caller.id:
            raise Forbidden(
                "psp_acts_only_for_itself",
                f"Assgnr {case.assigner_bic} is not the caller {caller.id}",
                field="Assgnmt/Assgnr",
            )
        if self._returns is None:
            raise NotFound("recall_unknown", "this hub does not take recalls")
        outcome = await self._returns.recall(
            original_uetr=message.original.uetr,
            reason=message.reason.value,
            case_id=case.case_id,
            cancellation_id=message.cancellation_id,
            stated_amount=message.original_settlement_amount,
            caller=caller,
        )
        answer = outcome.case
        resolution = iso.RecallResolution(
            case=iso.CaseAssignment(
                assignment_id=_message_id(),
                created_at=self._clock.now(),
                assigner_bic=case.assignee_bic,
                assignee_bic=case.assigner_bic,
                case_id=case.case_id,
                case_creator_bic=case.case_creator_bic,
            ),
            resolution_id=_message_id(),
            original=message.original,
            accepted=answer.accepted,
            rejection_reason=(
                None
                if answer.rejection_reason is None
                else iso.RecallRejectionReason(answer.rejection_reason)
            ),
            additional_info=() if answer.accepted else info_lines(answer.detail),
        )
        headers: list[tuple[str, str]] = []
        if outcome.returned is not None:
            headers.append(("lintas-return-uetr", outcome.returned.uetr))
            if answer.accepted:
                headers.append(("link", _return_link(message.original.uetr)))
        reply_to = envelope.header.from_bic if envelope.header else case.assigner_bic
        header = self._header(CAMT_029, reply_to, envelope.header, caller)
        return IsoAnswer(iso.encode(iso.Envelope(resolution, header)), headers=tuple(headers))

    # -- camt.053 ----------------------------------------------------------------------------

    def statement(self, account: str, day: str, caller: Participant) -> IsoAnswer:
        """A day's statement of a settlement account (see ``StatementAccount.parse``)."""
        target = self._statement_account(account)
        if caller.role is not Role.OPERATOR and caller.id != target.owner:
            raise Forbidden(
                "statement_of_another_participant",
                f"{caller.id} may read only its own accounts' statements",
                field="account",
            )
        try:
            statement_date = date.fromisoformat(day)
        except ValueError:
            raise InputInvalid(
                "date_malformed", f"{day!r} is not a date (YYYY-MM-DD)", field="date"
            ) from None
        balance = self._reader.account_balance(target.account_id)
        if balance is None:
            raise NotFound("account_unknown", f"no account {account!r} on the ledger")
        start_ns, end_ns = _day_bounds_ns(statement_date)
        posted = self._posted_transfers_of(target)
        after_start = [t for t in posted if t.timestamp_ns >= start_ns]
        in_day = [t for t in after_start if t.timestamp_ns < end_ns]
        if len(in_day) > STATEMENT_ENTRIES_MAX:
            raise Refused(
                "statement_too_long",
                f"{len(in_day)} entries; one statement carries at most "
                f"{STATEMENT_ENTRIES_MAX} (no pagination yet)",
            )
        current = balance.credits_posted - balance.debits_posted
        opening = current - sum(_signed(t, target.account_id) for t in after_start)
        closing = opening + sum(_signed(t, target.account_id) for t in in_day)
        now = self._clock.now()
        entries = tuple(
            iso.StatementEntry(
                reference=f"{t.id:032x}",
                amount=Money(t.amount, target.currency),
                side=_side(t, target.account_id),
                booking_date=statement_date,
                transaction_code=_transfer_code_name(t.code),
                end_to_end_id=None,
                uetr=t.user_data or None,
            )
            for t in in_day
        )
        message = iso.Statement(
            message_id=_message_id(),
            created_at=now,
            statement_id=f"{statement_date.isoformat()}-{target.account_id % 10**12:012d}",
            account=iso.Account(account),
            currency=target.currency,
            statement_date=statement_date,
            opening=_balance(opening, target.currency),
            closing=_balance(closing, target.currency),
            entries=entries,
        )
        header = self._header(CAMT_053, None, None, caller)
        return IsoAnswer(iso.encode(iso.Envelope(message, header)))

    def _statement_account(self, account: str) -> StatementAccount:
        parsed = StatementAccount.parse(account, self._reference)
        if parsed is None:
            raise InputInvalid(
                "statement_account_unknown",
                f"{account!r} is not a settlement account; use 'fxp:<FXP>@<SAP>' (an FXP's "
                "account at a SAP) or 'psp-fee:<PSP>' (a PSP's fee account)",
                field="account",
            )
        return parsed

    def _posted_transfers_of(self, target: StatementAccount) -> list[Transfer]:
        """Every posted transfer on the account, found through the payments that touch it.

        The store has no read by account; the payments list (newest first, bounded) is the
        way in. A history longer than that bound is refused rather than shown incomplete.
        """
        agent = None if target.kind == "fxp" else target.owner
        payments = self._reader.payments(agent=agent, limit=STATEMENT_PAYMENTS_SCAN_MAX)
        if len(payments) >= STATEMENT_PAYMENTS_SCAN_MAX:
            raise Refused(
                "statement_history_too_long",
                f"the account has over {STATEMENT_PAYMENTS_SCAN_MAX} payments; the store "
                "needs a read of transfers by account and time to state it",
            )
        found: list[Transfer] = []
        for payment in payments:
            if target.kind == "fxp" and payment.fxp_id != target.owner:
                continue
            for t in self._reader.transfers_of(payment.uetr):
                if t.flags & TransferFlags.PENDING or t.flags & TransferFlags.VOID_PENDING_TRANSFER:
                    continue  # Reserved or released money is not booked.
                if target.account_id in (t.debit_account_id, t.credit_account_id):
                    found.append(t)
        found.sort(key=lambda t: t.timestamp_ns)
        return found

    # -- shared ------------------------------------------------------------------------------

    def _decode(self, xml: bytes, expected: type) -> iso.Envelope:
        envelope = iso.decode(xml, schema=self._schema, xsd_dir=self._xsd_dir)
        if not isinstance(envelope.message, expected):
            raise iso.UnknownMessage(
                f"this endpoint takes {expected.__name__} messages, not {envelope.message_id}"
            )
        return envelope

    def _refuse_unreadable(
        self, xml: bytes, error: iso.Iso20022Error, name: iso.MessageId, caller: Participant
    ) -> IsoAnswer:
        """A pacs.002 RJCT for a refused message, or a problem+json when no UETR is there."""
        original = salvage_original(xml, name)
        if original is None:
            raise MalformedRequest(
                "iso20022_message_refused",
                f"{error.message} (no UETR could be read, so no pacs.002 can answer)",
                code=ReasonCode.FF01,
            )
        refusal = _Refusal(error.reason_code, f"{type(error).__name__}: {error.message}", 400)
        return self._refused(original, refusal, None, caller)

    def _refused(
        self,
        original: iso.OriginalReference,
        refusal: _Refusal,
        reply_to: str | None,
        caller: Participant,
    ) -> IsoAnswer:
        reason, info = carried_reason(refusal.code, refusal.text)
        report = iso.StatusReport(
            message_id=_message_id(),
            created_at=self._clock.now(),
            original=original,
            status=iso.TransactionStatus.REJECTED,
            reason=reason,
            additional_info=info,
            instructing_agent_bic=HUB_BIC,
        )
        header = self._header(PACS_002, reply_to, None, caller)
        return IsoAnswer(iso.encode(iso.Envelope(report, header)), refusal.http_status)

    def _status_report(
        self,
        original: iso.OriginalReference,
        payment: Payment,
        reply_to: str | None,
        caller: Participant,
    ) -> bytes:
        report = status_report_of(payment, original, _message_id(), self._clock.now())
        header = self._header(PACS_002, reply_to, None, caller)
        return iso.encode(iso.Envelope(report, header))

    def _header(
        self,
        message: iso.MessageId,
        reply_to: str | None,
        request_header: iso.AppHeader | None,
        caller: Participant,
    ) -> iso.AppHeader | None:
        """The head.001 of an answer: from the hub to whoever asked (when it has a BIC)."""
        to = request_header.from_bic if request_header is not None else reply_to
        if to is None and _is_bic(caller.id):
            to = caller.id
        if to is None:
            return None
        return iso.AppHeader(HUB_BIC, to, _message_id(), message, self._clock.now())


@dataclass(frozen=True, slots=True)
class StatementAccount:
    """A settlement account a statement can be asked for, and who may read it.

    Named as the ledger labels it: ``fxp:<FXP id>@<SAP id>`` (an FXP's liquidity at a
    country's settlement access provider) or ``psp-fee:<PSP id>`` (where a PSP's fees collect).
    """

    kind: str
    owner: str
    country: str
    currency: CurrencyCode
    account_id: int

    @classmethod
    def parse(cls, label: str, reference: ReferenceData) -> StatementAccount | None:
        kind, _, rest = label.partition(":")
        if kind == "fxp":
            fxp, _, sap = rest.partition("@")
            country = reference.country_of_agent(sap)
            if (
                country is None
                or country.sap.id != sap
                or fxp not in {f.id for f in reference.fxps()}
            ):
                return None
            return cls(
                "fxp",
                fxp,
                country.code,
                CurrencyCode(country.currency),
                settlement.fxp_account_id(fxp, country.code),
            )
        if kind == "psp-fee":
            country = reference.country_of_agent(rest)
            if country is None or country.psp(rest) is None:
                return None
            return cls(
                "psp-fee",
                rest,
                country.code,
                CurrencyCode(country.currency),
                settlement.psp_fee_account_id(rest, country.code),
            )
        return None


# -- pure mappings (unit tested) -------------------------------------------------------------


def participant_of(bic: str) -> str:
    """The participant id a BICFI names: its 8-character form (``XXX`` is the head office)."""
    bic = bic.strip().upper()
    return bic[:8] if len(bic) == 11 and bic.endswith("XXX") else bic


def name_match(expected: str | None, holder: AccountHolder) -> iso.VerificationResult:
    """How the name the sender expects compares with the holder's (MTCH when none given).

    The same verification as ``POST /v1/addressing/resolve`` gives, so JSON and ISO 20022
    callers always get the same answer.
    """
    if expected is None:
        return iso.VerificationResult.MATCH
    return _ISO_RESULT[verify_holder(expected, holder).result]


_ISO_RESULT: Final = {
    VerificationResult.MATCH: iso.VerificationResult.MATCH,
    VerificationResult.CLOSE_MATCH: iso.VerificationResult.CLOSE_MATCH,
    VerificationResult.NO_MATCH: iso.VerificationResult.NO_MATCH,
    VerificationResult.NOT_POSSIBLE: iso.VerificationResult.NOT_APPLICABLE,
}


def quote_mismatch(message: iso.CreditTransfer, quote: Quote) -> _Refusal | None:
    """How a pacs.008 departs from the quote it names, or None when it keeps its terms.

    ``InstdAmt`` is what the debtor is debited, ``IntrBkSttlmAmt`` what the FXP pays at the
    destination SAP (the interbank target), ``XchgRate`` the quote's rate, and a charge taken
    by the debtor agent is the source PSP's fee.
    """
    d = quote.disclosure
    for name, got, want in (
        ("InstdAmt", message.instructed_amount, d.amount_debited),
        ("IntrBkSttlmAmt", message.settlement_amount, d.interbank_target),
    ):
        if got.currency != want.currency:
            return _Refusal(
                "AM03", f"{name} is in {got.currency}; the quote's is {want.currency}", 422
            )
        if got != want:
            return _Refusal(
                ReasonCode.AM09.value,
                f"{name} {got.format()} {got.currency} is not the quoted "
                f"{want.format()} {want.currency}",
                422,
            )
    if message.exchange_rate not in (quote.exchange_rate, iso_rate(quote.exchange_rate)):
        return _Refusal(
            ReasonCode.AM09.value,
            f"XchgRate {message.exchange_rate} is not the quoted rate "
            f"{iso_rate(quote.exchange_rate)}",
            422,
        )
    for charge in message.charges:
        if participant_of(charge.agent_bic) == participant_of(message.debtor_agent_bic) and (
            charge.amount != d.source_psp_fee
        ):
            return _Refusal(
                ReasonCode.AM09.value,
                f"ChrgsInf {charge.amount.format()} is not the quoted source PSP fee "
                f"{d.source_psp_fee.format()}",
                422,
            )
    return None


def iso_rate(rate: Decimal) -> Decimal:
    """``rate`` as an ISO 20022 BaseOneRate can carry it: at most 11 digits, 10 after the
    point, rounded half-even. Quotes may hold more digits than that; the pacs.008 carries
    this rounding of the quote's rate (or the exact rate when it fits)."""
    assert rate > 0, rate
    integer_digits = max(len(str(int(rate))), 1) if rate >= 1 else 0
    places = min(RATE_FRACTION_DIGITS_MAX, RATE_TOTAL_DIGITS_MAX - integer_digits)
    return rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def refusal_of(error: LintasError) -> _Refusal:
    """An engine refusal as a pacs.002 will carry it."""
    code = error.code.value if error.code is not None else None
    if code is None:
        if isinstance(error, Forbidden):
            code = ReasonCode.AG01.value
        elif isinstance(error, Conflict):
            code = ReasonCode.DUPL.value
        elif isinstance(error, NotFound):
            code = ReasonCode.NARR.value
        else:
            code = ReasonCode.FF01.value
    return _Refusal(code, f"{error.reason}: {error.message}", error.http_status)


def carried_reason(code: str, text: str) -> tuple[iso.StatusReason, tuple[str, ...]]:
    """``code`` as a pacs.002 reason and ``text`` as AddtlInf lines; a code the codec does not
    carry becomes NARR with the code first in the text."""
    if code in _CARRIED:
        reason = iso.StatusReason(code)
    else:
        reason = iso.StatusReason.NARRATIVE
        text = f"{code}: {text}"
    return reason, info_lines(text)


def info_lines(text: str) -> tuple[str, ...]:
    """``text`` cut into at most four Max105Text lines, control characters replaced."""
    clean = "".join(c if c.isprintable() else "?" for c in text).strip() or "refused"
    lines: list[str] = []
    for start in range(0, len(clean), INFO_LINE_CHARS_MAX):
        if len(lines) == INFO_LINES_MAX:
            lines[-1] = lines[-1][: INFO_LINE_CHARS_MAX - 1] + "…"
            break
        line = clean[start : start + INFO_LINE_CHARS_MAX].strip()
        if line:
            lines.append(line)
    return tuple(lines)


def status_report_of(
    payment: Payment, original: iso.OriginalReference, message_id: str, now: datetime
) -> iso.StatusReport:
    """The pacs.002 of ``payment`` as it stands."""
    status = _STATUS_OF_STATE[payment.status]
    reason: iso.StatusReason | None = None
    info: tuple[str, ...] = ()
    if payment.reason is not None:
        text = payment.reason_detail or REASON_TEXT[payment.reason]
        reason, info = carried_reason(payment.reason.value, text)
    return iso.StatusReport(
        message_id=message_id,
        created_at=now,
        original=original,
        status=status,
        reason=reason,
        additional_info=info,
        accepted_at=payment.created_at,
        instructing_agent_bic=HUB_BIC,
    )


def original_uetr_in(lines: tuple[str, ...]) -> tuple[str | None, _Refusal | None]:
    """The UETR a return pacs.008 names (``NexusOrgnlUETR:<uuid>`` in ``RmtInf/Ustrd``), or a
    refusal when the marker is there but does not name a UETR."""
    for line in lines:
        found = _ORIGINAL_UETR_IN_TEXT.search(line)
        if found is None:
            continue
        value = found.group(1)
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.version != 4 or str(parsed) != value.lower():
            return None, _Refusal(
                ReasonCode.FF01.value,
                f"{ORIGINAL_UETR_PREFIX}{value} does not name a UETR (a UUID version 4)",
                422,
            )
        return str(parsed), None
    return None, None


def _return_link(original_uetr: str) -> str:
    return f'<{RETURN_MESSAGE_PATH}?uetr={original_uetr}>; rel="related"'


def salvage_original(xml: bytes, name: iso.MessageId) -> iso.OriginalReference | None:
    """What a refused message points at, read by pattern (never by parsing), if a UETR is
    there at all."""
    if len(xml) > iso.MESSAGE_BYTES_MAX:
        return None
    uetr = _UETR_IN_BYTES.search(xml)
    if uetr is None:
        return None
    return iso.OriginalReference(
        _id_or_unknown(_MSG_ID_IN_BYTES.search(xml)),
        name,
        _id_or_none(_E2E_ID_IN_BYTES.search(xml)),
        uetr.group(1).decode("ascii"),
    )


def _id_or_none(found: re.Match[bytes] | None) -> str | None:
    if found is None:
        return None
    try:
        value = found.group(1).decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    ok = 1 <= len(value) <= 35 and all(c.isprintable() for c in value) and "&" not in value
    return value if ok else None


def _id_or_unknown(found: re.Match[bytes] | None) -> str:
    return _id_or_none(found) or _UNKNOWN_ID


def _is_bic(value: str) -> bool:
    return re.fullmatch(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", value) is not None


def _message_id() -> str:
    return f"LNTS{uuid.uuid4().hex[:28]}"


def _day_bounds_ns(day: date) -> tuple[int, int]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=1)
    return int(start.timestamp()) * 10**9, int(end.timestamp()) * 10**9


def _side(t: Transfer, account_id: int) -> iso.Side:
    return iso.Side.CREDIT if t.credit_account_id == account_id else iso.Side.DEBIT


def _signed(t: Transfer, account_id: int) -> int:
    return t.amount if t.credit_account_id == account_id else -t.amount


def _balance(signed_minor: int, currency: CurrencyCode) -> iso.Balance:
    side = iso.Side.CREDIT if signed_minor >= 0 else iso.Side.DEBIT
    return iso.Balance(Money(abs(signed_minor), currency), side)


def _transfer_code_name(code: int) -> str:
    try:
        return settlement.TransferCode(code).name
    except ValueError:
        return f"CODE{code}"
