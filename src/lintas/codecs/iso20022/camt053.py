"""camt.053.001.12 bank-to-customer statement: one account, one day.

Balances are ``OPBD`` (opening booked) and ``CLBD`` (closing booked), each with its own
credit/debit indicator, dated ``Dt/Dt``. A day with more entries than one message carries is
sent in pages (``GrpHdr/MsgPgntn``: ``PgNb`` from 1, ``LastPgInd``), each a message of its
own with the same ``Stmt/Id``: the first page opens with ``OPBD``, the last closes with
``CLBD``, and between pages the balance is interim booked (``ITBD``), so on every page the
closing balance is the opening balance plus that page's entries.

Every entry is booked (``Sts/Cd`` = ``BOOK``) on the statement day; ``NtryDtls/TxDtls/Refs``
carries the payment's MsgId, EndToEndId and UETR so a participant can reconcile each entry
with the payment it came from.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    CAMT_053,
    Account,
    check_id,
    check_moment,
    check_uetr,
    read_account,
    write_account,
    write_header,
)
from lintas.domain.money import CurrencyCode, Money

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{CAMT_053}"
ROOT: Final[str] = "BkToCstmrStmt"
#: Entries in one statement message: at about 650 bytes each, 300 entries stay well inside
#: MESSAGE_BYTES_MAX. A busier day is sent in pages (``Pagination``).
STATEMENT_ENTRIES_MAX: Final[int] = 300
#: ``PgNb`` is a Max5NumericText.
PAGE_NUMBER_MAX: Final[int] = 99_999
#: Balance type codes (ExternalBalanceType1Code) Lintas writes and reads.
OPENING_BOOKED: Final[str] = "OPBD"
CLOSING_BOOKED: Final[str] = "CLBD"
INTERIM_BOOKED: Final[str] = "ITBD"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


class Side(StrEnum):
    """CreditDebitCode."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


class Balance(msgspec.Struct, frozen=True, gc=False):
    """A balance: a non-negative amount and which side of zero it is on."""

    amount: Money
    side: Side

    @property
    def signed_minor(self) -> int:
        return self.amount.minor if self.side is Side.CREDIT else -self.amount.minor


class StatementEntry(msgspec.Struct, frozen=True, gc=False):
    """One booked movement on the account and the payment it belongs to."""

    reference: str
    amount: Money
    side: Side
    booking_date: date
    transaction_code: str
    message_id: str | None = None
    end_to_end_id: str | None = None
    uetr: str | None = None

    def __post_init__(self) -> None:
        check_id("NtryRef", self.reference)
        check_id("BkTxCd/Prtry/Cd", self.transaction_code)
        for name, value in (("MsgId", self.message_id), ("EndToEndId", self.end_to_end_id)):
            if value is not None:
                check_id(name, value)
        if self.uetr is not None:
            check_uetr("UETR", self.uetr)


class Pagination(msgspec.Struct, frozen=True, gc=False):
    """Which page of a statement a message is (``MsgPgntn``), and whether it is the last."""

    page_number: int
    last_page: bool

    def __post_init__(self) -> None:
        if not 1 <= self.page_number <= PAGE_NUMBER_MAX:
            raise UsageRuleViolated(
                "page_number_out_of_range", f"PgNb must be 1..{PAGE_NUMBER_MAX}"
            )

    @property
    def opening_code(self) -> str:
        """The first balance of this page: the day's opening, or an interim balance."""
        return OPENING_BOOKED if self.page_number == 1 else INTERIM_BOOKED

    @property
    def closing_code(self) -> str:
        """The last balance of this page: the day's closing, or an interim balance."""
        return CLOSING_BOOKED if self.last_page else INTERIM_BOOKED


#: An unpaginated statement is its own first and last page.
_ONE_PAGE: Final = Pagination(1, True)


