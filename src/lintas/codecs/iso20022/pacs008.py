"""pacs.008.001.13 FI-to-FI customer credit transfer, with the Nexus usage rules.

Where the Nexus usage guidelines put each element (one transaction per message):
- ``PmtId/UETR`` the payment's identity; ``AddtlDtTm/AccptncDtTm`` when the source PSP
  accepted it from the sender; ``SttlmInf/ClrSys/Prtry`` the IPS that settles this leg.
- ``IntrmyAgt1``/``IntrmyAgt1Acct`` and ``IntrmyAgt2``/``IntrmyAgt2Acct``: the FX provider's
  settlement accounts at the source and the destination settlement access provider.
- ``InstdAmt`` what the sender instructed (source currency); ``IntrBkSttlmAmt`` what settles.
- ``XchgRate`` the rate applied; ``AgrdRate`` (CurrencyExchange26) carries the quote:
  ``UnitCcy``/``QtdCcy``, ``PreAgrdXchgRate`` (the same rate) and ``QtId``, the quote id
  (a UUIDv4, as the schema types it). Version 13 gives the quote this home, so Lintas uses
  it rather than a free-text field.
- ``ChrgsInf`` the fee the source PSP deducted (amount + the agent that took it).
- ``RmtInf/Ustrd``: free text; a return-payment carries ``NexusOrgnlUETR:<uuid>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from lxml import etree

from lintas.codecs.iso20022._xml import (
    UETR_PATTERN,
    Node,
    Reader,
    Writer,
    check_text,
    format_datetime,
    format_rate,
    read_rate,
)
from lintas.codecs.iso20022.errors import UsageRuleViolated
from lintas.codecs.iso20022.models import (
    NAME_LENGTH_MAX,
    PACS_008,
    Account,
    ChargeBearer,
    Priority,
    check_bic,
    check_id,
    check_moment,
    check_uetr,
    read_account,
    write_account,
)
from lintas.domain.money import Money

NAMESPACE: Final[str] = f"urn:iso:std:iso:20022:tech:xsd:{PACS_008}"
ROOT: Final[str] = "FIToFICstmrCdtTrf"
#: Remittance lines (Ustrd, 140 characters each) Lintas carries.
REMITTANCE_LINES_MAX: Final[int] = 4
#: Charges entries: the source PSP's fee, and room for agents further along.
CHARGES_MAX: Final[int] = 4
#: The free-text marker with which Nexus links a return payment to the original.
ORIGINAL_UETR_PREFIX: Final[str] = "NexusOrgnlUETR:"

_r: Final = Reader()
_w: Final = Writer(NAMESPACE)


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee deducted along the chain, and the agent that took it."""

    amount: Money
    agent_bic: str

    def __post_init__(self) -> None:
        check_bic("charge agent", self.agent_bic)


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One Nexus cross-border credit transfer (exactly one transaction per message)."""

    message_id: str
    created_at: datetime
    clearing_system: str
    end_to_end_id: str
    transaction_id: str | None
    uetr: str
    priority: Priority
    settlement_amount: Money
    settlement_date: date | None
    accepted_at: datetime
    instructed_amount: Money
    exchange_rate: Decimal
    quote_id: str | None
    charge_bearer: ChargeBearer
    charges: tuple[Charge, ...]
    instructing_agent_bic: str
    instructed_agent_bic: str
    intermediary_agent_1_bic: str
    intermediary_agent_1_account: Account
    intermediary_agent_2_bic: str
    intermediary_agent_2_account: Account
    debtor_name: str
    debtor_account: Account
    debtor_agent_bic: str
    creditor_agent_bic: str
    creditor_name: str
    creditor_account: Account
    remittance_lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_id("MsgId", self.message_id)
        check_moment("CreDtTm", self.created_at)
        check_id("ClrSys", self.clearing_system)
        check_id("EndToEndId", self.end_to_end_id)
        if self.transaction_id is not None:
            check_id("TxId", self.transaction_id)
        check_uetr("UETR", self.uetr)
        check_moment("AccptncDtTm", self.accepted_at)
        if self.exchange_rate <= 0:
            raise UsageRuleViolated("exchange_rate_must_be_positive", str(self.exchange_rate))
        if self.quote_id is not None:
            check_uetr("quote id", self.quote_id)
        if len(self.charges) > CHARGES_MAX:
            raise UsageRuleViolated("too_many_repetitions", f"at most {CHARGES_MAX} charges")
        for charge in self.charges:
            if charge.amount.currency != self.instructed_amount.currency:
                raise UsageRuleViolated(
                    "charges_are_in_the_instructed_currency",
                    f"{charge.amount} against {self.instructed_amount}",
                    reason_code="AM03",
                )
        for name, bic in (
            ("InstgAgt", self.instructing_agent_bic),
            ("InstdAgt", self.instructed_agent_bic),
            ("IntrmyAgt1", self.intermediary_agent_1_bic),
            ("IntrmyAgt2", self.intermediary_agent_2_bic),
            ("DbtrAgt", self.debtor_agent_bic),
            ("CdtrAgt", self.creditor_agent_bic),
        ):
            check_bic(name, bic)
        check_text("Dbtr/Nm", self.debtor_name, NAME_LENGTH_MAX)
        check_text("Cdtr/Nm", self.creditor_name, NAME_LENGTH_MAX)
        if len(self.remittance_lines) > REMITTANCE_LINES_MAX:
            raise UsageRuleViolated(
                "too_many_repetitions", f"at most {REMITTANCE_LINES_MAX} remittance lines"
            )
        for line in self.remittance_lines:
            check_text("RmtInf/Ustrd", line, NAME_LENGTH_MAX)
            if line.startswith(ORIGINAL_UETR_PREFIX):
                check_uetr(ORIGINAL_UETR_PREFIX, line.removeprefix(ORIGINAL_UETR_PREFIX))

    @property
    def original_uetr(self) -> str | None:
        """The UETR this payment returns (``NexusOrgnlUETR:<uuid>``), if it is a return."""
        for line in self.remittance_lines:
            if line.startswith(ORIGINAL_UETR_PREFIX):
                value = line.removeprefix(ORIGINAL_UETR_PREFIX)
                assert UETR_PATTERN.fullmatch(value) is not None
                return value
        return None


def build(message: CreditTransfer) -> etree._Element:
    """The ``Document`` element of ``message``."""
    m = message
    doc = _w.root("Document")
    body = _w.sub(doc, ROOT)
    header = _w.sub(body, "GrpHdr")
    _w.sub(header, "MsgId", m.message_id)
    _w.sub(header, "CreDtTm", format_datetime(m.created_at))
    _w.sub(header, "NbOfTxs", "1")
    settlement = _w.sub(header, "SttlmInf")
    _w.sub(settlement, "SttlmMtd", "CLRG")
    _w.sub(settlement, "ClrSys/Prtry", m.clearing_system)
    tx = _w.sub(body, "CdtTrfTxInf")
    ids = _w.sub(tx, "PmtId")
    _w.sub(ids, "EndToEndId", m.end_to_end_id)
    _w.opt(ids, "TxId", m.transaction_id)
    _w.sub(ids, "UETR", m.uetr)
    _w.sub(tx, "PmtTpInf/InstrPrty", m.priority.value)
    _w.money(tx, "IntrBkSttlmAmt", m.settlement_amount)
    if m.settlement_date is not None:
        _w.sub(tx, "IntrBkSttlmDt", m.settlement_date.isoformat())
    _w.sub(tx, "AddtlDtTm/AccptncDtTm", format_datetime(m.accepted_at))
    _w.money(tx, "InstdAmt", m.instructed_amount)
    rate = format_rate(m.exchange_rate)
    _w.sub(tx, "XchgRate", rate)
    if m.quote_id is not None:
        agreed = _w.sub(tx, "AgrdRate")
        _w.sub(agreed, "UnitCcy", m.instructed_amount.currency)
        _w.sub(agreed, "QtdCcy", m.settlement_amount.currency)
        _w.sub(agreed, "PreAgrdXchgRate", rate)
        _w.sub(agreed, "QtId", m.quote_id)
    _w.sub(tx, "ChrgBr", m.charge_bearer.value)
    for charge in m.charges:
        info = _w.sub(tx, "ChrgsInf")
        _w.money(info, "Amt", charge.amount)
        _w.sub(info, "Agt/FinInstnId/BICFI", charge.agent_bic)
    _w.sub(tx, "InstgAgt/FinInstnId/BICFI", m.instructing_agent_bic)
    _w.sub(tx, "InstdAgt/FinInstnId/BICFI", m.instructed_agent_bic)
    _w.sub(tx, "IntrmyAgt1/FinInstnId/BICFI", m.intermediary_agent_1_bic)
    write_account(_w, tx, "IntrmyAgt1Acct", m.intermediary_agent_1_account)
    _w.sub(tx, "IntrmyAgt2/FinInstnId/BICFI", m.intermediary_agent_2_bic)
    write_account(_w, tx, "IntrmyAgt2Acct", m.intermediary_agent_2_account)
    _w.sub(tx, "Dbtr/Nm", m.debtor_name)
    write_account(_w, tx, "DbtrAcct", m.debtor_account)
    _w.sub(tx, "DbtrAgt/FinInstnId/BICFI", m.debtor_agent_bic)
    _w.sub(tx, "CdtrAgt/FinInstnId/BICFI", m.creditor_agent_bic)
    _w.sub(tx, "Cdtr/Nm", m.creditor_name)
    write_account(_w, tx, "CdtrAcct", m.creditor_account)
    if m.remittance_lines:
        _w.texts(_w.sub(tx, "RmtInf"), "Ustrd", m.remittance_lines)
    return doc


def _rule(condition: bool, rule: str, message: str) -> None:
    if not condition:
        raise UsageRuleViolated(rule, message)


def read(doc: Node) -> CreditTransfer:
    """A pacs.008 ``Document`` as a ``CreditTransfer``, enforcing the Nexus usage rules."""
    body = _r.need(doc, ROOT)
    header = _r.need(body, "GrpHdr")
    _rule(_r.need_text(header, "NbOfTxs") == "1", "one_transaction_per_message", "NbOfTxs")
    transactions = _r.all(body, "CdtTrfTxInf")
    _rule(len(transactions) == 1, "one_transaction_per_message", "CdtTrfTxInf")
    tx = transactions[0]
    _rule(
        _r.need_text(header, "SttlmInf/SttlmMtd") == "CLRG",
        "settlement_is_through_the_clearing_system",
        "SttlmMtd must be CLRG",
    )
    clearing_system = _r.text(header, "SttlmInf/ClrSys/Prtry")
    _rule(clearing_system is not None, "clearing_system_is_required", "SttlmInf/ClrSys/Prtry")
    uetr = _r.uetr(tx, "PmtId/UETR")
    _rule(uetr is not None, "uetr_is_required", "PmtId/UETR")
    priority = _r.text(tx, "PmtTpInf/InstrPrty")
    _rule(priority in ("HIGH", "NORM"), "priority_is_high_or_normal", "PmtTpInf/InstrPrty")
    accepted_at = _r.moment(tx, "AddtlDtTm/AccptncDtTm")
    _rule(accepted_at is not None, "acceptance_time_is_required", "AddtlDtTm/AccptncDtTm")
    instructed = _r.money(tx, "InstdAmt")
    _rule(instructed is not None, "instructed_amount_is_required", "InstdAmt")
    rate_text = _r.text(tx, "XchgRate")
    _rule(rate_text is not None, "exchange_rate_is_required", "XchgRate")
    settlement = _r.need_money(tx, "IntrBkSttlmAmt")
    assert clearing_system is not None and uetr is not None and priority is not None
    assert accepted_at is not None and instructed is not None and rate_text is not None
    rate = read_rate(rate_text)
    quote_id: str | None = None
    agreed = _r.find(tx, "AgrdRate")
    if agreed is not None:
        quote_id = _r.uetr(agreed, "QtId")
        _rule(quote_id is not None, "agreed_rate_carries_the_quote_id", "AgrdRate/QtId")
        _rule(
            read_rate(_r.need_text(agreed, "PreAgrdXchgRate")) == rate
            and _r.text(agreed, "UnitCcy") == instructed.currency
            and _r.text(agreed, "QtdCcy") == settlement.currency,
            "agreed_rate_matches_the_exchange_rate",
            "AgrdRate must repeat XchgRate, InstdAmt and IntrBkSttlmAmt currencies",
        )
    charges_found = _r.all(tx, "ChrgsInf")
    _rule(len(charges_found) <= CHARGES_MAX, "too_many_repetitions", "ChrgsInf")
    charges = tuple(
        Charge(_r.need_money(c, "Amt"), _r.need_bic(c, "Agt/FinInstnId/BICFI"))
        for c in charges_found
    )
    required: dict[str, str] = {}
    for rel in (
        "InstgAgt/FinInstnId/BICFI",
        "InstdAgt/FinInstnId/BICFI",
        "IntrmyAgt1/FinInstnId/BICFI",
        "IntrmyAgt2/FinInstnId/BICFI",
        "DbtrAgt/FinInstnId/BICFI",
        "CdtrAgt/FinInstnId/BICFI",
    ):
        bic = _r.bic(tx, rel)
        _rule(bic is not None, "agent_is_identified_by_bic", rel)
        assert bic is not None
        required[rel.split("/", 1)[0]] = bic
    for rel in ("Dbtr/Nm", "Cdtr/Nm"):
        name = _r.text(tx, rel)
        _rule(name is not None, "party_name_is_required", rel)
        assert name is not None
        required[rel] = name
    for rel in ("IntrmyAgt1Acct", "IntrmyAgt2Acct", "DbtrAcct", "CdtrAcct"):
        _rule(_r.find(tx, f"{rel}/Id/Othr") is not None, "account_is_required", rel)
    remittance = _r.find(tx, "RmtInf")
    lines = () if remittance is None else _r.texts(remittance, "Ustrd", REMITTANCE_LINES_MAX)
    return CreditTransfer(
        message_id=_r.need_text(header, "MsgId"),
        created_at=_r.need_moment(header, "CreDtTm"),
        clearing_system=clearing_system,
        end_to_end_id=_r.need_text(tx, "PmtId/EndToEndId"),
        transaction_id=_r.text(tx, "PmtId/TxId"),
        uetr=uetr,
        priority=Priority(priority),
        settlement_amount=settlement,
        settlement_date=_r.day(tx, "IntrBkSttlmDt"),
        accepted_at=accepted_at,
        instructed_amount=instructed,
        exchange_rate=rate,
        quote_id=quote_id,
        charge_bearer=ChargeBearer(_r.need_text(tx, "ChrgBr")),
        charges=charges,
        instructing_agent_bic=required["InstgAgt"],
        instructed_agent_bic=required["InstdAgt"],
        intermediary_agent_1_bic=required["IntrmyAgt1"],
        intermediary_agent_1_account=read_account(_r, tx, "IntrmyAgt1Acct"),
        intermediary_agent_2_bic=required["IntrmyAgt2"],
        intermediary_agent_2_account=read_account(_r, tx, "IntrmyAgt2Acct"),
        debtor_name=required["Dbtr/Nm"],
        debtor_account=read_account(_r, tx, "DbtrAcct"),
        debtor_agent_bic=required["DbtrAgt"],
        creditor_agent_bic=required["CdtrAgt"],
        creditor_name=required["Cdtr/Nm"],
        creditor_account=read_account(_r, tx, "CdtrAcct"),
        remittance_lines=lines,
    )
