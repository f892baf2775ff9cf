"""Text PostgreSQL cannot hold: the NUL character.

SQLite stores any string; a PostgreSQL ``text`` value cannot contain NUL, and psycopg refuses
to send one (``DataError``, which would surface as a server error). The stores here check
first: a lookup by a key with NUL finds nothing (nothing stored can have one), and a write
with NUL is a clear ``InputInvalid`` that changes nothing.
"""

from __future__ import annotations

from typing import Final

from lintas.domain.errors import InputInvalid

__all__ = ["has_nul", "refuse_nul"]

_NUL: Final = "\x00"


def has_nul(*values: str | None) -> bool:
    """True when any of ``values`` holds a NUL character."""
    return any(v is not None and _NUL in v for v in values)


def refuse_nul(**fields: str | None) -> None:
    """``InputInvalid`` naming the first field whose value holds a NUL character."""
    for name, value in fields.items():
        if value is not None and _NUL in value:
            raise InputInvalid(
                "text_has_nul", f"{name} holds a NUL character, which is not stored", field=name
            )
