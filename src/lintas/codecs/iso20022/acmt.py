"""acmt.023.001.02 / acmt.024.001.02 identification verification (proxy resolution).

Request: ``Vrfctn/Id`` names the question; ``PtyAndAcctId/Acct/Othr/Id`` carries the proxy
(or account number) to resolve and ``SchmeNm/Prtry`` its type (``MBNO``, ``NIDN``, ``ACCT``
...); ``PtyAndAcctId/Pty/Nm`` optionally the name the sender expects; ``Agt`` optionally
the agent that holds an account.

Report: ``Rpt/OrgnlId`` answers ``Vrfctn/Id``. The schema's own place for the outcome is the
boolean ``Rpt/Vrfctn`` (true for MTCH and CMTC), so the four-valued result (MTCH, CMTC,
NMTC, NOAP) goes in ``Rpt/Rsn/Prtry``, the schema's reason for that boolean.
``UpdtdPtyAndAcctId`` carries what was resolved: ``Acct`` the account, ``Agt`` its agent,
``Pty/Nm`` the full name (kept for screening) and ``Pty/CtctDtls/Nm`` the masked display
name shown to the sender. Version 02 has no element meant for a display name; the contact
name is the closest, and both sides of this codec agree on it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import Node, Reader, Writer, check_text, format_datetime
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    ACMT_023,
    ACMT_024,
    NAME_LENGTH_MAX,
    Account,
    check_bic,
    check_id,
    check_moment,
    read_account,
    write_account,
)

REQUEST_NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{ACMT_023}"
REPORT_NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{ACMT_024}"
REQUEST_ROOT: Final[str] = "IdVrfctnReq"
REPORT_ROOT: Final[str] = "IdVrfctnRpt"
_rq: Final = Reader()
_wq: Final = Writer(REQUEST_NAMESPACE)
_rp: Final = Reader()
_wp: Final = Writer(REPORT_NAMESPACE)


class VerificationResult(StrEnum):
    """How the name the sender gave compares with the resolved account holder."""

    MATCH = "MTCH"
    CLOSE_MATCH = "CMTC"
    NO_MATCH = "NMTC"
    NOT_APPLICABLE = "NOAP"


class Assignment(msgspec.Struct, frozen=True, gc=False):
    """Who asks whom, when, under which message id (``Assgnmt``)."""

    message_id: str
    created_at: datetime
    assigner_bic: str
    assignee_bic: str

    def __post_init__(self) -> None:
        check_id("MsgId", self.message_id)
        check_moment("CreDtTm", self.created_at)
        check_bic("Assgnr", self.assigner_bic)
        check_bic("Assgne", self.assignee_bic)


class VerificationRequest(msgspec.Struct, frozen=True, gc=False):
    """Resolve ``address`` (a proxy or an account) and optionally check ``party_name``."""

    assignment: Assignment
    verification_id: str
    address: Account
    party_name: str | None = None
    agent_bic: str | None = None

    def __post_init__(self) -> None:
        check_id("Vrfctn/Id", self.verification_id)
        if self.address.scheme is None:
            raise UsageRuleViolated("address_type_is_required", "Acct/Othr/SchmeNm/Prtry")
        if self.party_name is not None:
            check_text("Pty/Nm", self.party_name, NAME_LENGTH_MAX)
        if self.agent_bic is not None:
            check_bic("Agt", self.agent_bic)


class VerificationReport(msgspec.Struct, frozen=True, gc=False):
    """The answer: the result and, unless NOAP, what the address resolved to."""

    assignment: Assignment
    original_message_id: str
    original_verification_id: str
    result: VerificationResult
    account: Account | None = None
    agent_bic: str | None = None
    full_name: str | None = None
    display_name: str | None = None

    def __post_init__(self) -> None:
        check_id("OrgnlAssgnmt/MsgId", self.original_message_id)
        check_id("OrgnlId", self.original_verification_id)
        resolved = (self.account, self.agent_bic, self.full_name, self.display_name)
        if self.result is VerificationResult.NOT_APPLICABLE:
            if any(part is not None for part in resolved):
                raise UsageRuleViolated(
                    "an_unresolved_address_carries_no_account", "NOAP with resolved data"
                )
            return
        if any(part is None for part in resolved):
            raise UsageRuleViolated(
                "a_resolved_address_carries_account_agent_and_names",
                f"{self.result.value} needs account, agent, full and display names",
            )
        assert self.agent_bic is not None and self.full_name is not None
        assert self.display_name is not None
        check_bic("Agt", self.agent_bic)
        check_text("Pty/Nm", self.full_name, NAME_LENGTH_MAX)
        check_text("Pty/CtctDtls/Nm", self.display_name, NAME_LENGTH_MAX)

    @property
    def verified(self) -> bool:
        """The schema's ``Vrfctn`` boolean: the name matched, exactly or closely."""
        return self.result in (VerificationResult.MATCH, VerificationResult.CLOSE_MATCH)


