"""The codec's fast paths agree with the slow ones they stand in for, and refuse the same.

Reading a pacs.008 is on every XML payment's path, so the codec converts plain amounts itself,
remembers message shapes, checks printable text without a pattern search, and remembers BICs
it has checked. Each of these is pinned here to what it replaces.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from test_iso20022_strategies import (
    XSD_DIR,
    needs_xsd,
    sample_credit_transfer,
    sample_header,
    sample_pacs008_bytes,
    sample_status_report,
)

from lintas.codecs import iso20022 as iso
from lintas.codecs.iso20022._xml import EXTENSION_NAMESPACE, check_text, read_money
from lintas.domain.money import CURRENCY_EXPONENTS, Money, MoneyError, currency, parse_amount

# Every test here builds or validates against the official XSDs.
pytestmark = needs_xsd

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
amount_texts = st.one_of(
    st.from_regex(r"[0-9]{1,20}(\.[0-9]{0,4})?", fullmatch=True),
    st.text(alphabet="0123456789.-+eE ١²", max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


def _amount(text: str, code: str) -> etree._Element:
    element = etree.Element("Amt", Ccy=code)
    element.text = text
    return element


@settings(max_examples=500)
@given(text=amount_texts, code=st.sampled_from(sorted(CURRENCY_EXPONENTS)))
def test_an_amount_is_read_exactly_as_the_domain_parses_it_or_refused_for_the_same_reason(
    text: str, code: str
) -> None:
    try:
        expected = parse_amount(text, code)
    except MoneyError as error:
        with pytest.raises(iso.UsageRuleViolated) as refused:
            read_money(_amount(text, code))
        assert refused.value.rule == error.reason
        assert refused.value.reason_code == "AM12"
        return
    assert read_money(_amount(text, code)) == expected


def test_an_amount_in_a_currency_lintas_does_not_serve_is_refused_am03() -> None:
    for code in ("EUR", ""):
        with pytest.raises(iso.UsageRuleViolated) as refused:
            read_money(_amount("1.00", code))
        assert refused.value.reason_code == "AM03"


@settings(max_examples=500)
@given(value=st.text(max_size=40), length_max=st.integers(1, 35))
def test_text_is_refused_exactly_when_its_length_or_a_control_character_says_so(
    value: str, length_max: int
) -> None:
    bad = not 1 <= len(value) <= length_max or _FORBIDDEN.search(value) is not None
    if bad:
        with pytest.raises(iso.UsageRuleViolated):
            check_text("field", value, length_max)
    else:
        check_text("field", value, length_max)


def test_a_remembered_shape_still_refuses_text_or_attributes_on_the_envelope() -> None:
    xml = sample_pacs008_bytes()
    assert iso.decode(xml, xsd_dir=XSD_DIR).message == sample_credit_transfer()
    # Same shape (same tags, same nesting), so the layout is remembered; the text is not.
    with_text = xml.replace(b"</AppHdr><Document", b"</AppHdr>stray<Document")
    with pytest.raises(iso.SchemaInvalid, match="text outside"):
        iso.decode(with_text, xsd_dir=XSD_DIR)
    with_attribute = xml.replace(b"<Envelope ", b'<Envelope id="1" ')
    with pytest.raises(iso.SchemaInvalid, match="no attributes"):
        iso.decode(with_attribute, xsd_dir=XSD_DIR)
    # And the message itself still reads the same after those refusals.
    assert iso.decode(xml, xsd_dir=XSD_DIR).message == sample_credit_transfer()


def test_an_empty_element_is_refused_with_its_path() -> None:
    xml = sample_pacs008_bytes().replace(b"<EndToEndId>E2E-0001</EndToEndId>", b"<EndToEndId/>")
    with pytest.raises(iso.SchemaInvalid) as refused:
        iso.decode(xml, schema=False)
    assert [p.path for p in refused.value.problems] == [
        "/FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId/EndToEndId"
    ]


def test_a_malformed_bic_is_refused_even_among_remembered_ones() -> None:
    assert iso.decode(sample_pacs008_bytes(), schema=False)
    xml = sample_pacs008_bytes().replace(b">FXPATHBKXXX<", b">fxpathbkxxx<")
    with pytest.raises(iso.SchemaInvalid, match="is not a BIC"):
        iso.decode(xml, schema=False)
    with pytest.raises(iso.UsageRuleViolated, match="bic_is_malformed"):
        sample_credit_transfer(creditor_agent_bic="KASITHBK-XX")


# -- the return link in a pacs.002 -----------------------------------------------------------

RETURN_UETR = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"


def _settled_report(**changes: object) -> iso.StatusReport:
    return sample_status_report(
        status=iso.TransactionStatus.SETTLED, reason=None, additional_info=(), **changes
    )


def test_a_returned_payments_status_names_its_return_in_supplementary_data() -> None:
    envelope = iso.Envelope(
        _settled_report(returned_by_uetr=RETURN_UETR), sample_header("pacs.002.001.15")
    )
    xml = iso.encode(envelope)
    assert (
        b"<SplmtryData><PlcAndNm>TxInfAndSts</PlcAndNm><Envlp>"
        + f'<RtrLk xmlns="{EXTENSION_NAMESPACE}"><RtrdByUETR>{RETURN_UETR}</RtrdByUETR>'.encode()
        + b"</RtrLk></Envlp></SplmtryData></TxInfAndSts>"
    ) in xml
    report = iso.validate(xml, xsd_dir=XSD_DIR)
    assert report.valid, report.problems
    decoded = iso.decode(xml, xsd_dir=XSD_DIR).message
    assert isinstance(decoded, iso.StatusReport)
    assert decoded.returned_by_uetr == RETURN_UETR and decoded.return_of_uetr is None


def test_only_lintas_supplementary_data_and_only_inside_envlp_leaves_the_namespace() -> None:
    xml = iso.encode(iso.Envelope(_settled_report(return_of_uetr=RETURN_UETR)))
    foreign = xml.replace(EXTENSION_NAMESPACE.encode(), b"urn:example:other")
    with pytest.raises(iso.UnknownMessage):
        iso.decode(foreign, schema=False)
    outside = xml.replace(b"<TxSts>", f'<RtrLk xmlns="{EXTENSION_NAMESPACE}"/><TxSts>'.encode(), 1)
    with pytest.raises(iso.UnknownMessage):
        iso.decode(outside, schema=False)
    with pytest.raises(iso.UsageRuleViolated, match="uetr_must_be_a_uuid_v4"):
        _settled_report(returned_by_uetr="not-a-uetr")


# -- camt.029 pending, camt.053 pages --------------------------------------------------------


def test_a_pending_resolution_carries_no_reason_and_reads_back_pending() -> None:
    case = iso.CaseAssignment(
        "A", sample_header("camt.029.001.10").created_at, "AAAASGSG", "BBBBTHBK", "C", "AAAASGSG"
    )
    original = iso.OriginalReference("M", iso.MessageId("pacs.008.001.13"), None, RETURN_UETR)
    pending = iso.RecallResolution(case, "R", original, iso.ResolutionStatus.PENDING)
    xml = iso.encode(iso.Envelope(pending))
    assert b"<Conf>PDCR</Conf>" in xml and b"<TxCxlSts>PDCR</TxCxlSts>" in xml
    decoded = iso.decode(xml, xsd_dir=XSD_DIR).message
    assert isinstance(decoded, iso.RecallResolution) and decoded.pending
    with pytest.raises(iso.UsageRuleViolated, match="only_a_rejection_carries_a_reason"):
        iso.RecallResolution(
            case,
            "R",
            original,
            iso.ResolutionStatus.PENDING,
            iso.RecallRejectionReason.CUSTOMER_DECIDED,
        )
    mixed = xml.replace(b"<TxCxlSts>PDCR</TxCxlSts>", b"<TxCxlSts>ACCR</TxCxlSts>")
    with pytest.raises(iso.UsageRuleViolated, match="resolution_is_accepted_rejected_or_pending"):
        iso.decode(mixed, xsd_dir=XSD_DIR)


def test_a_statement_page_names_its_balances_by_its_place_among_the_pages() -> None:
    sgd = currency("SGD")
    balance = iso.Balance(Money(100, sgd), iso.Side.CREDIT)
    statement = iso.Statement(
        message_id="M",
        created_at=sample_header("camt.053.001.12").created_at,
        statement_id="S",
        account=iso.Account("A"),
        currency=sgd,
        statement_date=date(2026, 11, 29),
        opening=balance,
        closing=balance,
        pagination=iso.Pagination(2, False),
    )
    xml = iso.encode(iso.Envelope(statement))
    assert xml.count(b"<Cd>ITBD</Cd>") == 2
    assert iso.decode(xml, xsd_dir=XSD_DIR).message == statement
    as_first = xml.replace(b"<PgNb>2</PgNb>", b"<PgNb>1</PgNb>")
    with pytest.raises(iso.UsageRuleViolated, match="opening_and_closing_balances"):
        iso.decode(as_first, xsd_dir=XSD_DIR)
    with pytest.raises(iso.UsageRuleViolated, match="page_number_out_of_range"):
        iso.Pagination(0, True)
