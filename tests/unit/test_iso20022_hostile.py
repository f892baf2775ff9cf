"""Hostile and broken input: every outcome is a parsed message or a typed Iso20022Error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_iso20022_strategies import (
    QUOTE,
    XSD_DIR,
    needs_xsd,
    sample_credit_transfer,
    sample_header,
    sample_pacs008_bytes,
    sample_status_report,
)

from lintas.codecs import iso20022 as iso

# Every test here builds or validates against the official XSDs.
pytestmark = needs_xsd

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13">&lol3;</Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13">&xxe;</Document>"""


def test_a_billion_laughs_payload_is_refused_as_a_forbidden_construct() -> None:
    with pytest.raises(iso.ForbiddenConstruct) as refused:
        iso.decode(BILLION_LAUGHS)
    assert refused.value.reason_code == "FF01"


def test_an_external_entity_is_refused_and_never_read() -> None:
    with pytest.raises(iso.ForbiddenConstruct) as refused:
        iso.decode(EXTERNAL_ENTITY)
    assert "root:" not in str(refused.value)


def test_a_doctype_in_utf16_is_refused_after_parsing() -> None:
    # The byte pre-scan only sees UTF-8; the parsed document's DOCTYPE must still be caught.
    xml = EXTERNAL_ENTITY.replace(
        b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>'
    )
    with pytest.raises(iso.ForbiddenConstruct):
        iso.decode(xml.decode().encode("utf-16"))


def test_an_undeclared_entity_reference_is_malformed() -> None:
    with pytest.raises(iso.MalformedXml):
        iso.decode(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13">&x;</Document>'
        )


def test_a_message_over_the_size_limit_is_refused_before_parsing() -> None:
    xml = sample_pacs008_bytes()
    padded = xml + b" " * (iso.MESSAGE_BYTES_MAX - len(xml) + 1)
    with pytest.raises(iso.MessageTooLarge):
        iso.decode(padded)
    # Exactly at the limit the same bytes are still read.
    assert iso.decode(padded[:-1], schema=False).message == sample_credit_transfer()


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    depth = iso.DEPTH_MAX + 1
    body = b"<a>" * depth + b"</a>" * depth
    xml = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13">' + body + b"</Document>"
    )
    with pytest.raises(iso.ForbiddenConstruct, match="deeper"):
        iso.decode(xml)


def test_nesting_far_beyond_the_parser_limit_is_still_a_typed_error() -> None:
    depth = 10_000
    with pytest.raises(iso.Iso20022Error):
        iso.decode(b"<a>" * depth + b"</a>" * depth)


@pytest.mark.parametrize("cut", [1, 10, 100, 500, -20, -1])
def test_a_truncated_message_is_malformed(cut: int) -> None:
    xml = sample_pacs008_bytes()
    with pytest.raises(iso.MalformedXml):
        iso.decode(xml[:cut])


def test_an_unknown_namespace_is_an_unknown_message() -> None:
    xml = sample_pacs008_bytes().replace(
        b"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13", b"urn:example:not-iso"
    )
    with pytest.raises(iso.UnknownMessage):
        iso.identify(xml)


def test_an_older_version_is_an_unknown_message_that_names_the_version() -> None:
    xml = sample_pacs008_bytes().replace(b"pacs.008.001.13", b"pacs.008.001.08")
    with pytest.raises(iso.UnknownMessage, match=r"pacs\.008\.001\.08"):
        iso.decode(xml)


def test_a_foreign_element_inside_a_document_is_refused_even_on_the_fast_path() -> None:
    xml = sample_pacs008_bytes().replace(b"<XchgRate>", b'<x:Evil xmlns:x="urn:evil"/><XchgRate>')
    with pytest.raises(iso.UnknownMessage):
        iso.decode(xml, schema=False)


