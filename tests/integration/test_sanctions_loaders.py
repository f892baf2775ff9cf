"""List loaders on the real UN list and on small OFAC and FollowTheMoney files."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from lintas.adapters.sanctions import ListRefusedError, detect_format, load_list
from lintas.matching import Screener

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
UN_PATH = SHARED / "data" / "sanctions" / "un-sc-consolidated-2020-11-24.xml"

needs_un_list = pytest.mark.skipif(
    not UN_PATH.exists(), reason=f"the UN consolidated list is not at {UN_PATH}"
)


@pytest.fixture(scope="module")
def un_screener() -> Screener:
    return Screener(load_list(UN_PATH).entries)


@needs_un_list
def test_the_un_list_loads_with_the_counts_the_xml_has() -> None:
    text = UN_PATH.read_text(encoding="utf-8")
    un = load_list(UN_PATH)
    assert un.name == "UN Security Council Consolidated List"
    assert un.as_of == dt.date(2020, 11, 24)
    assert un.person_count == text.count("<INDIVIDUAL>") == 713
    assert un.organisation_count == text.count("<ENTITY>") == 305
    aliases = sum(1 for m in re.findall(r"<ALIAS_NAME>([^<]*)</ALIAS_NAME>", text) if m.strip())
    originals = sum(1 for m in re.findall(r"<NAME_ORIGINAL_SCRIPT>([^<]*)<", text) if m.strip())
    assert sum(len(e.aliases) for e in un.entries) == aliases + originals


@needs_un_list
def test_a_un_entry_carries_aliases_with_quality_birth_data_and_dates() -> None:
    entry = next(e for e in load_list(UN_PATH).entries if e.entry_id == "TAi.109")
    assert entry.primary_name == "AHMAD JAN AKHUNDZADA SHUKOOR AKHUNDZADA"
    assert entry.entity_type == "person"
    assert ("Ahmad Jan Akhunzada", "good") in [(a.name, a.quality) for a in entry.aliases]
    assert any(a.quality == "original script" for a in entry.aliases)
    assert entry.dates_of_birth == ("1966/1967",)
    assert entry.places_of_birth[0].endswith("Uruzgan Province, Afghanistan")
    assert entry.nationalities == ("Afghanistan",)
    assert entry.listed_on == dt.date(2001, 1, 25)
    assert entry.list_date == dt.date(2020, 11, 24)


@needs_un_list
@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("Patek Umar", "QDi.294"),  # reordered
        ("Abu Bakar Baasyr", "QDi.217"),  # typo
        ("Ustadz Abu Bakar Bashir", "QDi.217"),  # honorific and variant spelling
        ("Ahmad Jan Akhund Zada Shukoor", "TAi.109"),  # spacing and a dropped name
        ("احمد جان آخوند زاده شكور آخوند زاده", "TAi.109"),  # Arabic script
        ("อุมาร์ ปาเต็ก", "QDi.294"),  # Thai
        ("乌马尔·帕特克", "QDi.294"),  # Chinese transcription
        ("Mohd Rafi bin Udin", "QDi.417"),  # Malaysian abbreviation and bin
    ],
)
def test_listed_individuals_are_found_under_variants(
    un_screener: Screener, query: str, entry_id: str
) -> None:
    assert entry_id in [h.entry_id for h in un_screener.screen(query)]


@needs_un_list
def test_a_sibling_sharing_four_of_five_names_is_not_the_listed_person(
    un_screener: Screener,
) -> None:
    hits = un_screener.screen("KHAWLA BARZAN IBRAHIM HASAN AL-TIKRITI")
    assert hits[0].entry_id == "IQi.066"
    assert "IQi.065" not in [h.entry_id for h in hits]  # Noor, her sister


@needs_un_list
def test_common_regional_names_raise_no_hit_on_the_un_list(un_screener: Screener) -> None:
    for name in (
        "Nguyen Van An",
        "Siti Nurhaliza binti Tarudin",
        "Somchai Jaidee",
        "Tan Ah Kow",
        "Budi Santoso",
        "王建国",
    ):
        assert un_screener.screen(name) == [], name


_EMPTY7 = "-0- ," * 7
SDN_CSV = (
    f'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",{_EMPTY7}"Havana, Cuba."\n'
    f'2674,"ABU BAKAR BA\'ASYIR",individual,"SDGT",{_EMPTY7}'
    '"DOB 17 Aug 1938; POB Jombang, East Java, Indonesia; nationality Indonesia."\n'
    f'9647,"PATEK, Umar",individual,"SDGT",{_EMPTY7}'
    '"DOB 1970; alt. DOB 1966; POB Central Java, Indonesia; nationality Indonesia."\n'
    '15036,"ALFA",vessel,"IRAN",-0- ,"9HAI9","Crude Oil Tanker",-0- ,-0- ,"Malta",-0- ,-0- \x1a\n'
)
ALT_CSV = """\
2674,1001,"aka","BASHIR, Abu Bakar",-0-
2674,1002,"aka","BAASYIR, Abu Bakar",-0-
9647,1003,"aka","PATEK, Omar",-0-
"""


def test_the_ofac_sdn_csv_loads_persons_and_organisations_with_aliases(tmp_path: Path) -> None:
    (tmp_path / "sdn.csv").write_text(SDN_CSV, encoding="utf-8")
    (tmp_path / "alt.csv").write_text(ALT_CSV, encoding="utf-8")
    assert detect_format(tmp_path / "sdn.csv") == "ofac-csv"
    sdn = load_list(tmp_path)
    assert sdn.name == "OFAC Specially Designated Nationals List"
    assert (sdn.entry_count, sdn.person_count, sdn.organisation_count) == (3, 2, 1)
    abu = next(e for e in sdn.entries if e.entry_id == "2674")
    assert [a.name for a in abu.aliases] == ["BASHIR, Abu Bakar", "BAASYIR, Abu Bakar"]
    assert abu.aliases[0].quality == "aka"
    assert abu.dates_of_birth == ("1938-08-17",)
    assert abu.places_of_birth == ("Jombang, East Java, Indonesia",)
    assert abu.nationalities == ("Indonesia",)
    patek = next(e for e in sdn.entries if e.entry_id == "9647")
    assert patek.dates_of_birth == ("1970", "1966")
    hits = Screener(sdn.entries).screen("Omar Patek")
    assert hits[0].entry_id == "9647"
    assert hits[0].list_name == "OFAC Specially Designated Nationals List"


FTM_LINES = [
    {
        "id": "NK-1",
        "schema": "Person",
        "datasets": ["un_sc_sanctions"],
        "last_change": "2024-03-01T10:00:00",
        "properties": {
            "name": ["Umar Patek"],
            "alias": ["Omar Patek"],
            "weakAlias": ["Pak Taek"],
            "birthDate": ["1970"],
            "nationality": ["id"],
            "createdAt": ["2004-01-10"],
        },
    },
    {
        "id": "NK-2",
        "schema": "Organization",
        "datasets": ["un_sc_sanctions"],
        "properties": {"name": ["Jemaah Islamiyah"], "alias": ["Jemaa Islamiya"]},
    },
    {"id": "NK-3", "schema": "Sanction", "properties": {"entity": ["NK-1"]}},
    {"id": "NK-4", "schema": "Address", "properties": {"full": ["Jakarta"]}},
]


def test_followthemoney_lines_load_people_and_organisations_only(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(json.dumps(line) for line in FTM_LINES) + "\n", encoding="utf-8")
    assert detect_format(path) == "ftm-jsonl"
    ftm = load_list(path)
    assert ftm.name == "un_sc_sanctions"
    assert ftm.as_of == dt.date(2024, 3, 1)
    assert (ftm.person_count, ftm.organisation_count) == (1, 1)
    person = ftm.entries[0]
    assert [(a.name, a.quality) for a in person.aliases] == [
        ("Omar Patek", "alias"),
        ("Pak Taek", "weak"),
    ]
    assert person.listed_on == dt.date(2004, 1, 10)
    assert person.dates_of_birth == ("1970",)
    assert Screener(ftm.entries).screen("Patek, Omar")[0].entry_id == "NK-1"


def test_xml_with_an_entity_declaration_is_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "evil.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<CONSOLIDATED_LIST dateGenerated="2020-01-01"><INDIVIDUALS><INDIVIDUAL>'
        "<DATAID>1</DATAID><FIRST_NAME>&x;</FIRST_NAME><SECOND_NAME>DOE</SECOND_NAME>"
        "<REFERENCE_NUMBER>X.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS>"
        "</CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    loaded = load_list(path)
    assert "root" not in loaded.entries[0].primary_name
    assert loaded.entries[0].primary_name == "DOE"


def test_files_that_are_not_lists_are_refused_with_a_reason(tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(ListRefusedError, match="unknown_list_format"):
        load_list(other)
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"schema": "Person", "properties": {"name": ["A"]}}\n{not json\n', encoding="utf-8"
    )
    with pytest.raises(ListRefusedError, match="line_is_not_json"):
        load_list(broken)
