"""Payments: accept, reserve both legs, post both (or void both), report the status.

The path of one payment through the writer (answered only once durable)::

    1. reserve: both legs' pending transfers as one linked chain (REJECTED with the reason
       the ledger gave if refused; HELD for review when the risk decision says so);
    2. post:    both legs' posts as one chain (SETTLED), or, when the reservation timed out
       in between, REJECTED AB03 and the legs voided.

The simulated IPSs confirm a reservation at once, so step 2 is chained onto step 1 in the
same batch (``WriteCommand.then``); a held payment's post comes with the operator's release.
What each step decides inside the writer is in ``services.payment_steps``.

A UETR names one payment for ever: the same UETR with the same content returns the payment
as it stands (or waits for the submission already in flight); with other content it is a
``Conflict`` (DUPL). On start, ``recover`` voids every payment a crash left reserved.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from lintas.domain import settlement
from lintas.domain.errors import (
    Conflict,
    Forbidden,
    InputInvalid,
    LintasError,
    NotFound,
    ReasonCode,
    Refused,
    Unavailable,
)
from lintas.domain.fx import Quote
from lintas.domain.payment import (
    FINAL_STATUSES,
    Party,
    Payment,
    PaymentStatus,
    request_digest,
    transition,
)
from lintas.ports.clock import Clock
from lintas.ports.directory import Participant, ProxyDirectory, ReferenceData, Role
from lintas.ports.risk import PassAll, RiskAssessor, RiskContext, RiskOutcome
from lintas.ports.store import Reader, WriteCommand, Writer
from lintas.services import payment_steps as steps
from lintas.services.addressing import QR_ADDRESS_TYPE, AddressingService
from lintas.services.quoting import QuotingService

#: Characters in a party name at most (ISO 20022 Max140Text).
PARTY_NAME_CHARS_MAX: Final = 140
#: Characters in an account identifier at most (ISO 20022 Max34Text).
ACCOUNT_CHARS_MAX: Final = 34
#: How long a held payment waits for review before it is rejected and its legs voided.
HOLD_REVIEW_S_DEFAULT: Final = 24 * 3600
#: Characters of a creditor proxy value at most (as the addressing service accepts).
PROXY_VALUE_CHARS_MAX: Final = 128
#: Characters of a merchant QR payload at most (EMVCo's maximum).
QR_CHARS_MAX: Final = 512
#: Payments submitted at once and not yet answered, at most (beyond: 503).
IN_FLIGHT_MAX: Final = 50_000
#: Final payments (settled, rejected, blocked: never changed again) kept in memory to answer
#: status reads and retries without a read of the store; the oldest are dropped first.
#: About 1.5 KB each. Why: a PSP asks for the status right after submitting, and on the HTTP
#: path that read was ~7 % of the loop (and handed the GIL to the writer).
FINAL_PAYMENTS_CACHED_MAX: Final = 4096
#: UETR fingerprints kept in memory at most (about 60 bytes each: 2,000,000 is ~120 MB).
#: Beyond it every submission looks its UETR up in the store again, as before.
KNOWN_UETRS_MAX: Final = 2_000_000


@dataclass(frozen=True, slots=True)
class PartyInput:
    """A debtor or creditor as the submitter wrote it."""

    name: str
    account: str
    agent: str


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a source PSP submits."""

    uetr: str
    quote_id: str
    debtor: PartyInput
    creditor: PartyInput
    #: The UETR of the settled payment this one returns, when it is a return.
    return_of: str | None = None
    #: How the sender addressed the creditor (address type, value), if by a proxy: only used
    #: to look up scam signals on it (it can add a hold or a block, never remove one).
    creditor_proxy: tuple[str, str] | None = None
    #: The merchant QR payload paid, if this is a QR payment (looked up in the signals).
    merchant_qr: str | None = None