class Statement(msgspec.Struct, frozen=True, gc=False):
    """A day's statement (or one page of it); the closing balance is the opening balance
    plus the entries."""

    message_id: str
    created_at: datetime
    statement_id: str
    account: Account
    currency: CurrencyCode
    statement_date: date
    opening: Balance
    closing: Balance
    entries: tuple[StatementEntry, ...] = ()
    #: None: the whole day in one message (no ``MsgPgntn``).
    pagination: Pagination | None = None

    def __post_init__(self) -> None:
        check_id("MsgId", self.message_id)
        check_moment("CreDtTm", self.created_at)
        check_id("Stmt/Id", self.statement_id)
        if len(self.entries) > STATEMENT_ENTRIES_MAX:
            raise UsageRuleViolated(
                "too_many_repetitions", f"at most {STATEMENT_ENTRIES_MAX} entries"
            )
        amounts = [self.opening.amount, self.closing.amount, *(e.amount for e in self.entries)]
        if any(amount.currency != self.currency for amount in amounts):
            raise UsageRuleViolated(
                "statement_amounts_are_in_the_account_currency", self.currency, reason_code="AM03"
            )
        if any(entry.booking_date != self.statement_date for entry in self.entries):
            raise UsageRuleViolated(
                "entries_are_booked_on_the_statement_day", self.statement_date.isoformat()
            )
        movement = sum(
            e.amount.minor if e.side is Side.CREDIT else -e.amount.minor for e in self.entries
        )
        if self.opening.signed_minor + movement != self.closing.signed_minor:
            raise UsageRuleViolated(
                "closing_balance_is_opening_plus_entries",
                f"opening {self.opening.signed_minor} + entries {movement} "
                f"!= closing {self.closing.signed_minor} (minor units)",
            )


def _write_balance(parent: etree._Element, code: str, balance: Balance, day: date) -> None:
    node = _w.sub(parent, "Bal")
    _w.sub(node, "Tp/CdOrPrtry/Cd", code)
    _w.money(node, "Amt", balance.amount)
    _w.sub(node, "CdtDbtInd", balance.side.value)
    _w.sub(node, "Dt/Dt", day.isoformat())


def build(message: Statement) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    doc = _w.root("Document")
    body = _w.sub(doc, ROOT)
    header = write_header(_w, body, m.message_id, m.created_at)
    if m.pagination is not None:
        pagination = _w.sub(header, "MsgPgntn")
        _w.sub(pagination, "PgNb", str(m.pagination.page_number))
        _w.sub(pagination, "LastPgInd", "true" if m.pagination.last_page else "false")
    statement = _w.sub(body, "Stmt")
    _w.sub(statement, "Id", m.statement_id)
    write_account(_w, statement, "Acct", m.account)
    # Ccy follows Id inside the same Acct element.
    account = statement[-1]
    _w.sub(account, "Ccy", m.currency)
    page = m.pagination or _ONE_PAGE
    _write_balance(statement, page.opening_code, m.opening, m.statement_date)
    _write_balance(statement, page.closing_code, m.closing, m.statement_date)
    for entry in m.entries:
        node = _w.sub(statement, "Ntry")
        _w.sub(node, "NtryRef", entry.reference)
        _w.money(node, "Amt", entry.amount)
        _w.sub(node, "CdtDbtInd", entry.side.value)
        _w.sub(node, "Sts/Cd", "BOOK")
        _w.sub(node, "BookgDt/Dt", entry.booking_date.isoformat())
        _w.sub(node, "BkTxCd/Prtry/Cd", entry.transaction_code)
        if entry.message_id or entry.end_to_end_id or entry.uetr:
            refs = _w.sub(node, "NtryDtls/TxDtls/Refs")
            _w.opt(refs, "MsgId", entry.message_id)
            _w.opt(refs, "EndToEndId", entry.end_to_end_id)
            _w.opt(refs, "UETR", entry.uetr)
    return doc


