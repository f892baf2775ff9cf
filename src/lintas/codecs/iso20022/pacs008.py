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

from datetime import date, datetime
from decimal import Decimal
from typing import Final, cast

import msgspec
from lxml import etree

from lintas.codecs.iso20022._xml import (
    UETR_PATTERN,
    Fields,
    Writer,
    are_bics,
    check_text,
    format_datetime,
    format_rate,
    is_bic,
    read_date,
    read_datetime,
    read_rate,
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
    write_settlement_header,
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
#: The six agents of a transfer, in the order the message and the model list them.
_AGENT_TAGS: Final = ("InstgAgt", "InstdAgt", "IntrmyAgt1", "IntrmyAgt2", "DbtrAgt", "CdtrAgt")

_w: Final = Writer(NAMESPACE)


class Charge(msgspec.Struct, frozen=True, gc=False):
    """A fee deducted along the chain, and the agent that took it."""

    amount: Money
    agent_bic: str

    def __post_init__(self) -> None:
        check_bic("charge agent", self.agent_bic)


class CreditTransfer(msgspec.Struct, frozen=True, gc=False):
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
        bics = (
            self.instructing_agent_bic,
            self.instructed_agent_bic,
            self.intermediary_agent_1_bic,
            self.intermediary_agent_2_bic,
            self.debtor_agent_bic,
            self.creditor_agent_bic,
        )
        if not are_bics(bics):  # The same few participants' BICs: usually known good.
            for name, bic in zip(_AGENT_TAGS, bics, strict=True):
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
    write_settlement_header(_w, body, m.message_id, m.created_at, m.clearing_system)
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


# Absolute paths inside the Document: ``read`` looks each value up once, by its full path.
_HEADER: Final = f"{ROOT}/GrpHdr"
_TX: Final = f"{ROOT}/CdtTrfTxInf"
_AGENTS: Final = _AGENT_TAGS
_ACCOUNTS: Final = ("IntrmyAgt1Acct", "IntrmyAgt2Acct", "DbtrAcct", "CdtrAcct")
#: Every text ``read`` takes, in the order it unpacks them.
_TEXTS: Final = (
    f"{_HEADER}/MsgId",
    f"{_HEADER}/CreDtTm",
    f"{_HEADER}/NbOfTxs",
    f"{_HEADER}/SttlmInf/SttlmMtd",
    f"{_HEADER}/SttlmInf/ClrSys/Prtry",
    f"{_TX}/PmtId/EndToEndId",
    f"{_TX}/PmtId/TxId",
    f"{_TX}/PmtId/UETR",
    f"{_TX}/PmtTpInf/InstrPrty",
    f"{_TX}/IntrBkSttlmDt",
    f"{_TX}/AddtlDtTm/AccptncDtTm",
    f"{_TX}/XchgRate",
    f"{_TX}/ChrgBr",
    f"{_TX}/Dbtr/Nm",
    f"{_TX}/Cdtr/Nm",
    *(f"{_TX}/{agent}/FinInstnId/BICFI" for agent in _AGENTS),
    *(
        f"{_TX}/{account}/Id/Othr/{part}"
        for account in _ACCOUNTS
        for part in ("Id", "SchmeNm/Prtry")
    ),
)
_MSG_ID, _CREATED, _NB_OF_TXS, _METHOD = _TEXTS[0:4]
_UETR, _END_TO_END_ID, _CHARGE_BEARER = _TEXTS[7], _TEXTS[5], _TEXTS[12]
_BIC_KEYS: Final = _TEXTS[15:21]
_ACCOUNT_ID_KEYS: Final = _TEXTS[21::2]
#: Where each account's ``Othr`` is; ``account_is_required`` looks for it.
_OTHERS: Final = tuple(f"{_TX}/{account}/Id/Othr" for account in _ACCOUNTS)
_INSTRUCTED: Final = f"{_TX}/InstdAmt"
_SETTLEMENT: Final = f"{_TX}/IntrBkSttlmAmt"
_AGREED: Final = f"{_TX}/AgrdRate"
_AGREED_TEXTS: Final = tuple(
    f"{_AGREED}/{rel}" for rel in ("UnitCcy", "QtdCcy", "PreAgrdXchgRate", "QtId")
)
_CHARGES: Final = f"{_TX}/ChrgsInf"
_REMITTANCE: Final = f"{_TX}/RmtInf"
# Enum lookups by value (``Priority("NORM")``) cost microseconds; these are dictionaries.
_PRIORITIES: Final = {priority.value: priority for priority in Priority}
_CHARGE_BEARERS: Final = {bearer.value: bearer for bearer in ChargeBearer}


def _missing(key: str) -> SchemaInvalid:
    return SchemaInvalid([SchemaProblem(f"/{key}", "required element missing")])


def _not_a_uuid(key: str) -> SchemaInvalid:
    return SchemaInvalid([SchemaProblem(f"/{key}", "not a UUIDv4")])


def read(doc: Fields) -> CreditTransfer:
    """A pacs.008 ``Document`` as a ``CreditTransfer``, enforcing the Nexus usage rules.

    Structure first (the elements it needs are there and hold text), then the usage rules,
    then the values; the model checks its values again as it is built. This runs for every
    payment sent as XML, so the rules are plain ``if``s on values read once.
    """
    for key in (ROOT, _HEADER):
        if key not in doc:
            raise _missing(key)
    (
        message_id, created, transactions, method, clearing_system, end_to_end_id,
        transaction_id, uetr, priority, settlement_day, accepted, rate_text, charge_bearer,
        debtor_name, creditor_name, *bics_and_accounts,
    ) = doc.texts(_TEXTS)  # fmt: skip
    if transactions is None:
        raise _missing(_NB_OF_TXS)
    if transactions != "1":
        raise UsageRuleViolated("one_transaction_per_message", "NbOfTxs")
    if doc.count(_TX) != 1:
        raise UsageRuleViolated("one_transaction_per_message", "CdtTrfTxInf")
    if method is None:
        raise _missing(_METHOD)
    if method != "CLRG":
        raise UsageRuleViolated(
            "settlement_is_through_the_clearing_system", "SttlmMtd must be CLRG"
        )
    if clearing_system is None:
        raise UsageRuleViolated("clearing_system_is_required", "SttlmInf/ClrSys/Prtry")
    if uetr is None:
        raise UsageRuleViolated("uetr_is_required", "PmtId/UETR")
    if UETR_PATTERN.fullmatch(uetr) is None:
        raise _not_a_uuid(_UETR)
    if priority not in _PRIORITIES:
        raise UsageRuleViolated("priority_is_high_or_normal", "PmtTpInf/InstrPrty")
    if accepted is None:
        raise UsageRuleViolated("acceptance_time_is_required", "AddtlDtTm/AccptncDtTm")
    accepted_at = read_datetime(accepted)
    instructed = doc.money(_INSTRUCTED)
    if instructed is None:
        raise UsageRuleViolated("instructed_amount_is_required", "InstdAmt")
    if rate_text is None:
        raise UsageRuleViolated("exchange_rate_is_required", "XchgRate")
    settlement = doc.money(_SETTLEMENT)
    if settlement is None:
        raise _missing(_SETTLEMENT)
    rate = read_rate(rate_text)
    quote_id = None
    if _AGREED in doc:
        quote_id = _agreed_quote(doc, rate, rate_text, instructed, settlement)
    charges_count = doc.count(_CHARGES)
    if charges_count > CHARGES_MAX:
        raise UsageRuleViolated("too_many_repetitions", "ChrgsInf")
    charges = tuple(
        _charge_at(doc, f"{_CHARGES}#{i}" if i else _CHARGES) for i in range(charges_count)
    )
    bics = bics_and_accounts[:6]
    if not are_bics(tuple(bics)):
        for key, bic in zip(_BIC_KEYS, bics, strict=True):
            if bic is None:
                raise UsageRuleViolated("agent_is_identified_by_bic", key.removeprefix(f"{_TX}/"))
            if not is_bic(bic):
                raise SchemaInvalid([SchemaProblem(f"/{key}", f"{bic!r} is not a BIC")])
    if debtor_name is None:
        raise UsageRuleViolated("party_name_is_required", "Dbtr/Nm")
    if creditor_name is None:
        raise UsageRuleViolated("party_name_is_required", "Cdtr/Nm")
    for account, other in zip(_ACCOUNTS, _OTHERS, strict=True):
        if other not in doc:
            raise UsageRuleViolated("account_is_required", account)
    lines = _remittance_lines(doc)
    if message_id is None:
        raise _missing(_MSG_ID)
    if created is None:
        raise _missing(_CREATED)
    if end_to_end_id is None:
        raise _missing(_END_TO_END_ID)
    if charge_bearer is None:
        raise _missing(_CHARGE_BEARER)
    account_texts = bics_and_accounts[6:]
    for key, identification in zip(_ACCOUNT_ID_KEYS, account_texts[::2], strict=True):
        if identification is None:
            raise _missing(key)
    agents = cast(list[str], bics)
    ids = cast(list[str], account_texts[::2])
    schemes = account_texts[1::2]
    return CreditTransfer(
        message_id=message_id,
        created_at=read_datetime(created),
        clearing_system=clearing_system,
        end_to_end_id=end_to_end_id,
        transaction_id=transaction_id,
        uetr=uetr,
        priority=_PRIORITIES[priority],
        settlement_amount=settlement,
        settlement_date=None if settlement_day is None else read_date(settlement_day),
        accepted_at=accepted_at,
        instructed_amount=instructed,
        exchange_rate=rate,
        quote_id=quote_id,
        charge_bearer=_CHARGE_BEARERS.get(charge_bearer) or ChargeBearer(charge_bearer),
        charges=charges,
        instructing_agent_bic=agents[0],
        instructed_agent_bic=agents[1],
        intermediary_agent_1_bic=agents[2],
        intermediary_agent_1_account=Account(ids[0], schemes[0]),
        intermediary_agent_2_bic=agents[3],
        intermediary_agent_2_account=Account(ids[1], schemes[1]),
        debtor_name=debtor_name,
        debtor_account=Account(ids[2], schemes[2]),
        debtor_agent_bic=agents[4],
        creditor_agent_bic=agents[5],
        creditor_name=creditor_name,
        creditor_account=Account(ids[3], schemes[3]),
        remittance_lines=lines,
    )


def _agreed_quote(
    doc: Fields,
    rate: Decimal,
    rate_text: str,
    instructed: Money,
    settlement: Money,
) -> str:
    """The quote id ``AgrdRate`` carries, once it agrees with the rate and the currencies."""
    unit, quoted, agreed_rate, quote_id = doc.texts(_AGREED_TEXTS)
    if quote_id is not None and UETR_PATTERN.fullmatch(quote_id) is None:
        raise _not_a_uuid(_AGREED_TEXTS[3])
    if quote_id is None:
        raise UsageRuleViolated("agreed_rate_carries_the_quote_id", "AgrdRate/QtId")
    if agreed_rate is None:
        raise _missing(_AGREED_TEXTS[2])
    if not (
        (agreed_rate == rate_text or read_rate(agreed_rate) == rate)
        and unit == instructed.currency
        and quoted == settlement.currency
    ):
        raise UsageRuleViolated(
            "agreed_rate_matches_the_exchange_rate",
            "AgrdRate must repeat XchgRate, InstdAmt and IntrBkSttlmAmt currencies",
        )
    return quote_id


def _charge_at(doc: Fields, key: str) -> Charge:
    amount = doc.money(f"{key}/Amt")
    if amount is None:
        raise _missing(f"{key}/Amt")
    agent = f"{key}/Agt/FinInstnId/BICFI"
    element = doc.element(agent)
    if element is None:
        raise _missing(agent)
    bic = element.text
    if not bic:
        raise SchemaInvalid([SchemaProblem(f"/{agent}", "empty element")])
    if not is_bic(bic):
        raise SchemaInvalid([SchemaProblem(f"/{agent}", f"{bic!r} is not a BIC")])
    return Charge(amount, bic)


def _remittance_lines(doc: Fields) -> tuple[str, ...]:
    """``RmtInf/Ustrd``: at most ``REMITTANCE_LINES_MAX`` lines, none of them empty."""
    key = f"{_REMITTANCE}/Ustrd"
    count = doc.count(key)
    if count > REMITTANCE_LINES_MAX:
        raise UsageRuleViolated(
            "too_many_repetitions",
            f"Ustrd appears {count} times; at most {REMITTANCE_LINES_MAX}",
        )
    lines: list[str] = []
    for i in range(count):
        at = f"{key}#{i}" if i else key
        element = doc.element(at)
        assert element is not None, at
        if not element.text:
            raise SchemaInvalid([SchemaProblem(f"/{at}", "empty element")])
        lines.append(element.text)
    return tuple(lines)
