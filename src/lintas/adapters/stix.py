"""STIX 2.1 bundles of scam signals, out and in (what comes in is validated: see "Reading").

A signal is written as an ``indicator`` (its id is ``indicator--<signal id>``) whose pattern
names the target, marked with the official TLP 2.0 marking definitions, created by an
``identity`` of the source organisation, and carrying the Lintas ``x-lintas-signal`` property
extension (type, canonical value, abuse type, status, last seen, source country). Targets that
STIX has no object for (phone numbers, bank accounts, payment proxies, crypto wallets, merchant
QR ids) are new SCOs defined by extension definitions; ``docs/stix-extensions.md`` holds their
JSON schemas. URLs, domains and e-mail addresses use the standard ``url``, ``domain-name`` and
``email-addr`` objects.

Reading: a bundle is refused whole (``InputInvalid``) when it is too large, is not JSON, is not
a bundle, or holds an object that is not valid STIX 2.1: objects of the documented shapes are
proven valid by a strict checker of their own, every other object is parsed by ``stix2`` (see
"Reading" below). Indicators whose pattern is one of the documented target patterns are read,
with the Lintas extension when they carry it; any other indicator is counted as skipped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
import stix2  # type: ignore[import-untyped]
import stix2.exceptions  # type: ignore[import-untyped]

from lintas.domain.errors import InputInvalid
from lintas.domain.signals import (
    DESCRIPTION_LENGTH_MAX,
    Signal,
    SignalInput,
    SignalType,
    TargetInput,
    Tlp,
)

#: A bundle file larger than this is refused unread.
BUNDLE_BYTES_MAX: Final = 512 * 1024 * 1024
#: Objects one bundle may hold at most.
BUNDLE_OBJECTS_MAX: Final = 2_000_000

LINTAS_IDENTITY: Final = "identity--0e6f3c52-52b5-4c1e-8d0e-6a2b7d9c4f11"
SIGNAL_EXTENSION: Final = "extension-definition--3f1f7a52-9a0e-4d8e-b3c6-0c1f5a8e2d01"
PHONE_EXTENSION: Final = "extension-definition--7b2c9e14-1d3a-4f5b-8e6c-2a9d0b4c6e02"
ACCOUNT_EXTENSION: Final = "extension-definition--c5d8a2f3-6b1e-4a7c-9d2f-3e8b1a5c7f03"
PROXY_EXTENSION: Final = "extension-definition--4a9e1c7b-2f5d-4b3a-a8e6-5d1c9f2b0e04"
WALLET_EXTENSION: Final = "extension-definition--e8b3d6a1-5c2f-4e9b-b7a4-6f0d2c8e1a05"
QR_EXTENSION: Final = "extension-definition--1d7f4b2e-8a6c-4c5d-9e3b-7a2f5e0c9d06"
TLP2_EXTENSION: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
SCHEMA_BASE: Final = "https://github.com/lintas-hub/lintas/blob/main/docs/stix-extensions.md"

#: The official TLP 2.0 marking definitions (FIRST / OASIS common objects).
TLP2_MARKINGS: Final[dict[Tlp, str]] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: TLP 1.0 markings (built into STIX 2.1) read as their TLP 2.0 counterparts.
_TLP1_MARKINGS: Final[dict[str, Tlp]] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
_TLP_OF_MARKING: Final = {**_TLP1_MARKINGS, **{v: k for k, v in TLP2_MARKINGS.items()}}

#: SCO type, extension, and the properties a pattern compares, per signal type.
_SCO: Final[dict[SignalType, tuple[str, str | None, tuple[str, ...]]]] = {
    SignalType.PHONE: ("x-lintas-phone-number", PHONE_EXTENSION, ("value",)),
    SignalType.ACCOUNT: ("x-lintas-bank-account", ACCOUNT_EXTENSION, ("bic", "account_number")),
    SignalType.PROXY: (
        "x-lintas-payment-proxy",
        PROXY_EXTENSION,
        ("country", "proxy_type", "value"),
    ),
    SignalType.WALLET: ("x-lintas-crypto-wallet", WALLET_EXTENSION, ("chain", "address")),
    SignalType.QR: ("x-lintas-merchant-qr", QR_EXTENSION, ("merchant_id",)),
    SignalType.URL: ("url", None, ("value",)),
    SignalType.DOMAIN: ("domain-name", None, ("value",)),
    SignalType.EMAIL: ("email-addr", None, ("value",)),
}
_TYPE_OF_SCO: Final = {sco: kind for kind, (sco, _, _) in _SCO.items()}
_EXTENSION_OF: Final = {kind: ext for kind, (_, ext, _) in _SCO.items() if ext is not None}
_TYPE = re.compile(r"[a-z][a-z0-9-]{1,249}[a-z0-9]")
_ID = re.compile(r"[a-z][a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: The namespace STIX 2.1 names for deterministic SCO ids.
_SCO_NAMESPACE: Final = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
_CREATED: Final = "2026-01-01T00:00:00.000Z"


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _parts(kind: SignalType, value: str) -> tuple[str, ...]:
    """The pattern properties' values of a canonical target."""
    if kind is SignalType.ACCOUNT or kind is SignalType.WALLET:
        head, _, tail = value.partition(":")
        return (head, tail)
    if kind is SignalType.PROXY:
        country, proxy_type, rest = value.split(":", 2)
        return (country, proxy_type, rest)
    if kind is SignalType.URL:
        return ("http://" + value,)
    return (value,)


