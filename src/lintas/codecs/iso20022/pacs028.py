"""pacs.028.001.06 FI-to-FI payment status request (about one payment)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    PACS_028,
    OriginalReference,
    check_agents,
    check_id,
    check_moment,
    read_original,
    write_header,
    write_original,
)

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{PACS_028}"
ROOT: Final[str] = "FIToFIPmtStsReq"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


class StatusRequest(msgspec.Struct, frozen=True, gc=False):
    """Ask for the current status of the payment ``original`` points at."""

    message_id: str
    created_at: datetime
    status_request_id: str
    original: OriginalReference
    instructing_agent_bic: str | None = None
    instructed_agent_bic: str | None = None

    def __post_init__(self) -> None:
        check_id("MsgId", self.message_id)
        check_moment("CreDtTm", self.created_at)
        check_id("StsReqId", self.status_request_id)
        check_agents(self.instructing_agent_bic, self.instructed_agent_bic)


def build(message: StatusRequest) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    doc = _w.root("Document")
    body = _w.sub(doc, ROOT)
    write_header(
        _w,
        body,
        m.message_id,
        m.created_at,
        instructing_bic=m.instructing_agent_bic,
        instructed_bic=m.instructed_agent_bic,
    )
    tx = _w.sub(body, "TxInf")
    _w.sub(tx, "StsReqId", m.status_request_id)
    write_original(_w, tx, m.original, "OrgnlUETR")
    return doc


def read(doc: Node) -> StatusRequest:
    """A pacs.028 ``Document`` as a ``StatusRequest``."""
    body = _r.need(doc, ROOT)
    header = _r.need(body, "GrpHdr")
    transactions = _r.all(body, "TxInf")
    if len(transactions) != 1 or _r.find(body, "OrgnlGrpInf") is not None:
        raise UsageRuleViolated("one_transaction_per_message", "exactly one TxInf")
    tx = transactions[0]
    request_id = _r.required(tx, "StsReqId", "status_request_id_is_required", "TxInf/StsReqId")
    return StatusRequest(
        message_id=_r.need_text(header, "MsgId"),
        created_at=_r.need_moment(header, "CreDtTm"),
        status_request_id=request_id,
        original=read_original(_r, tx, "OrgnlUETR"),
        instructing_agent_bic=_r.bic(header, "InstgAgt/FinInstnId/BICFI"),
        instructed_agent_bic=_r.bic(header, "InstdAgt/FinInstnId/BICFI"),
    )