@needs_xsd
def test_a_schema_error_names_the_path_of_the_offending_element() -> None:
    xml = sample_pacs008_bytes().replace(b"<ChrgBr>SHAR</ChrgBr>", b"<ChrgBr>XXXX</ChrgBr>")
    with pytest.raises(iso.SchemaInvalid) as refused:
        iso.decode(xml, xsd_dir=XSD_DIR)
    assert [p.path for p in refused.value.problems] == [
        "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr"
    ]
    report = iso.validate(xml, xsd_dir=XSD_DIR)
    assert not report.valid and report.reason_code == "FF01"
    assert report.message_id == "pacs.008.001.13"


def test_a_bare_document_without_header_is_accepted() -> None:
    message = sample_credit_transfer()
    xml = iso.encode(iso.Envelope(message))
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<Document")
    assert iso.decode(xml, xsd_dir=XSD_DIR) == iso.Envelope(message)


def test_a_header_that_names_another_message_is_refused() -> None:
    xml = iso.encode(iso.Envelope(sample_credit_transfer(), sample_header("pacs.008.001.13")))
    lying = xml.replace(
        b"<MsgDefIdr>pacs.008.001.13</MsgDefIdr>", b"<MsgDefIdr>pacs.002.001.15</MsgDefIdr>"
    )
    with pytest.raises(iso.UsageRuleViolated, match="header_names_the_document"):
        iso.decode(lying, schema=False)


@pytest.mark.parametrize(
    ("element", "rule"),
    [
        (b"<UETR>", "uetr_is_required"),
        (b"<AccptncDtTm>", "acceptance_time_is_required"),
        (b"<InstdAmt ", "instructed_amount_is_required"),
        (b"<XchgRate>", "exchange_rate_is_required"),
        (b"<IntrmyAgt1>", "agent_is_identified_by_bic"),
        (b"<IntrmyAgt2Acct>", "account_is_required"),
    ],
)
def test_a_pacs008_missing_a_nexus_element_breaks_its_usage_rule(element: bytes, rule: str) -> None:
    xml = sample_pacs008_bytes()
    start = xml.index(element)
    name = element.strip(b"<> ")
    end = xml.index(b"</" + name + b">", start) + len(name) + 3
    stripped = xml[:start] + xml[end:]
    with pytest.raises(iso.UsageRuleViolated) as refused:
        iso.decode(stripped, xsd_dir=XSD_DIR)
    assert refused.value.rule == rule


def test_an_amount_with_more_decimals_than_its_currency_is_refused_with_am12() -> None:
    xml = sample_pacs008_bytes().replace(b'Ccy="SGD">135.00<', b'Ccy="SGD">135.001<')
    with pytest.raises(iso.UsageRuleViolated) as refused:
        iso.decode(xml, xsd_dir=XSD_DIR)
    assert refused.value.reason_code == "AM12"


def test_a_currency_lintas_does_not_serve_is_refused_with_am03() -> None:
    xml = sample_pacs008_bytes().replace(b'Ccy="SGD">135.00<', b'Ccy="EUR">135.00<')
    with pytest.raises(iso.UsageRuleViolated) as refused:
        iso.decode(xml, xsd_dir=XSD_DIR)
    assert refused.value.reason_code == "AM03"


def test_an_agreed_rate_that_contradicts_the_exchange_rate_is_refused() -> None:
    xml = sample_pacs008_bytes().replace(b"<PreAgrdXchgRate>25.6058<", b"<PreAgrdXchgRate>26.0000<")
    with pytest.raises(iso.UsageRuleViolated, match="agreed_rate_matches_the_exchange_rate"):
        iso.decode(xml, xsd_dir=XSD_DIR)


def test_the_quote_id_travels_in_agreed_rate() -> None:
    xml = sample_pacs008_bytes()
    assert b"<AgrdRate><UnitCcy>SGD</UnitCcy><QtdCcy>THB</QtdCcy>" in xml
    assert f"<QtId>{QUOTE}</QtId></AgrdRate>".encode() in xml