def _write_assignment(w: Writer, parent: etree._Element, a: Assignment) -> None:
    node = w.sub(parent, "Assgnmt")
    w.sub(node, "MsgId", a.message_id)
    w.sub(node, "CreDtTm", format_datetime(a.created_at))
    w.sub(node, "Assgnr/Agt/FinInstnId/BICFI", a.assigner_bic)
    w.sub(node, "Assgne/Agt/FinInstnId/BICFI", a.assignee_bic)


def _read_assignment(r: Reader, parent: Node) -> Assignment:
    node = r.need(parent, "Assgnmt")
    return Assignment(
        message_id=r.need_text(node, "MsgId"),
        created_at=r.need_moment(node, "CreDtTm"),
        assigner_bic=r.need_bic(node, "Assgnr/Agt/FinInstnId/BICFI"),
        assignee_bic=r.need_bic(node, "Assgne/Agt/FinInstnId/BICFI"),
    )


def build_request(message: VerificationRequest) -> etree._Element:
    """The acmt.023 ``Document`` element of ``message``."""
    m = message
    doc = _wq.root("Document")
    body = _wq.sub(doc, REQUEST_ROOT)
    _write_assignment(_wq, body, m.assignment)
    verification = _wq.sub(body, "Vrfctn")
    _wq.sub(verification, "Id", m.verification_id)
    info = _wq.sub(verification, "PtyAndAcctId")
    _wq.opt(info, "Pty/Nm", m.party_name)
    write_account(_wq, info, "Acct", m.address, with_container=False)
    if m.agent_bic is not None:
        _wq.sub(info, "Agt/FinInstnId/BICFI", m.agent_bic)
    return doc


def read_request(doc: Node) -> VerificationRequest:
    """An acmt.023 ``Document`` as a ``VerificationRequest``."""
    body = _rq.need(doc, REQUEST_ROOT)
    verifications = _rq.all(body, "Vrfctn")
    if len(verifications) != 1:
        raise UsageRuleViolated("one_verification_per_message", "exactly one Vrfctn")
    info = _rq.need(verifications[0], "PtyAndAcctId")
    return VerificationRequest(
        assignment=_read_assignment(_rq, body),
        verification_id=_rq.need_text(verifications[0], "Id"),
        address=read_account(_rq, info, "Acct", with_container=False),
        party_name=_rq.text(info, "Pty/Nm"),
        agent_bic=_rq.bic(info, "Agt/FinInstnId/BICFI"),
    )


def build_report(message: VerificationReport) -> etree._Element:
    """The acmt.024 ``Document`` element of ``message``."""
    m = message
    doc = _wp.root("Document")
    body = _wp.sub(doc, REPORT_ROOT)
    _write_assignment(_wp, body, m.assignment)
    _wp.sub(body, "OrgnlAssgnmt/MsgId", m.original_message_id)
    report = _wp.sub(body, "Rpt")
    _wp.sub(report, "OrgnlId", m.original_verification_id)
    _wp.sub(report, "Vrfctn", "true" if m.verified else "false")
    _wp.sub(report, "Rsn/Prtry", m.result.value)
    if m.account is not None:
        info = _wp.sub(report, "UpdtdPtyAndAcctId")
        party = _wp.sub(info, "Pty")
        _wp.opt(party, "Nm", m.full_name)
        _wp.opt(party, "CtctDtls/Nm", m.display_name)
        write_account(_wp, info, "Acct", m.account, with_container=False)
        _wp.opt(info, "Agt/FinInstnId/BICFI", m.agent_bic)
    return doc


def read_report(doc: Node) -> VerificationReport:
    """An acmt.024 ``Document`` as a ``VerificationReport``."""
    body = _rp.need(doc, REPORT_ROOT)
    reports = _rp.all(body, "Rpt")
    if len(reports) != 1:
        raise UsageRuleViolated("one_verification_per_message", "exactly one Rpt")
    report = reports[0]
    result = VerificationResult(_rp.need_text(report, "Rsn/Prtry"))
    verified = _rp.need_text(report, "Vrfctn") in ("true", "1")
    info = _rp.find(report, "UpdtdPtyAndAcctId")
    message = VerificationReport(
        assignment=_read_assignment(_rp, body),
        original_message_id=_rp.need_text(body, "OrgnlAssgnmt/MsgId"),
        original_verification_id=_rp.need_text(report, "OrgnlId"),
        result=result,
        account=None if info is None else read_account(_rp, info, "Acct", with_container=False),
        agent_bic=None if info is None else _rp.bic(info, "Agt/FinInstnId/BICFI"),
        full_name=None if info is None else _rp.text(info, "Pty/Nm"),
        display_name=None if info is None else _rp.text(info, "Pty/CtctDtls/Nm"),
    )
    if verified != message.verified:
        raise UsageRuleViolated(
            "verification_flag_agrees_with_the_result", f"Vrfctn contradicts {result.value}"
        )
    return message
