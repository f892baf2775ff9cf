"""Recalls answered by the destination PSP itself (camt.029), on a real SQLite hub.

The hub here lists every Thai PSP in ``recall_answering_psps``: a recall of a payment to
Thailand waits for the creditor agent's own camt.029. Every test that moves money checks that
every ledger still balances; every message the hub produces validates against the official
XSDs when ``../shared/iso20022/xsd`` is present.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from testkit import (
    CUSTOMERS_PER_COUNTRY_TEST,
    accounts_snapshot,
    assert_ledgers_balance,
    get_quote,
    open_hub,
    payment_request,
    poorest,
    psp_of,
    richest,
    run,
)

import isokit
from isokit import AT, PACS_008, encoded, status_request
from lintas.adapters.sqlite import recalls as recalls_module
from lintas.adapters.sqlite.migrations import MIGRATIONS, migrate
from lintas.adapters.sqlite.recalls import RecallsClosed, SqliteRecalls
from lintas.bootstrap import Hub, HubConfig
from lintas.codecs import iso20022 as iso
from lintas.domain import settlement
from lintas.domain.errors import Conflict, Forbidden, InputInvalid, NotFound
from lintas.domain.money import Money
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.directory import Participant, Role
from lintas.ports.recalls import RecallCase, RecallStatus, ReturnLink
from lintas.sandbox.region import Customer, build_region
from lintas.services.iso_gateway import HUB_BIC, IsoAnswer, IsoGateway
from pgkit import ON_BOTH_STORES, hub_in, kit_for  # type: ignore[import-not-found]

#: The destination PSPs that answer recalls themselves in these tests: every Thai PSP.
THAI_PSPS = frozenset(
    psp.id for psp in build_region(HubConfig().seed, CUSTOMERS_PER_COUNTRY_TEST).country("TH").psps
)


@pytest.fixture
def hub(store_kind: str, tmp_path: Path) -> Iterator[Hub]:
    with kit_for(store_kind, tmp_path) as kit, hub_in(kit, recall_answering_psps=THAI_PSPS) as h:
        yield h


@pytest.fixture
def gateway(hub: Hub) -> IsoGateway:
    return hub.iso


def assert_valid(xml: bytes) -> iso.Message:
    """``xml`` validates against its official XSDs (when present); its message."""
    return isokit.assert_valid(xml).message


def resolution_of(answer: IsoAnswer) -> iso.RecallResolution:
    message = assert_valid(answer.body)
    assert isinstance(message, iso.RecallResolution)
    return message


def camt056(original: Payment, case_id: str, reason: str = "FRAD") -> bytes:
    agent = original.debtor.agent
    message = iso.RecallRequest(
        case=iso.CaseAssignment("ASG-1", AT, agent, HUB_BIC, case_id, agent),
        cancellation_id="CXL-1",
        original=iso.OriginalReference("MSG-1", PACS_008, "E2E-1", original.uetr),
        original_settlement_amount=original.interbank_target,
        original_settlement_date=None,
        reason=iso.RecallReason(reason),
    )
    return encoded(message, agent)


def camt029(
    original: Payment,
    case_id: str,
    *,
    sender: str | None = None,
    status: iso.ResolutionStatus = iso.ResolutionStatus.ACCEPTED,
    reason: iso.RecallRejectionReason | None = None,
    info: tuple[str, ...] = (),
    creator: str | None = None,
    uetr: str | None = None,
) -> bytes:
    """The creditor agent's own answer to case ``case_id`` about ``original``."""
    agent = sender or original.creditor.agent
    message = iso.RecallResolution(
        case=iso.CaseAssignment(
            "ASG-2", AT, agent, HUB_BIC, case_id, creator or original.debtor.agent
        ),
        resolution_id="RSL-1",
        original=iso.OriginalReference("NOTPROVIDED", PACS_008, None, uetr or original.uetr),
        status=status,
        rejection_reason=reason,
        additional_info=info,
    )
    return encoded(message, agent)


def settled(hub: Hub, creditor: Customer | None = None) -> tuple[Payment, Customer, Customer]:
    """A settled SG -> TH payment from the richest SG customer."""
    debtor = richest(hub, "SG")
    creditor = creditor or richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "100.00")
    payment = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
    assert payment.status is PaymentStatus.SETTLED, payment
    return payment, debtor, creditor


def pending_recall(gateway: IsoGateway, original: Payment, case_id: str) -> iso.RecallResolution:
    answer = run(gateway.recall_request(camt056(original, case_id), _psp(original.debtor.agent)))
    resolution = resolution_of(answer)
    assert resolution.status is iso.ResolutionStatus.PENDING
    return resolution


