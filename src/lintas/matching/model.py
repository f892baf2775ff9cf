"""The one shape every sanctions list is loaded into.

The model lives beside the matcher (not in ``adapters``) so that the pure matcher never imports
an adapter; the loaders in ``lintas.adapters.sanctions`` import it from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

EntityType = Literal["person", "organisation"]
ENTITY_TYPES: tuple[EntityType, ...] = ("person", "organisation")

# Alias qualities as the lists say them, normalised to lower case:
# UN "Good"/"Low"/"a.k.a."/"f.k.a.", OFAC "aka"/"fka"/"nka", FollowTheMoney "alias"/"weak",
# and "original script" for a name the list gives in its own script (UN NAME_ORIGINAL_SCRIPT).
QUALITY_LOW: frozenset[str] = frozenset({"low", "weak"})


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name of a listed entry, with the quality the list gives it (None when silent)."""

    name: str
    quality: str | None = None


@dataclass(frozen=True, slots=True)
class SanctionsEntry:
    """One listed person or organisation, whatever list it came from."""

    list_id: str
    entry_id: str
    primary_name: str
    aliases: tuple[Alias, ...]
    entity_type: EntityType
    # Dates of birth as ISO text ("1964-07-17", "1966", "1966/1967" for a range): lists give
    # exact dates, years and ranges, and a matcher must not invent precision they lack.
    dates_of_birth: tuple[str, ...] = ()
    places_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    listed_on: dt.date | None = None
    source_list: str = ""
    list_date: dt.date | None = None

    def __post_init__(self) -> None:
        assert self.entry_id, "a sanctions entry needs an id"
        assert self.primary_name.strip(), f"entry {self.entry_id} has no name"
        assert self.entity_type in ENTITY_TYPES, self.entity_type

    def names(self) -> tuple[tuple[str, str | None], ...]:
        """Every name of the entry with its quality; the primary name has quality ``primary``."""
        primary: tuple[str, str | None] = (self.primary_name, "primary")
        return (primary, *((a.name, a.quality) for a in self.aliases))


@dataclass(frozen=True, slots=True)
class SanctionsList:
    """A loaded list: its name, the date it was published, and its entries."""

    name: str
    as_of: dt.date | None
    entries: tuple[SanctionsEntry, ...]

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    @property
    def person_count(self) -> int:
        return sum(1 for e in self.entries if e.entity_type == "person")

    @property
    def organisation_count(self) -> int:
        return sum(1 for e in self.entries if e.entity_type == "organisation")
