"""Name screening against sanctions lists: pure (no I/O); lists are loaded by adapters."""

from lintas.matching.model import (
    ENTITY_TYPES,
    Alias,
    EntityType,
    SanctionsEntry,
    SanctionsList,
)
from lintas.matching.normalise import NameRefusedError, NormalisedName, normalise_name, phonetic_key
from lintas.matching.screener import DEFAULT_THRESHOLD, Hit, Screener

__all__ = [
    "DEFAULT_THRESHOLD",
    "ENTITY_TYPES",
    "Alias",
    "EntityType",
    "Hit",
    "NameRefusedError",
    "NormalisedName",
    "SanctionsEntry",
    "SanctionsList",
    "Screener",
    "normalise_name",
    "phonetic_key",
]
