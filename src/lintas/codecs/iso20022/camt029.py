"""camt.029.001.10 resolution of investigation: the answer to a recall (camt.056).

Accepted: ``Sts/Conf`` = ``CNCL`` and ``TxCxlSts`` = ``ACCR``. Rejected: ``Sts/Conf`` =
``RJCR``, ``TxCxlSts`` = ``RJCR`` and ``CxlStsRsnInf/Rsn/Cd`` says why. Pending (the case
is with the creditor agent, who has not answered yet): ``Sts/Conf`` = ``PDCR`` and
``TxCxlSts`` = ``PDCR``, with no reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    CAMT_029,
    CaseAssignment,
    OriginalReference,
    check_id,
    check_info,
    read_case,
    read_only_transaction,
    read_original,
    read_reason,
    write_case,
    write_original,
    write_reason,
)

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{CAMT_029}"
ROOT: Final[str] = "RsltnOfInvstgtn"
_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


class ResolutionStatus(StrEnum):
    """Where a recall stands (the investigation's ``Sts/Conf``)."""

    ACCEPTED = "CNCL"
    REJECTED = "RJCR"
    PENDING = "PDCR"


#: Each status as ``(Sts/Conf, TxCxlSts)``.
_CODES: Final = {
    ResolutionStatus.ACCEPTED: ("CNCL", "ACCR"),
    ResolutionStatus.REJECTED: ("RJCR", "RJCR"),
    ResolutionStatus.PENDING: ("PDCR", "PDCR"),
}
_STATUS_OF_CODES: Final = {codes: status for status, codes in _CODES.items()}


class RecallRejectionReason(StrEnum):
    """ExternalPaymentCancellationRejection1Code values Lintas sends and accepts."""

    ACCOUNT_CLOSED = "AC04"
    INSUFFICIENT_FUNDS = "AM04"
    ALREADY_RETURNED = "ARDT"
    CUSTOMER_DECIDED = "CUST"
    LEGAL_DECISION = "LEGL"
    NO_ANSWER_FROM_CUSTOMER = "NOAS"
    NO_ORIGINAL_TRANSACTION = "NOOR"


_KNOWN: Final = frozenset(reason.value for reason in RecallRejectionReason)


class RecallResolution(msgspec.Struct, frozen=True, gc=False):
    """The creditor side accepts the recall, or rejects it with a reason; or the case is
    still pending with it."""

    case: CaseAssignment
    resolution_id: str
    original: OriginalReference
    status: ResolutionStatus
    rejection_reason: RecallRejectionReason | None = None
    additional_info: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_id("CxlStsId", self.resolution_id)
        check_info(self.additional_info)
        if self.status is ResolutionStatus.REJECTED:
            if self.rejection_reason is None:
                raise UsageRuleViolated("a_rejection_carries_a_reason", "CxlStsRsnInf/Rsn/Cd")
        elif self.rejection_reason is not None or self.additional_info:
            raise UsageRuleViolated(
                "only_a_rejection_carries_a_reason", f"{self.status.value} with a reason"
            )

    @property
    def accepted(self) -> bool:
        return self.status is ResolutionStatus.ACCEPTED

    @property
    def pending(self) -> bool:
        return self.status is ResolutionStatus.PENDING


def build(message: RecallResolution) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    confirmation, status = _CODES[m.status]
    doc = _w.root("Document")
    body = _w.sub(doc, ROOT)
    write_case(_w, body, m.case, "RslvdCase")
    _w.sub(body, "Sts/Conf", confirmation)
    tx = _w.sub(body, "CxlDtls/TxInfAndSts")
    _w.sub(tx, "CxlStsId", m.resolution_id)
    write_original(_w, tx, m.original, "OrgnlUETR")
    _w.sub(tx, "TxCxlSts", status)
    reason = None if m.rejection_reason is None else m.rejection_reason.value
    write_reason(_w, tx, "CxlStsRsnInf", reason, m.additional_info)
    return doc


def read(doc: Node) -> RecallResolution:
    """A camt.029 ``Document`` as a ``RecallResolution``."""
    body = _r.need(doc, ROOT)
    tx = read_only_transaction(_r, body, "CxlDtls", "TxInfAndSts")
    pair = (_r.text(body, "Sts/Conf") or "", _r.text(tx, "TxCxlSts") or "")
    status = _STATUS_OF_CODES.get(pair)
    if status is None:
        raise UsageRuleViolated(
            "resolution_is_accepted_rejected_or_pending", f"Sts/Conf and TxCxlSts are {pair}"
        )
    resolution_id = _r.required(tx, "CxlStsId", "resolution_id_is_required", "TxInfAndSts/CxlStsId")
    code, info = read_reason(_r, tx, "CxlStsRsnInf", _KNOWN)
    return RecallResolution(
        case=read_case(_r, body, "RslvdCase"),
        resolution_id=resolution_id,
        original=read_original(_r, tx, "OrgnlUETR"),
        status=status,
        rejection_reason=None if code is None else RecallRejectionReason(code),
        additional_info=info,
    )
