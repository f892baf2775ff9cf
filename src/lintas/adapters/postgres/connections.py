"""How the PostgreSQL store connects: one writer connection, one reader connection per thread.

Every connection is explicit about what it relies on (autocommit, the schema on its search
path, durable commits for the writer, read-only for readers) rather than trusting server
defaults. Foreign errors become the hub's own here: an unreachable server is
``StoreUnreachable`` (503), with the URL's password never shown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Final

import psycopg
from psycopg import sql
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.conninfo import make_conninfo

from lintas.adapters.postgres.url import check_url, redacted
from lintas.adapters.thread_connections import ThreadConnections
from lintas.domain.errors import Unavailable

__all__ = [
    "CONNECT_TIMEOUT_S",
    "READER_CONNECTIONS_MAX",
    "Connection",
    "ReaderConnections",
    "StoreUnreachable",
    "connect",
]

#: Seconds to wait for the server when connecting.
CONNECT_TIMEOUT_S: Final = 10
#: Threads that may hold a reader connection at once (the event loop's, the default executor's
#: workers, tests); beyond this a read is refused (503) rather than opening without bound.
READER_CONNECTIONS_MAX: Final = 64

Connection = psycopg.Connection[tuple[Any, ...]]


class StoreUnreachable(Unavailable):
    """The PostgreSQL server did not answer, or refused the connection."""


class _JsonbAsBytes(Loader):
    """Load ``jsonb`` as the JSON text's bytes: ``rows.*_from_body`` decode those themselves
    (psycopg's default would build Python objects first, only to have them thrown away)."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


def connect(url: str, schema: str, *, role: str) -> Connection:
    """An autocommit connection whose search path is ``schema`` (which may not exist yet).

    ``role`` is ``writer`` (commits wait for the WAL to reach disk) or ``reader`` (every
    transaction read-only); it also names the connection in ``pg_stat_activity``.
    """
    assert role in ("writer", "reader", "admin"), role
    check_url(url)
    conninfo = make_conninfo(
        url, connect_timeout=CONNECT_TIMEOUT_S, application_name=f"lintas-{role}"
    )
    try:
        conn: Connection = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as e:
        raise StoreUnreachable(
            "store_unreachable", f"PostgreSQL at {redacted(url)} did not answer: {_first_line(e)}"
        ) from None
    try:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        # The server's default is durable too; said here so that a server configured
        # otherwise cannot make an answer run ahead of the disk.
        if role == "writer":
            conn.execute("SET synchronous_commit TO on")
        if role == "reader":
            conn.execute("SET default_transaction_read_only TO on")
        conn.adapters.register_loader("jsonb", _JsonbAsBytes)
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def lost_server_is_503(what: str) -> Iterator[None]:
    """Inside the block, a lost server (``OperationalError``) is ``StoreUnreachable`` (503),
    naming ``what`` was being done, rather than a traceback; the next call reconnects."""
    try:
        yield
    except psycopg.OperationalError as e:
        raise StoreUnreachable("store_unreachable", f"{what}: {type(e).__name__}") from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class ReaderConnections:
    """One reader connection per calling thread, opened on its first read (a broken one is
    replaced), all closed by ``close``; a later read opens a new one."""

    def __init__(self, url: str, schema: str) -> None:
        self._connections: ThreadConnections[Connection] = ThreadConnections(
            lambda: connect(url, schema, role="reader"),
            limit=READER_CONNECTIONS_MAX,
            over_limit=lambda: Unavailable(
                "store_readers_over_limit",
                f"more than {READER_CONNECTIONS_MAX} threads read the store at once",
            ),
            usable=lambda conn: not (conn.closed or conn.broken),
        )

    def get(self) -> Connection:
        """This thread's connection."""
        return self._connections.get()

    def close(self) -> None:
        """Close every thread's connection."""
        self._connections.close()
