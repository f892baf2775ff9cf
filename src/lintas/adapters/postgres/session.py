"""Connections of the stores beside the payments store (recalls, scam signals).

Each says what it relies on rather than trusting the server's defaults: autocommit, the
schema on its search path (``connections.connect``), its own name in ``pg_stat_activity``,
times read and written in UTC, and whether a commit waits for the WAL to reach disk.
"""

from __future__ import annotations

from typing import Final

from psycopg import sql

from lintas.adapters.postgres.connections import Connection, connect

__all__ = ["APPLICATION_NAME_PREFIX", "open_session"]

#: Every connection of the hub is named ``lintas-...`` in ``pg_stat_activity``.
APPLICATION_NAME_PREFIX: Final = "lintas-"


def open_session(url: str, schema: str, *, name: str, durable_commits: bool) -> Connection:
    """An autocommit connection to ``url`` on ``schema``, named ``lintas-<name>``.

    ``durable_commits`` False lets a commit return before its WAL is flushed: a crash of the
    server may lose the last commits, never consistency (SQLite's ``synchronous=NORMAL``).
    """
    assert name.isidentifier(), name
    conn = connect(url, schema, role="admin")
    try:
        conn.execute(
            sql.SQL("SET application_name TO {}").format(
                sql.Literal(APPLICATION_NAME_PREFIX + name)
            )
        )
        # ``timestamptz`` values come back in the session's zone: UTC, as the hub writes them.
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(f"SET synchronous_commit TO {'on' if durable_commits else 'off'}")
    except BaseException:
        conn.close()
        raise
    return conn
