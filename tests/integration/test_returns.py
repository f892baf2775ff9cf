"""Returns (pacs.004, return pacs.008) and recalls (camt.056) on a real SQLite hub.

Every test that moves money checks that every ledger still balances; every message the hub
produces validates against the official XSDs when ``../shared/iso20022/xsd`` is present.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from testkit import (
    assert_ledgers_balance,
    gateway_of,
    get_quote,
    payment_request,
    poorest,
    psp_of,
    richest,
    run,
)

import isokit
from isokit import AT, PACS_008, assert_valid, encoded, status_request
from lintas.adapters.sqlite.migrations import MIGRATIONS, migrate
from lintas.bootstrap import Hub
from lintas.codecs import iso20022 as iso
from lintas.domain import settlement
from lintas.domain.errors import Forbidden, InputInvalid, MalformedRequest, NotFound, Refused
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.directory import Participant, Role
from lintas.sandbox.region import Customer
from lintas.services.iso_gateway import HUB_BIC, IsoAnswer, IsoGateway
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.quoting import QuoteRequest
from lintas.services.returns import simulated_recall_answer
from pgkit import ON_BOTH_STORES  # type: ignore[import-not-found]


def status_of(answer: IsoAnswer) -> iso.StatusReport:
    message = assert_valid(answer.body).message
    assert isinstance(message, iso.StatusReport)
    return message


def resolution_of(answer: IsoAnswer) -> iso.RecallResolution:
    message = assert_valid(answer.body).message
    assert isinstance(message, iso.RecallResolution)
    return message


def pacs004(
    original: Payment,
    sender: str,
    amount: Money | None = None,
    *,
    return_id: str = "RTR-1",
    original_amount: Money | None = None,
) -> bytes:
    message = iso.PaymentReturn(
        message_id=f"MSG-{uuid.uuid4().hex[:20]}",
        created_at=AT,
        clearing_system="SANDBOX",
        return_id=return_id,
        original=iso.OriginalReference("MSG-1", PACS_008, None, original.uetr),
        original_settlement_amount=original_amount or original.interbank_target,
        returned_amount=amount or original.amount_credited,
        settlement_date=None,
        reason=iso.ReturnReason.DUPLICATE_PAYMENT,
        instructing_agent_bic=sender,
        instructed_agent_bic=original.debtor.agent,
    )
    return encoded(message, sender)


def camt056(original_uetr: str, amount: Money, sender: str, reason: str, case: str) -> bytes:
    message = iso.RecallRequest(
        case=iso.CaseAssignment("ASG-1", AT, sender, HUB_BIC, case, sender),
        cancellation_id="CXL-1",
        original=iso.OriginalReference("MSG-1", PACS_008, "E2E-1", original_uetr),
        original_settlement_amount=amount,
        original_settlement_date=None,
        reason=iso.RecallReason(reason),
    )
    return encoded(message, sender)


def settled(hub: Hub, amount: str = "100.00") -> tuple[Payment, Customer, Customer]:
    """A settled SG -> TH payment from the richest SG customer to the richest TH one."""
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", amount)
    payment = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
    assert payment.status is PaymentStatus.SETTLED, payment
    return payment, debtor, creditor


def balance(hub: Hub, customer: Customer) -> int:
    account = hub.store.account_balance(
        settlement.customer_account_id(customer.country, customer.psp_id, customer.account)
    )
    assert account is not None
    return account.credits_posted - account.debits_posted


def payment(hub: Hub, uetr: str) -> Payment:
    found = hub.store.payment(uetr)
    assert found is not None, uetr
    return found


@pytest.fixture
def gateway(hub: Hub) -> IsoGateway:
    return hub.iso


# -- pacs.004 --------------------------------------------------------------------------------


@ON_BOTH_STORES
def test_a_pacs004_returns_a_settled_payment_through_both_legs_on_a_fresh_quote(
    hub: Hub, gateway: IsoGateway
) -> None:
    before = balance(hub, richest(hub, "SG")), balance(hub, richest(hub, "TH"))
    original, debtor, creditor = settled(hub)
    answer = run(gateway.payment_return(pacs004(original, creditor.psp_id), psp_of(creditor)))
    report = status_of(answer)
    assert answer.http_status == 200
    assert report.status is iso.TransactionStatus.SETTLED
    assert report.original.message_name == "pacs.004.001.14"
    returned = payment(hub, report.original.uetr)
    assert returned.return_of == original.uetr
    assert returned.status is PaymentStatus.SETTLED
    assert ("lintas-return-of", original.uetr) in answer.headers
    # Back over the reversed corridor, on a fresh quote the returning PSP asked for.
    assert (returned.source_country, returned.destination_country) == ("TH", "SG")
    assert returned.quote_id != original.quote_id
    quote = hub.quoting.find(returned.quote_id)
    assert quote is not None and quote.requested_by_psp == creditor.psp_id
    assert (returned.debtor.account, returned.creditor.account) == (
        creditor.account,
        debtor.account,
    )
    # Money conservation: the creditor gives back at most what it received; the debtor is
    # poorer only by both payments' fees and the FX spread.
    assert returned.amount_debited.minor <= original.amount_credited.minor
    debtor_change = balance(hub, debtor) - before[0]
    creditor_change = balance(hub, creditor) - before[1]
    assert creditor_change == original.amount_credited.minor - returned.amount_debited.minor
    assert 0 <= creditor_change <= 1  # What rounding the quote down to whole units left.
    assert debtor_change == returned.amount_credited.minor - original.amount_debited.minor
    fees_sgd = (
        original.source_psp_fee.minor + original.scheme_fee.minor
    ) + returned.destination_psp_fee.minor
    fx_and_thb_fees_sgd = original.principal.minor - returned.interbank_target.minor
    assert -debtor_change == fees_sgd + fx_and_thb_fees_sgd
    assert fees_sgd > 0 and 0 <= fx_and_thb_fees_sgd < original.principal.minor // 20
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_a_second_return_of_the_same_payment_is_refused_and_a_resend_gets_the_same_answer(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, _, creditor = settled(hub)
    half = Money(original.amount_credited.minor // 2, original.amount_credited.currency)
    first = status_of(
        run(gateway.payment_return(pacs004(original, creditor.psp_id, half), psp_of(creditor)))
    )
    assert first.status is iso.TransactionStatus.SETTLED
    again = status_of(
        run(gateway.payment_return(pacs004(original, creditor.psp_id, half), psp_of(creditor)))
    )
    assert again.status is iso.TransactionStatus.SETTLED
    assert again.original.uetr == first.original.uetr
    second = run(
        gateway.payment_return(
            pacs004(original, creditor.psp_id, half, return_id="RTR-2"), psp_of(creditor)
        )
    )
    refused = status_of(second)
    assert second.http_status == 409
    assert refused.status is iso.TransactionStatus.REJECTED
    assert refused.reason is iso.StatusReason.DUPLICATE_PAYMENT
    assert first.original.uetr in "".join(refused.additional_info)
    assert hub.store.payment(refused.original.uetr) == original  # Points at the original.
    assert_ledgers_balance(hub)


def test_only_the_creditor_agent_may_return_a_payment(hub: Hub, gateway: IsoGateway) -> None:
    original, debtor, creditor = settled(hub)
    by_debtor_agent = run(gateway.payment_return(pacs004(original, debtor.psp_id), psp_of(debtor)))
    assert by_debtor_agent.http_status == 403
    assert status_of(by_debtor_agent).reason is iso.StatusReason.TRANSACTION_FORBIDDEN
    stranger = next(c for c in hub.region.customers_of("TH") if c.psp_id != creditor.psp_id)
    by_stranger = run(gateway.payment_return(pacs004(original, stranger.psp_id), psp_of(stranger)))
    assert by_stranger.http_status == 404
    sent_for_another = run(
        gateway.payment_return(pacs004(original, creditor.psp_id), psp_of(stranger))
    )
    assert sent_for_another.http_status == 403
    assert balance(hub, creditor) >= original.amount_credited.minor
    assert hub.store.payment(original.uetr) == original
    assert_ledgers_balance(hub)


def test_a_return_above_the_amount_credited_or_naming_another_amount_is_refused_am09(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, _, creditor = settled(hub)
    credited = original.amount_credited
    too_much = Money(credited.minor + 1, credited.currency)
    answer = run(
        gateway.payment_return(pacs004(original, creditor.psp_id, too_much), psp_of(creditor))
    )
    report = status_of(answer)
    assert answer.http_status == 422
    assert report.reason is iso.StatusReason.NARRATIVE
    assert report.additional_info[0].startswith("AM09: ")
    target = original.interbank_target
    wrong_original = Money(target.minor + 100, target.currency)
    answer = run(
        gateway.payment_return(
            pacs004(original, creditor.psp_id, original_amount=wrong_original), psp_of(creditor)
        )
    )
    assert answer.http_status == 422
    assert status_of(answer).additional_info[0].startswith("AM09: ")
    assert_ledgers_balance(hub)


def test_an_unsettled_or_unknown_payment_is_not_returned(hub: Hub, gateway: IsoGateway) -> None:
    debtor, creditor = poorest(hub, "SG"), richest(hub, "TH")
    big = str(debtor.opening_balance.minor // 100 + 500)
    quote = get_quote(hub, debtor, "TH", f"{big}.00")
    rejected = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
    assert rejected.status is PaymentStatus.REJECTED
    answer = run(gateway.payment_return(pacs004(rejected, creditor.psp_id), psp_of(creditor)))
    assert answer.http_status == 422
    assert "not settled" in "".join(status_of(answer).additional_info)
    unknown = Payment(**{**_fields(rejected), "uetr": str(uuid.uuid4())})
    answer = run(gateway.payment_return(pacs004(unknown, creditor.psp_id), psp_of(creditor)))
    assert answer.http_status == 404
    assert status_of(answer).status is iso.TransactionStatus.REJECTED
    assert_ledgers_balance(hub)


def _fields(p: Payment) -> dict[str, Any]:
    return {name: getattr(p, name) for name in Payment.__dataclass_fields__}


def test_a_broken_pacs004_is_refused_without_a_server_error(hub: Hub, gateway: IsoGateway) -> None:
    original, _, creditor = settled(hub)
    xml = pacs004(original, creditor.psp_id)
    answer = run(gateway.payment_return(xml[:-40], psp_of(creditor)))
    assert answer.http_status == 400
    assert status_of(answer).reason is iso.StatusReason.FORMAT_INVALID
    with pytest.raises(MalformedRequest):
        run(gateway.payment_return(b"<nope/>", psp_of(creditor)))
    assert_ledgers_balance(hub)


# -- a return as a pacs.008 ------------------------------------------------------------------


def return_credit_transfer(
    hub: Hub, original: Payment, creditor: Customer, **changes: Any
) -> bytes:
    """The pacs.008 with which ``creditor``'s PSP sends the amount credited back."""
    th, sg = hub.region.country("TH"), hub.region.country("SG")
    request = QuoteRequest(
        "TH", th.currency, "SG", sg.currency, th.currency, original.amount_credited.format()
    )
    quote = run(hub.quoting.quote(request, psp_of(creditor)))[0]
    fields: dict[str, Any] = dict(
        end_to_end_id="E2E-RETURN",
        instructing_agent_bic=creditor.psp_id,
        remittance_lines=(f"NexusOrgnlUETR:{original.uetr}",),
    )
    fields.update(changes)
    message = isokit.credit_transfer(
        hub,
        quote,
        route=("TH", "SG"),
        debtor=original.creditor,
        creditor=original.debtor,
        at=AT,
        **fields,
    )
    return encoded(message, creditor.psp_id)


