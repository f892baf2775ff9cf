"""pacs.004.001.14 payment return (one transaction per message)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    PACS_004,
    OriginalReference,
    check_agents,
    check_id,
    check_info,
    check_moment,
    read_original,
    read_required_reason,
    write_agent,
    write_original,
    write_reason,
    write_settlement_header,
)
from lintas.domain.money import Money

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{PACS_004}"
ROOT: Final[str] = "PmtRtr"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


class ReturnReason(StrEnum):
    """ExternalReturnReason1Code values Lintas sends and accepts."""

    ACCOUNT_NUMBER_INCORRECT = "AC01"
    ACCOUNT_CLOSED = "AC04"
    ACCOUNT_BLOCKED = "AC06"
    AMOUNT_WRONG = "AM09"
    REQUESTED_BY_CUSTOMER = "CUST"
    DUPLICATE_PAYMENT = "DUPL"
    FOLLOWING_A_RECALL = "FOCR"
    FRAUDULENT_ORIGIN = "FRAD"
    NARRATIVE = "NARR"
    REGULATORY_REASON = "RR04"
    TECHNICAL_PROBLEM = "TECH"


_KNOWN: Final = frozenset(reason.value for reason in ReturnReason)


class PaymentReturn(msgspec.Struct, frozen=True, gc=False):
    """Money sent back for an original payment, with the reason."""

    message_id: str
    created_at: datetime
    clearing_system: str
    return_id: str
    original: OriginalReference
    original_settlement_amount: Money
    returned_amount: Money
    settlement_date: date | None
    reason: ReturnReason
    additional_info: tuple[str, ...] = ()
    instructing_agent_bic: str | None = None
    instructed_agent_bic: str | None = None

    def __post_init__(self) -> None:
        check_id("MsgId", self.message_id)
        check_moment("CreDtTm", self.created_at)
        check_id("ClrSys", self.clearing_system)
        check_id("RtrId", self.return_id)
        check_info(self.additional_info)
        check_agents(self.instructing_agent_bic, self.instructed_agent_bic)
        if self.returned_amount.currency != self.original_settlement_amount.currency:
            raise UsageRuleViolated(
                "a_return_is_in_the_original_currency",
                f"{self.returned_amount} against {self.original_settlement_amount}",
                reason_code="AM03",
            )
        if self.returned_amount.minor > self.original_settlement_amount.minor:
            raise UsageRuleViolated(
                "a_return_is_at_most_the_original_amount",
                f"{self.returned_amount} > {self.original_settlement_amount}",
                reason_code="AM09",
            )


def build(message: PaymentReturn) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    doc = _w.root("Document")
    body = _w.sub(doc, ROOT)
    write_settlement_header(_w, body, m.message_id, m.created_at, m.clearing_system)
    tx = _w.sub(body, "TxInf")
    _w.sub(tx, "RtrId", m.return_id)
    write_original(_w, tx, m.original, "OrgnlUETR")
    _w.money(tx, "OrgnlIntrBkSttlmAmt", m.original_settlement_amount)
    _w.money(tx, "RtrdIntrBkSttlmAmt", m.returned_amount)
    if m.settlement_date is not None:
        _w.sub(tx, "IntrBkSttlmDt", m.settlement_date.isoformat())
    write_agent(_w, tx, "InstgAgt", m.instructing_agent_bic)
    write_agent(_w, tx, "InstdAgt", m.instructed_agent_bic)
    write_reason(_w, tx, "RtrRsnInf", m.reason.value, m.additional_info)
    return doc


def read(doc: Node) -> PaymentReturn:
    """A pacs.004 ``Document`` as a ``PaymentReturn``."""
    body = _r.need(doc, ROOT)
    header = _r.need(body, "GrpHdr")
    transactions = _r.all(body, "TxInf")
    if _r.need_text(header, "NbOfTxs") != "1" or len(transactions) != 1:
        raise UsageRuleViolated("one_transaction_per_message", "exactly one TxInf")
    tx = transactions[0]
    clearing_system = _r.required(
        header, "SttlmInf/ClrSys/Prtry", "clearing_system_is_required", "SttlmInf/ClrSys/Prtry"
    )
    return_id = _r.required(tx, "RtrId", "return_id_is_required", "TxInf/RtrId")
    original_amount = _r.required_money(
        tx, "OrgnlIntrBkSttlmAmt", "original_amount_is_required", "OrgnlIntrBkSttlmAmt"
    )
    code, info = read_required_reason(_r, tx, "RtrRsnInf", _KNOWN, "a_return_carries_a_reason")
    return PaymentReturn(
        message_id=_r.need_text(header, "MsgId"),
        created_at=_r.need_moment(header, "CreDtTm"),
        clearing_system=clearing_system,
        return_id=return_id,
        original=read_original(_r, tx, "OrgnlUETR"),
        original_settlement_amount=original_amount,
        returned_amount=_r.need_money(tx, "RtrdIntrBkSttlmAmt"),
        settlement_date=_r.day(tx, "IntrBkSttlmDt"),
        reason=ReturnReason(code),
        additional_info=info,
        instructing_agent_bic=_r.bic(tx, "InstgAgt/FinInstnId/BICFI"),
        instructed_agent_bic=_r.bic(tx, "InstdAgt/FinInstnId/BICFI"),
    )
