"""pacs.002.001.15 FI-to-FI payment status report (one transaction per report).

Returns are linked in the transaction's supplementary data, ISO 20022's place for what no
structured element carries: the status of a returned payment names the return payment's
UETR, and the status of a return names the payment it returns::

    <TxInfAndSts> ... <SplmtryData><PlcAndNm>TxInfAndSts</PlcAndNm><Envlp>
      <RtrLk xmlns="urn:lintas:xsd:supplementary.001.001.01">
        <RtrdByUETR>(the return payment)</RtrdByUETR> or <RtrOfUETR>(the original)</RtrOfUETR>
      </RtrLk></Envlp></SplmtryData></TxInfAndSts>

The schema takes any element in ``Envlp`` (``processContents="lax"``: one it has no
declaration for is not checked), so this validates; ``AddtlInf``, the other free-text place,
belongs to a refusal's reason and is not written with ACCC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import (
    EXTENSION_NAMESPACE,
    EXTENSION_PREFIX,
    Node,
    Reader,
    Writer,
    escape_text,
    format_datetime,
)
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    PACS_002,
    OriginalReference,
    check_agents,
    check_id,
    check_info,
    check_moment,
    check_uetr,
    read_original,
    write_header,
    write_original,
)

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{PACS_002}"
ROOT: Final[str] = "FIToFIPmtStsRpt"
#: Where the return link sits (``SplmtryData/PlcAndNm``) and the element that holds it.
SUPPLEMENTARY_PLACE: Final[str] = "TxInfAndSts"
RETURN_LINK: Final[str] = "RtrLk"
_LINK: Final = f"SplmtryData/Envlp/{EXTENSION_PREFIX}{RETURN_LINK}"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


class TransactionStatus(StrEnum):
    """ExternalPaymentTransactionStatus1Code values Lintas sends and accepts."""

    SETTLED = "ACCC"
    ACCEPTED_WITH_CHANGE_OR_HELD = "ACWP"
    ACCEPTED_TECHNICALLY = "ACTC"
    REJECTED = "RJCT"
    BLOCKED = "BLCK"


class StatusReason(StrEnum):
    """ExternalStatusReason1Code values Lintas sends and accepts."""

    SETTLEMENT_TIMED_OUT = "AB03"
    CREDITOR_AGENT_FAILED = "AB09"
    INSTRUCTED_AGENT_FAILED = "AB10"
    ACCOUNT_NUMBER_INCORRECT = "AC01"
    ACCOUNT_CLOSED = "AC04"
    ACCOUNT_BLOCKED = "AC06"
    TRANSACTION_FORBIDDEN = "AG01"
    AMOUNT_NOT_ALLOWED = "AM02"
    CURRENCY_NOT_ALLOWED = "AM03"
    INSUFFICIENT_FUNDS = "AM04"
    AMOUNT_INVALID = "AM12"
    PROXY_INVALID = "BE23"
    DUPLICATE_PAYMENT = "DUPL"
    FORMAT_INVALID = "FF01"
    FRAUDULENT_ORIGIN = "FRAD"
    NARRATIVE = "NARR"
    REGULATORY_REASON = "RR04"


_ACCEPTANCES: Final = (TransactionStatus.SETTLED, TransactionStatus.ACCEPTED_TECHNICALLY)
_KNOWN: Final = frozenset(reason.value for reason in StatusReason)


class StatusReport(msgspec.Struct, frozen=True, gc=False):
    """The status of one payment, pointing back at the message and UETR it answers."""

    message_id: str
    created_at: datetime
    original: OriginalReference
    status: TransactionStatus
    reason: StatusReason | None = None
    additional_info: tuple[str, ...] = ()
    accepted_at: datetime | None = None
    instructing_agent_bic: str | None = None
    instructed_agent_bic: str | None = None
    #: The UETR of the return payment that sent this payment back (``RtrLk/RtrdByUETR``).
    returned_by_uetr: str | None = None
    #: When this payment is a return: the UETR of the payment it returns (``RtrLk/RtrOfUETR``).
    return_of_uetr: str | None = None

    def __post_init__(self) -> None:
        check_id("MsgId", self.message_id)
        for name, uetr in (
            ("RtrdByUETR", self.returned_by_uetr),
            ("RtrOfUETR", self.return_of_uetr),
        ):
            if uetr is not None:
                check_uetr(name, uetr)
        check_moment("CreDtTm", self.created_at)
        check_info(self.additional_info)
        if self.accepted_at is not None:
            check_moment("AccptncDtTm", self.accepted_at)
        check_agents(self.instructing_agent_bic, self.instructed_agent_bic)
        if self.status in (TransactionStatus.REJECTED, TransactionStatus.BLOCKED):
            if self.reason is None:
                raise UsageRuleViolated(
                    "a_refusal_carries_a_reason", f"{self.status.value} needs a reason code"
                )
        elif self.status in _ACCEPTANCES and (self.reason is not None or self.additional_info):
            raise UsageRuleViolated(
                "an_acceptance_carries_no_reason", f"{self.status.value} with a reason"
            )
        if self.additional_info and self.reason is None:
            raise UsageRuleViolated(
                "additional_info_explains_a_reason", "AddtlInf without a reason code"
            )


def build(message: StatusReport) -> etree._Element:
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
    tx = _w.sub(body, "TxInfAndSts")
    write_original(_w, tx, m.original, "OrgnlUETR")
    _w.sub(tx, "TxSts", m.status.value)
    if m.reason is not None:
        info = _w.sub(tx, "StsRsnInf")
        _w.sub(info, "Rsn/Cd", m.reason.value)
        _w.texts(info, "AddtlInf", m.additional_info)
    if m.accepted_at is not None:
        _w.sub(tx, "AccptncDtTm", format_datetime(m.accepted_at))
    if m.returned_by_uetr is not None or m.return_of_uetr is not None:
        data = _w.sub(tx, "SplmtryData")
        _w.sub(data, "PlcAndNm", SUPPLEMENTARY_PLACE)
        envelope = _w.sub(data, "Envlp")
        link = etree.SubElement(
            envelope,
            f"{{{EXTENSION_NAMESPACE}}}{RETURN_LINK}",
            nsmap={None: EXTENSION_NAMESPACE},  # type: ignore[dict-item]
        )
        for tag, uetr in (("RtrdByUETR", m.returned_by_uetr), ("RtrOfUETR", m.return_of_uetr)):
            if uetr is not None:
                etree.SubElement(link, f"{{{EXTENSION_NAMESPACE}}}{tag}").text = uetr
    return doc


def render(message: StatusReport) -> str:
    """The ``Document`` of ``message`` as text: exactly what ``build`` then ``serialise`` write.

    Writing the markup as a string skips building an element tree (most of the cost of
    encoding a status report, which the gateway answers every payment with). The unit tests
    pin it byte for byte to the tree-built output, and the round trip validates it.
    """
    m = message
    o = m.original
    parts = [
        f'<Document xmlns="{NAMESPACE}"><{ROOT}><GrpHdr><MsgId>{escape_text(m.message_id)}'
        f"</MsgId><CreDtTm>{format_datetime(m.created_at)}</CreDtTm>"
    ]
    if m.instructing_agent_bic is not None:
        parts.append(
            f"<InstgAgt><FinInstnId><BICFI>{m.instructing_agent_bic}</BICFI></FinInstnId></InstgAgt>"
        )
    if m.instructed_agent_bic is not None:
        parts.append(
            f"<InstdAgt><FinInstnId><BICFI>{m.instructed_agent_bic}</BICFI></FinInstnId></InstdAgt>"
        )
    parts.append(
        f"</GrpHdr><TxInfAndSts><OrgnlGrpInf><OrgnlMsgId>{escape_text(o.message_id)}</OrgnlMsgId>"
        f"<OrgnlMsgNmId>{escape_text(o.message_name)}</OrgnlMsgNmId></OrgnlGrpInf>"
    )
    if o.end_to_end_id is not None:
        parts.append(f"<OrgnlEndToEndId>{escape_text(o.end_to_end_id)}</OrgnlEndToEndId>")
    parts.append(f"<OrgnlUETR>{o.uetr}</OrgnlUETR><TxSts>{m.status.value}</TxSts>")
    if m.reason is not None:
        parts.append(f"<StsRsnInf><Rsn><Cd>{m.reason.value}</Cd></Rsn>")
        parts.extend(f"<AddtlInf>{escape_text(line)}</AddtlInf>" for line in m.additional_info)
        parts.append("</StsRsnInf>")
    if m.accepted_at is not None:
        parts.append(f"<AccptncDtTm>{format_datetime(m.accepted_at)}</AccptncDtTm>")
    if m.returned_by_uetr is not None or m.return_of_uetr is not None:
        parts.append(
            f"<SplmtryData><PlcAndNm>{SUPPLEMENTARY_PLACE}</PlcAndNm><Envlp>"
            f'<{RETURN_LINK} xmlns="{EXTENSION_NAMESPACE}">'
        )
        if m.returned_by_uetr is not None:
            parts.append(f"<RtrdByUETR>{m.returned_by_uetr}</RtrdByUETR>")
        if m.return_of_uetr is not None:
            parts.append(f"<RtrOfUETR>{m.return_of_uetr}</RtrOfUETR>")
        parts.append(f"</{RETURN_LINK}></Envlp></SplmtryData>")
    parts.append(f"</TxInfAndSts></{ROOT}></Document>")
    return "".join(parts)


def read(doc: Node) -> StatusReport:
    """A pacs.002 ``Document`` as a ``StatusReport``."""
    body = _r.need(doc, ROOT)
    header = _r.need(body, "GrpHdr")
    transactions = _r.all(body, "TxInfAndSts")
    if len(transactions) != 1 or _r.find(body, "OrgnlGrpInfAndSts") is not None:
        raise UsageRuleViolated("one_transaction_per_message", "exactly one TxInfAndSts")
    tx = transactions[0]
    reasons = _r.all(tx, "StsRsnInf")
    if len(reasons) > 1:
        raise UsageRuleViolated("one_reason_per_status", "at most one StsRsnInf")
    reason: StatusReason | None = None
    info: tuple[str, ...] = ()
    if reasons:
        code = _r.text(reasons[0], "Rsn/Cd")
        if code is None or code not in _KNOWN:
            raise UsageRuleViolated("reason_code_is_known", f"status reason {code!r}")
        reason = StatusReason(code)
        info = _r.texts(reasons[0], "AddtlInf", 4)
    return StatusReport(
        message_id=_r.need_text(header, "MsgId"),
        created_at=_r.need_moment(header, "CreDtTm"),
        original=read_original(_r, tx, "OrgnlUETR"),
        status=TransactionStatus(_r.need_text(tx, "TxSts")),
        reason=reason,
        additional_info=info,
        accepted_at=_r.moment(tx, "AccptncDtTm"),
        instructing_agent_bic=_r.bic(header, "InstgAgt/FinInstnId/BICFI"),
        instructed_agent_bic=_r.bic(header, "InstdAgt/FinInstnId/BICFI"),
        returned_by_uetr=_r.uetr(tx, f"{_LINK}/{EXTENSION_PREFIX}RtrdByUETR"),
        return_of_uetr=_r.uetr(tx, f"{_LINK}/{EXTENSION_PREFIX}RtrOfUETR"),
    )
