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
    bic_at,
    check_text,
    count_at,
    format_datetime,
    format_rate,
    money_at,
    need_text_at,
    read_date,
    read_datetime,
    read_rate,
    text_at,
)
from lintas.codecs.iso20022.errors import SchemaInvalid, SchemaProblem, UsageRuleViolated
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


# Absolute paths inside the Document: ``read`` looks each value up once, by its full path.
_HEADER: Final = f"{ROOT}/GrpHdr/"
_TX: Final = f"{ROOT}/CdtTrfTxInf/"
_AGENTS: Final = tuple(
    (f"{_TX}{agent}/FinInstnId/BICFI", agent, f"{agent}/FinInstnId/BICFI")
    for agent in ("InstgAgt", "InstdAgt", "IntrmyAgt1", "IntrmyAgt2", "DbtrAgt", "CdtrAgt")
)
# Per account: the path of its Othr, of Othr/Id and of Othr/SchmeNm/Prtry.
_ACCOUNT_KEYS: Final = {
    rel: (f"{_TX}{rel}/Id/Othr", f"{_TX}{rel}/Id/Othr/Id", f"{_TX}{rel}/Id/Othr/SchmeNm/Prtry")
    for rel in ("IntrmyAgt1Acct", "IntrmyAgt2Acct", "DbtrAcct", "CdtrAcct")
}


def _uetr_at(index: dict[str, etree._Element], key: str) -> str | None:
    value = text_at(index, key)
    if value is not None and UETR_PATTERN.fullmatch(value) is None:
        raise SchemaInvalid([SchemaProblem(f"/{key}", "not a UUIDv4")])
    return value


def _day_at(index: dict[str, etree._Element], key: str) -> date | None:
    value = text_at(index, key)
    return None if value is None else read_date(value)


def _account_at(index: dict[str, etree._Element], rel: str) -> Account:
    # What ``write_account`` wrote (``rel/Id/Othr``), as ``read_account`` reads it.
    other, identification, scheme = _ACCOUNT_KEYS[rel]
    if other not in index:
        raise SchemaInvalid([SchemaProblem(f"/{other}", "required element missing")])
    return Account(need_text_at(index, identification), text_at(index, scheme))


