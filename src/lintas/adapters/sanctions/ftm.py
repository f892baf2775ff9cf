"""FollowTheMoney entities as JSON lines (the OpenSanctions export format).

Each line is one entity: ``{"id", "schema", "properties": {"name": [...], "alias": [...],
"weakAlias": [...], "birthDate": [...], ...}, "datasets": [...], "first_seen", "last_change"}``.
Only the schemata a payment can be addressed to are screened; other lines (Sanction, Address,
Ownership...) describe relations and are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from lintas.adapters.sanctions.errors import ListRefusedError
from lintas.matching.model import Alias, EntityType, SanctionsEntry, SanctionsList

FTM_LIST_ID = "ftm"
FILE_BYTES_MAX = 2 * 1024 * 1024 * 1024
LINE_BYTES_MAX = 4 * 1024 * 1024
ENTRIES_MAX = 2_000_000
ALIASES_PER_ENTRY_MAX = 500
SCHEMA_TYPES: dict[str, EntityType] = {
    "Person": "person",
    "Organization": "organisation",
    "Company": "organisation",
    "LegalEntity": "organisation",
    "PublicBody": "organisation",
}


def _strings(properties: dict[str, Any], key: str) -> list[str]:
    values = properties.get(key, [])
    if not isinstance(values, list):
        raise ListRefusedError(f"property_is_not_a_list: {key}")
    return [" ".join(v.split()) for v in values if isinstance(v, str) and v.strip()]


def _date(text: object) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def load_ftm_jsonl(path: Path, *, name: str | None = None) -> SanctionsList:
    """Load entities; the list is named after the first dataset seen (or the file)."""
    size = path.stat().st_size
    if size > FILE_BYTES_MAX:
        raise ListRefusedError(f"list_too_large: {size} bytes, at most {FILE_BYTES_MAX}")
    entries: list[SanctionsEntry] = []
    dataset: str | None = None
    as_of: dt.date | None = None
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if len(line) > LINE_BYTES_MAX:
                raise ListRefusedError(
                    f"line_too_long: line {number} is over {LINE_BYTES_MAX} bytes"
                )
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise ListRefusedError(f"line_is_not_json: line {number}: {error}") from error
            if not isinstance(data, dict) or "schema" not in data:
                raise ListRefusedError(f"line_is_not_an_entity: line {number}")
            entity_type = SCHEMA_TYPES.get(str(data["schema"]))
            if entity_type is None:
                continue
            properties = data.get("properties", {})
            if not isinstance(properties, dict):
                raise ListRefusedError(f"properties_is_not_an_object: line {number}")
            names = _strings(properties, "name")
            if not names:
                continue  # An entity without a name cannot be screened by name.
            datasets = data.get("datasets") or []
            if dataset is None and datasets and isinstance(datasets[0], str):
                dataset = datasets[0]
            changed = _date(data.get("last_change") or data.get("last_seen"))
            if changed is not None and (as_of is None or changed > as_of):
                as_of = changed
            aliases = [Alias(n, "name") for n in names[1:]]
            aliases += [Alias(n, "alias") for n in _strings(properties, "alias")]
            aliases += [Alias(n, "weak") for n in _strings(properties, "weakAlias")]
            aliases += [Alias(n, "previous") for n in _strings(properties, "previousName")]
            listed = [d for d in map(_date, properties.get("createdAt", [])) if d]
            listed_on = min(listed) if listed else _date(data.get("first_seen"))
            entries.append(
                SanctionsEntry(
                    list_id=FTM_LIST_ID,
                    entry_id=str(data.get("id") or f"line-{number}"),
                    primary_name=names[0],
                    aliases=tuple(aliases[:ALIASES_PER_ENTRY_MAX]),
                    entity_type=entity_type,
                    dates_of_birth=tuple(
                        _strings(properties, "birthDate")
                        + _strings(properties, "incorporationDate")
                    ),
                    places_of_birth=tuple(_strings(properties, "birthPlace")),
                    nationalities=tuple(
                        _strings(properties, "nationality")
                        + _strings(properties, "citizenship")
                        + _strings(properties, "country")
                    ),
                    listed_on=listed_on,
                    source_list="",  # Set below, once the list name is known.
                    list_date=None,
                )
            )
            if len(entries) > ENTRIES_MAX:
                raise ListRefusedError(f"too_many_entries: more than {ENTRIES_MAX}")
    if not entries:
        raise ListRefusedError("list_has_no_entries: no Person or Organization lines")
    list_name = name or dataset or path.stem
    named = tuple(replace(e, source_list=list_name, list_date=as_of) for e in entries)
    return SanctionsList(list_name, as_of, named)