class PaymentsService:
    """Executes cross-border payments in two legs and answers their status."""

    def __init__(
        self,
        *,
        reference: ReferenceData,
        directory: ProxyDirectory,
        quoting: QuotingService,
        reader: Reader,
        writer: Writer,
        clock: Clock,
        timeout_s: int = settlement.PAYMENT_TIMEOUT_S_DEFAULT,
        risk: RiskAssessor | None = None,
        hold_review_s: int = HOLD_REVIEW_S_DEFAULT,
        addressing: AddressingService | None = None,
    ) -> None:
        assert timeout_s > 0, timeout_s
        # Reads a QR payment's code as the payer's resolve did, so that the hub itself holds
        # the payment to what the code asks (``_check_merchant_qr``); without it, it does not.
        self._addressing = addressing
        assert hold_review_s >= timeout_s, (hold_review_s, timeout_s)
        self._risk: RiskAssessor = risk or PassAll()
        self._hold_review_s = hold_review_s
        #: Held payments an operator's decision is being applied to (one decision at a time).
        self._reviewing: set[str] = set()
        self._reference = reference
        self._directory = directory
        self._quoting = quoting
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._timeout_s = timeout_s
        self._in_flight: dict[str, tuple[str, asyncio.Future[Payment]]] = {}
        self._known_uetrs = _known_uetrs(reader)
        self._finals: OrderedDict[str, Payment] = OrderedDict()
        writer.set_expiry_handler(steps.RejectExpired(clock))

    # -- submit ------------------------------------------------------------------------------

    async def submit(self, request: PaymentRequest, caller: Participant) -> Payment:
        """Execute ``request`` for ``caller`` (the debtor agent) and return the final payment."""
        payment = self._accept(request, caller)
        digest = payment.request_digest
        running = self._in_flight.get(payment.uetr)
        if running is not None:
            if running[0] != digest:
                raise _duplicate(payment.uetr)
            return await asyncio.shield(running[1])
        known = self._known_uetrs
        fingerprint = hash(payment.uetr)
        if known is None or fingerprint in known:
            # Seen before (or a fingerprint collision, or too many to track): the store says.
            stored = self._finals.get(payment.uetr) or self._reader.payment(payment.uetr)
            if stored is not None:
                if stored.request_digest != digest:
                    raise _duplicate(payment.uetr)
                return stored
        if len(self._in_flight) >= IN_FLIGHT_MAX:
            raise Unavailable("too_many_payments_in_flight", "the hub is at capacity; retry")
        if known is not None:
            # Added before anything is written: a fingerprint may name a payment that was
            # never stored (the submission failed), never the other way round.
            if len(known) < KNOWN_UETRS_MAX:
                known.add(fingerprint)
            else:
                self._known_uetrs = None
        done: asyncio.Future[Payment] = asyncio.get_running_loop().create_future()
        self._in_flight[payment.uetr] = (digest, done)
        try:
            result = await self._execute(payment, request.creditor_proxy, request.merchant_qr)
            self._remember(result)
            done.set_result(result)
            return result
        except BaseException as exc:
            done.set_exception(exc)
            # The waiters (if any) receive it; mark it retrieved so nobody warns.
            done.exception()
            raise
        finally:
            del self._in_flight[payment.uetr]

    def _accept(self, request: PaymentRequest, caller: Participant) -> Payment:
        """Validate ``request`` at the edge; nothing is written when this raises."""
        uetr = _uetr(request.uetr)
        return_of = None if request.return_of is None else _uetr(request.return_of)
        if caller.role is not Role.PSP:
            raise Forbidden("only_psps_submit_payments", "only a PSP may submit payments")
        debtor = _party(request.debtor, "debtor")
        creditor = _party(request.creditor, "creditor")
        _check_addressing(request)
        if debtor.agent != caller.id:
            raise Forbidden(
                "psp_acts_only_for_itself",
                f"{caller.id} may submit only payments whose debtor agent it is",
                field="debtor.agent",
            )
        quote = self._quoting.find(request.quote_id)
        if quote is None:
            raise NotFound("quote_unknown", f"no quote {request.quote_id!r}", field="quoteId")
        if quote.requested_by_psp != caller.id:
            raise Forbidden(
                "quote_belongs_to_another_psp", "a quote may be used only by the PSP that asked"
            )
        now = self._clock.now()
        source = self._reference.country_of_currency(quote.source_currency)
        destination = self._reference.country_of_currency(quote.target_currency)
        assert source is not None and destination is not None, quote
        creditor_country = self._reference.country_of_agent(creditor.agent)
        if creditor_country is None or creditor_country.code != destination.code:
            raise InputInvalid(
                "creditor_agent_not_in_destination",
                f"{creditor.agent!r} is not a PSP in {destination.code}",
                code=ReasonCode.RC01,
                field="creditor.agent",
            )
        if request.merchant_qr is not None:
            self._check_merchant_qr(request.merchant_qr, destination.code, creditor, quote, now)
        digest = request_digest(
            uetr,
            quote.quote_id,
            debtor.name,
            debtor.account,
            debtor.agent,
            creditor.name,
            creditor.account,
            creditor.agent,
            return_of or "",
            *(request.creditor_proxy or ("", "")),
            request.merchant_qr or "",
        )
        d = quote.disclosure
        payment = Payment(
            uetr=uetr,
            status=PaymentStatus.RECEIVED,
            reason=None,
            quote_id=quote.quote_id,
            fxp_id=quote.fxp_id,
            source_country=source.code,
            destination_country=destination.code,
            debtor=debtor,
            creditor=creditor,
            amount_debited=d.amount_debited,
            principal=d.principal,
            source_psp_fee=d.source_psp_fee,
            scheme_fee=d.scheme_fee,
            interbank_target=d.interbank_target,
            destination_psp_fee=d.destination_psp_fee,
            amount_credited=d.amount_credited,
            exchange_rate=str(quote.exchange_rate),
            request_digest=digest,
            created_at=now,
            updated_at=now,
            return_of=return_of,
        )
        if quote.is_expired(now):
            stored = self._reader.payment(uetr)
            if stored is not None and stored.request_digest == digest:
                return stored  # A retry of a payment made while the quote was fresh.
            raise Refused(
                "quote_expired",
                f"quote {quote.quote_id} expired at {quote.expires_at.isoformat()}",
                code=ReasonCode.QTEX,
                field="quoteId",
            )
        return payment

    def _check_merchant_qr(
        self, payload: str, country: str, creditor: Party, quote: Quote, now: datetime
    ) -> None:
        """Refuse a QR payment that does not pay what its code asks: a code that cannot be
        paid (invalid, expired, of another country, of an unknown merchant), a creditor that
        is not the code's merchant, or an amount credited other than the code's total
        (merchant amount + convenience fee; more only by a tip the code asks for)."""
        if self._addressing is None:
            return
        try:
            payee = self._addressing.resolve(country, QR_ADDRESS_TYPE, payload, now=now)
        except LintasError as error:
            error.field = "merchantQr"  # The code was sent as the payment's merchantQr.
            raise
        holder, details = payee.holder, payee.qr
        assert details is not None, payee
        if (holder.agent, holder.account) != (creditor.agent, creditor.account):
            raise Refused(
                "creditor_is_not_the_qr_merchant",
                f"the code pays account {holder.account} at {holder.agent}, not the creditor's",
                code=ReasonCode.AC01,
                field="creditor.account",
            )
        total = details.amount
        if total is None:
            return  # A static code: the payer chose the amount.
        credited = quote.disclosure.amount_credited
        assert credited.currency == total.currency, (credited, total)
        paid_in_full = (
            credited.minor >= total.minor if details.tip_prompted else credited.minor == total.minor
        )
        if not paid_in_full:
            asked = f"{total} plus any tip" if details.tip_prompted else str(total)
            raise Refused(
                "qr_amount_not_quoted",
                f"the code asks for {asked}; the quote credits {credited}: quote the code's "
                "amount to receive",
                code=ReasonCode.AM09,
                field="quoteId",
            )

    async def _execute(
        self,
        payment: Payment,
        creditor_proxy: tuple[str, str] | None = None,
        merchant_qr: str | None = None,
    ) -> Payment:
        debtor_holder = self._directory.holder(
            payment.source_country, payment.debtor.agent, payment.debtor.account
        )
        creditor_holder = self._directory.holder(
            payment.destination_country, payment.creditor.agent, payment.creditor.account
        )
        unknown = (
            "debtor account unknown at the debtor agent"
            if debtor_holder is None
            else "creditor account unknown at the creditor agent"
            if creditor_holder is None
            else None
        )
        if unknown is not None:
            rejected = transition(
                payment, PaymentStatus.REJECTED, self._clock.now(), ReasonCode.AC01, unknown
            )
            await self._writer.submit_async(WriteCommand(payments=(rejected,)))
            return rejected
        decision = self._risk.assess(
            payment, RiskContext(creditor_holder, debtor_holder, creditor_proxy, merchant_qr)
        )
        if decision.outcome is RiskOutcome.BLOCK:
            blocked = replace(
                transition(
                    payment,
                    PaymentStatus.BLOCKED,
                    self._clock.now(),
                    decision.code or ReasonCode.RR04,
                    "; ".join(decision.reasons),
                ),
                risk_reasons=decision.reasons,
            )
            await self._writer.submit_async(WriteCommand(payments=(blocked,)))
            return blocked
        hold = decision.outcome is RiskOutcome.HOLD
        if hold:
            payment = replace(payment, risk_reasons=decision.reasons)
        # A held payment keeps its funds reserved until an operator reviews it; if nobody does
        # within hold_review_s, the reservation expires and the payment is rejected.
        legs = settlement.payment_legs(payment, self._hold_review_s if hold else self._timeout_s)
        chain = legs.reserve_chain()
        # A real IPS would be asked between reserving and posting; the simulated IPSs confirm
        # a reservation at once, so the post is chained onto the reservation and both go to
        # disk in one batch (``WriteCommand.then``): one trip through the writer, one row.
        outcome = await self._writer.submit_async(
            WriteCommand(
                transfers=chain,
                decide=steps.DecideReserve(payment, chain, hold, self._clock),
                then=steps.PostStep(legs, self._clock),
            )
        )
        after = outcome.payment
        assert after is not None
        if after.status is PaymentStatus.RESERVED:  # Not posted in the same batch.
            return await self._post(after, legs)
        return after

    async def _post(self, reserved: Payment, legs: settlement.PaymentLegs) -> Payment:
        posted = await self._writer.submit_async(
            WriteCommand(
                transfers=legs.post_chain(), decide=steps.DecidePost(reserved, self._clock)
            )
        )
        final = posted.payment
        assert final is not None
        if final.status is PaymentStatus.REJECTED:
            # Some legs expired before the post; void whatever is still reserved.
            await self._writer.submit_async(WriteCommand(transfers=legs.voids()))
        return final

    # -- review of held payments --------------------------------------------------------------

    def cases(self, caller: Participant, limit: int = 100) -> list[Payment]:
        """Payments held for review, oldest first (operator only)."""
        _operator(caller)
        held = [p for p in self._reader.payments_in_flight() if p.status is PaymentStatus.HELD]
        return sorted(held, key=lambda p: p.created_at)[: max(1, min(limit, 1000))]

    async def release(self, uetr: str, caller: Participant) -> Payment:
        """An operator releases a held payment: both legs are posted (ACCC)."""
        held = self._held(uetr, caller)
        self._reviewing.add(held.uetr)
        try:
            now = self._clock.now()
            reserved = transition(held, PaymentStatus.RESERVED, now)
            # The legs were reserved with the hold's timeout; the same transfers are posted.
            legs = settlement.payment_legs(held, self._hold_review_s)
            released = await self._post(reserved, legs)
            self._remember(released)
            return released
        finally:
            self._reviewing.discard(held.uetr)

    async def reject(self, uetr: str, caller: Participant) -> Payment:
        """An operator rejects a held payment: both legs are voided (RJCT RR04)."""
        held = self._held(uetr, caller)
        self._reviewing.add(held.uetr)
        try:
            rejected = await self._void_held(held)
            self._remember(rejected)
            return rejected
        finally:
            self._reviewing.discard(held.uetr)

    async def _void_held(self, held: Payment) -> Payment:
        voids = settlement.payment_legs(held, self._hold_review_s).voids()
        outcome = await self._writer.submit_async(
            WriteCommand(transfers=voids, decide=steps.DecideRejectedAfterReview(held, self._clock))
        )
        assert outcome.payment is not None
        return outcome.payment

    def _remember(self, payment: Payment) -> None:
        """Keep a final payment for status reads (see ``FINAL_PAYMENTS_CACHED_MAX``)."""
        if payment.status not in FINAL_STATUSES:
            return  # Held or reserved: it will still change, the store is the truth.
        finals = self._finals
        finals[payment.uetr] = payment
        if len(finals) > FINAL_PAYMENTS_CACHED_MAX:
            finals.popitem(last=False)

    def _held(self, uetr: str, caller: Participant) -> Payment:
        _operator(caller)
        payment = self._reader.payment(_uetr(uetr))
        if payment is None:
            raise NotFound("case_unknown", f"no payment {uetr}")
        if payment.status is not PaymentStatus.HELD or payment.uetr in self._reviewing:
            raise Refused(
                "payment_not_held",
                f"payment {uetr} is {payment.status.value}, not held for review",
            )
        return payment

    # -- read --------------------------------------------------------------------------------

    def status(self, uetr: str, caller: Participant) -> Payment:
        """A payment, for a caller allowed to see it (either agent, or the operator)."""
        uetr = _uetr(uetr)
        payment = self._finals.get(uetr) or self._reader.payment(uetr)
        if payment is None or not _may_read(payment, caller):
            # The same answer for "absent" and "not yours": a PSP learns nothing of others.
            raise NotFound("payment_unknown", f"no payment {uetr} visible to {caller.id}")
        return payment

    def recent(self, caller: Participant, limit: int = 100) -> list[Payment]:
        """Recent payments the caller may see."""
        agent = None if caller.role is Role.OPERATOR else caller.id
        return self._reader.payments(agent=agent, limit=limit)

    # -- recovery and timeouts ---------------------------------------------------------------

    async def recover(self) -> int:
        """Void every payment a previous run left reserved (AB04). Returns how many."""
        count = 0
        for payment in self._reader.payments_in_flight():
            if payment.status is not PaymentStatus.RESERVED:
                continue
            voids = settlement.payment_legs(payment, self._timeout_s).voids()
            await self._writer.submit_async(
                WriteCommand(transfers=voids, decide=steps.DecideVoided(payment, self._clock))
            )
            count += 1
        return count


