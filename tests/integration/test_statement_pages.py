"""camt.053 statements in pages (``GrpHdr/MsgPgntn``) on a real SQLite hub.

Every page validates against the official XSDs (when present); the pages of a day together
list every entry of the day once, and each page's balances add up.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from testkit import (
    assert_ledgers_balance,
    gateway_of,
    get_quote,
    payment_request,
    psp_of,
    richest,
    run,
)

from lintas.bootstrap import Hub
from lintas.codecs import iso20022 as iso
from lintas.domain.errors import InputInvalid, NotFound
from lintas.domain.payment import PaymentStatus
from lintas.ports.directory import Participant
from lintas.services.iso_gateway import STATEMENT_PAGE_ENTRIES_MAX, IsoGateway

XSD_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "iso20022" / "xsd"
#: Payments made for these tests, each one entry on the debtor PSP's fee account.
PAYMENTS = 7


def small_pages(hub: Hub, size: int) -> IsoGateway:
    """The hub's gateway, but with ``size`` entries to a statement page."""
    return gateway_of(hub, statement_page_entries=size)


def page_of(
    gateway: IsoGateway, account: str, day: str, caller: Participant, page: str
) -> iso.Statement:
    answer = gateway.statement(account, day, caller, page=page)
    if XSD_DIR.is_dir():
        report = iso.validate(answer.body, xsd_dir=XSD_DIR)
        assert report.valid, report.problems
    message = iso.decode(answer.body, schema=False).message
    assert isinstance(message, iso.Statement)
    return message


def pay(hub: Hub, count: int) -> tuple[str, Participant]:
    """``count`` settled SG -> TH payments; the debtor PSP's fee account and that PSP."""
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    for _ in range(count):
        quote = get_quote(hub, debtor, "TH", "10.00")
        done = run(hub.payments.submit(payment_request(quote, debtor, creditor), psp_of(debtor)))
        assert done.status is PaymentStatus.SETTLED
    return f"psp-fee:{debtor.psp_id}", psp_of(debtor)


def test_the_pages_of_a_day_list_every_entry_once_and_each_page_adds_up(hub: Hub) -> None:
    account, psp = pay(hub, PAYMENTS)
    today = hub.clock.now().date().isoformat()
    whole = page_of(hub.iso, account, today, psp, "1")
    assert len(whole.entries) == PAYMENTS
    assert whole.pagination == iso.Pagination(1, True)
    gateway = small_pages(hub, 3)
    pages = [page_of(gateway, account, today, psp, str(n)) for n in (1, 2, 3)]
    assert [p.pagination for p in pages] == [
        iso.Pagination(1, False),
        iso.Pagination(2, False),
        iso.Pagination(3, True),
    ]
    assert [len(p.entries) for p in pages] == [3, 3, 1]
    listed = [e.reference for p in pages for e in p.entries]
    assert listed == [e.reference for e in whole.entries]
    assert len(set(listed)) == PAYMENTS
    # Each page opens where the one before closed: the day's opening, interim, the closing.
    assert pages[0].opening == whole.opening and pages[-1].closing == whole.closing
    for before, after in pairwise(pages):
        assert after.opening == before.closing
    for page in pages:
        moved = sum(
            e.amount.minor if e.side is iso.Side.CREDIT else -e.amount.minor for e in page.entries
        )
        assert page.opening.signed_minor + moved == page.closing.signed_minor
        assert page.statement_id == whole.statement_id
    assert b"<MsgPgntn><PgNb>2</PgNb><LastPgInd>false</LastPgInd></MsgPgntn>" in (
        gateway.statement(account, today, psp, page="2").body
    )
    assert_ledgers_balance(hub)


def test_a_page_past_the_last_is_not_found_and_a_malformed_page_is_refused(hub: Hub) -> None:
    account, psp = pay(hub, 2)
    today = hub.clock.now().date().isoformat()
    gateway = small_pages(hub, 2)
    assert page_of(gateway, account, today, psp, "1").pagination == iso.Pagination(1, True)
    with pytest.raises(NotFound) as past:
        gateway.statement(account, today, psp, page="2")
    assert past.value.reason == "statement_page_unknown"
    for page in ("0", "-1", "x", "1.5", "١", "9" * 5000, "100000"):
        with pytest.raises(InputInvalid):
            gateway.statement(account, today, psp, page=page)
    # A day without entries is one page that opens and closes on the same balance.
    empty = page_of(gateway, account, "2001-01-01", psp, "1")
    assert empty.entries == () and empty.pagination == iso.Pagination(1, True)
    assert empty.opening.signed_minor == empty.closing.signed_minor
    assert_ledgers_balance(hub)


def test_the_page_size_is_bounded_by_its_named_maximum(hub: Hub) -> None:
    with pytest.raises(ValueError, match="statement_page_entries"):
        small_pages(hub, STATEMENT_PAGE_ENTRIES_MAX + 1)
    with pytest.raises(ValueError, match="statement_page_entries"):
        small_pages(hub, 0)