def read(doc: Node) -> CreditTransfer:
    """A pacs.008 ``Document`` as a ``CreditTransfer``, enforcing the Nexus usage rules."""
    _r.need(doc, ROOT)
    _r.need(doc, "FIToFICstmrCdtTrf/GrpHdr")
    index = doc.index
    _rule(
        need_text_at(index, "FIToFICstmrCdtTrf/GrpHdr/NbOfTxs") == "1",
        "one_transaction_per_message",
        "NbOfTxs",
    )
    _rule(
        count_at(doc, "FIToFICstmrCdtTrf/CdtTrfTxInf") == 1,
        "one_transaction_per_message",
        "CdtTrfTxInf",
    )
    _rule(
        need_text_at(index, "FIToFICstmrCdtTrf/GrpHdr/SttlmInf/SttlmMtd") == "CLRG",
        "settlement_is_through_the_clearing_system",
        "SttlmMtd must be CLRG",
    )
    clearing_system = text_at(index, "FIToFICstmrCdtTrf/GrpHdr/SttlmInf/ClrSys/Prtry")
    _rule(clearing_system is not None, "clearing_system_is_required", "SttlmInf/ClrSys/Prtry")
    uetr = _uetr_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId/UETR")
    _rule(uetr is not None, "uetr_is_required", "PmtId/UETR")
    priority = text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/PmtTpInf/InstrPrty")
    _rule(priority in ("HIGH", "NORM"), "priority_is_high_or_normal", "PmtTpInf/InstrPrty")
    accepted_text = text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/AddtlDtTm/AccptncDtTm")
    accepted_at = None if accepted_text is None else read_datetime(accepted_text)
    _rule(accepted_at is not None, "acceptance_time_is_required", "AddtlDtTm/AccptncDtTm")
    instructed = money_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/InstdAmt")
    _rule(instructed is not None, "instructed_amount_is_required", "InstdAmt")
    rate_text = text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/XchgRate")
    _rule(rate_text is not None, "exchange_rate_is_required", "XchgRate")
    settlement = money_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt")
    if settlement is None:
        raise SchemaInvalid([SchemaProblem(f"/{_TX}IntrBkSttlmAmt", "required element missing")])
    assert clearing_system is not None and uetr is not None and priority is not None
    assert accepted_at is not None and instructed is not None and rate_text is not None
    rate = read_rate(rate_text)
    quote_id: str | None = None
    if "FIToFICstmrCdtTrf/CdtTrfTxInf/AgrdRate" in index:
        quote_id = _uetr_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/AgrdRate/QtId")
        _rule(quote_id is not None, "agreed_rate_carries_the_quote_id", "AgrdRate/QtId")
        _rule(
            read_rate(need_text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/AgrdRate/PreAgrdXchgRate"))
            == rate
            and text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/AgrdRate/UnitCcy")
            == instructed.currency
            and text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/AgrdRate/QtdCcy")
            == settlement.currency,
            "agreed_rate_matches_the_exchange_rate",
            "AgrdRate must repeat XchgRate, InstdAmt and IntrBkSttlmAmt currencies",
        )
    charges_count = count_at(doc, "FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgsInf")
    _rule(charges_count <= CHARGES_MAX, "too_many_repetitions", "ChrgsInf")
    charges = tuple(
        _charge_at(index, f"{_TX}ChrgsInf#{i}" if i else "FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgsInf")
        for i in range(charges_count)
    )
    agents: dict[str, str] = {}
    for key, agent, rel in _AGENTS:
        bic = bic_at(index, key)
        _rule(bic is not None, "agent_is_identified_by_bic", rel)
        assert bic is not None
        agents[agent] = bic
    debtor_name = text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/Dbtr/Nm")
    _rule(debtor_name is not None, "party_name_is_required", "Dbtr/Nm")
    creditor_name = text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/Cdtr/Nm")
    _rule(creditor_name is not None, "party_name_is_required", "Cdtr/Nm")
    assert debtor_name is not None and creditor_name is not None
    for rel, (other, _, _) in _ACCOUNT_KEYS.items():
        _rule(other in index, "account_is_required", rel)
    lines: tuple[str, ...] = ()
    remittance = _r.find(doc, "FIToFICstmrCdtTrf/CdtTrfTxInf/RmtInf")
    if remittance is not None:
        lines = _r.texts(remittance, "Ustrd", REMITTANCE_LINES_MAX)
    return CreditTransfer(
        message_id=need_text_at(index, "FIToFICstmrCdtTrf/GrpHdr/MsgId"),
        created_at=read_datetime(need_text_at(index, "FIToFICstmrCdtTrf/GrpHdr/CreDtTm")),
        clearing_system=clearing_system,
        end_to_end_id=need_text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId/EndToEndId"),
        transaction_id=text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId/TxId"),
        uetr=uetr,
        priority=Priority(priority),
        settlement_amount=settlement,
        settlement_date=_day_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmDt"),
        accepted_at=accepted_at,
        instructed_amount=instructed,
        exchange_rate=rate,
        quote_id=quote_id,
        charge_bearer=ChargeBearer(need_text_at(index, "FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr")),
        charges=charges,
        instructing_agent_bic=agents["InstgAgt"],
        instructed_agent_bic=agents["InstdAgt"],
        intermediary_agent_1_bic=agents["IntrmyAgt1"],
        intermediary_agent_1_account=_account_at(index, "IntrmyAgt1Acct"),
        intermediary_agent_2_bic=agents["IntrmyAgt2"],
        intermediary_agent_2_account=_account_at(index, "IntrmyAgt2Acct"),
        debtor_name=debtor_name,
        debtor_account=_account_at(index, "DbtrAcct"),
        debtor_agent_bic=agents["DbtrAgt"],
        creditor_agent_bic=agents["CdtrAgt"],
        creditor_name=creditor_name,
        creditor_account=_account_at(index, "CdtrAcct"),
        remittance_lines=lines,
    )


def _charge_at(index: dict[str, etree._Element], key: str) -> Charge:
    amount = money_at(index, f"{key}/Amt")
    if amount is None:
        raise SchemaInvalid([SchemaProblem(f"/{key}/Amt", "required element missing")])
    bic = bic_at(index, f"{key}/Agt/FinInstnId/BICFI")
    if bic is None:
        raise SchemaInvalid(
            [SchemaProblem(f"/{key}/Agt/FinInstnId/BICFI", "required element missing")]
        )
    return Charge(amount, bic)