def pattern_of(kind: SignalType, value: str) -> str:
    """The STIX pattern matching the canonical target ``kind``/``value``."""
    sco, _, properties = _SCO[kind]
    terms = [
        f"{sco}:{name} = {_quote(part)}"
        for name, part in zip(properties, _parts(kind, value), strict=True)
    ]
    return "[" + " AND ".join(terms) + "]"


def identity_id(organisation: str) -> str:
    """The identity id of a source organisation (stable)."""
    return f"identity--{uuid.uuid5(uuid.NAMESPACE_URL, f'lintas:org:{organisation}')}"


def _marking(tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKINGS[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{tlp.value.upper()}",
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.value}
        },
    }


def extension_definitions() -> list[dict[str, Any]]:
    """The Lintas extension definitions (one per new SCO, one for the signal properties)."""
    definitions = [
        (
            SIGNAL_EXTENSION,
            "x-lintas-signal",
            "Scam-signal properties of an indicator",
            "property-extension",
        ),
        (PHONE_EXTENSION, "x-lintas-phone-number", "A phone number in E.164 form", "new-sco"),
        (ACCOUNT_EXTENSION, "x-lintas-bank-account", "A bank account: BIC and number", "new-sco"),
        (PROXY_EXTENSION, "x-lintas-payment-proxy", "A payment proxy of one country", "new-sco"),
        (
            WALLET_EXTENSION,
            "x-lintas-crypto-wallet",
            "A crypto wallet: chain and address",
            "new-sco",
        ),
        (QR_EXTENSION, "x-lintas-merchant-qr", "A merchant QR id (EMVCo merchant id)", "new-sco"),
    ]
    return [
        {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created_by_ref": LINTAS_IDENTITY,
            "created": _CREATED,
            "modified": _CREATED,
            "name": name,
            "description": description,
            "schema": f"{SCHEMA_BASE}#{name}",
            "version": "1.0.0",
            "extension_types": [extension_type],
        }
        for ext_id, name, description, extension_type in definitions
    ]


def _sco(signal: Signal) -> dict[str, Any]:
    kind = signal.target.type
    sco_type, extension, properties = _SCO[kind]
    values = dict(zip(properties, _parts(kind, signal.target.value), strict=True))
    # Deterministic SCO ids (UUIDv5 over the identifying properties, as STIX 2.1 asks).
    contributing = json.dumps(values, sort_keys=True, separators=(",", ":"))
    sco_id = f"{sco_type}--{uuid.uuid5(_SCO_NAMESPACE, contributing)}"
    sco: dict[str, Any] = {"type": sco_type, "spec_version": "2.1", "id": sco_id, **values}
    if extension is not None:
        sco["extensions"] = {extension: {"extension_type": "new-sco"}}
    return sco


