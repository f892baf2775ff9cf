"""The ISO 20022 gateway on a real SQLite hub: acmt.023, pacs.008, pacs.028 and camt.053."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from testkit import (
    assert_ledgers_balance,
    get_quote,
    payment_request,
    poorest,
    psp_of,
    richest,
    run,
)

import isokit
from isokit import XSD_DIR, assert_valid, encoded, party_of, status_request
from lintas.bootstrap import Hub
from lintas.codecs import iso20022 as iso
from lintas.domain.errors import MalformedRequest
from lintas.domain.fx import Quote
from lintas.domain.money import Money
from lintas.entrypoints.api.http import Request, Router
from lintas.entrypoints.api.routes_iso import build_iso_routes
from lintas.ports.directory import Participant, Role
from lintas.sandbox.region import Customer
from lintas.services.iso_gateway import IsoGateway, iso_rate

needs_xsd = pytest.mark.skipif(
    not XSD_DIR.is_dir(), reason=f"the official ISO 20022 XSDs are not at {XSD_DIR}"
)
OPERATOR = Participant("OPERATOR", Role.OPERATOR)


def status_of(xml: bytes) -> iso.StatusReport:
    message = assert_valid(xml).message
    assert isinstance(message, iso.StatusReport)
    return message


def credit_transfer(
    hub: Hub, quote: Quote, debtor: Customer, creditor: Customer, **changes: Any
) -> iso.CreditTransfer:
    """The pacs.008 a source PSP sends for ``quote`` (keyword arguments override fields)."""
    d = quote.disclosure
    now = hub.clock.now()
    fields: dict[str, Any] = dict(
        settlement_date=now.date(),
        charges=(iso.Charge(d.source_psp_fee, debtor.psp_id),) if d.source_psp_fee.minor else (),
    )
    fields.update(changes)
    return isokit.credit_transfer(
        hub,
        quote,
        route=(debtor.country, creditor.country),
        debtor=party_of(debtor),
        creditor=party_of(creditor),
        at=now,
        **fields,
    )


def verification_request(assignee: str, scheme: str, value: str, name: str | None = None) -> bytes:
    message = iso.VerificationRequest(
        assignment=iso.Assignment(
            "MSG-023-1", datetime(2026, 11, 29, tzinfo=UTC), "MRLNSGSG", assignee
        ),
        verification_id="VRF-1",
        address=iso.Account(value, scheme),
        party_name=name,
    )
    return encoded(message, "MRLNSGSG")


@pytest.fixture
def gateway(hub: Hub) -> IsoGateway:
    return hub.iso


def sg_to_th(hub: Hub, amount: str = "100.00") -> tuple[Quote, Customer, Customer]:
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    return get_quote(hub, debtor, "TH", amount), debtor, creditor


# -- acmt.023 -> acmt.024 --------------------------------------------------------------------


def test_a_proxy_resolves_to_the_account_full_name_and_masked_display_name(
    hub: Hub, gateway: IsoGateway
) -> None:
    payee = next(
        c for c in hub.region.customers_of("TH") if any(t == "MOBILE" for t, _ in c.proxies)
    )
    mobile = next(v for t, v in payee.proxies if t == "MOBILE")
    answer = gateway.verify(
        verification_request("CHPYTHBK", "MBNO", mobile), psp_of(richest(hub, "SG"))
    )
    assert answer.http_status == 200
    report = assert_valid(answer.body).message
    assert isinstance(report, iso.VerificationReport)
    assert report.result is iso.VerificationResult.MATCH
    assert report.account == iso.Account(payee.account)
    assert report.agent_bic == payee.psp_id
    assert report.full_name == payee.name
    assert report.display_name is not None and report.display_name != payee.name
    assert report.original_verification_id == "VRF-1"


def test_a_name_that_differs_from_the_holder_is_reported_as_no_match(
    hub: Hub, gateway: IsoGateway
) -> None:
    payee = richest(hub, "TH")
    answer = gateway.verify(
        verification_request("CHPYTHBK", "ACCT", payee.account, "Nobody At All"),
        psp_of(richest(hub, "SG")),
    )
    report = assert_valid(answer.body).message
    assert isinstance(report, iso.VerificationReport)
    assert report.result is iso.VerificationResult.NO_MATCH
    assert report.full_name == payee.name


def test_an_unknown_proxy_is_answered_not_applicable_and_never_an_error(
    hub: Hub, gateway: IsoGateway
) -> None:
    for scheme, value in (("MBNO", "+66899999999"), ("MBNO", "not-a-number"), ("XXXX", "1")):
        answer = gateway.verify(
            verification_request("CHPYTHBK", scheme, value), psp_of(richest(hub, "SG"))
        )
        report = assert_valid(answer.body).message
        assert isinstance(report, iso.VerificationReport)
        assert report.result is iso.VerificationResult.NOT_APPLICABLE
        assert report.account is None


def test_a_broken_acmt023_is_refused_with_a_problem(hub: Hub, gateway: IsoGateway) -> None:
    with pytest.raises(MalformedRequest):
        gateway.verify(b"<Document/>", psp_of(richest(hub, "SG")))


# -- pacs.008 -> pacs.002 --------------------------------------------------------------------


def test_a_pacs008_settles_through_the_payment_engine_and_answers_accc(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    answer = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    report = status_of(answer.body)
    assert answer.http_status == 200
    assert report.status is iso.TransactionStatus.SETTLED
    assert report.original.uetr == message.uetr
    assert report.original.message_id == message.message_id
    stored = hub.store.payment(message.uetr)
    assert stored is not None and stored.iso_status == "ACCC"
    assert stored.amount_debited == quote.disclosure.amount_debited
    assert_ledgers_balance(hub)


def test_the_same_uetr_sent_as_json_and_as_xml_is_one_payment(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    first = run(
        hub.payments.submit(
            payment_request(quote, debtor, creditor, uetr=message.uetr), psp_of(debtor)
        )
    )
    before = hub.store.account_balance(
        next(iter(hub.store.transfers_of(message.uetr))).debit_account_id
    )
    answer = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    report = status_of(answer.body)
    assert report.status.value == first.iso_status == "ACCC"
    assert len(hub.store.payments(agent=debtor.psp_id, limit=10)) == 1
    assert hub.store.account_balance(before.account_id if before else 0) == before
    again = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    assert status_of(again.body).status is iso.TransactionStatus.SETTLED
    assert len(hub.store.payments(agent=debtor.psp_id, limit=10)) == 1
    assert_ledgers_balance(hub)


def test_the_same_uetr_with_other_content_is_refused_as_a_duplicate(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    other = credit_transfer(
        hub, quote, debtor, creditor, uetr=message.uetr, creditor_name="Someone Else"
    )
    answer = run(gateway.credit_transfer(encoded(other, debtor.psp_id), psp_of(debtor)))
    report = status_of(answer.body)
    assert (answer.http_status, report.status, report.reason) == (
        409,
        iso.TransactionStatus.REJECTED,
        iso.StatusReason.DUPLICATE_PAYMENT,
    )
    assert_ledgers_balance(hub)


@pytest.mark.parametrize(
    "field",
    ["instructed_amount", "settlement_amount", "exchange_rate", "charges"],
)
def test_a_pacs008_that_departs_from_its_quote_is_refused_am09_and_changes_nothing(
    hub: Hub, gateway: IsoGateway, field: str
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    d = quote.disclosure
    changes: dict[str, Any] = {
        "instructed_amount": Money(d.amount_debited.minor + 1, d.amount_debited.currency),
        "settlement_amount": Money(d.interbank_target.minor - 1, d.interbank_target.currency),
        "exchange_rate": iso_rate(quote.exchange_rate) + Decimal("0.01"),
        "charges": (
            iso.Charge(Money(d.source_psp_fee.minor + 1, d.source_psp_fee.currency), debtor.psp_id),
        ),
    }
    message = credit_transfer(hub, quote, debtor, creditor, **{field: changes[field]})
    answer = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    report = status_of(answer.body)
    assert answer.http_status == 422
    assert report.status is iso.TransactionStatus.REJECTED
    assert report.reason is iso.StatusReason.NARRATIVE
    assert report.additional_info[0].startswith("AM09: ")
    assert hub.store.payment(message.uetr) is None
    assert_ledgers_balance(hub)


def test_a_pacs008_in_another_currency_than_its_quote_is_refused_am03(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    wrong = Money(quote.disclosure.amount_debited.minor, quote.disclosure.interbank_target.currency)
    message = credit_transfer(hub, quote, debtor, creditor, instructed_amount=wrong, charges=())
    answer = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    assert status_of(answer.body).reason is iso.StatusReason.CURRENCY_NOT_ALLOWED
    assert hub.store.payment(message.uetr) is None


def test_a_psp_may_not_send_a_pacs008_for_another_debtor_agent(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    intruder = Participant("KLNGSGSG", Role.PSP, "SG")
    answer = run(gateway.credit_transfer(encoded(message, "KLNGSGSG"), intruder))
    report = status_of(answer.body)
    assert (answer.http_status, report.reason) == (403, iso.StatusReason.TRANSACTION_FORBIDDEN)
    assert hub.store.payment(message.uetr) is None


def test_a_pacs008_without_a_quote_id_or_with_an_unknown_quote_is_refused(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    for quote_id in (None, str(uuid.uuid4())):
        message = credit_transfer(hub, quote, debtor, creditor, quote_id=quote_id)
        answer = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
        report = status_of(answer.body)
        assert report.status is iso.TransactionStatus.REJECTED
        assert answer.http_status in (404, 422)
        assert hub.store.payment(message.uetr) is None


def test_a_payment_the_ledger_refuses_is_answered_rjct_with_the_ledgers_reason(
    hub: Hub, gateway: IsoGateway
) -> None:
    debtor, creditor = poorest(hub, "SG"), richest(hub, "TH")
    amount = Money(debtor.opening_balance.minor + 100_00, debtor.opening_balance.currency)
    quote = get_quote(hub, debtor, "TH", amount.format())
    message = credit_transfer(hub, quote, debtor, creditor)
    answer = run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    report = status_of(answer.body)
    assert answer.http_status == 200
    assert (report.status, report.reason) == (
        iso.TransactionStatus.REJECTED,
        iso.StatusReason.INSUFFICIENT_FUNDS,
    )
    assert report.additional_info
    assert_ledgers_balance(hub)


def test_a_broken_pacs008_with_a_readable_uetr_is_answered_rjct_ff01_with_the_error(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    xml = encoded(message, debtor.psp_id).replace(b"<ChrgBr>SHAR</ChrgBr>", b"<ChrgBr>XX</ChrgBr>")
    answer = run(gateway.credit_transfer(xml, psp_of(debtor)))
    report = status_of(answer.body)
    assert answer.http_status == 400
    assert (report.status, report.reason) == (
        iso.TransactionStatus.REJECTED,
        iso.StatusReason.FORMAT_INVALID,
    )
    assert report.original.uetr == message.uetr
    assert "ChrgBr" in " ".join(report.additional_info)
    assert hub.store.payment(message.uetr) is None


def test_a_message_without_a_readable_uetr_is_refused_with_a_problem(
    hub: Hub, gateway: IsoGateway
) -> None:
    for xml in (b"", b"<not xml", b"<Document xmlns='urn:x'/>"):
        with pytest.raises(MalformedRequest):
            run(gateway.credit_transfer(xml, psp_of(richest(hub, "SG"))))


def test_a_pacs028_sent_to_the_pacs008_endpoint_is_refused_ff01(
    hub: Hub, gateway: IsoGateway
) -> None:
    uetr = str(uuid.uuid4())
    answer = run(
        gateway.credit_transfer(status_request(uetr, "MRLNSGSG"), psp_of(richest(hub, "SG")))
    )
    report = status_of(answer.body)
    assert (answer.http_status, report.reason) == (400, iso.StatusReason.FORMAT_INVALID)
    assert "CreditTransfer" in " ".join(report.additional_info)


# -- pacs.028 -> pacs.002 --------------------------------------------------------------------


def test_a_status_request_answers_the_current_status_of_the_payment(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    for caller in (psp_of(debtor), psp_of(creditor), OPERATOR):
        answer = gateway.status_request(status_request(message.uetr, "MRLNSGSG"), caller)
        report = status_of(answer.body)
        assert (answer.http_status, report.status) == (200, iso.TransactionStatus.SETTLED)
        assert report.original.uetr == message.uetr
    assert_ledgers_balance(hub)


def test_a_status_request_for_an_unknown_or_foreign_uetr_is_rjct_with_a_reason(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
    stranger = Participant("KLNGSGSG", Role.PSP, "SG")
    for uetr, caller in ((str(uuid.uuid4()), psp_of(debtor)), (message.uetr, stranger)):
        answer = gateway.status_request(status_request(uetr, "MRLNSGSG"), caller)
        report = status_of(answer.body)
        assert answer.http_status == 404
        assert (report.status, report.reason) == (
            iso.TransactionStatus.REJECTED,
            iso.StatusReason.NARRATIVE,
        )
        assert report.additional_info


# -- camt.053 --------------------------------------------------------------------------------


def test_a_statement_of_the_fxp_and_psp_fee_accounts_shows_the_days_payments(
    hub: Hub, gateway: IsoGateway
) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    uetrs = []
    for _ in range(2):
        fresh = get_quote(hub, debtor, "TH", "100.00")
        message = credit_transfer(hub, fresh, debtor, creditor)
        run(gateway.credit_transfer(encoded(message, debtor.psp_id), psp_of(debtor)))
        uetrs.append(message.uetr)
    sg, th = hub.region.country("SG"), hub.region.country("TH")
    today = hub.clock.now().date().isoformat()
    fxp = Participant(quote.fxp_id, Role.FXP)
    source = statement_of(gateway, f"fxp:{quote.fxp_id}@{sg.sap.id}", today, fxp)
    assert [e.side for e in source.entries] == [iso.Side.CREDIT, iso.Side.CREDIT]
    assert {e.uetr for e in source.entries} == set(uetrs)
    assert source.closing.signed_minor - source.opening.signed_minor == sum(
        e.amount.minor for e in source.entries
    )
    target = statement_of(gateway, f"fxp:{quote.fxp_id}@{th.sap.id}", today, OPERATOR)
    assert {e.side for e in target.entries} == {iso.Side.DEBIT}
    fees = statement_of(gateway, f"psp-fee:{debtor.psp_id}", today, psp_of(debtor))
    assert sum(e.amount.minor for e in fees.entries) == 2 * quote.disclosure.source_psp_fee.minor
    yesterday = (hub.clock.now() - timedelta(days=1)).date().isoformat()
    before = statement_of(gateway, f"fxp:{quote.fxp_id}@{sg.sap.id}", yesterday, fxp)
    assert before.entries == ()
    assert before.closing == source.opening
    assert_ledgers_balance(hub)


def statement_of(gateway: IsoGateway, account: str, day: str, caller: Participant) -> iso.Statement:
    answer = gateway.statement(account, day, caller)
    message = assert_valid(answer.body).message
    assert isinstance(message, iso.Statement)
    return message


def test_a_statement_is_refused_for_another_participant_or_an_unknown_account(
    hub: Hub, gateway: IsoGateway
) -> None:
    from lintas.domain.errors import Forbidden, InputInvalid

    debtor = richest(hub, "SG")
    with pytest.raises(Forbidden):
        gateway.statement("psp-fee:KLNGSGSG", "2026-11-29", psp_of(debtor))
    for account in ("fxp:NOPE@LNSASGSG", "psp-fee:NOPE", "customer:1", ""):
        with pytest.raises(InputInvalid):
            gateway.statement(account, "2026-11-29", OPERATOR)
    with pytest.raises(InputInvalid):
        gateway.statement(f"psp-fee:{debtor.psp_id}", "29/11/2026", psp_of(debtor))


# -- the routes, called through a router ---------------------------------------------------


def test_every_iso_route_is_documented_with_an_example_and_speaks_xml(hub: Hub) -> None:
    routes = build_iso_routes(hub)
    assert {(r.method, r.path) for r in routes} == {
        ("POST", "/v1/iso20022/acmt.023"),
        ("POST", "/v1/iso20022/pacs.008"),
        ("POST", "/v1/iso20022/pacs.028"),
        ("GET", "/v1/iso20022/camt.053"),
        ("POST", "/v1/iso20022/pacs.004"),
        ("GET", "/v1/iso20022/pacs.004"),
        ("POST", "/v1/iso20022/camt.056"),
        ("GET", "/v1/iso20022/camt.056"),
        ("POST", "/v1/iso20022/camt.029"),
        ("GET", "/v1/iso20022/camt.029"),
    }
    for route in routes:
        assert route.summary and route.description and route.example.startswith("curl")
        assert route.content_type == "application/xml"


def test_the_pacs008_route_answers_xml_through_the_router(hub: Hub) -> None:
    quote, debtor, creditor = sg_to_th(hub)
    message = credit_transfer(hub, quote, debtor, creditor)
    matched = Router(build_iso_routes(hub)).match("POST", "/v1/iso20022/pacs.008")
    assert matched is not None
    request = Request(
        "POST",
        "/v1/iso20022/pacs.008",
        {},
        {},
        {},
        encoded(message, debtor.psp_id),
        psp_of(debtor),
    )
    response = run(matched[0].handler(request))
    assert (response.status, response.content_type) == (200, b"application/xml")
    assert status_of(response.body).status is iso.TransactionStatus.SETTLED
    assert_ledgers_balance(hub)
