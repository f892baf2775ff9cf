"""The ISO 20022 gateway: XML messages in, the same services as the JSON API, XML out.

One method per endpoint; each takes the raw bytes (or query values) and the caller and returns
an ``IsoAnswer`` (XML bytes and the HTTP status to send them with):

- ``verify``          acmt.023 -> acmt.024 through ``AddressingService.resolve``. An unknown
                      proxy (or a malformed one, or an unknown country) is answered NOAP.
- ``credit_transfer`` pacs.008 -> pacs.002 through ``PaymentsService.submit``: the same engine
                      and the same idempotency as ``POST /v1/payments``, so a UETR sent once as
                      JSON and once as XML (same content) is one payment.
- ``status_request``  pacs.028 -> pacs.002 with the payment's current status.
- ``statement``       camt.053 of an FXP's account at a SAP, or of a PSP's fee account, one
                      page (``GrpHdr/MsgPgntn``) of at most ``statement_page_entries`` at a time.
- ``payment_return``  pacs.004 -> pacs.002 of the return payment, through ``ReturnsService``
                      (a pacs.008 whose ``RmtInf/Ustrd`` carries ``NexusOrgnlUETR:<uuid>`` is
                      a return too, through ``credit_transfer``).
- ``recall_request``  camt.056 -> camt.029: the simulated destination PSP's answer at once
                      (when it accepts, the return is executed before the answer, and its
                      pacs.004 is served by ``return_message``, ``GET pacs.004?uetr=`` with
                      the original's UETR, which the answer's ``Link`` header names), or, for
                      a destination PSP that answers recalls itself (``RecallPolicy``), PDCR
                      with a ``Link`` to ``recall_resolution``.
- ``forwarded_recall``   ``GET camt.056?uetr=``: the recall awaiting the creditor agent.
- ``recall_answer``      camt.029 of the creditor agent -> the return's pacs.004, or the
                         recorded camt.029 when it refuses.
- ``recall_resolution``  ``GET camt.029?caseId=``: a case as it stands, for its creator.

The pacs.002 answering a pacs.004 points (``OrgnlUETR``) at the return payment the hub made,
so the returning PSP learns its UETR; a refusal made before any return payment existed points
at the original. The pacs.002 of a returned payment names its return's UETR in the message
(``TxInfAndSts/SplmtryData/Envlp/RtrLk/RtrdByUETR``: ``AddtlInf`` belongs to a refusal's
reason, and ISO 20022's supplementary data is the place for what no element carries) and in
the HTTP headers ``Lintas-Returned-By`` and ``Link`` (its pacs.004); that of a return names
the original (``RtrOfUETR``, header ``Lintas-Return-Of``).

How refusals are answered (never a 5xx for anything the sender wrote):

- a message the codec refuses (size, DTD/entities, depth, namespace, schema, usage rule) is
  answered with a pacs.002 RJCT (the codec's reason, FF01 for format) and the precise error,
  HTTP 400, when a UETR can still be read from the bytes (a plain pattern search, never a
  second parse); when not even a UETR can be read, no pacs.002 can point at a payment, so
  the answer is a problem+json (``MalformedRequest``, 400, code FF01). acmt.023 refusals are
  always problem+json: an acmt.024 cannot say "your message was broken" (nor "you may not
  ask": an anti-scam centre's acmt.023 is a 403 ``scam_centre_may_not_resolve``).
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
from urllib.parse import urlencode

from lintas.codecs import iso20022 as iso
from lintas.codecs.iso20022.camt053 import PAGE_NUMBER_MAX, STATEMENT_ENTRIES_MAX
from lintas.codecs.iso20022.models import (
    ACMT_024,
    CAMT_029,
    CAMT_053,
    CAMT_056,
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
from lintas.ports.recalls import RecallCase, RecallStatus
from lintas.ports.store import Reader
from lintas.services.addressing import AddressingService, verify_holder
from lintas.services.payments import PartyInput, PaymentRequest, PaymentsService
from lintas.services.quoting import QuotingService
from lintas.services.returns import RecallOutcome, ReturnOutcome, ReturnsService

#: The hub's own BIC-like identifier, the sender of every message it produces.
HUB_BIC: Final = "LNTSHUBXXXX"
#: Characters in one ``AddtlInf`` line (Max105Text) and lines per status, at most.
INFO_LINE_CHARS_MAX: Final = 105
INFO_LINES_MAX: Final = 4
#: Payments scanned to build one statement at most (the store's own list bound).
STATEMENT_PAYMENTS_SCAN_MAX: Final = 1000
#: Entries on one page of a camt.053 (``GET camt.053?page=``); a busier day has more pages.
STATEMENT_PAGE_ENTRIES_MAX: Final = 100
assert STATEMENT_PAGE_ENTRIES_MAX <= STATEMENT_ENTRIES_MAX  # A page is one valid message.
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
#: Where the camt.029 of a recall case is served, as it stands.
RESOLUTION_MESSAGE_PATH: Final = "/v1/iso20022/camt.029"
_RESOLUTION_STATUS: Final = {
    RecallStatus.PENDING: iso.ResolutionStatus.PENDING,
    RecallStatus.ACCEPTED: iso.ResolutionStatus.ACCEPTED,
    RecallStatus.REJECTED: iso.ResolutionStatus.REJECTED,
}


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
        statement_page_entries: int = STATEMENT_PAGE_ENTRIES_MAX,
    ) -> None:
        if not 1 <= statement_page_entries <= STATEMENT_PAGE_ENTRIES_MAX:
            raise ValueError(f"statement_page_entries must be 1..{STATEMENT_PAGE_ENTRIES_MAX}")
        self._page_entries = statement_page_entries
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
        """Resolve the proxy or account of an acmt.023; answer the acmt.024.

        An anti-scam centre is refused (problem+json 403 ``scam_centre_may_not_resolve``)
        before the message is read, as on ``POST /v1/addressing/resolve``.
        """
        if caller.role is Role.SCAM_CENTRE:
            # A centre works on reported targets (signals), never on who holds an account.
            raise Forbidden(
                "scam_centre_may_not_resolve",
                "anti-scam centres look targets up in the signal exchange, not in directories",
            )
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
        return self._status_answer(original, payment, reply_to, caller)

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
        return self._status_answer(original, payment, reply_to, caller)

    def _status_answer(
        self,
        original: iso.OriginalReference,
        payment: Payment,
        reply_to: str | None,
        caller: Participant,
    ) -> IsoAnswer:
        """The pacs.002 of ``payment`` with its return link, in the XML and in headers.

        A returned payment names its return (``RtrdByUETR``, header ``Lintas-Returned-By``,
        and ``Link`` to its pacs.004 once it settled); a return names the payment it returns
        (``RtrOfUETR``, header ``Lintas-Return-Of``).
        """
        returned = None
        if (
            payment.return_of is None
            and self._returns is not None
            and payment.status is PaymentStatus.SETTLED
        ):
            returned = self._returns.return_of(payment.uetr)
        report = status_report_of(
            payment,
            original,
            _message_id(),
            self._clock.now(),
            returned_by=None if returned is None else returned.uetr,
        )
        header = self._header(PACS_002, reply_to, None, caller)
        headers: list[tuple[str, str]] = []
        if payment.return_of is not None:
            headers.append(("lintas-return-of", payment.return_of))
        if returned is not None:
            headers.append(("lintas-returned-by", returned.uetr))
            if returned.status is PaymentStatus.SETTLED:
                headers.append(("link", _return_link(payment.uetr)))
        return IsoAnswer(iso.encode(iso.Envelope(report, header)), headers=tuple(headers))

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
        return self._status_answer(report_about, returned, reply_to, caller)

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

    # -- camt.056 -> camt.029, and the destination PSP's own camt.029 -----------------------

    async def recall_request(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """Answer a camt.056 with a camt.029: the (simulated) destination PSP's answer, or,
        when that PSP answers recalls itself, PDCR (pending) with a ``Link`` to where the
        answer will be (``GET camt.029?caseId=``).

        A camt.056 that cannot be read, or that the caller did not assign, is answered with a
        problem+json (a camt.029 resolves a case: there is none to resolve).
        """
        envelope = self._decode_case_message(xml, iso.RecallRequest)
        message = envelope.message
        assert isinstance(message, iso.RecallRequest)
        case = message.case
        returns = self._case_checks(case, caller)
        outcome = await returns.recall(
            original_uetr=message.original.uetr,
            reason=message.reason.value,
            case_id=case.case_id,
            cancellation_id=message.cancellation_id,
            stated_amount=message.original_settlement_amount,
            caller=caller,
        )
        resolution = resolution_of(
            outcome.case,
            iso.CaseAssignment(
                assignment_id=_message_id(),
                created_at=self._clock.now(),
                assigner_bic=case.assignee_bic,
                assignee_bic=case.assigner_bic,
                case_id=case.case_id,
                case_creator_bic=case.case_creator_bic,
            ),
            message.original,
        )
        reply_to = envelope.header.from_bic if envelope.header else case.assigner_bic
        header = self._header(CAMT_029, reply_to, envelope.header, caller)
        return IsoAnswer(iso.encode(iso.Envelope(resolution, header)), headers=_case_links(outcome))

    async def recall_answer(self, xml: bytes, caller: Participant) -> IsoAnswer:
        """The destination PSP's own camt.029 to a pending recall (``RslvdCase`` names it).

        Accepted (CNCL/ACCR): the return is executed and its pacs.004 is the answer (with
        ``Lintas-Return-UETR`` and ``Link``); when the ledger refuses the return payment, the
        case is closed RJCR and the answer is that payment's pacs.002 RJCT (HTTP 422).
        Rejected (RJCR with a reason): the answer is the camt.029 as the source PSP will read
        it. A case that is unknown, not about a payment the caller received, or already
        answered is refused with problem+json, and nothing changes.
        """
        envelope = self._decode_case_message(xml, iso.RecallResolution)
        message = envelope.message
        assert isinstance(message, iso.RecallResolution)
        returns = self._case_checks(message.case, caller)
        if message.pending:
            raise InputInvalid(
                "a_resolution_accepts_or_rejects",
                "the creditor agent's camt.029 accepts (CNCL/ACCR) or rejects (RJCR) the recall",
                field="Sts/Conf",
            )
        outcome = await returns.answer_recall(
            creator=participant_of(message.case.case_creator_bic),
            case_id=message.case.case_id,
            original_uetr=message.original.uetr,
            accepted=message.accepted,
            rejection_reason=(
                None if message.rejection_reason is None else message.rejection_reason.value
            ),
            detail=" ".join(message.additional_info) or None,
            caller=caller,
        )
        reply_to = envelope.header.from_bic if envelope.header else message.case.assigner_bic
        headers = _case_links(outcome)
        returned = outcome.returned
        if returned is not None and returned.status is PaymentStatus.SETTLED:
            assert outcome.original is not None and outcome.link is not None, outcome
            ret = ReturnOutcome(outcome.original, returned, outcome.link)
            header = self._header(PACS_004, reply_to, envelope.header, caller)
            body = iso.encode(iso.Envelope(self.return_of(ret), header))
            return IsoAnswer(body, headers=headers)
        if returned is not None:
            about = iso.OriginalReference(_UNKNOWN_ID, PACS_004, None, returned.uetr)
            report = status_report_of(returned, about, _message_id(), self._clock.now())
            header = self._header(PACS_002, reply_to, envelope.header, caller)
            return IsoAnswer(iso.encode(iso.Envelope(report, header)), 422, headers)
        resolution = resolution_of(
            outcome.case, self._hub_assignment(message.case, caller.id), message.original
        )
        header = self._header(CAMT_029, reply_to, envelope.header, caller)
        return IsoAnswer(iso.encode(iso.Envelope(resolution, header)), headers=headers)

    def recall_resolution(
        self, case_id: str, caller: Participant, creator: str | None = None
    ) -> IsoAnswer:
        """The camt.029 of recall case ``case_id`` as it stands (pending, accepted, rejected).

        ``creator`` is the PSP that opened the case (default: the caller, the source PSP);
        the creditor agent of the payment and the operator may read it too.
        """
        returns = self._recalls_taken()
        opener = _participant_or_bic(creator) if creator else caller.id
        outcome = returns.recall_case(opener, case_id, caller)
        case = outcome.case
        creator_bic = opener if _is_bic(opener) else HUB_BIC
        assignment = iso.CaseAssignment(
            assignment_id=_message_id(),
            created_at=self._clock.now(),
            assigner_bic=HUB_BIC,
            assignee_bic=caller.id if _is_bic(caller.id) else creator_bic,
            case_id=case.case_id,
            case_creator_bic=creator_bic,
        )
        original = iso.OriginalReference(_UNKNOWN_ID, PACS_008, None, case.original_uetr)
        header = self._header(CAMT_029, None, None, caller)
        resolution = resolution_of(case, assignment, original)
        return IsoAnswer(iso.encode(iso.Envelope(resolution, header)), headers=_case_links(outcome))

    def forwarded_recall(self, original_uetr: str, caller: Participant) -> IsoAnswer:
        """The camt.056 awaiting ``caller``'s answer about a payment it received: the hub
        passes the source PSP's recall on, assigned from the hub to the creditor agent."""
        returns = self._recalls_taken()
        outcome = returns.pending_recall_of(original_uetr, caller)
        case, original = outcome.case, outcome.original
        assert original is not None, outcome
        creator_bic = case.creator if _is_bic(case.creator) else HUB_BIC
        request = iso.RecallRequest(
            case=iso.CaseAssignment(
                assignment_id=_message_id(),
                created_at=self._clock.now(),
                assigner_bic=HUB_BIC,
                assignee_bic=original.creditor.agent,
                case_id=case.case_id,
                case_creator_bic=creator_bic,
            ),
            cancellation_id=case.cancellation_id,
            original=iso.OriginalReference(_UNKNOWN_ID, PACS_008, None, original.uetr),
            original_settlement_amount=original.interbank_target,
            original_settlement_date=None,
            reason=iso.RecallReason(case.reason),
        )
        header = self._header(CAMT_056, None, None, caller)
        return IsoAnswer(iso.encode(iso.Envelope(request, header)))

    def _decode_case_message(self, xml: bytes, expected: type) -> iso.Envelope:
        """A camt.056 or camt.029, or a problem+json: there is no case to answer about."""
        try:
            return self._decode(xml, expected)
        except iso.Iso20022Error as error:
            raise MalformedRequest(
                "iso20022_message_refused", error.message, code=ReasonCode.FF01
            ) from None

    def _case_checks(self, case: iso.CaseAssignment, caller: Participant) -> ReturnsService:
        """The caller sends only for itself (``Assgnmt/Assgnr``), to a hub that takes recalls."""
        if participant_of(case.assigner_bic) != caller.id:
            raise Forbidden(
                "psp_acts_only_for_itself",
                f"Assgnr {case.assigner_bic} is not the caller {caller.id}",
                field="Assgnmt/Assgnr",
            )
        return self._recalls_taken()

    def _recalls_taken(self) -> ReturnsService:
        if self._returns is None:
            raise NotFound("recall_unknown", "this hub does not take recalls")
        return self._returns

    def _hub_assignment(self, case: iso.CaseAssignment, to: str) -> iso.CaseAssignment:
        """The hub's assignment answering ``case`` to ``to``."""
        return iso.CaseAssignment(
            assignment_id=_message_id(),
            created_at=self._clock.now(),
            assigner_bic=HUB_BIC,
            assignee_bic=to if _is_bic(to) else case.assigner_bic,
            case_id=case.case_id,
            case_creator_bic=case.case_creator_bic,
        )

    # -- camt.053 ----------------------------------------------------------------------------

    def statement(
        self, account: str, day: str, caller: Participant, page: str | None = None
    ) -> IsoAnswer:
        """One page of a day's statement of a settlement account (``StatementAccount.parse``).

        Entries are in booking order, ``statement_page_entries`` to a page (at most
        ``STATEMENT_PAGE_ENTRIES_MAX``); the pages of a day together list every entry once.
        Every page says its number and whether it is the last (``MsgPgntn``); a day without
        entries is one page.
        """
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
        page_number = _page_number(page)
        balance = self._reader.account_balance(target.account_id)
        if balance is None:
            raise NotFound("account_unknown", f"no account {account!r} on the ledger")
        start_ns, end_ns = _day_bounds_ns(statement_date)
        posted = self._posted_transfers_of(target)
        after_start = [t for t in posted if t.timestamp_ns >= start_ns]
        in_day = [t for t in after_start if t.timestamp_ns < end_ns]
        size = self._page_entries
        pages = max(1, -(-len(in_day) // size))
        if page_number > pages:
            raise NotFound(
                "statement_page_unknown",
                f"the statement of {account} for {day} has {pages} page(s), not {page_number}",
            )
        first = (page_number - 1) * size
        on_page = in_day[first : first + size]
        current = balance.credits_posted - balance.debits_posted
        day_opening = current - sum(_signed(t, target.account_id) for t in after_start)
        opening = day_opening + sum(_signed(t, target.account_id) for t in in_day[:first])
        closing = opening + sum(_signed(t, target.account_id) for t in on_page)
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
            for t in on_page
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
            pagination=iso.Pagination(page_number, page_number == pages),
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
            for t in self._reader.transfers_of_payment(payment):
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
    rounded = rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if len(str(int(rounded))) > max(integer_digits, 1):
        # Rounding up carried into a new integer digit (999.999999995 -> 1000.00000000):
        # one decimal place fewer keeps the total within what a BaseOneRate carries.
        rounded = rate.quantize(Decimal(1).scaleb(1 - places), rounding=ROUND_HALF_EVEN)
    return rounded


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
    payment: Payment,
    original: iso.OriginalReference,
    message_id: str,
    now: datetime,
    *,
    returned_by: str | None = None,
) -> iso.StatusReport:
    """The pacs.002 of ``payment`` as it stands; ``returned_by`` is the UETR of the payment
    that returned it, if any (a return names what it returns from its own record)."""
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
        returned_by_uetr=returned_by,
        return_of_uetr=payment.return_of,
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


def _resolution_link(case: RecallCase) -> str:
    query = urlencode({"caseId": case.case_id, "creator": case.creator})
    return f'<{RESOLUTION_MESSAGE_PATH}?{query}>; rel="related"'


def _case_links(outcome: RecallOutcome) -> tuple[tuple[str, str], ...]:
    """The headers of a recall's answer: where to read a pending case's answer, or the return
    a case led to (and its pacs.004 once it settled)."""
    case = outcome.case
    if case.pending:
        return (("link", _resolution_link(case)),)
    headers: list[tuple[str, str]] = []
    if outcome.returned is not None:
        headers.append(("lintas-return-uetr", outcome.returned.uetr))
        if case.accepted:
            headers.append(("link", _return_link(case.original_uetr)))
    return tuple(headers)


def resolution_of(
    case: RecallCase, assignment: iso.CaseAssignment, original: iso.OriginalReference
) -> iso.RecallResolution:
    """The camt.029 of ``case`` as it stands, under ``assignment``."""
    reason = case.rejection_reason
    return iso.RecallResolution(
        case=assignment,
        resolution_id=_message_id(),
        original=original,
        status=_RESOLUTION_STATUS[case.status],
        rejection_reason=None if reason is None else iso.RecallRejectionReason(reason),
        additional_info=() if reason is None else info_lines(case.detail),
    )


def _participant_or_bic(value: str) -> str:
    return participant_of(value) if _is_bic(value.strip().upper()) else value


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


def _page_number(page: str | None) -> int:
    """The page asked for (1 when not asked); a malformed or impossible page is refused."""
    if page is None or page == "":
        return 1
    digits = len(str(PAGE_NUMBER_MAX))
    if not (page.isascii() and page.isdigit() and len(page) <= digits) or int(page) < 1:
        raise InputInvalid(
            "page_malformed", f"page must be a whole number 1..{PAGE_NUMBER_MAX}", field="page"
        )
    return int(page)


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