@ON_BOTH_STORES
def test_a_pacs008_naming_nexus_orgnl_uetr_is_a_return_linked_to_the_original(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, _, creditor = settled(hub)
    xml = return_credit_transfer(hub, original, creditor)
    answer = run(gateway.credit_transfer(xml, psp_of(creditor)))
    report = status_of(answer)
    assert report.status is iso.TransactionStatus.SETTLED
    returned = payment(hub, report.original.uetr)
    assert returned.return_of == original.uetr
    resent = run(gateway.credit_transfer(xml, psp_of(creditor)))
    assert status_of(resent).status is iso.TransactionStatus.SETTLED
    second = run(gateway.payment_return(pacs004(original, creditor.psp_id), psp_of(creditor)))
    assert second.http_status == 409
    assert status_of(second).reason is iso.StatusReason.DUPLICATE_PAYMENT
    assert_ledgers_balance(hub)


def test_a_return_pacs008_to_someone_else_or_with_a_broken_marker_is_refused(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    other = next(c for c in hub.region.customers_of("SG") if c.account != debtor.account)
    elsewhere = return_credit_transfer(
        hub,
        original,
        creditor,
        creditor_account=iso.Account(other.account),
        creditor_agent_bic=other.psp_id,
    )
    answer = run(gateway.credit_transfer(elsewhere, psp_of(creditor)))
    assert answer.http_status == 422
    assert status_of(answer).status is iso.TransactionStatus.REJECTED
    valid = return_credit_transfer(hub, original, creditor)
    broken = valid.replace(original.uetr.encode(), b"not-a-uetr")
    answer = run(gateway.credit_transfer(broken, psp_of(creditor)))
    assert answer.http_status == 400
    assert status_of(answer).status is iso.TransactionStatus.REJECTED
    assert_ledgers_balance(hub)


# -- camt.056 -> camt.029 --------------------------------------------------------------------


def recall(
    gateway: IsoGateway, original: Payment, debtor: Customer, reason: str, case: str
) -> tuple[bytes, IsoAnswer]:
    """``debtor``'s PSP recalls ``original``: (the camt.056 it sends, the hub's answer)."""
    xml = camt056(original.uetr, original.interbank_target, debtor.psp_id, reason, case)
    return xml, run(gateway.recall_request(xml, psp_of(debtor)))


@ON_BOTH_STORES
def test_an_accepted_recall_executes_the_return_and_its_pacs004_is_served(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    xml, answer = recall(gateway, original, debtor, "DUPL", "CASE-1")
    resolution = resolution_of(answer)
    assert resolution.accepted and resolution.rejection_reason is None
    assert resolution.case.case_id == "CASE-1"
    assert resolution.original.uetr == original.uetr
    headers = dict(answer.headers)
    returned = payment(hub, headers["lintas-return-uetr"])
    assert returned.status is PaymentStatus.SETTLED and returned.return_of == original.uetr
    assert returned.amount_debited.minor <= original.amount_credited.minor
    assert headers["link"] == f'</v1/iso20022/pacs.004?uetr={original.uetr}>; rel="related"'
    for reader in (psp_of(debtor), psp_of(creditor)):
        message = assert_valid(gateway.return_message(original.uetr, reader).body).message
        assert isinstance(message, iso.PaymentReturn)
        assert message.reason is iso.ReturnReason.FOLLOWING_A_RECALL
        assert message.original.uetr == original.uetr
        assert message.returned_amount == returned.amount_debited
        assert returned.uetr in "".join(message.additional_info)
    # The investigation of the original names its return.
    status = gateway.status_request(status_request(original.uetr, debtor.psp_id), psp_of(debtor))
    assert status_of(status).status is iso.TransactionStatus.SETTLED
    assert ("lintas-returned-by", returned.uetr) in status.headers
    # The message itself names the return too (SplmtryData/Envlp/RtrLk), not only a header.
    assert status_of(status).returned_by_uetr == returned.uetr
    assert f"<RtrdByUETR>{returned.uetr}</RtrdByUETR>".encode() in status.body
    of_return = gateway.status_request(status_request(returned.uetr, debtor.psp_id), psp_of(debtor))
    assert ("lintas-return-of", original.uetr) in of_return.headers
    assert status_of(of_return).return_of_uetr == original.uetr
    # Resent: the same answer, and no second return.
    again = run(gateway.recall_request(xml, psp_of(debtor)))
    assert resolution_of(again).accepted
    assert dict(again.headers)["lintas-return-uetr"] == returned.uetr
    refused = resolution_of(recall(gateway, original, debtor, "FRAD", "CASE-2")[1])
    assert not refused.accepted
    assert refused.rejection_reason is iso.RecallRejectionReason.ALREADY_RETURNED
    assert_ledgers_balance(hub)


def test_a_customer_requested_recall_is_refused_until_the_creditor_agent_returns_it(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    _, answer = recall(gateway, original, debtor, "CUST", "CASE-C")
    resolution = resolution_of(answer)
    assert not resolution.accepted
    assert resolution.rejection_reason is iso.RecallRejectionReason.CUSTOMER_DECIDED
    assert resolution.additional_info
    assert "lintas-return-uetr" not in dict(answer.headers)
    with pytest.raises(NotFound):
        gateway.return_message(original.uetr, psp_of(debtor))
    # The creditor agrees after all: its PSP returns the payment itself.
    returned = run(gateway.payment_return(pacs004(original, creditor.psp_id), psp_of(creditor)))
    assert status_of(returned).status is iso.TransactionStatus.SETTLED
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_a_recall_is_refused_am04_when_the_creditor_has_spent_the_money(
    hub: Hub, gateway: IsoGateway
) -> None:
    debtor, creditor = richest(hub, "SG"), poorest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "100.00")
    original = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
    assert original.status is PaymentStatus.SETTLED
    # The creditor spends all but half of what it was credited.
    keep = original.amount_credited.minor // 2
    spend = Money(balance(hub, creditor) - keep, original.amount_credited.currency)
    quote = get_quote(hub, creditor, "SG", spend.format())
    spent = run(hub.payments.submit(payment_request(quote, creditor, debtor), psp_of(creditor)))
    assert spent.status is PaymentStatus.SETTLED
    resolution = resolution_of(recall(gateway, original, debtor, "FRAD", "CASE-F")[1])
    assert not resolution.accepted
    assert resolution.rejection_reason is iso.RecallRejectionReason.INSUFFICIENT_FUNDS
    assert_ledgers_balance(hub)


def test_a_recall_of_an_unknown_unsettled_or_foreign_payment_is_answered_noor(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    unknown = camt056(str(uuid.uuid4()), original.interbank_target, debtor.psp_id, "TECH", "C-1")
    resolution = resolution_of(run(gateway.recall_request(unknown, psp_of(debtor))))
    assert resolution.rejection_reason is iso.RecallRejectionReason.NO_ORIGINAL_TRANSACTION
    poor = poorest(hub, "SG")
    quote = get_quote(hub, poor, "TH", f"{poor.opening_balance.minor // 100 + 500}.00")
    rejected = run(hub.payments.submit(payment_request(quote, poor, creditor), psp_of(poor)))
    assert rejected.status is PaymentStatus.REJECTED
    unsettled = camt056(rejected.uetr, rejected.interbank_target, poor.psp_id, "TECH", "C-2")
    resolution = resolution_of(run(gateway.recall_request(unsettled, psp_of(poor))))
    assert resolution.rejection_reason is iso.RecallRejectionReason.NO_ORIGINAL_TRANSACTION
    assert "not settled" in "".join(resolution.additional_info)
    wrong_amount = Money(original.interbank_target.minor + 1, original.interbank_target.currency)
    xml = camt056(original.uetr, wrong_amount, debtor.psp_id, "AM09", "C-3")
    resolution = resolution_of(run(gateway.recall_request(xml, psp_of(debtor))))
    assert resolution.rejection_reason is iso.RecallRejectionReason.NO_ORIGINAL_TRANSACTION
    # Only the debtor agent recalls, and only as itself.
    by_creditor = camt056(original.uetr, original.interbank_target, creditor.psp_id, "DUPL", "C-4")
    resolution = resolution_of(run(gateway.recall_request(by_creditor, psp_of(creditor))))
    assert resolution.rejection_reason is iso.RecallRejectionReason.NO_ORIGINAL_TRANSACTION
    with pytest.raises(Forbidden):
        run(gateway.recall_request(xml, psp_of(creditor)))
    with pytest.raises(MalformedRequest):
        run(gateway.recall_request(xml[:100], psp_of(debtor)))
    assert hub.store.payment(original.uetr) == original
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_every_ledger_balances_after_a_mix_of_payments_returns_and_recalls(
    hub: Hub, gateway: IsoGateway
) -> None:
    debtors = sorted(hub.region.customers_of("SG"), key=lambda c: -c.opening_balance.minor)[:4]
    creditor = richest(hub, "TH")
    originals = []
    for debtor in debtors:
        quote = get_quote(hub, debtor, "TH", "20.00")
        done = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
        assert done.status is PaymentStatus.SETTLED
        originals.append((done, debtor))
    (p1, _), (p2, d2), (p3, d3), (p4, d4) = originals
    run(gateway.payment_return(pacs004(p1, creditor.psp_id), psp_of(creditor)))
    run(
        gateway.recall_request(
            camt056(p2.uetr, p2.interbank_target, d2.psp_id, "TECH", "M-2"), psp_of(d2)
        )
    )
    run(
        gateway.recall_request(
            camt056(p3.uetr, p3.interbank_target, d3.psp_id, "CUST", "M-3"), psp_of(d3)
        )
    )
    run(gateway.credit_transfer(return_credit_transfer(hub, p4, creditor), psp_of(creditor)))
    run(
        gateway.recall_request(
            camt056(p4.uetr, p4.interbank_target, d4.psp_id, "DUPL", "M-4"), psp_of(d4)
        )
    )
    returns = [r for r in hub.store.payments(limit=50) if r.return_of is not None]
    assert sorted(r.return_of or "" for r in returns) == sorted([p1.uetr, p2.uetr, p4.uetr])
    assert all(r.status is PaymentStatus.SETTLED for r in returns)
    assert_ledgers_balance(hub)


# -- the pure policy and the migration -------------------------------------------------------


def test_the_simulated_destination_psp_accepts_only_when_the_funds_are_still_there() -> None:
    credited = Money(10_000, CurrencyCode("THB"))
    assert simulated_recall_answer("DUPL", credited, 10_000).accepted
    assert simulated_recall_answer("FRAD", credited, 9_999).rejection_reason == "AM04"
    assert simulated_recall_answer("TECH", credited, None).rejection_reason == "AC04"
    assert simulated_recall_answer("CUST", credited, 10**9).rejection_reason == "CUST"


def test_the_recall_cases_migration_applies_after_a_gap_in_versions(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "gap.db", isolation_level=None)
    try:
        assert [m[0] for m in MIGRATIONS][:1] == [1] and 3 in [m[0] for m in MIGRATIONS]
        applied = migrate(conn)
        assert 3 in applied and migrate(conn) == []
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"payment_returns", "recall_cases"} <= tables
    finally:
        conn.close()


def test_the_recall_routes_answer_operators_and_strangers_without_a_server_error(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, _ = settled(hub)
    operator = Participant("OPERATOR", Role.OPERATOR)
    with pytest.raises(NotFound):
        gateway.return_message(original.uetr, operator)
    xml = camt056(original.uetr, original.interbank_target, debtor.psp_id, "DUPL", "OP-1")
    with pytest.raises(Forbidden):
        run(gateway.recall_request(xml, operator))
    assert_ledgers_balance(hub)


# -- return refusals on the service itself ---------------------------------------------------


def _returns(hub: Hub) -> Any:
    returns = hub.iso._returns
    assert returns is not None
    return returns


@pytest.mark.parametrize(
    ("amount_of", "error", "reason"),
    [
        (
            lambda p: Money(p.amount_credited.minor, CurrencyCode("SGD")),
            Refused,
            "return_is_in_the_currency_credited",
        ),
        (
            lambda p: Money(0, p.amount_credited.currency),
            InputInvalid,
            "return_amount_must_be_positive",
        ),
    ],
)
def test_a_return_in_another_currency_or_of_nothing_is_refused_and_moves_nothing(
    hub: Hub, amount_of: Any, error: type[Exception], reason: str
) -> None:
    original, debtor, creditor = settled(hub)
    before = balance(hub, debtor), balance(hub, creditor)
    with pytest.raises(error) as e:
        run(
            _returns(hub).return_payment(
                original.uetr,
                amount_of(original),
                psp_of(creditor),
                return_id="RTR-9",
                reason="DUPL",
            )
        )
    assert getattr(e.value, "reason", None) == reason
    assert (balance(hub, debtor), balance(hub, creditor)) == before
    assert_ledgers_balance(hub)


def test_a_return_pacs008_over_another_corridor_or_for_more_than_credited_is_refused(
    hub: Hub,
) -> None:
    original, debtor, creditor = settled(hub)
    before = balance(hub, debtor), balance(hub, creditor)
    th, my = hub.region.country("TH"), hub.region.country("MY")
    elsewhere = run(
        hub.quoting.quote(
            QuoteRequest("TH", th.currency, "MY", my.currency, th.currency, "1000.00"),
            psp_of(creditor),
        )
    )[0]
    too_much = Money(original.amount_credited.minor + 100, original.amount_credited.currency)
    more = run(
        hub.quoting.quote(
            QuoteRequest("TH", th.currency, "SG", "SGD", th.currency, too_much.format()),
            psp_of(creditor),
        )
    )[0]
    cases = [(elsewhere, InputInvalid, "return_goes_back_over_the_original_corridor")]
    cases.append((more, Refused, "return_exceeds_amount_credited"))
    for quote, error, reason in cases:
        request = PaymentRequest(
            uetr=str(uuid.uuid4()),
            quote_id=quote.quote_id,
            debtor=PartyInput(creditor.name_latin, creditor.account, creditor.psp_id),
            creditor=PartyInput(debtor.name_latin, debtor.account, debtor.psp_id),
            return_of=original.uetr,
        )
        with pytest.raises(error) as e:
            run(_returns(hub).submit_return_payment(request, psp_of(creditor)))
        assert getattr(e.value, "reason", None) == reason, quote
        assert hub.store.payment(request.uetr) is None
    assert (balance(hub, debtor), balance(hub, creditor)) == before
    assert_ledgers_balance(hub)


# -- a hub that takes no returns ------------------------------------------------------------


def test_a_gateway_without_returns_refuses_returns_and_recalls_and_moves_nothing(
    hub: Hub,
) -> None:
    # A gateway may be wired without the returns service (an operator that settles returns
    # elsewhere): every way in says so, as a refusal, never as a crash or a silent payment.
    plain = gateway_of(hub, returns=None)
    original, debtor, creditor = settled(hub)
    before = balance(hub, debtor), balance(hub, creditor)

    answer = run(plain.payment_return(pacs004(original, creditor.psp_id), psp_of(creditor)))
    assert answer.http_status == 422
    assert "does not take returns" in "".join(status_of(answer).additional_info)
    xml = return_credit_transfer(hub, original, creditor)
    answer = run(plain.credit_transfer(xml, psp_of(creditor)))
    assert answer.http_status == 422
    assert "does not take returns" in "".join(status_of(answer).additional_info)
    with pytest.raises(NotFound) as returned:
        plain.return_message(original.uetr, psp_of(creditor))
    assert returned.value.reason == "return_unknown"
    with pytest.raises(NotFound) as recalled:
        recall(plain, original, debtor, "DUPL", "CASE-NONE")
    assert recalled.value.reason == "recall_unknown"

    assert (balance(hub, debtor), balance(hub, creditor)) == before
    assert_ledgers_balance(hub)