def test_a_return_payment_exposes_the_original_uetr_from_remittance() -> None:
    original = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
    message = sample_credit_transfer(remittance_lines=(f"NexusOrgnlUETR:{original}",))
    assert message.original_uetr == original
    with pytest.raises(iso.UsageRuleViolated):
        sample_credit_transfer(remittance_lines=("NexusOrgnlUETR:not-a-uuid",))


def test_a_rejection_without_a_reason_cannot_be_built() -> None:
    with pytest.raises(iso.UsageRuleViolated, match="a_refusal_carries_a_reason"):
        sample_status_report(reason=None, additional_info=())


def test_a_settled_status_with_a_reason_cannot_be_built() -> None:
    with pytest.raises(iso.UsageRuleViolated, match="an_acceptance_carries_no_reason"):
        sample_status_report(status=iso.TransactionStatus.SETTLED)


def test_a_status_reason_code_outside_the_known_list_is_refused() -> None:
    xml = iso.encode(iso.Envelope(sample_status_report()))
    with pytest.raises(iso.UsageRuleViolated, match="reason_code_is_known"):
        iso.decode(xml.replace(b"<Cd>AM04</Cd>", b"<Cd>ZZ99</Cd>"), xsd_dir=XSD_DIR)


def test_a_statement_whose_closing_balance_does_not_add_up_cannot_be_built() -> None:
    from datetime import date

    from lintas.domain.money import Money, currency

    sgd = currency("SGD")
    with pytest.raises(iso.UsageRuleViolated, match="closing_balance_is_opening_plus_entries"):
        iso.Statement(
            message_id="M",
            created_at=sample_header("camt.053.001.12").created_at,
            statement_id="S",
            account=iso.Account("A"),
            currency=sgd,
            statement_date=date(2026, 11, 29),
            opening=iso.Balance(Money(100, sgd), iso.Side.CREDIT),
            closing=iso.Balance(Money(100, sgd), iso.Side.DEBIT),
        )


def test_a_non_bytes_input_is_a_typed_error() -> None:
    with pytest.raises(iso.MalformedXml):
        iso.decode("<Document/>")  # type: ignore[arg-type]


def _mutations(xml: bytes) -> st.SearchStrategy[bytes]:
    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(xml)
        for _ in range(draw(st.integers(1, 8))):
            kind = draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]))
            at = draw(st.integers(0, len(data) - 1))
            if kind == "flip":
                data[at] = draw(st.integers(0, 255))
            elif kind == "delete":
                del data[at : at + draw(st.integers(1, 40))]
            elif kind == "insert":
                data[at:at] = draw(
                    st.sampled_from([b"<", b">", b"&", b"</a>", b"<x/>", b"\x00", b"\xff", b"]]>"])
                    | st.binary(max_size=8)
                )
            else:
                end = min(len(data), at + draw(st.integers(1, 200)))
                data[at:at] = data[at:end]
            if not data:
                break
        return bytes(data)

    return mutate()


MUTATIONS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@needs_xsd
@MUTATIONS
@given(data=st.data(), schema=st.booleans())
def test_a_mutated_message_is_parsed_or_refused_with_a_typed_error(
    data: st.DataObject, schema: bool
) -> None:
    source = data.draw(
        st.sampled_from(
            [
                sample_pacs008_bytes(),
                iso.encode(iso.Envelope(sample_status_report(), sample_header("pacs.002.001.15"))),
            ]
        )
    )
    mutated = data.draw(_mutations(source))
    try:
        parsed = iso.decode(mutated, schema=schema, xsd_dir=XSD_DIR)
    except iso.Iso20022Error as error:
        assert error.reason_code
        report = iso.validate(mutated, xsd_dir=XSD_DIR)
        assert not report.valid
        return
    # What was accepted must be a message Lintas can write again.
    assert iso.decode(iso.encode(parsed), schema=False) == parsed
