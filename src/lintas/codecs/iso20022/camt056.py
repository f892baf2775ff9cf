"""camt.056.001.11 FI-to-FI payment cancellation request: the recall of one payment."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer
from lintas.codecs.iso20022.models import (
    CAMT_056,
    CaseAssignment,
    OriginalReference,
    check_id,
    check_info,
    read_case,
    read_only_transaction,
    read_original,
    read_required_reason,
    write_case,
    write_original,
    write_reason,
)
from lintas.domain.money import Money

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{CAMT_056}"
ROOT: Final[str] = "FIToFIPmtCxlReq"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


class RecallReason(StrEnum):
    """ExternalCancellationReason1Code values Lintas accepts for a recall."""

    AMOUNT_WRONG = "AM09"
    REQUESTED_BY_CUSTOMER = "CUST"
    DUPLICATE_PAYMENT = "DUPL"
    FRAUDULENT_ORIGIN = "FRAD"
    TECHNICAL_PROBLEM = "TECH"


_KNOWN: Final = frozenset(reason.value for reason in RecallReason)


class RecallRequest(msgspec.Struct, frozen=True, gc=False):
    """Ask the creditor side to send back one settled payment."""

    case: CaseAssignment
    cancellation_id: str
    original: OriginalReference
    original_settlement_amount: Money
    original_settlement_date: date | None
    reason: RecallReason
    additional_info: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_id("CxlId", self.cancellation_id)
        check_info(self.additional_info)


def build(message: RecallRequest) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    doc = _w.root("Document")
    body = _w.sub(doc, ROOT)
    write_case(_w, body, m.case, "Case")
    tx = _w.sub(body, "Undrlyg/TxInf")
    _w.sub(tx, "CxlId", m.cancellation_id)
    write_original(_w, tx, m.original, "OrgnlUETR")
    _w.money(tx, "OrgnlIntrBkSttlmAmt", m.original_settlement_amount)
    if m.original_settlement_date is not None:
        _w.sub(tx, "OrgnlIntrBkSttlmDt", m.original_settlement_date.isoformat())
    write_reason(_w, tx, "CxlRsnInf", m.reason.value, m.additional_info)
    return doc


def read(doc: Node) -> RecallRequest:
    """A camt.056 ``Document`` as a ``RecallRequest``."""
    body = _r.need(doc, ROOT)
    tx = read_only_transaction(_r, body, "Undrlyg", "TxInf")
    cancellation_id = _r.required(tx, "CxlId", "cancellation_id_is_required", "TxInf/CxlId")
    amount = _r.required_money(
        tx, "OrgnlIntrBkSttlmAmt", "original_amount_is_required", "OrgnlIntrBkSttlmAmt"
    )
    code, info = read_required_reason(_r, tx, "CxlRsnInf", _KNOWN, "a_recall_carries_a_reason")
    return RecallRequest(
        case=read_case(_r, body, "Case"),
        cancellation_id=cancellation_id,
        original=read_original(_r, tx, "OrgnlUETR"),
        original_settlement_amount=amount,
        original_settlement_date=_r.day(tx, "OrgnlIntrBkSttlmDt"),
        reason=RecallReason(code),
        additional_info=info,
    )
