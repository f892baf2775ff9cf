"""The OFAC SDN list in its legacy CSV layout: sdn.csv plus the aliases in alt.csv beside it.

sdn.csv columns: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
Vess_flag, Vess_owner, Remarks. alt.csv columns: ent_num, alt_num, alt_type, alt_name,
alt_remarks. "-0-" means empty; the files carry no header and may end with a ^Z byte.
Dates and places of birth and nationalities live inside Remarks ("DOB 10 Mar 1957; POB ...").
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from lintas.adapters.sanctions.errors import ListRefusedError
from lintas.matching.model import Alias, EntityType, SanctionsEntry, SanctionsList

OFAC_LIST_NAME = "OFAC Specially Designated Nationals List"
OFAC_LIST_ID = "us-ofac-sdn"
FILE_BYTES_MAX = 100 * 1024 * 1024
ENTRIES_MAX = 200_000
ALIASES_PER_ENTRY_MAX = 500
# Vessels and aircraft are not payees a name screen is about; they are skipped, and counted.
SCREENED_TYPES: dict[str, EntityType] = {"individual": "person", "": "organisation"}

_NULL = "-0-"
_REMARK_FIELD = re.compile(r"\b(DOB|POB|nationality|citizen)\s+([^;]+)", re.IGNORECASE)
_DOB = re.compile(r"(?:(\d{1,2})\s+)?(?:([A-Z][a-z]{2})\s+)?(\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _clean(value: str) -> str:
    value = value.strip().strip("\x1a").strip()
    return "" if value == _NULL else " ".join(value.split())


def _dob(text: str) -> str:
    m = _DOB.search(text)
    if m is None:
        return text.strip()
    day, month, year = m.groups()
    if day and month in _MONTHS:
        return f"{year}-{_MONTHS[month]:02d}-{int(day):02d}"
    return year


def _remarks(remarks: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    dobs: list[str] = []
    pobs: list[str] = []
    nationalities: list[str] = []
    for field, value in _REMARK_FIELD.findall(remarks):
        value = value.strip().rstrip(".")
        kind = field.casefold()
        if kind == "dob":
            dobs.append(_dob(value))
        elif kind == "pob":
            pobs.append(value)
        else:
            nationalities.append(value)
    return tuple(dobs), tuple(pobs), tuple(nationalities)


def _read_rows(path: Path) -> list[list[str]]:
    size = path.stat().st_size
    if size > FILE_BYTES_MAX:
        raise ListRefusedError(
            f"list_too_large: {path.name} is {size} bytes, at most {FILE_BYTES_MAX}"
        )
    # OFAC publishes these files in Windows-1252 in practice; UTF-8 is tried first.
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return [row for row in csv.reader(text.splitlines()) if row and _clean(row[0])]


def load_ofac_csv(path: Path, *, as_of: dt.date | None = None) -> SanctionsList:
    """Load sdn.csv (``path``, or the sdn.csv inside the folder ``path``) and alt.csv beside it.

    The CSV files carry no publication date: pass ``as_of``; without it the file's modification
    date stands in, which is what a downloaded copy records.
    """
    sdn_path = path / "sdn.csv" if path.is_dir() else path
    alt_path = sdn_path.with_name("alt.csv")
    aliases: dict[str, list[Alias]] = {}
    if alt_path.exists():
        for row in _read_rows(alt_path):
            if len(row) < 4:
                raise ListRefusedError(f"alt_row_too_short: {row!r}")
            ent_num, alt_type, alt_name = _clean(row[0]), _clean(row[2]), _clean(row[3])
            if alt_name:
                aliases.setdefault(ent_num, []).append(Alias(alt_name, alt_type.casefold() or None))
    if as_of is None:
        as_of = dt.datetime.fromtimestamp(sdn_path.stat().st_mtime, tz=dt.UTC).date()
    entries: list[SanctionsEntry] = []
    for row in _read_rows(sdn_path):
        if len(row) < 12:
            raise ListRefusedError(f"sdn_row_too_short: {row[:2]!r} has {len(row)} of 12 columns")
        ent_num, name, sdn_type = _clean(row[0]), _clean(row[1]), _clean(row[2]).casefold()
        if sdn_type not in SCREENED_TYPES or not name:
            continue
        entity_type = SCREENED_TYPES[sdn_type]
        dobs, pobs, nationalities = _remarks(_clean(row[11]))
        entries.append(
            SanctionsEntry(
                list_id=OFAC_LIST_ID,
                entry_id=ent_num,
                primary_name=name,
                aliases=tuple(aliases.get(ent_num, ())[:ALIASES_PER_ENTRY_MAX]),
                entity_type=entity_type,
                dates_of_birth=dobs,
                places_of_birth=pobs,
                nationalities=nationalities,
                listed_on=None,  # The CSV layout does not say when an entry was listed.
                source_list=OFAC_LIST_NAME,
                list_date=as_of,
            )
        )
        if len(entries) > ENTRIES_MAX:
            raise ListRefusedError(f"too_many_entries: more than {ENTRIES_MAX}")
    if not entries:
        raise ListRefusedError("list_has_no_entries: not an OFAC sdn.csv")
    return SanctionsList(OFAC_LIST_NAME, as_of, tuple(entries))
