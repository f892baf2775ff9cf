"""The UN Security Council consolidated list (XML), read with a hardened streaming parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree

from lintas.adapters.sanctions.errors import ListRefusedError
from lintas.matching.model import Alias, EntityType, SanctionsEntry, SanctionsList

UN_LIST_NAME = "UN Security Council Consolidated List"
UN_LIST_ID = "un-sc"
LIST_BYTES_MAX = 200 * 1024 * 1024
ENTRIES_MAX = 200_000
ALIASES_PER_ENTRY_MAX = 500


def _text(element: etree._Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _values(element: etree._Element, tag: str) -> tuple[str, ...]:
    return tuple(v for v in (_text(x) for x in element.iterfind(f"{tag}/VALUE")) if v)


def _birth_dates(element: etree._Element) -> tuple[str, ...]:
    out: list[str] = []
    for dob in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        date, year = _text(dob.find("DATE")), _text(dob.find("YEAR"))
        start, end = _text(dob.find("FROM_YEAR")), _text(dob.find("TO_YEAR"))
        if date:
            out.append(date[:10])
        elif year:
            out.append(year)
        elif start and end:
            out.append(f"{start}/{end}")
    return tuple(out)


def _birth_places(element: etree._Element) -> tuple[str, ...]:
    out: list[str] = []
    for pob in element.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [_text(pob.find(t)) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        place = ", ".join(p for p in parts if p)
        if place:
            out.append(place)
    return tuple(out)


def _entry(element: etree._Element, list_date: dt.date | None) -> SanctionsEntry:
    is_person = element.tag == "INDIVIDUAL"
    entity_type: EntityType = "person" if is_person else "organisation"
    parts = [
        _text(element.find(t)) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    ]
    primary = " ".join(p for p in parts if p)
    aliases: list[Alias] = []
    alias_tag = "INDIVIDUAL_ALIAS" if is_person else "ENTITY_ALIAS"
    for alias in element.iterfind(alias_tag):
        name = _text(alias.find("ALIAS_NAME"))
        if name:
            quality = _text(alias.find("QUALITY")) or None
            aliases.append(Alias(name, quality.casefold() if quality else None))
    original = _text(element.find("NAME_ORIGINAL_SCRIPT"))
    if original:
        aliases.append(Alias(original, "original script"))
    entry_id = _text(element.find("REFERENCE_NUMBER")) or _text(element.find("DATAID"))
    if not primary:
        raise ListRefusedError(f"entry_without_name: UN entry {entry_id}")
    return SanctionsEntry(
        list_id=UN_LIST_ID,
        entry_id=entry_id,
        primary_name=primary,
        aliases=tuple(aliases[:ALIASES_PER_ENTRY_MAX]),
        entity_type=entity_type,
        dates_of_birth=_birth_dates(element) if is_person else (),
        places_of_birth=_birth_places(element) if is_person else (),
        nationalities=_values(element, "NATIONALITY"),
        listed_on=_date(_text(element.find("LISTED_ON"))),
        source_list=UN_LIST_NAME,
        list_date=list_date,
    )


def load_un_xml(path: Path) -> SanctionsList:
    """Stream the consolidated list; entities, DTDs and network access are all refused."""
    size = path.stat().st_size
    if size > LIST_BYTES_MAX:
        raise ListRefusedError(f"list_too_large: {size} bytes, at most {LIST_BYTES_MAX}")
    entries: list[SanctionsEntry] = []
    list_date: dt.date | None = None
    try:
        context = etree.iterparse(
            str(path),
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        for event, element in context:
            if event == "start":
                if element.tag == "CONSOLIDATED_LIST":
                    list_date = _date(element.get("dateGenerated", ""))
                continue
            if element.tag not in ("INDIVIDUAL", "ENTITY"):
                continue
            entries.append(_entry(element, list_date))
            if len(entries) > ENTRIES_MAX:
                raise ListRefusedError(f"too_many_entries: more than {ENTRIES_MAX}")
            # Free what is parsed so memory stays flat on a large list.
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        raise ListRefusedError(f"list_is_not_well_formed_xml: {error}") from error
    if not entries:
        raise ListRefusedError("list_has_no_entries: not a UN consolidated list")
    return SanctionsList(UN_LIST_NAME, list_date, tuple(entries))
