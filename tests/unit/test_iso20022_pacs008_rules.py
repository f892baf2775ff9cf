"""Every refusal of the pacs.008 reader, one mutation of a valid message each.

The reader's own checks (``codecs/iso20022/pacs008.py``) stand alone on the structural path
(``schema=False``), the one the gateway takes when the XSDs are not there; with the XSDs a
mutation may be refused earlier, by the schema, which is checked too. Either way a broken
message is refused, never read as something else.
"""

from __future__ import annotations

import pytest
from test_iso20022_strategies import XSD_DIR, sample_pacs008_bytes

from lintas.codecs import iso20022 as iso

#: (name, bytes to find, bytes to put instead, the rule refused, or None for a schema refusal)
MUTATIONS: list[tuple[str, bytes, bytes, str | None]] = [
    (
        "two transactions declared",
        b"<NbOfTxs>1</NbOfTxs>",
        b"<NbOfTxs>2</NbOfTxs>",
        "one_transaction_per_message",
    ),
    ("no transaction count", b"<NbOfTxs>1</NbOfTxs>", b"", None),
    (
        "settled otherwise than by clearing",
        b"<SttlmMtd>CLRG</SttlmMtd>",
        b"<SttlmMtd>INDA</SttlmMtd>",
        "settlement_is_through_the_clearing_system",
    ),
    ("no settlement method", b"<SttlmMtd>CLRG</SttlmMtd>", b"", None),
    (
        "no clearing system",
        b"<ClrSys><Prtry>SGFAST</Prtry></ClrSys>",
        b"",
        "clearing_system_is_required",
    ),
    ("no uetr", b"<UETR>3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b</UETR>", b"", "uetr_is_required"),
    (
        "a uetr that is no uuid v4",
        b"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b</UETR>",
        b"3f2b8c1e-5d4a-1e6f-9a7b-1c2d3e4f5a6b</UETR>",
        None,
    ),
    (
        "an urgent priority",
        b"<InstrPrty>NORM</InstrPrty>",
        b"<InstrPrty>URGT</InstrPrty>",
        "priority_is_high_or_normal",
    ),
    (
        "no acceptance time",
        b"<AddtlDtTm><AccptncDtTm>2026-11-29T09:30:00+08:00</AccptncDtTm></AddtlDtTm>",
        b"",
        "acceptance_time_is_required",
    ),
    (
        "no instructed amount",
        b'<InstdAmt Ccy="SGD">135.00</InstdAmt>',
        b"",
        "instructed_amount_is_required",
    ),
    ("no exchange rate", b"<XchgRate>25.6058</XchgRate>", b"", "exchange_rate_is_required"),
    ("no settlement amount", b'<IntrBkSttlmAmt Ccy="THB">3456.78</IntrBkSttlmAmt>', b"", None),
    (
        "an agreed rate without the quote id",
        b"<QtId>8d0c9a3e-1b2f-4c5d-8e7f-6a5b4c3d2e1f</QtId>",
        b"",
        "agreed_rate_carries_the_quote_id",
    ),
    (
        "a quote id that is no uuid v4",
        b"<QtId>8d0c9a3e-1b2f-4c5d",
        b"<QtId>8d0c9a3e-1b2f-1c5d",
        None,
    ),
    ("a charge without its amount", b'<ChrgsInf><Amt Ccy="SGD">0.50</Amt>', b"<ChrgsInf>", None),
    (
        "a charge without its agent",
        b"</Amt><Agt><FinInstnId><BICFI>DBSSSGSGXXX</BICFI></FinInstnId></Agt></ChrgsInf>",
        b"</Amt></ChrgsInf>",
        None,
    ),
    (
        "an agent without a bic",
        b"<DbtrAgt><FinInstnId><BICFI>DBSSSGSGXXX</BICFI></FinInstnId></DbtrAgt>",
        b"<DbtrAgt><FinInstnId><Nm>DBS</Nm></FinInstnId></DbtrAgt>",
        "agent_is_identified_by_bic",
    ),
    (
        "an agent whose bic is no bic",
        b"<CdtrAgt><FinInstnId><BICFI>KASITHBKXXX</BICFI>",
        b"<CdtrAgt><FinInstnId><BICFI>KASI-THBK</BICFI>",
        None,
    ),
    (
        "no debtor name",
        b"<Dbtr><Nm>Tan Wei Ming</Nm></Dbtr>",
        b"<Dbtr></Dbtr>",
        "party_name_is_required",
    ),
    (
        "no creditor name",
        b"<Cdtr><Nm>Somchai Jaidee</Nm></Cdtr>",
        b"<Cdtr></Cdtr>",
        "party_name_is_required",
    ),
    (
        "no creditor account",
        b"<CdtrAcct><Id><Othr><Id>123-4-56789-0</Id></Othr></Id></CdtrAcct>",
        b"",
        "account_is_required",
    ),
    ("no message id", b"<MsgId>MSG-SG-0001</MsgId>", b"", None),
    ("no end-to-end id", b"<EndToEndId>E2E-0001</EndToEndId>", b"", None),
    ("no charge bearer", b"<ChrgBr>SHAR</ChrgBr>", b"", None),
]


def _mutated(find: bytes, replace: bytes) -> bytes:
    xml = sample_pacs008_bytes()
    assert xml.count(find) == 1, find
    return xml.replace(find, replace)


@pytest.mark.parametrize(
    ("find", "replace", "rule"), [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS]
)
def test_a_broken_pacs008_is_refused_on_the_structural_path_by_its_rule(
    find: bytes, replace: bytes, rule: str | None
) -> None:
    with pytest.raises((iso.UsageRuleViolated, iso.SchemaInvalid)) as refused:
        iso.decode(_mutated(find, replace), schema=False)
    if rule is None:
        assert isinstance(refused.value, iso.SchemaInvalid), refused.value
    else:
        assert isinstance(refused.value, iso.UsageRuleViolated), refused.value
        assert refused.value.rule == rule


@pytest.mark.skipif(not XSD_DIR.is_dir(), reason=f"the official XSDs are not at {XSD_DIR}")
@pytest.mark.parametrize(("find", "replace"), [pytest.param(*m[1:3], id=m[0]) for m in MUTATIONS])
def test_a_broken_pacs008_is_refused_with_the_official_schemas_too(
    find: bytes, replace: bytes
) -> None:
    with pytest.raises((iso.UsageRuleViolated, iso.SchemaInvalid)):
        iso.decode(_mutated(find, replace), xsd_dir=XSD_DIR)


@pytest.mark.skipif(not XSD_DIR.is_dir(), reason=f"the official XSDs are not at {XSD_DIR}")
def test_the_unmutated_message_reads_on_both_paths() -> None:
    xml = sample_pacs008_bytes()
    assert iso.decode(xml, schema=False).message == iso.decode(xml, xsd_dir=XSD_DIR).message
