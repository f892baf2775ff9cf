"""Round trips for every message: build -> parse -> equal -> build again, byte-identical.

Every message built here is also validated against its official XSD.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_iso20022_strategies import MESSAGE_STRATEGIES, XSD_DIR, envelopes, needs_xsd

from lintas.codecs import iso20022 as iso

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
