"""Typed, frozen models shared by the message families (one message = one struct)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final, NewType

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import (
    UETR_PATTERN,
    Node,
    Reader,
    Writer,
    check_text,
    format_datetime,
    is_bic,
)
from lintas.codecs.iso20022.errors import UsageRuleViolated

#: A message definition identifier such as ``"pacs.008.001.13"``.
MessageId = NewType("MessageId", str)

PACS_008: Final = MessageId("pacs.008.001.13")
PACS_002: Final = MessageId("pacs.002.001.15")
PACS_004: Final = MessageId("pacs.004.001.14")
PACS_028: Final = MessageId("pacs.028.001.06")
ACMT_023: Final = MessageId("acmt.023.001.02")
ACMT_024: Final = MessageId("acmt.024.001.02")
CAMT_029: Final = MessageId("camt.029.001.10")
CAMT_053: Final = MessageId("camt.053.001.12")
CAMT_056: Final = MessageId("camt.056.001.11")
HEAD_001: Final = MessageId("head.001.001.02")

#: Max35Text, Max105Text, Max140Text: the ISO 20022 text lengths Lintas writes.
ID_LENGTH_MAX: Final[int] = 35
INFO_LENGTH_MAX: Final[int] = 105
NAME_LENGTH_MAX: Final[int] = 140
#: Additional-information lines on a status, return, recall or resolution.
ADDITIONAL_INFO_LINES_MAX: Final[int] = 4


def check_id(name: str, value: str) -> None:
    """A Max35Text identifier."""
    if not (0 < len(value) <= ID_LENGTH_MAX and value.isprintable()):
        check_text(name, value, ID_LENGTH_MAX)  # The precise refusal, if there is one.


def check_bic(name: str, value: str) -> None:
    """A BICFI (8 or 11 characters)."""
    if not is_bic(value):
        raise UsageRuleViolated("bic_is_malformed", f"{name} {value!r} is not a BIC")


def check_uetr(name: str, value: str) -> None:
    """A UETR: a lower-case UUID version 4."""
    if UETR_PATTERN.fullmatch(value) is None:
        raise UsageRuleViolated("uetr_must_be_a_uuid_v4", f"{name} {value!r}")


def check_moment(name: str, value: datetime) -> None:
    """Date-times carry their UTC offset so that every reader agrees on the instant."""
    if value.utcoffset() is None:
        raise UsageRuleViolated("date_time_needs_an_offset", f"{name} has no UTC offset")


def check_agents(instructing_bic: str | None, instructed_bic: str | None) -> None:
    """The optional ``InstgAgt`` and ``InstdAgt`` BICs of a status, request or return."""
    if instructing_bic is not None:
        check_bic("InstgAgt", instructing_bic)
    if instructed_bic is not None:
        check_bic("InstdAgt", instructed_bic)


def check_info(lines: tuple[str, ...]) -> None:
    if len(lines) > ADDITIONAL_INFO_LINES_MAX:
        raise UsageRuleViolated(
            "too_many_repetitions", f"at most {ADDITIONAL_INFO_LINES_MAX} information lines"
        )
    for line in lines:
        check_text("additional information", line, INFO_LENGTH_MAX)


class Account(msgspec.Struct, frozen=True, gc=False):
    """A cash account: ``Id/Othr/Id`` with an optional ``SchmeNm/Prtry`` (e.g. a proxy type).

    Lintas writes non-IBAN identifiers because the region's accounts are not IBANs.
    """

    identification: str
    scheme: str | None = None

    def __post_init__(self) -> None:
        check_text("account identification", self.identification, 34)
        if self.scheme is not None:
            check_id("account scheme", self.scheme)


class OriginalReference(msgspec.Struct, frozen=True, gc=False):
    """What a status, return, recall or status request points back to."""

    message_id: str
    message_name: MessageId
    end_to_end_id: str | None
    uetr: str

    def __post_init__(self) -> None:
        check_id("original message id", self.message_id)
        check_id("original message name", self.message_name)
        if self.end_to_end_id is not None:
            check_id("original end-to-end id", self.end_to_end_id)
        check_uetr("original UETR", self.uetr)


class Priority(StrEnum):
    """Instruction priority (Priority2Code); Nexus uses only these two."""

    HIGH = "HIGH"
    NORMAL = "NORM"


class ChargeBearer(StrEnum):
    """Who bears the charges (ChargeBearerType1Code)."""

    DEBTOR = "DEBT"
    CREDITOR = "CRED"
    SHARED = "SHAR"
    FOLLOWING_SERVICE_LEVEL = "SLEV"


def write_account(
    writer: Writer,
    parent: etree._Element,
    rel: str,
    account: Account,
    *,
    with_container: bool = True,
) -> None:
    """An account ``rel/Id/Othr`` (a CashAccount), or ``rel/Othr`` (a bare identification)."""
    other = writer.sub(parent, f"{rel}/Id/Othr" if with_container else f"{rel}/Othr")
    writer.sub(other, "Id", account.identification)
    writer.opt(other, "SchmeNm/Prtry", account.scheme)


def read_account(reader: Reader, parent: Node, rel: str, *, with_container: bool = True) -> Account:
    """What ``write_account`` wrote."""
    other = reader.need(parent, f"{rel}/Id/Othr" if with_container else f"{rel}/Othr")
    return Account(reader.need_text(other, "Id"), reader.text(other, "SchmeNm/Prtry"))


def write_original(
    writer: Writer, parent: etree._Element, original: OriginalReference, uetr_tag: str
) -> None:
    """``OrgnlGrpInf`` + ``OrgnlEndToEndId`` + the original UETR (its tag varies)."""
    group = writer.sub(parent, "OrgnlGrpInf")
    writer.sub(group, "OrgnlMsgId", original.message_id)
    writer.sub(group, "OrgnlMsgNmId", original.message_name)
    writer.opt(parent, "OrgnlEndToEndId", original.end_to_end_id)
    writer.sub(parent, uetr_tag, original.uetr)


def read_original(reader: Reader, parent: Node, uetr_tag: str) -> OriginalReference:
    """What ``write_original`` wrote; the original UETR is required by Lintas."""
    uetr = reader.uetr(parent, uetr_tag)
    if uetr is None:
        raise UsageRuleViolated("original_uetr_is_required", uetr_tag)
    return OriginalReference(
        message_id=reader.need_text(parent, "OrgnlGrpInf/OrgnlMsgId"),
        message_name=MessageId(reader.need_text(parent, "OrgnlGrpInf/OrgnlMsgNmId")),
        end_to_end_id=reader.text(parent, "OrgnlEndToEndId"),
        uetr=uetr,
    )


def write_agent(writer: Writer, parent: etree._Element, rel: str, bic: str | None) -> None:
    """An agent identified by its BICFI (``rel/FinInstnId/BICFI``), when given."""
    if bic is not None:
        writer.sub(parent, f"{rel}/FinInstnId/BICFI", bic)


def write_header(
    writer: Writer,
    body: etree._Element,
    message_id: str,
    created_at: datetime,
    *,
    instructing_bic: str | None = None,
    instructed_bic: str | None = None,
) -> etree._Element:
    """``GrpHdr`` with its ``MsgId`` and ``CreDtTm``, then ``InstgAgt`` and ``InstdAgt`` when
    given (a status report or request); the caller adds what follows them."""
    header = writer.sub(body, "GrpHdr")
    writer.sub(header, "MsgId", message_id)
    writer.sub(header, "CreDtTm", format_datetime(created_at))
    write_agent(writer, header, "InstgAgt", instructing_bic)
    write_agent(writer, header, "InstdAgt", instructed_bic)
    return header


def write_settlement_header(
    writer: Writer, body: etree._Element, message_id: str, created_at: datetime, clearing: str
) -> None:
    """The ``GrpHdr`` of a payment (pacs.008, pacs.004): one transaction, settled by
    clearing in the IPS ``clearing`` (``SttlmInf/ClrSys/Prtry``)."""
    header = write_header(writer, body, message_id, created_at)
    writer.sub(header, "NbOfTxs", "1")
    settlement = writer.sub(header, "SttlmInf")
    writer.sub(settlement, "SttlmMtd", "CLRG")
    writer.sub(settlement, "ClrSys/Prtry", clearing)


def read_only_transaction(reader: Reader, body: Node, block: str, transaction: str) -> Node:
    """The one ``block/transaction`` of a message that carries exactly one of each."""
    blocks = reader.all(body, block)
    transactions = reader.all(body, f"{block}/{transaction}")
    if len(blocks) != 1 or len(transactions) != 1:
        raise UsageRuleViolated("one_transaction_per_message", f"exactly one {block}/{transaction}")
    return transactions[0]


class CaseAssignment(msgspec.Struct, frozen=True, gc=False):
    """``Assgnmt`` and ``Case`` of an investigation (camt.056 and camt.029), by agent BIC."""

    assignment_id: str
    created_at: datetime
    assigner_bic: str
    assignee_bic: str
    case_id: str
    case_creator_bic: str

    def __post_init__(self) -> None:
        check_id("Assgnmt/Id", self.assignment_id)
        check_moment("Assgnmt/CreDtTm", self.created_at)
        check_bic("Assgnr", self.assigner_bic)
        check_bic("Assgne", self.assignee_bic)
        check_id("Case/Id", self.case_id)
        check_bic("Case/Cretr", self.case_creator_bic)


def write_case(writer: Writer, parent: etree._Element, case: CaseAssignment, case_tag: str) -> None:
    """``Assgnmt`` then the case element (``Case`` or ``RslvdCase``)."""
    assignment = writer.sub(parent, "Assgnmt")
    writer.sub(assignment, "Id", case.assignment_id)
    writer.sub(assignment, "Assgnr/Agt/FinInstnId/BICFI", case.assigner_bic)
    writer.sub(assignment, "Assgne/Agt/FinInstnId/BICFI", case.assignee_bic)
    writer.sub(assignment, "CreDtTm", format_datetime(case.created_at))
    node = writer.sub(parent, case_tag)
    writer.sub(node, "Id", case.case_id)
    writer.sub(node, "Cretr/Agt/FinInstnId/BICFI", case.case_creator_bic)


def read_case(reader: Reader, parent: Node, case_tag: str) -> CaseAssignment:
    """What ``write_case`` wrote."""
    assignment = reader.need(parent, "Assgnmt")
    node = reader.need(parent, case_tag)
    return CaseAssignment(
        assignment_id=reader.need_text(assignment, "Id"),
        created_at=reader.need_moment(assignment, "CreDtTm"),
        assigner_bic=reader.need_bic(assignment, "Assgnr/Agt/FinInstnId/BICFI"),
        assignee_bic=reader.need_bic(assignment, "Assgne/Agt/FinInstnId/BICFI"),
        case_id=reader.need_text(node, "Id"),
        case_creator_bic=reader.need_bic(node, "Cretr/Agt/FinInstnId/BICFI"),
    )


def read_reason(
    reader: Reader, parent: Node, rel: str, known: frozenset[str]
) -> tuple[str | None, tuple[str, ...]]:
    """The single ``rel`` reason block: its ``Rsn/Cd`` (one of ``known``) and ``AddtlInf``."""
    blocks = reader.all(parent, rel)
    if not blocks:
        return None, ()
    if len(blocks) > 1:
        raise UsageRuleViolated("one_reason_per_transaction", f"at most one {rel}")
    code = reader.text(blocks[0], "Rsn/Cd")
    if code is None or code not in known:
        raise UsageRuleViolated("reason_code_is_known", f"{rel} reason {code!r}")
    return code, reader.texts(blocks[0], "AddtlInf", ADDITIONAL_INFO_LINES_MAX)


def read_required_reason(
    reader: Reader, parent: Node, rel: str, known: frozenset[str], rule: str
) -> tuple[str, tuple[str, ...]]:
    """``read_reason`` for a block the usage rule ``rule`` requires."""
    code, info = read_reason(reader, parent, rel, known)
    if code is None:
        raise UsageRuleViolated(rule, f"{rel}/Rsn/Cd")
    return code, info


def write_reason(
    writer: Writer, parent: etree._Element, rel: str, code: str | None, info: tuple[str, ...]
) -> None:
    """What ``read_reason`` reads."""
    if code is not None:
        block = writer.sub(parent, rel)
        writer.sub(block, "Rsn/Cd", code)
        writer.texts(block, "AddtlInf", info)