def indicator(signal: Signal) -> dict[str, Any]:
    """The STIX indicator of ``signal``."""
    body: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{signal.id}",
        "created_by_ref": identity_id(signal.source.organisation),
        "created": _ts(signal.created_at),
        "modified": _ts(signal.modified_at),
        "name": f"{signal.abuse.value} {signal.target.type.value}",
        "indicator_types": ["malicious-activity"],
        "pattern": pattern_of(signal.target.type, signal.target.value),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": _ts(signal.first_seen),
        "valid_until": _ts(signal.expires_at),
        "confidence": signal.confidence,
        "labels": [signal.abuse.value],
        "object_marking_refs": [TLP2_MARKINGS[signal.tlp]],
        "extensions": {
            SIGNAL_EXTENSION: {
                "extension_type": "property-extension",
                "signal_type": signal.target.type.value,
                "value": signal.target.value,
                "abuse_type": signal.abuse.value,
                "status": signal.status.value,
                "last_seen": _ts(signal.last_seen),
                "source_country": signal.source.country,
            }
        },
    }
    if signal.description:
        body["description"] = signal.description
    if signal.status.value == "withdrawn":
        body["revoked"] = True
    if signal.source.country is None:
        del body["extensions"][SIGNAL_EXTENSION]["source_country"]
    return body


def objects_of(signals: Iterable[Signal]) -> list[dict[str, Any]]:
    """Every STIX object needed to share ``signals``: indicators, their SCOs, the sources'
    identities, the TLP markings and the extension definitions used."""
    signals = list(signals)
    organisations = sorted({s.source.organisation for s in signals})
    markings = sorted({s.tlp for s in signals}, key=lambda t: t.value)
    scos = {sco["id"]: sco for sco in (_sco(s) for s in signals)}
    lintas = {
        "type": "identity",
        "spec_version": "2.1",
        "id": LINTAS_IDENTITY,
        "created": _CREATED,
        "modified": _CREATED,
        "name": "Lintas scam-signal exchange",
        "identity_class": "system",
    }
    identities = [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": identity_id(org),
            "created": _CREATED,
            "modified": _CREATED,
            "name": org,
            "identity_class": "organization",
        }
        for org in organisations
    ]
    return [
        lintas,
        *extension_definitions(),
        *(_marking(t) for t in markings),
        *identities,
        *scos.values(),
        *(indicator(s) for s in signals),
    ]


def bundle(signals: Iterable[Signal]) -> dict[str, Any]:
    """A STIX 2.1 bundle of ``signals``."""
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects_of(signals)}


# --- Reading ------------------------------------------------------------------------------
#
# Validation has two paths. ``stix2`` builds a Python object of every property and runs the
# ANTLR pattern grammar on every indicator (about 1.4 ms an object: 140 s for 100,000
# indicators). Most of a bulk bundle, though, is objects of the shapes documented in
# ``docs/stix-extensions.md``: an indicator whose pattern is one of the eight target patterns,
# and the SCOs those patterns name. For these, a strict checker below (a few microseconds an
# object) proves the object valid; it accepts only what ``stix2`` accepts (a differential test
# holds it to that: ``tests/unit/test_signals_stix_checker.py``) and answers "not proven" for
# anything else, never "invalid". Every object it does not prove valid is parsed by ``stix2``
# as before, whose verdict (and error message) decides. Fast-checked objects are also sampled
# (the first ``STIX2_SAMPLE_HEAD`` and one in ``STIX2_SAMPLE_EVERY``) through ``stix2``; should
# the library ever refuse one, the bundle is refused all the same.

#: Fast-checked objects that ``stix2`` parses as well: the first ones, then one in this many.
STIX2_SAMPLE_HEAD: Final = 32
STIX2_SAMPLE_EVERY: Final = 1000

_UUID_RFC4122: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_INDICATOR_ID = re.compile(rf"indicator--{_UUID_RFC4122}")
_IDENTITY_ID = re.compile(rf"identity--{_UUID_RFC4122}")
_MARKING_ID = re.compile(rf"marking-definition--{_UUID_RFC4122}")
#: A STIX timestamp in UTC: what ``stix2`` reads with ``%Y-%m-%dT%H:%M:%S[.%f]Z``, minus the
#: forms ``strptime`` tolerates beyond the standard (one-digit fields, signs, spaces).
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z")
#: One comparison of a documented pattern; a string literal escapes only ``'`` and ``\``.
_TERM = re.compile(
    r"([a-z][a-z0-9-]*[a-z0-9]):([a-z_]+)[ \t\r\n]*=[ \t\r\n]*'((?:[^'\\]|\\['\\])*)'"
)
_AND: Final = " AND "
_UNESCAPE = re.compile(r"\\(['\\])")

