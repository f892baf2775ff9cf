"""Round trips for every message: build -> parse -> equal -> build again, byte-identical.

Every message built here is also validated against its official XSD.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_iso20022_strategies import (
    MESSAGE_STRATEGIES,
    XSD_DIR,
    envelopes,
    needs_xsd,
    sample_header,
    sample_status_report,
)

from lintas.codecs import iso20022 as iso
from lintas.codecs.iso20022 import codec, header, pacs002
from lintas.codecs.iso20022._xml import serialise

# Every test here builds or validates against the official XSDs.
pytestmark = needs_xsd

ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(envelope: iso.Envelope) -> None:
    xml = iso.encode(envelope)
    assert iso.identify(xml) == envelope.message_id
    for schema in (True, False):
        parsed = iso.decode(xml, schema=schema, xsd_dir=XSD_DIR)
        assert parsed == envelope
        assert iso.encode(parsed) == xml


@needs_xsd
@pytest.mark.parametrize("message_id", sorted(MESSAGE_STRATEGIES))
@ROUND_TRIP
@given(data=st.data())
def test_every_message_round_trips_byte_identical_and_validates_against_its_xsd(
    message_id: str, data: st.DataObject
) -> None:
    envelope = data.draw(envelopes(message_id))
    _round_trip(envelope)


def _written_through_a_tree(envelope: iso.Envelope) -> bytes:
    """The bytes the element-tree writer produces: the reference for the text renderers."""
    assert isinstance(envelope.message, iso.StatusReport)
    document = pacs002.build(envelope.message)
    if envelope.header is None:
        return serialise(document)
    root = etree.Element(codec.ENVELOPE_TAG, nsmap={None: codec.ENVELOPE_NAMESPACE})  # type: ignore[dict-item]
    root.append(header.build(envelope.header))
    root.append(document)
    return serialise(root)


@ROUND_TRIP
@given(envelope=envelopes("pacs.002.001.15"))
def test_a_status_report_is_written_as_text_byte_identical_to_the_tree_writer(
    envelope: iso.Envelope,
) -> None:
    assert iso.encode(envelope) == _written_through_a_tree(envelope)


def test_markup_characters_in_a_status_report_are_escaped_exactly_as_lxml_escapes_them() -> None:
    message = sample_status_report(
        message_id="A&B<C>D\"E'F]]>",
        additional_info=("x < y & z > w", "é ü 漢字 \t tab\nline"),
    )
    envelope = iso.Envelope(message, sample_header("pacs.002.001.15"))
    xml = iso.encode(envelope)
    assert xml == _written_through_a_tree(envelope)
    assert b"A&amp;B&lt;C&gt;D\"E'F]]&gt;" in xml
    assert iso.decode(xml, xsd_dir=XSD_DIR) == envelope
