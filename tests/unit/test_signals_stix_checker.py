"""The strict STIX checker of bulk imports: it proves valid only what the ``stix2`` library
accepts (held to that by differential tests against the library itself), leaves everything
else to ``stix2``, and a bundle with one bad object among many good ones is still refused
whole, naming the object."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stix2  # type: ignore[import-untyped]
import stix2.exceptions  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator  # type: ignore[import-untyped]

from lintas.adapters import stix
from lintas.domain.errors import InputInvalid
from lintas.domain.signals import (
    AbuseType,
    Signal,
    SignalStatus,
    SignalType,
    Source,
    Target,
    Tlp,
)

NOW = datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
SOURCE = Source("KSKBTHBK", "KSKB", "TH")
TARGETS = [
    Target(SignalType.PHONE, "+66812345678"),
    Target(SignalType.ACCOUNT, "KSKBTHBK:1234567890"),
    Target(SignalType.PROXY, "SG:NATIONAL_ID:S1234567D"),
    Target(SignalType.URL, "pay-now.example/Refund?id=7&q=a AND b"),
    Target(SignalType.DOMAIN, "xn--12c1bik6bbd8ab6hd1b5jc6jta.com"),
    Target(SignalType.EMAIL, "help@bank-refund.example"),
    Target(SignalType.WALLET, "TRX:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    Target(SignalType.QR, "ID1020304050"),
]


def _signal(target: Target, n: int = 0, description: str = "it's a 'quoted' \\ lure") -> Signal:
    return Signal(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"signal-{n}-{target.value}")),
        target=target,
        abuse=AbuseType.PHISHING,
        confidence=60,
        source=SOURCE,
        tlp=Tlp.GREEN,
        status=SignalStatus.ACTIVE,
        first_seen=NOW - timedelta(days=2),
        last_seen=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=90),
        created_at=NOW - timedelta(days=1),
        modified_at=NOW,
        description=description,
    )


def _accepted_by_stix2(obj: dict[str, Any]) -> bool:
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError, AttributeError):
        return False
    return True


def _indicator() -> dict[str, Any]:
    return stix.indicator(_signal(TARGETS[1]))


def test_every_indicator_and_standard_sco_of_an_export_is_proven_valid_and_stix2_agrees() -> None:
    body = stix.bundle([_signal(t) for t in TARGETS])
    proven = [o for o in body["objects"] if stix.proven_valid(o)]
    kinds = {o["type"] for o in proven}
    assert kinds == {"indicator", "url", "domain-name", "email-addr"}
    assert sum(o["type"] == "indicator" for o in proven) == len(TARGETS)
    assert all(_accepted_by_stix2(o) for o in body["objects"])


def test_a_withdrawn_signal_without_a_source_country_is_still_of_the_documented_shape() -> None:
    signal = replace(
        _signal(TARGETS[0], description=""),
        status=SignalStatus.WITHDRAWN,
        source=Source("OPERATOR", "OPERATOR", None),
    )
    body = stix.indicator(signal)
    assert body["revoked"] is True and stix.proven_valid(body) and _accepted_by_stix2(body)


# --- Differential: whatever the checker proves valid, stix2 accepts ---------------------------

#: Values that are wrong, odd or on the edge, tried in every property of an indicator.
ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    0,
    1,
    -1,
    101,
    100,
    True,
    False,
    1.5,
    [],
    [""],
    ["x"],
    [1],
    {},
    {"a": 1},
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.1Z",
    "2026-01-01T00:00:00.1234567Z",
    "2026-1-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:60Z",
    "2026-01-01 00:00:00Z",
    "2026-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2030-01-01T00:00:00.000Z",
    "1990-01-01T00:00:00.000Z",
    "indicator--4d4770e7-dfb2-4f22-b311-602f56971f0c",
    "indicator--4d4770e7-dfb2-4f22-7311-602f56971f0c",
    "indicator--4D4770E7-DFB2-4F22-B311-602F56971F0C",
    "identity--4d4770e7-dfb2-4f22-b311-602f56971f0c",
    "identity--4d4770e7-dfb2-4f22-c311-602f56971f0c",
    "marking-definition--4d4770e7-dfb2-4f22-b311-602f56971f0c",
    ["marking-definition--4d4770e7-dfb2-4f22-b311-602f56971f0c"],
    ["marking-definition--4d4770e7-dfb2-4f22-0311-602f56971f0c"],
    ["identity--4d4770e7-dfb2-4f22-b311-602f56971f0c"],
    "stix",
    "pcre",
    "2.0",
    "2.1",
    "2.2",
    "[url:value = 'http://a.example']",
    "[url:value = 'a\\n']",
    "[url:value = 'a\\\\']",
    "[url:value='x']",
    "[url:value\t=\n'x']",
    "[ url:value = 'x' ]",
    "[url:value = 'x'] ",
    "[url:value = 'x' AND url:value = 'y']",
    "[url:value = 'x' OR url:value = 'y']",
    "[x-lintas-phone-number:value = '+66812345678']",
    "[x-lintas-bank-account:account_number = '1' AND x-lintas-bank-account:bic = 'B']",
    "[x-lintas-bank-account:bic = 'B' AND x-lintas-bank-account:bic = 'B']",
    "[x-lintas-bank-account:bic = 'B' AND url:value = 'B']",
    "[x-lintas-merchant-qr:merchant_id = '']",
    "[domain-name:value = 'ธนาคาร.ไทย']",
    "[email-addr:value = 'a\\'b@c']",
    "[email-addr:value = 'a'b@c']",
    {stix.SIGNAL_EXTENSION: {"extension_type": "property-extension", "status": "active"}},
    {stix.SIGNAL_EXTENSION: {"extension_type": "new-sco"}},
    {stix.SIGNAL_EXTENSION: {"extension_type": "property-extension", "status": 5}},
    {stix.SIGNAL_EXTENSION: "property-extension"},
    {"extension-definition--bad": {"extension_type": "property-extension"}},
    {"x-custom": {"a": 1}},
]
INDICATOR_KEYS = sorted(stix._INDICATOR_PROPERTIES | {"kill_chain_phases", "lang", "x_custom"})


def test_every_single_odd_property_either_stays_unproven_or_is_one_stix2_accepts() -> None:
    proven = 0
    for key in INDICATOR_KEYS:
        for value in [*ODD_VALUES, "<delete>"]:
            obj = _indicator()
            if value == "<delete>":
                obj.pop(key, None)
            else:
                obj[key] = copy.deepcopy(value)
            if stix.proven_valid(obj):
                proven += 1
                assert _accepted_by_stix2(obj), (key, value)
    assert proven > 50  # The comparison is not empty: many odd-but-valid forms are proven.


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(INDICATOR_KEYS),
            st.one_of(st.just("<delete>"), st.sampled_from(ODD_VALUES)),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_an_indicator_the_checker_proves_valid_is_one_stix2_accepts(
    changes: list[tuple[str, Any]],
) -> None:
    obj = _indicator()
    for key, value in changes:
        if value == "<delete>":
            obj.pop(key, None)
        else:
            obj[key] = copy.deepcopy(value)
    if stix.proven_valid(obj):
        assert _accepted_by_stix2(obj), obj


SCO_VALUES: list[Any] = [
    None,
    "",
    "x",
    5,
    ["x"],
    "2.0",
    "2.1",
    "url--4d4770e7-dfb2-4f22-b311-602f56971f0c",
    "url--4d4770e7-dfb2-4f22-0311-602f56971f0c",
    "domain-name--4d4770e7-dfb2-4f22-b311-602f56971f0c",
    "email-addr--4d4770e7-dfb2-4f22-b311-602f56971f0c",
    "url",
    "domain-name",
    "email-addr",
    True,
    {},
    {"extension-definition--4d4770e7-dfb2-4f22-b311-602f56971f0c": {}},
]


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["url", "domain-name", "email-addr"]),
    changes=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "type",
                    "spec_version",
                    "id",
                    "value",
                    "defanged",
                    "extensions",
                    "resolves_to_refs",
                ]
            ),
            st.one_of(st.just("<delete>"), st.sampled_from(SCO_VALUES)),
        ),
        max_size=2,
    ),
)
def test_a_standard_sco_the_checker_proves_valid_is_one_stix2_accepts(
    kind: str, changes: list[tuple[str, Any]]
) -> None:
    obj: dict[str, Any] = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--4d4770e7-dfb2-4f22-b311-602f56971f0c",
        "value": "x",
    }
    for key, value in changes:
        if value == "<delete>":
            obj.pop(key, None)
        else:
            obj[key] = copy.deepcopy(value)
    if stix.proven_valid(obj):
        assert _accepted_by_stix2(obj), obj


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(list(SignalType)), text=st.text(min_size=1, max_size=40))
def test_any_target_value_gives_a_pattern_both_the_checker_and_the_stix_grammar_accept(
    kind: SignalType, text: str
) -> None:
    if kind in (SignalType.ACCOUNT, SignalType.WALLET):
        value = f"X:{text}"
    elif kind is SignalType.PROXY:
        value = f"SG:UEN:{text}"
    else:
        value = text
    pattern = stix.pattern_of(kind, value)
    assert stix._documented_target(pattern) is not None
    assert run_validator(pattern, "2.1") == []


SCO_NAMES = [
    "url",
    "x-lintas-merchant-qr",
    "x-lintas-bank-account",
    "domain-name",
    "and",
    "x-",
    "url-",
]
PROPERTY_NAMES = [
    "value",
    "merchant_id",
    "bic",
    "account_number",
    "value",
    "merchant_id",
    "and",
    "true",
    "AND",
    "v_1",
]
EQUALS = ["=", " = ", "  =\t", "\n=\r", "\x0b=", "\u00a0=", " == ", " != "]
JOINERS = [" AND ", " AND  ", " and ", " OR ", "AND", " AND\n"]
LITERALS = st.lists(
    st.sampled_from(["a", "'", "\\", "\\'", "\\\\", " AND ", "é", "\n", "]", "["]), max_size=8
).map("".join)


@st.composite
def _patterns(draw: st.DrawFn) -> str:
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        terms.append(
            draw(st.sampled_from(SCO_NAMES))
            + ":"
            + draw(st.sampled_from(PROPERTY_NAMES))
            + draw(st.sampled_from(EQUALS))
            + "'"
            + draw(LITERALS)
            + "'"
        )
    body = terms[0]
    for term in terms[1:]:
        body += draw(st.sampled_from(JOINERS)) + term
    return draw(st.sampled_from(["[", "[ ", " ["])) + body + draw(st.sampled_from(["]", " ]"]))


@settings(max_examples=1500, deadline=None)
@given(pattern=_patterns())
def test_a_pattern_the_checker_proves_documented_is_one_the_stix_grammar_accepts(
    pattern: str,
) -> None:
    if stix._documented_target(pattern) is not None:
        assert run_validator(pattern, "2.1") == [], pattern


# --- Whole bundles ------------------------------------------------------------------------


def _bundle_bytes(objects: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    ).encode()


def test_a_large_bundle_of_documented_shapes_sends_only_a_sample_through_stix2() -> None:
    signals = [_signal(TARGETS[i % len(TARGETS)], i) for i in range(3000)]
    objects = stix.objects_of(signals)
    seen: list[int] = []
    by_stix2 = stix.validate_all(objects, seen.append)
    proven = sum(stix.proven_valid(o) for o in objects)
    others = len(objects) - proven
    assert proven > 3000
    assert by_stix2 == others + stix.STIX2_SAMPLE_HEAD + proven // stix.STIX2_SAMPLE_EVERY
    assert seen[-1] == len(objects)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"valid_until": "2020-01-01T00:00:00.000Z"}, "valid_until"),
        ({"pattern": "[url:value = 'a\\n']"}, "pattern"),
        ({"pattern": "[url:value = 'x'"}, "pattern"),
        ({"created": "yesterday"}, "created"),
        ({"created_by_ref": "identity--4d4770e7-dfb2-4f22-0311-602f56971f0c"}, "created_by_ref"),
        (
            {"object_marking_refs": ["identity--4d4770e7-dfb2-4f22-b311-602f56971f0c"]},
            "object_marking_refs",
        ),
    ],
)
def test_one_bad_indicator_among_thousands_of_good_ones_refuses_the_bundle_naming_it(
    change: dict[str, Any], words: str
) -> None:
    objects = stix.objects_of([_signal(TARGETS[i % len(TARGETS)], i) for i in range(2000)])
    indicators = [i for i, o in enumerate(objects) if o["type"] == "indicator"]
    bad = indicators[1500]
    objects[bad] = {**objects[bad], **change}
    with pytest.raises(InputInvalid) as e:
        stix.read_bundle(_bundle_bytes(objects))
    assert e.value.reason == "stix_invalid"
    assert objects[bad]["id"] in e.value.message and words in e.value.message


def test_an_object_outside_the_documented_shapes_is_still_judged_by_stix2() -> None:
    custom = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--4d4770e7-dfb2-4f22-b311-602f56971f0c",
        "created": "2026-01-01T00:00:00Z",
        "modified": "2026-01-01T00:00:00Z",
        "pattern": "[ipv4-addr:value = '203.0.113.7' OR ipv4-addr:value = '203.0.113.8']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    assert not stix.proven_valid(custom)
    reports, skipped = stix.read_bundle(_bundle_bytes([custom]))
    assert (reports, skipped) == ([], 1)
    broken = {**custom, "pattern": "[ipv4-addr:value = '203.0.113.7' OR ]"}
    with pytest.raises(InputInvalid) as e:
        stix.read_bundle(_bundle_bytes([broken]))
    assert e.value.reason == "stix_invalid" and "pattern" in e.value.message


@pytest.mark.parametrize(
    "data",
    [
        b'{"type": "bundle", "objects": [], "x": NaN}',
        b'{"type": "bundle"} trailing',
        b'{"type": "bundle", "objects": ["\xff"]}',
    ],
)
def test_what_strict_json_forbids_is_refused_as_not_json(data: bytes) -> None:
    with pytest.raises(InputInvalid) as e:
        stix.load_bundle(data)
    assert e.value.reason == "stix_not_json"


def test_a_value_with_quotes_backslashes_and_the_word_and_reads_back_exactly() -> None:
    value = "scam.example/it's \\ a AND b"
    pattern = stix.pattern_of(SignalType.URL, value)
    assert stix.pattern_terms(pattern) == ("url", {"value": "http://" + value})
    body = stix.indicator(_signal(Target(SignalType.URL, value)))
    reports, skipped = stix.read_bundle(_bundle_bytes([body]))
    assert skipped == 0 and reports[0].target.value == "http://" + value