#: Properties an indicator of the documented shape has: required, then optional.
_INDICATOR_REQUIRED: Final = frozenset(
    {"type", "spec_version", "id", "created", "modified", "pattern", "pattern_type", "valid_from"}
)
_INDICATOR_OPTIONAL: Final = frozenset(
    {
        "created_by_ref",
        "name",
        "description",
        "indicator_types",
        "pattern_version",
        "valid_until",
        "confidence",
        "labels",
        "object_marking_refs",
        "extensions",
        "revoked",
    }
)
_INDICATOR_PROPERTIES: Final = _INDICATOR_REQUIRED | _INDICATOR_OPTIONAL
#: Standard SCOs of the documented patterns: a ``value`` and nothing else.
_VALUE_SCOS: Final = frozenset({"url", "domain-name", "email-addr"})
_VALUE_SCO_PROPERTIES: Final = frozenset({"type", "spec_version", "id", "value"})
_VALUE_SCO_ID: Final = {kind: re.compile(rf"{kind}--{_UUID_RFC4122}") for kind in _VALUE_SCOS}


def _invalid(reason: str, message: str) -> InputInvalid:
    return InputInvalid(reason, message, field="bundle")


def load_bundle(data: bytes, *, bytes_max: int = BUNDLE_BYTES_MAX) -> list[dict[str, Any]]:
    """The objects of a STIX 2.1 bundle (not yet validated one by one); parsed with
    ``msgspec`` (strict JSON: no NaN, no trailing garbage, UTF-8 only)."""
    if len(data) > bytes_max:
        raise InputInvalid(
            "bundle_too_large", f"a bundle is at most {bytes_max} bytes", field="bundle"
        )
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as e:
        raise _invalid("stix_not_json", f"the bundle is not JSON: {e}") from None
    if not isinstance(document, dict) or document.get("type") != "bundle":
        raise _invalid("stix_not_a_bundle", "a STIX bundle is an object with type 'bundle'")
    objects = document.get("objects", [])
    if not isinstance(objects, list) or not all(type(o) is dict for o in objects):
        raise _invalid("stix_invalid", "a bundle's 'objects' is a list of objects")
    if len(objects) > BUNDLE_OBJECTS_MAX:
        raise InputInvalid(
            "bundle_too_large",
            f"a bundle holds at most {BUNDLE_OBJECTS_MAX} objects",
            field="bundle",
        )
    return objects


def pattern_terms(pattern: str) -> tuple[str, dict[str, str]] | None:
    """The SCO type and the property values of a pattern of the documented form
    (``[t:p = 'v' AND t:p = 'v' ...]``, one SCO type, each property once), else None. Names are
    not checked against the pattern grammar's keywords here: ``_documented_target`` keeps only
    the documented SCO types and properties."""
    if not (pattern.startswith("[") and pattern.endswith("]")):
        return None
    end = len(pattern) - 1
    position = 1
    sco_type: str | None = None
    values: dict[str, str] = {}
    while True:
        m = _TERM.match(pattern, position)
        if m is None:
            return None
        kind, name, literal = m.groups()
        if (sco_type is not None and kind != sco_type) or name in values:
            return None
        sco_type = kind
        values[name] = _UNESCAPE.sub(r"\1", literal) if "\\" in literal else literal
        position = m.end()
        if position == end:
            return sco_type, values
        if not pattern.startswith(_AND, position):
            return None
        position += len(_AND)


def _documented_target(pattern: str) -> tuple[SignalType, dict[str, str]] | None:
    """The signal type and values of one of the eight documented patterns, else None."""
    found = pattern_terms(pattern)
    if found is None:
        return None
    kind = _TYPE_OF_SCO.get(found[0])
    if kind is None or len(found[1]) != len(_SCO[kind][2]) or set(found[1]) != set(_SCO[kind][2]):
        return None
    return kind, found[1]


def _timestamp(value: Any) -> datetime | None:
    if type(value) is not str or _TIMESTAMP.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _strings(value: Any) -> bool:
    """A non-empty list of strings (``stix2`` reads an empty list as absent)."""
    return type(value) is list and bool(value) and all(type(v) is str for v in value)


