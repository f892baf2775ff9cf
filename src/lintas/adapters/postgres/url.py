"""PostgreSQL URLs: recognise one, check it, and name it without its password.

Nothing here connects; libpq's own parser (through psycopg) decides what a valid URL is.
"""

from __future__ import annotations

from typing import Any, Final

import psycopg
from psycopg.conninfo import conninfo_to_dict

from lintas.domain.errors import InputInvalid

__all__ = ["check_url", "is_postgres_url", "redacted"]

_URL_SCHEMES: Final = ("postgresql://", "postgres://")


def is_postgres_url(value: str) -> bool:
    """True when ``value`` names a PostgreSQL database (``postgresql://...``)."""
    return value.startswith(_URL_SCHEMES)


def check_url(url: str) -> dict[str, Any]:
    """The connection parameters of ``url``, or ``InputInvalid`` saying what is wrong."""
    if not is_postgres_url(url):
        raise InputInvalid("db_url_not_postgresql", "a PostgreSQL URL starts with postgresql://")
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as e:
        raise InputInvalid("db_url_invalid", f"not a valid PostgreSQL URL: {e}") from None
    # libpq would only say so when connecting, as "invalid integer value".
    ports = str(params.get("port", "5432")).split(",")
    if not all(p.isdigit() and 0 < int(p) < 65536 for p in ports):
        raise InputInvalid("db_url_invalid", f"not a valid PostgreSQL URL: port {ports}")
    return params


def redacted(url: str) -> str:
    """``url`` as ``postgresql://user@host:port/dbname``, never with its password."""
    try:
        params = check_url(url)
    except InputInvalid:
        return "<an invalid PostgreSQL URL>"
    user, host = params.get("user", ""), params.get("host", "")
    port, dbname = params.get("port", ""), params.get("dbname", "")
    who = f"{user}@" if user else ""
    where = f"{host}:{port}" if port else str(host)
    return f"postgresql://{who}{where}/{dbname}"