def _read_balance(node: Node) -> tuple[str, Balance, date]:
    return (
        _r.need_text(node, "Tp/CdOrPrtry/Cd"),
        Balance(_r.need_money(node, "Amt"), Side(_r.need_text(node, "CdtDbtInd"))),
        _r.day(_r.need(node, "Dt"), "Dt") or _missing("Bal/Dt/Dt"),
    )


def _missing(where: str) -> date:
    raise UsageRuleViolated("date_is_required", where)


def read(doc: Node) -> Statement:
    """A camt.053 ``Document`` as a ``Statement``."""
    body = _r.need(doc, ROOT)
    header = _r.need(body, "GrpHdr")
    statements = _r.all(body, "Stmt")
    if len(statements) != 1:
        raise UsageRuleViolated("one_statement_per_message", "exactly one Stmt")
    statement = statements[0]
    pagination = _read_pagination(header)
    page = pagination or _ONE_PAGE
    balances = [_read_balance(node) for node in _r.all(statement, "Bal")]
    codes = [code for code, _, _ in balances]
    if codes != [page.opening_code, page.closing_code]:
        raise UsageRuleViolated(
            "statement_has_opening_and_closing_balances",
            f"{codes}; page {page.page_number} needs {[page.opening_code, page.closing_code]}",
        )
    if balances[0][2] != balances[1][2]:
        raise UsageRuleViolated("balances_are_of_the_statement_day", "Bal/Dt/Dt differ")
    found = _r.all(statement, "Ntry")
    if len(found) > STATEMENT_ENTRIES_MAX:
        raise UsageRuleViolated("too_many_repetitions", f"at most {STATEMENT_ENTRIES_MAX} entries")
    entries: list[StatementEntry] = []
    for node in found:
        if _r.need_text(node, "Sts/Cd") != "BOOK":
            raise UsageRuleViolated("entries_are_booked", "Ntry/Sts/Cd must be BOOK")
        all_refs = _r.all(node, "NtryDtls/TxDtls/Refs")
        if len(all_refs) > 1:
            raise UsageRuleViolated("one_transaction_per_entry", "at most one TxDtls/Refs")
        refs = all_refs[0] if all_refs else None
        entries.append(
            StatementEntry(
                reference=_r.need_text(node, "NtryRef"),
                amount=_r.need_money(node, "Amt"),
                side=Side(_r.need_text(node, "CdtDbtInd")),
                booking_date=_r.day(node, "BookgDt/Dt") or _missing("Ntry/BookgDt/Dt"),
                transaction_code=_r.need_text(node, "BkTxCd/Prtry/Cd"),
                message_id=None if refs is None else _r.text(refs, "MsgId"),
                end_to_end_id=None if refs is None else _r.text(refs, "EndToEndId"),
                uetr=None if refs is None else _r.uetr(refs, "UETR"),
            )
        )
    currency = _r.need_text(statement, "Acct/Ccy")
    if currency != balances[0][1].amount.currency:
        raise UsageRuleViolated(
            "statement_amounts_are_in_the_account_currency", currency, reason_code="AM03"
        )
    return Statement(
        message_id=_r.need_text(header, "MsgId"),
        created_at=_r.need_moment(header, "CreDtTm"),
        statement_id=_r.need_text(statement, "Id"),
        account=read_account(_r, statement, "Acct"),
        currency=CurrencyCode(currency),
        statement_date=balances[0][2],
        opening=balances[0][1],
        closing=balances[1][1],
        entries=tuple(entries),
        pagination=pagination,
    )


_YES_NO: Final = {"true": True, "1": True, "false": False, "0": False}


def _read_pagination(header: Node) -> Pagination | None:
    node = _r.find(header, "MsgPgntn")
    if node is None:
        return None
    number = _r.need_text(node, "PgNb")
    last = _YES_NO.get(_r.need_text(node, "LastPgInd"))
    if not (number.isascii() and number.isdigit()) or last is None:
        raise UsageRuleViolated("pagination_is_malformed", "MsgPgntn/PgNb, LastPgInd")
    return Pagination(int(number), last)