def _indicator_proven(obj: dict[str, Any]) -> bool:
    """An indicator of the documented shape that is valid STIX 2.1 (False: not proven)."""
    if not obj.keys() <= _INDICATOR_PROPERTIES or not obj.keys() >= _INDICATOR_REQUIRED:
        return False
    if obj["spec_version"] != "2.1" or obj["pattern_type"] != "stix":
        return False
    ident = obj["id"]
    if type(ident) is not str or _INDICATOR_ID.fullmatch(ident) is None:
        return False
    pattern = obj["pattern"]
    if type(pattern) is not str or _documented_target(pattern) is None:
        return False
    created, modified = _timestamp(obj["created"]), _timestamp(obj["modified"])
    valid_from = _timestamp(obj["valid_from"])
    if created is None or modified is None or valid_from is None or modified < created:
        return False
    get = obj.get
    if "valid_until" in obj:
        valid_until = _timestamp(obj["valid_until"])
        if valid_until is None or valid_until <= valid_from:
            return False
    if "pattern_version" in obj and obj["pattern_version"] != "2.1":
        return False
    ref = get("created_by_ref", "identity--00000000-0000-4000-8000-000000000000")
    if type(ref) is not str or _IDENTITY_ID.fullmatch(ref) is None:
        return False
    for text in ("name", "description"):
        if text in obj and type(obj[text]) is not str:
            return False
    for strings in ("indicator_types", "labels"):
        if strings in obj and not _strings(obj[strings]):
            return False
    if "object_marking_refs" in obj:
        refs = obj["object_marking_refs"]
        if not _strings(refs) or not all(_MARKING_ID.fullmatch(r) for r in refs):
            return False
    confidence = get("confidence", 0)
    if type(confidence) is not int or not 0 <= confidence <= 100:
        return False
    if "revoked" in obj and type(obj["revoked"]) is not bool:
        return False
    if "extensions" in obj:
        extensions = obj["extensions"]
        if type(extensions) is not dict or extensions.keys() != {SIGNAL_EXTENSION}:
            return False
        signal = extensions[SIGNAL_EXTENSION]
        if type(signal) is not dict or signal.get("extension_type") != "property-extension":
            return False
        if not all(type(k) is str and type(v) is str for k, v in signal.items()):
            return False
    return True


def _sco_proven(obj: dict[str, Any]) -> bool:
    """A ``url``, ``domain-name`` or ``email-addr`` of the documented shape (False: not
    proven)."""
    kind, ident, value = obj.get("type"), obj.get("id"), obj.get("value")
    return (
        kind in _VALUE_SCO_ID
        and obj.keys() <= _VALUE_SCO_PROPERTIES
        and obj.get("spec_version", "2.1") == "2.1"
        and type(ident) is str
        and _VALUE_SCO_ID[kind].fullmatch(ident) is not None
        and type(value) is str
        and value != ""
    )


def proven_valid(obj: dict[str, Any]) -> bool:
    """True when the strict checker proves ``obj`` valid STIX 2.1 without ``stix2``; False
    means only "not of a documented shape, ask ``stix2``"."""
    kind = obj.get("type")
    if type(kind) is not str:
        return False
    if kind == "indicator":
        return _indicator_proven(obj)
    if kind in _VALUE_SCOS:
        return _sco_proven(obj)
    return False


def _check_envelope(obj: dict[str, Any], index: int) -> None:
    """Type and id (with ``allow_custom`` the library lets any type through, so they are
    checked here first) and the spec version."""
    kind, ident = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or _TYPE.fullmatch(kind) is None:
        raise _invalid("stix_invalid", f"object {index}: 'type' is not a STIX type")
    if not isinstance(ident, str) or _ID.fullmatch(ident) is None or ident.split("--")[0] != kind:
        raise _invalid("stix_invalid", f"object {index}: 'id' is not '{kind}--<uuid>'")
    if obj.get("spec_version") not in (None, "2.1") and obj.get("type") != "marking-definition":
        raise _invalid("stix_version_unsupported", f"object {index}: STIX 2.1 only")


def _stix2_parse(obj: dict[str, Any], index: int) -> None:
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError, AttributeError) as e:
        name = obj.get("id", f"#{index}")
        raise _invalid("stix_invalid", f"object {name}: {e}") from None


def validate(obj: dict[str, Any], index: int) -> None:
    """Refuse ``obj`` unless ``stix2`` accepts it as STIX 2.1 (every object through the
    library; ``validate_all`` is the fast way for a whole bundle)."""
    _check_envelope(obj, index)
    _stix2_parse(obj, index)