def _known_uetrs(reader: Reader) -> set[int] | None:
    """Fingerprints (``hash``) of every stored UETR, or None when the reader cannot list them.

    Why: looking a new UETR up in the store on every submission was, measured, about a
    seventh of the event loop's wall time (each read also hands the GIL to the writer and
    waits to get it back).

    The set is exact in one direction, which is the one that matters: a UETR whose
    fingerprint is absent was never stored, because every stored payment's fingerprint is
    loaded here at start and every submission adds its own before it writes anything (this
    service is the only writer of payments). A fingerprint that is present is checked
    against the store, so a collision costs a read, never a wrong answer.
    """
    known: set[int] = set()
    for uetr in reader.payment_uetrs():
        if len(known) >= KNOWN_UETRS_MAX:
            return None
        known.add(hash(uetr))
    return known


def _duplicate(uetr: str) -> Conflict:
    return Conflict(
        "uetr_reused_with_different_content",
        f"UETR {uetr} was already used for a different payment",
        code=ReasonCode.DUPL,
        field="uetr",
    )


def _uetr(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InputInvalid("uetr_malformed", f"{value!r} is not a UUID", field="uetr") from None
    if parsed.version != 4 or str(parsed) != value.lower():
        raise InputInvalid(
            "uetr_must_be_a_uuid_v4",
            "a UETR is a UUID version 4 in its canonical form (8-4-4-4-12 hex digits)",
            field="uetr",
        )
    return str(parsed)


def _check_addressing(request: PaymentRequest) -> None:
    if request.creditor_proxy is not None:
        address_type, value = request.creditor_proxy
        if not (1 <= len(address_type) <= 16 and address_type.isascii() and address_type.isupper()):
            raise InputInvalid(
                "creditor_proxy_type_malformed",
                "creditorProxy.addressType is an address type code such as MOBILE",
                field="creditorProxy.addressType",
            )
        if not 1 <= len(value) <= PROXY_VALUE_CHARS_MAX:
            raise InputInvalid(
                "creditor_proxy_value_length_out_of_range",
                f"creditorProxy.value must have 1 to {PROXY_VALUE_CHARS_MAX} characters",
                field="creditorProxy.value",
            )
    if request.merchant_qr is not None and not 1 <= len(request.merchant_qr) <= QR_CHARS_MAX:
        raise InputInvalid(
            "merchant_qr_length_out_of_range",
            f"merchantQr must have 1 to {QR_CHARS_MAX} characters",
            field="merchantQr",
        )


def _party(party: PartyInput, side: str) -> Party:
    name = party.name.strip()
    if not 1 <= len(name) <= PARTY_NAME_CHARS_MAX:
        raise InputInvalid(
            "party_name_length_out_of_range",
            f"{side} name must have 1 to {PARTY_NAME_CHARS_MAX} characters",
            field=f"{side}.name",
        )
    account = party.account.strip()
    if not 1 <= len(account) <= ACCOUNT_CHARS_MAX or not account.isascii():
        raise InputInvalid(
            "account_malformed",
            f"{side} account must be 1 to {ACCOUNT_CHARS_MAX} ASCII characters",
            field=f"{side}.account",
        )
    agent = party.agent.strip().upper()
    if not agent:
        raise InputInvalid("agent_missing", f"{side} agent is required", field=f"{side}.agent")
    return Party(name=name, account=account, agent=agent)


def _operator(caller: Participant) -> None:
    if caller.role is not Role.OPERATOR:
        raise Forbidden("operator_only", "only the operator reviews held payments")


def _may_read(payment: Payment, caller: Participant) -> bool:
    if caller.role is Role.OPERATOR:
        return True
    if caller.role is Role.FXP:
        return payment.fxp_id == caller.id
    return caller.id in (payment.debtor.agent, payment.creditor.agent)
