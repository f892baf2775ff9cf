"""camt.029.001.10 resolution of investigation: the answer to a recall (camt.056).

Accepted: ``Sts/Conf`` = ``CNCL`` and ``TxCxlSts`` = ``ACCR``. Rejected: ``Sts/Conf`` =
``RJCR``, ``TxCxlSts`` = ``RJCR`` and ``CxlStsRsnInf/Rsn/Cd`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

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
_ACCEPTED: Final = ("CNCL", "ACCR")
_REJECTED: Final = ("RJCR", "RJCR")


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


@dataclass(frozen=True, slots=True)
class RecallResolution:
    """The creditor side accepts the recall, or rejects it with a reason."""

    case: CaseAssignment
    resolution_id: str
    original: OriginalReference
    accepted: bool
    rejection_reason: RecallRejectionReason | None = None
    additional_info: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_id("CxlStsId", self.resolution_id)
        check_info(self.additional_info)
        if self.accepted and (self.rejection_reason is not None or self.additional_info):
            raise UsageRuleViolated("an_acceptance_carries_no_reason", "accepted with a reason")
        if not self.accepted and self.rejection_reason is None:
            raise UsageRuleViolated("a_rejection_carries_a_reason", "CxlStsRsnInf/Rsn/Cd")


def build(message: RecallResolution) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    confirmation, status = _ACCEPTED if m.accepted else _REJECTED
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
    details = _r.all(body, "CxlDtls")
    transactions = _r.all(body, "CxlDtls/TxInfAndSts")
    if len(details) != 1 or len(transactions) != 1:
        raise UsageRuleViolated("one_transaction_per_message", "exactly one CxlDtls/TxInfAndSts")
    tx = transactions[0]
    pair = (_r.text(body, "Sts/Conf"), _r.text(tx, "TxCxlSts"))
    if pair not in (_ACCEPTED, _REJECTED):
        raise UsageRuleViolated(
            "resolution_is_accepted_or_rejected", f"Sts/Conf and TxCxlSts are {pair}"
        )
    resolution_id = _r.text(tx, "CxlStsId")
    if resolution_id is None:
        raise UsageRuleViolated("resolution_id_is_required", "TxInfAndSts/CxlStsId")
    code, info = read_reason(_r, tx, "CxlStsRsnInf", _KNOWN)
    return RecallResolution(
        case=read_case(_r, body, "RslvdCase"),
        resolution_id=resolution_id,
        original=read_original(_r, tx, "OrgnlUETR"),
        accepted=pair == _ACCEPTED,
        rejection_reason=None if code is None else RecallRejectionReason(code),
        additional_info=info,
    )