def validate_all(
    objects: list[dict[str, Any]],
    on_progress: Callable[[int], None] | None = None,
    *,
    progress_every: int = 1000,
) -> int:
    """Refuse the bundle at its first object that is not valid STIX 2.1; return how many
    objects ``stix2`` itself parsed (the rest the strict checker proved valid)."""
    by_stix2 = 0
    proven = 0
    for index, obj in enumerate(objects):
        _check_envelope(obj, index)
        if proven_valid(obj):
            proven += 1
            if proven <= STIX2_SAMPLE_HEAD or proven % STIX2_SAMPLE_EVERY == 0:
                _stix2_parse(obj, index)
                by_stix2 += 1
        else:
            _stix2_parse(obj, index)
            by_stix2 += 1
        if on_progress is not None and index % progress_every == 0:
            on_progress(index)
    if on_progress is not None:
        on_progress(len(objects))
    return by_stix2


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _target_of_pattern(pattern: str) -> TargetInput | None:
    found = _documented_target(pattern.strip())
    if found is None:
        return None
    kind, values = found
    if kind is SignalType.ACCOUNT:
        return TargetInput(type=kind.value, value=values["account_number"], bank=values["bic"])
    if kind is SignalType.WALLET:
        return TargetInput(type=kind.value, value=values["address"], chain=values["chain"])
    if kind is SignalType.PROXY:
        return TargetInput(
            type=kind.value,
            value=values["value"],
            country=values["country"],
            proxy_type=values["proxy_type"],
        )
    if kind is SignalType.QR:
        return TargetInput(type=kind.value, value=values["merchant_id"])
    return TargetInput(type=kind.value, value=values["value"])


def signal_input(obj: dict[str, Any]) -> SignalInput | None:
    """The report an (already validated) indicator makes, or None when it names no target
    Lintas knows."""
    if obj.get("type") != "indicator" or obj.get("pattern_type") != "stix":
        return None
    target = _target_of_pattern(str(obj.get("pattern", "")))
    if target is None:
        return None
    extension = obj.get("extensions", {}).get(SIGNAL_EXTENSION, {})
    refs = obj.get("object_marking_refs", [])
    markings = [_TLP_OF_MARKING[m] for m in refs if m in _TLP_OF_MARKING]
    # The most restrictive marking applies; an unmarked indicator is shared as AMBER.
    order = list(Tlp)
    tlp = min(markings, key=order.index) if markings else Tlp.AMBER
    status = "withdrawn" if obj.get("revoked") else str(extension.get("status", "active"))
    first_seen = _time(obj.get("valid_from"))
    last_seen = _time(extension.get("last_seen"))
    return SignalInput(
        target=target,
        abuse=str(extension.get("abuse_type") or (obj.get("labels") or ["other"])[0]),
        confidence=int(obj.get("confidence", 50)),
        tlp=tlp.value,
        first_seen=first_seen,
        last_seen=max(last_seen, first_seen) if last_seen and first_seen else None,
        expires_at=_time(obj.get("valid_until")),
        description=str(obj.get("description", ""))[:DESCRIPTION_LENGTH_MAX],
        id=str(obj["id"]).removeprefix("indicator--"),
        status=status,
        created_at=_time(obj.get("created")),
        modified_at=_time(obj.get("modified")),
    )


def read_bundle(data: bytes, *, bytes_max: int = BUNDLE_BYTES_MAX) -> tuple[list[SignalInput], int]:
    """Every report in a bundle and how many objects were skipped; the whole bundle is refused
    when any object is not valid STIX 2.1."""
    objects = load_bundle(data, bytes_max=bytes_max)
    validate_all(objects)
    return reports_of(objects)


def reports_of(objects: Iterable[dict[str, Any]]) -> tuple[list[SignalInput], int]:
    """The reports among validated objects, and how many objects named none."""
    reports: list[SignalInput] = []
    skipped = 0
    for obj in objects:
        found = signal_input(obj)
        if found is None:
            skipped += obj.get("type") == "indicator"
        else:
            reports.append(found)
    return reports, skipped


def iter_serialised(objects: Iterable[dict[str, Any]]) -> Iterator[str]:
    """JSON text of each object (for streaming a large export)."""
    for obj in objects:
        yield json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