def _psp(psp_id: str) -> Participant:
    return Participant(psp_id, Role.PSP)


def test_a_recall_waits_for_the_creditor_agent_that_answers_itself_and_moves_no_money(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    before = accounts_snapshot(hub.config.db_path)
    answer = run(gateway.recall_request(camt056(original, "CASE-P"), psp_of(debtor)))
    resolution = resolution_of(answer)
    assert resolution.pending and resolution.rejection_reason is None
    assert resolution.case.case_id == "CASE-P"
    assert dict(answer.headers)["link"] == (
        f'</v1/iso20022/camt.029?caseId=CASE-P&creator={debtor.psp_id}>; rel="related"'
    )
    # The source PSP reads the case as it stands; the creditor agent finds the recall.
    standing = resolution_of(gateway.recall_resolution("CASE-P", psp_of(debtor)))
    assert standing.pending and standing.original.uetr == original.uetr
    forwarded = assert_valid(gateway.forwarded_recall(original.uetr, psp_of(creditor)).body)
    assert isinstance(forwarded, iso.RecallRequest)
    assert (forwarded.case.case_id, forwarded.case.case_creator_bic) == ("CASE-P", debtor.psp_id)
    assert forwarded.case.assignee_bic == creditor.psp_id
    assert forwarded.reason is iso.RecallReason.FRAUDULENT_ORIGIN
    assert forwarded.original_settlement_amount == original.interbank_target
    # A resend is answered the same; no money moved.
    again = resolution_of(run(gateway.recall_request(camt056(original, "CASE-P"), psp_of(debtor))))
    assert again.pending
    assert accounts_snapshot(hub.config.db_path) == before
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_an_accepted_answer_returns_the_payment_through_both_legs_on_a_fresh_quote(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    pending_recall(gateway, original, "CASE-A")
    answer = run(gateway.recall_answer(camt029(original, "CASE-A"), psp_of(creditor)))
    assert answer.http_status == 200
    message = assert_valid(answer.body)
    assert isinstance(message, iso.PaymentReturn)
    assert message.reason is iso.ReturnReason.FOLLOWING_A_RECALL
    assert message.original.uetr == original.uetr
    headers = dict(answer.headers)
    returned = hub.store.payment(headers["lintas-return-uetr"])
    assert returned is not None and returned.status is PaymentStatus.SETTLED
    assert returned.return_of == original.uetr
    assert (returned.source_country, returned.destination_country) == ("TH", "SG")
    quote = hub.quoting.find(returned.quote_id)
    assert quote is not None and quote.requested_by_psp == creditor.psp_id
    assert returned.amount_debited == original.amount_credited
    assert headers["link"] == f'</v1/iso20022/pacs.004?uetr={original.uetr}>; rel="related"'
    # The source PSP sees the outcome; the investigation of the original names the return.
    outcome = gateway.recall_resolution("CASE-A", psp_of(debtor))
    resolution = resolution_of(outcome)
    assert resolution.accepted
    assert dict(outcome.headers)["lintas-return-uetr"] == returned.uetr
    status = assert_valid(
        gateway.status_request(status_request(original.uetr, debtor.psp_id), psp_of(debtor)).body
    )
    assert isinstance(status, iso.StatusReport)
    assert status.returned_by_uetr == returned.uetr
    with pytest.raises(NotFound):
        gateway.forwarded_recall(original.uetr, psp_of(creditor))
    assert_ledgers_balance(hub)


def test_a_refused_answer_is_recorded_with_its_reason_and_moves_no_money(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    pending_recall(gateway, original, "CASE-R")
    before = accounts_snapshot(hub.config.db_path)
    xml = camt029(
        original,
        "CASE-R",
        status=iso.ResolutionStatus.REJECTED,
        reason=iso.RecallRejectionReason.LEGAL_DECISION,
        info=("a court order keeps the funds",),
    )
    answer = run(gateway.recall_answer(xml, psp_of(creditor)))
    receipt = resolution_of(answer)
    assert answer.http_status == 200
    assert receipt.rejection_reason is iso.RecallRejectionReason.LEGAL_DECISION
    seen = resolution_of(gateway.recall_resolution("CASE-R", psp_of(debtor)))
    assert seen.status is iso.ResolutionStatus.REJECTED
    assert seen.rejection_reason is iso.RecallRejectionReason.LEGAL_DECISION
    assert "court order" in " ".join(seen.additional_info)
    assert accounts_snapshot(hub.config.db_path) == before
    assert hub.store.payment(original.uetr) == original
    # The case is closed: the debtor agent may recall again (a new case).
    assert pending_recall(gateway, original, "CASE-R2").case.case_id == "CASE-R2"
    assert_ledgers_balance(hub)


def test_answering_twice_a_case_of_another_psp_or_an_unknown_case_is_refused_and_changes_nothing(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    pending_recall(gateway, original, "CASE-X")
    stranger = next(c for c in hub.region.customers_of("TH") if c.psp_id != creditor.psp_id).psp_id
    before = accounts_snapshot(hub.config.db_path)
    with pytest.raises(Forbidden) as not_yours:
        run(gateway.recall_answer(camt029(original, "CASE-X", sender=stranger), _psp(stranger)))
    assert not_yours.value.reason == "only_the_creditor_agent_answers_a_recall"
    with pytest.raises(Forbidden):  # Sent for the creditor agent by someone else.
        run(gateway.recall_answer(camt029(original, "CASE-X"), _psp(stranger)))
    with pytest.raises(NotFound) as unknown:
        run(gateway.recall_answer(camt029(original, "CASE-NONE"), psp_of(creditor)))
    assert unknown.value.reason == "recall_case_unknown"
    with pytest.raises(InputInvalid) as other_payment:
        xml = camt029(original, "CASE-X", uetr=str(uuid.uuid4()))
        run(gateway.recall_answer(xml, psp_of(creditor)))
    assert other_payment.value.reason == "resolution_names_another_payment"
    with pytest.raises(InputInvalid):  # "Still pending" is not an answer.
        xml = camt029(original, "CASE-X", status=iso.ResolutionStatus.PENDING)
        run(gateway.recall_answer(xml, psp_of(creditor)))
    assert accounts_snapshot(hub.config.db_path) == before
    assert resolution_of(gateway.recall_resolution("CASE-X", psp_of(debtor))).pending
    # Answered once; a second answer, either way, is refused and changes nothing.
    first = run(gateway.recall_answer(camt029(original, "CASE-X"), psp_of(creditor)))
    assert isinstance(assert_valid(first.body), iso.PaymentReturn)
    after_first = accounts_snapshot(hub.config.db_path)
    for second in (
        camt029(original, "CASE-X"),
        camt029(
            original,
            "CASE-X",
            status=iso.ResolutionStatus.REJECTED,
            reason=iso.RecallRejectionReason.CUSTOMER_DECIDED,
        ),
    ):
        with pytest.raises(Conflict) as twice:
            run(gateway.recall_answer(second, psp_of(creditor)))
        assert twice.value.reason == "recall_already_answered"
    assert accounts_snapshot(hub.config.db_path) == after_first
    assert resolution_of(gateway.recall_resolution("CASE-X", psp_of(debtor))).accepted
    returns = [p for p in hub.store.payments(limit=50) if p.return_of == original.uetr]
    assert len(returns) == 1
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_a_case_is_read_only_by_its_creator_the_creditor_agent_and_the_operator(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, creditor = settled(hub)
    pending_recall(gateway, original, "CASE-V")
    assert resolution_of(gateway.recall_resolution("CASE-V", psp_of(debtor))).pending
    by_creditor = gateway.recall_resolution("CASE-V", psp_of(creditor), creator=debtor.psp_id)
    assert resolution_of(by_creditor).pending
    operator = Participant("OPERATOR", Role.OPERATOR)
    assert resolution_of(gateway.recall_resolution("CASE-V", operator, debtor.psp_id)).pending
    stranger = next(c for c in hub.region.customers_of("SG") if c.psp_id != debtor.psp_id)
    with pytest.raises(NotFound):
        gateway.recall_resolution("CASE-V", psp_of(stranger), creator=debtor.psp_id)
    with pytest.raises(NotFound):
        gateway.recall_resolution("CASE-V", psp_of(stranger))
    with pytest.raises(NotFound):
        gateway.forwarded_recall(original.uetr, psp_of(debtor))
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_a_second_recall_of_a_payment_with_a_pending_case_is_refused(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, _ = settled(hub)
    pending_recall(gateway, original, "CASE-1")
    with pytest.raises(Conflict) as pending:
        run(gateway.recall_request(camt056(original, "CASE-2"), psp_of(debtor)))
    assert pending.value.reason == "recall_already_pending"
    with pytest.raises(NotFound):
        gateway.recall_resolution("CASE-2", psp_of(debtor))
    assert_ledgers_balance(hub)


@ON_BOTH_STORES
def test_an_accepted_answer_whose_return_the_ledger_refuses_closes_the_case_am04(
    hub: Hub, gateway: IsoGateway
) -> None:
    creditor = poorest(hub, "TH")
    original, debtor, _ = settled(hub, creditor)
    pending_recall(gateway, original, "CASE-F")
    # The creditor spends all but half of what it was credited.
    keep = original.amount_credited.minor // 2
    available = hub.store.account_balance(_customer_account(creditor))
    assert available is not None
    spend = Money(available.available - keep, original.amount_credited.currency)
    quote = get_quote(hub, creditor, "SG", spend.format())
    spent = run(hub.payments.submit(payment_request(quote, creditor, debtor), psp_of(creditor)))
    assert spent.status is PaymentStatus.SETTLED
    answer = run(gateway.recall_answer(camt029(original, "CASE-F"), psp_of(creditor)))
    assert answer.http_status == 422
    report = assert_valid(answer.body)
    assert isinstance(report, iso.StatusReport)
    assert report.status is iso.TransactionStatus.REJECTED
    assert report.reason is iso.StatusReason.INSUFFICIENT_FUNDS
    seen = resolution_of(gateway.recall_resolution("CASE-F", psp_of(debtor)))
    assert seen.rejection_reason is iso.RecallRejectionReason.INSUFFICIENT_FUNDS
    assert hub.store.payment(original.uetr) == original
    assert_ledgers_balance(hub)


def _customer_account(customer: Customer) -> int:
    return settlement.customer_account_id(customer.country, customer.psp_id, customer.account)


def test_an_unrecallable_payment_is_answered_at_once_even_when_its_creditor_agent_answers_itself(
    hub: Hub, gateway: IsoGateway
) -> None:
    original, debtor, _ = settled(hub)
    unknown = camt056(original, "CASE-U")
    unknown = unknown.replace(original.uetr.encode(), str(uuid.uuid4()).encode())
    resolution = resolution_of(run(gateway.recall_request(unknown, psp_of(debtor))))
    assert resolution.rejection_reason is iso.RecallRejectionReason.NO_ORIGINAL_TRANSACTION
    with pytest.raises(NotFound):  # Nothing was recalled: the creditor agent has no case.
        gateway.forwarded_recall(original.uetr, psp_of(richest(hub, "TH")))
    seen = resolution_of(gateway.recall_resolution("CASE-U", psp_of(debtor)))
    assert seen.rejection_reason is iso.RecallRejectionReason.NO_ORIGINAL_TRANSACTION
    assert_ledgers_balance(hub)


def test_only_psps_of_the_region_may_be_listed_as_answering_recalls(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not PSPs of the sandbox: NOSUCHPSP"):
        open_hub(tmp_path / "hub.db", recall_answering_psps=frozenset({"NOSUCHPSP"}))


def test_the_recall_answers_migration_keeps_how_earlier_cases_were_answered(
    tmp_path: Path,
) -> None:
    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    try:
        before = [m for m in MIGRATIONS if m[0] < 6]
        for _, _, sql in before:
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(
            "CREATE TABLE schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ns INTEGER NOT NULL)"
        )
        conn.executemany(
            "INSERT INTO schema_migrations VALUES (?, ?, 0)", [(v, n) for v, n, _ in before]
        )
        conn.executemany(
            "INSERT INTO recall_cases (creator, case_id, cancellation_id, original_uetr, reason,"
            " accepted, rejection_reason, detail, return_uetr, created_at)"
            " VALUES (?, ?, 'C', ?, 'FRAD', ?, ?, 'd', NULL, '2026-11-29T00:00:00+00:00')",
            [("P", "A", "u-1", 1, None), ("P", "B", "u-2", 0, "AM04")],
        )
        assert migrate(conn) == [v for v, _, _ in MIGRATIONS if v >= 6]
        rows = conn.execute(
            "SELECT case_id, status, answered_by, answered_at FROM recall_cases ORDER BY case_id"
        ).fetchall()
        assert rows == [
            ("A", "accepted", "hub", "2026-11-29T00:00:00+00:00"),
            ("B", "rejected", "hub", "2026-11-29T00:00:00+00:00"),
        ]
    finally:
        conn.close()


# -- the recalls store's connections ---------------------------------------------------------


def recall_case(case_id: str, original_uetr: str) -> RecallCase:
    return RecallCase(
        creator="PSPSGXX1",
        case_id=case_id,
        cancellation_id="CXL-1",
        original_uetr=original_uetr,
        reason="FRAD",
        status=RecallStatus.PENDING,
        rejection_reason=None,
        detail="awaits the creditor agent",
        return_uetr=None,
        created_at=AT,
    )


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, sqlite3.Connection]]:
    """Every connection the recalls store opens, with the name of the thread that opened it."""
    opened: list[tuple[str, sqlite3.Connection]] = []
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        opened.append((threading.current_thread().name, conn))
        return conn

    monkeypatch.setattr(recalls_module.sqlite3, "connect", connect)
    return opened


def test_many_calls_from_one_thread_reuse_one_connection_until_the_owner_closes_it(
    tmp_path: Path, connects: list[tuple[str, sqlite3.Connection]]
) -> None:
    recalls = SqliteRecalls(tmp_path / "recalls.db")
    try:
        for n in range(100):
            uetr = str(uuid.UUID(int=n))
            saved = recalls.save_case(recall_case(f"CASE-{n}", uetr))
            assert recalls.case(saved.creator, saved.case_id) == saved
            assert recalls.pending_case_of(uetr) == saved
            link = ReturnLink(uetr, str(uuid.uuid4()), f"RTR-{n}", "PSPTHXX1", "FRAD", AT)
            assert recalls.claim_return(link, None)
            assert not recalls.claim_return(link, None)  # One return per original.
            assert recalls.return_of(uetr) == link
        assert [name for name, _ in connects] == [threading.current_thread().name]
        assert recalls.connections_open == 1
    finally:
        recalls.close()
    assert recalls.connections_open == 0
    with pytest.raises(sqlite3.ProgrammingError):  # Closed, not merely forgotten.
        connects[0][1].execute("SELECT 1")
    with pytest.raises(RecallsClosed):
        recalls.return_of(str(uuid.UUID(int=0)))
    assert len(connects) == 1  # A call after close does not open a connection again.


def test_two_threads_each_get_their_own_connection_and_see_what_the_other_committed(
    tmp_path: Path, connects: list[tuple[str, sqlite3.Connection]]
) -> None:
    recalls = SqliteRecalls(tmp_path / "recalls.db")
    uetr = str(uuid.uuid4())
    # One worker thread each, both alive throughout: calls alternate between them.
    with (
        ThreadPoolExecutor(1, thread_name_prefix="left") as left,
        ThreadPoolExecutor(1, thread_name_prefix="right") as right,
    ):
        try:
            # Each reads first, so that each holds its connection before the other writes.
            assert left.submit(recalls.pending_case_of, uetr).result() is None
            assert right.submit(recalls.pending_case_of, uetr).result() is None
            saved = left.submit(recalls.save_case, recall_case("CASE-L", uetr)).result()
            assert right.submit(recalls.case, saved.creator, "CASE-L").result() == saved
            answered = replace(
                saved,
                status=RecallStatus.REJECTED,
                rejection_reason="LEGL",
                answered_by="PSPTHXX1",
                answered_at=AT,
            )
            assert right.submit(recalls.answer_case, answered).result()
            assert left.submit(recalls.case, saved.creator, "CASE-L").result() == answered
            assert left.submit(recalls.pending_case_of, uetr).result() is None
            link = ReturnLink(uetr, str(uuid.uuid4()), "RTR-1", "PSPTHXX1", "FRAD", AT)
            assert right.submit(recalls.claim_return, link, None).result()
            assert left.submit(recalls.return_of, uetr).result() == link
            assert recalls.connections_open == 2
        finally:
            recalls.close()
    names = [name for name, _ in connects]
    assert len(names) == 2 and names[0].startswith("left") and names[1].startswith("right")
    assert connects[0][1] is not connects[1][1]


def test_the_connection_of_a_thread_that_ended_is_closed_when_another_thread_opens_one(
    tmp_path: Path, connects: list[tuple[str, sqlite3.Connection]]
) -> None:
    recalls = SqliteRecalls(tmp_path / "recalls.db")
    try:
        for _ in range(3):
            thread = threading.Thread(target=recalls.return_of, args=(str(uuid.uuid4()),))
            thread.start()
            thread.join()
            assert recalls.connections_open == 1
        assert len(connects) == 3
        for _, ended in connects[:2]:
            with pytest.raises(sqlite3.ProgrammingError):
                ended.execute("SELECT 1")
    finally:
        recalls.close()
    assert recalls.connections_open == 0


def test_the_hub_closes_the_recalls_store_with_the_rest(tmp_path: Path) -> None:
    h = open_hub(tmp_path / "hub.db", recall_answering_psps=THAI_PSPS)
    try:
        original, _, _ = settled(h)
        pending_recall(h.iso, original, "CASE-C")
        assert h.recalls.connections_open == 1
    finally:
        h.close()
    assert h.recalls.connections_open == 0
