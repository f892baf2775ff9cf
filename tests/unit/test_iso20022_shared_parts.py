"""The parts several ISO 20022 messages share (``codecs.iso20022.models``): one transaction
per recall or resolution, and the instructing and instructed agents of a status."""

from __future__ import annotations

import pytest
from test_iso20022_strategies import T0, UETR

from lintas.codecs import iso20022 as iso
from lintas.domain.money import Money, currency

ORIGINAL = iso.OriginalReference("MSG-SG-0001", iso.MessageId("pacs.008.001.13"), "E2E-1", UETR)
CASE = iso.CaseAssignment("ASSGN-1", T0, "DBSSSGSGXXX", "KASITHBKXXX", "CASE-1", "DBSSSGSGXXX")


def _recall() -> iso.RecallRequest:
    return iso.RecallRequest(
        case=CASE,
        cancellation_id="CXL-1",
        original=ORIGINAL,
        original_settlement_amount=Money(345_678, currency("THB")),
        original_settlement_date=None,
        reason=iso.RecallReason.FRAUDULENT_ORIGIN,
    )


def _resolution() -> iso.RecallResolution:
    return iso.RecallResolution(
        case=CASE, resolution_id="RSL-1", original=ORIGINAL, status=iso.ResolutionStatus.ACCEPTED
    )


def _twice(xml: bytes, start: bytes, end: bytes) -> bytes:
    """``xml`` with the block from ``start`` to ``end`` written twice."""
    i = xml.index(start)
    j = xml.index(end, i) + len(end)
    return xml[:j] + xml[i:j] + xml[j:]


def test_a_recall_and_a_resolution_each_read_back_their_one_transaction() -> None:
    for message in (_recall(), _resolution()):
        assert iso.decode(iso.encode(iso.Envelope(message)), schema=False).message == message


@pytest.mark.parametrize(
    ("message", "start", "end"),
    [
        (_recall(), b"<Undrlyg>", b"</Undrlyg>"),
        (_recall(), b"<TxInf>", b"</TxInf>"),
        (_resolution(), b"<CxlDtls>", b"</CxlDtls>"),
        (_resolution(), b"<TxInfAndSts>", b"</TxInfAndSts>"),
    ],
)
def test_a_second_block_or_transaction_is_refused_as_one_transaction_per_message(
    message: iso.RecallRequest | iso.RecallResolution, start: bytes, end: bytes
) -> None:
    xml = _twice(iso.encode(iso.Envelope(message)), start, end)
    with pytest.raises(iso.UsageRuleViolated) as refused:
        iso.decode(xml, schema=False)
    assert refused.value.rule == "one_transaction_per_message"


def test_a_malformed_agent_bic_is_refused_and_named() -> None:
    for field, tag in (("instructing_agent_bic", "InstgAgt"), ("instructed_agent_bic", "InstdAgt")):
        with pytest.raises(iso.UsageRuleViolated) as refused:
            iso.StatusRequest("MSG-1", T0, "REQ-1", ORIGINAL, **{field: "not a bic"})
        assert refused.value.rule == "bic_is_malformed"
        assert tag in refused.value.message


def test_a_status_request_writes_its_agents_in_the_group_header() -> None:
    request = iso.StatusRequest("MSG-1", T0, "REQ-1", ORIGINAL, "DBSSSGSGXXX", "KASITHBKXXX")
    xml = iso.encode(iso.Envelope(request))
    header = xml[xml.index(b"<GrpHdr>") : xml.index(b"</GrpHdr>")]
    assert header.index(b"<CreDtTm>") < header.index(b"<InstgAgt>") < header.index(b"<InstdAgt>")
    assert iso.decode(xml, schema=False).message == request
