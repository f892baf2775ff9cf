"""Return links and recall cases in PostgreSQL (the ``Recalls`` port), as
``adapters.sqlite.recalls.SqliteRecalls`` keeps them in SQLite.

Recalls and returns do not queue behind the payment writer, yet the ISO 20022 gateway looks up
the return of every settled payment, so a connection per call would be on the hot path. Each
thread that calls gets a connection of its own, opened once and kept (at most
``THREAD_CONNECTIONS_MAX``); every statement commits on its own (autocommit), durably
(``synchronous_commit`` on: an answer is sent only after the record is on disk), and under
MVCC no connection holds an old snapshot between calls. The owner (the hub) calls ``close``,
which closes every thread's connection; the connection of a thread that has ended is closed
when the next thread opens one, and a broken one (the server restarted) is replaced. A lost
server is ``StoreUnreachable`` (503).

Tables ``payment_returns`` and ``recall_cases`` (migration 2 of ``migrations``): the
constraints are SQLite's, so the same conflicts decide the same races (one link per
original, one pending case per payment).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

import psycopg

from lintas.adapters.postgres.connections import Connection, lost_server_is_503
from lintas.adapters.postgres.migrations import SCHEMA_DEFAULT, migrate
from lintas.adapters.postgres.session import open_session
from lintas.adapters.postgres.text import has_nul, refuse_nul
from lintas.adapters.postgres.url import redacted
from lintas.adapters.sqlite.recalls import RecallsClosed
from lintas.adapters.thread_connections import ThreadConnections
from lintas.domain.errors import Unavailable
from lintas.ports.recalls import RecallCase, RecallStatus, ReturnLink

__all__ = ["THREAD_CONNECTIONS_MAX", "PostgresRecalls", "RecallsClosed"]

#: Threads that may hold a connection at once (the event loop's, a few workers, tests): the
#: SQLite store's bound. Each is a server process: see docs/postgres.md on max_connections.
THREAD_CONNECTIONS_MAX: Final = 64

_LINK_COLUMNS: Final = "original_uetr, return_uetr, return_id, returned_by, reason, created_at"
_CASE_COLUMNS: Final = (
    "creator, case_id, cancellation_id, original_uetr, reason, status, rejection_reason, "
    "detail, return_uetr, created_at, answered_by, answered_at"
)
_CASE_PLACEHOLDERS: Final = ", ".join(["%s"] * 12)


class PostgresRecalls:
    """The ``Recalls`` port on a PostgreSQL schema (migrated by ``migrate`` on first use).

    One connection per calling thread, kept until ``close``; call ``close`` once no call is in
    flight (the hub does, when it stops).
    """

    def __init__(self, url: str, *, schema: str = SCHEMA_DEFAULT) -> None:
        assert schema.isidentifier(), schema
        self._url = url
        self._schema = schema
        self._migrated = False
        self._connections: ThreadConnections[Connection] = ThreadConnections(
            self._open,
            limit=THREAD_CONNECTIONS_MAX,
            over_limit=_too_many_threads,
            usable=lambda conn: not (conn.closed or conn.broken),
            closed=_closed,
        )

    @property
    def name(self) -> str:
        """Where the cases are, for messages (no password)."""
        return f"{redacted(self._url)} (schema {self._schema})"

    @property
    def connections_open(self) -> int:
        """Connections held now (one per thread that called and has not ended)."""
        return self._connections.open_count

    def close(self) -> None:
        """Close every thread's connection; a later call raises ``RecallsClosed``."""
        self._connections.close()

    def _open(self) -> Connection:
        """A new connection (and the schema migrated, once): ``ThreadConnections`` calls
        this under its lock, on a thread's first call or when its connection broke."""
        conn = open_session(self._url, self._schema, name="recalls", durable_commits=True)
        try:
            if not self._migrated:
                # The payments store migrates at open; this covers a store used alone.
                migrate(conn, self._schema)
                self._migrated = True
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def _using(self) -> Iterator[Connection]:
        """This thread's connection; a lost server is ``StoreUnreachable`` (503)."""
        with lost_server_is_503(f"recall cases at {self.name}"):
            yield self._connections.get()

    def _one(self, query: str, params: tuple[object, ...]) -> tuple[Any, ...] | None:
        with self._using() as conn:
            row: tuple[Any, ...] | None = conn.execute(query, params).fetchone()
        return row

    def _changed(self, query: str, params: tuple[object, ...]) -> int:
        with self._using() as conn:
            return conn.execute(query, params).rowcount

    def return_of(self, original_uetr: str) -> ReturnLink | None:
        if has_nul(original_uetr):
            return None  # Nothing stored holds one (``adapters.postgres.text``).
        row = self._one(
            f"SELECT {_LINK_COLUMNS} FROM payment_returns WHERE original_uetr = %s",
            (original_uetr,),
        )
        return None if row is None else _link(row)

    def claim_return(self, link: ReturnLink, replaces: str | None) -> bool:
        refuse_nul(
            original_uetr=link.original_uetr,
            return_uetr=link.return_uetr,
            return_id=link.return_id,
            returned_by=link.returned_by,
            reason=link.reason,
        )
        if replaces is None:
            changed = self._changed(
                f"INSERT INTO payment_returns ({_LINK_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (original_uetr) DO NOTHING",
                (
                    link.original_uetr,
                    link.return_uetr,
                    link.return_id,
                    link.returned_by,
                    link.reason,
                    _aware(link.created_at),
                ),
            )
        elif has_nul(replaces):
            return False  # No link holds that return UETR.
        else:
            changed = self._changed(
                "UPDATE payment_returns SET return_uetr = %s, return_id = %s, returned_by = %s, "
                "reason = %s, created_at = %s WHERE original_uetr = %s AND return_uetr = %s",
                (
                    link.return_uetr,
                    link.return_id,
                    link.returned_by,
                    link.reason,
                    _aware(link.created_at),
                    link.original_uetr,
                    replaces,
                ),
            )
        return changed == 1

    def case(self, creator: str, case_id: str) -> RecallCase | None:
        if has_nul(creator, case_id):
            return None
        row = self._one(
            f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE creator = %s AND case_id = %s",
            (creator, case_id),
        )
        return None if row is None else _case(row)

    def save_case(self, case: RecallCase) -> RecallCase:
        _refuse_nul_in_case(case)
        try:
            self._changed(
                f"INSERT INTO recall_cases ({_CASE_COLUMNS}) VALUES ({_CASE_PLACEHOLDERS}) "
                "ON CONFLICT (creator, case_id) DO NOTHING",
                _case_values(case),
            )
        except psycopg.errors.UniqueViolation:
            # Another case about the same payment is pending (one at a time): that one.
            pending = self.pending_case_of(case.original_uetr)
            assert pending is not None, case
            return pending
        saved = self.case(case.creator, case.case_id)
        assert saved is not None, case
        return saved

    def pending_case_of(self, original_uetr: str) -> RecallCase | None:
        if has_nul(original_uetr):
            return None
        row = self._one(
            f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE original_uetr = %s AND status = %s",
            (original_uetr, RecallStatus.PENDING.value),
        )
        return None if row is None else _case(row)

    def answer_case(self, answered: RecallCase) -> bool:
        assert not answered.pending, answered
        assert answered.answered_at is not None and answered.answered_by is not None
        _refuse_nul_in_case(answered)
        changed = self._changed(
            "UPDATE recall_cases SET status = %s, rejection_reason = %s, detail = %s, "
            "return_uetr = %s, answered_by = %s, answered_at = %s "
            "WHERE creator = %s AND case_id = %s AND status = %s",
            (
                answered.status.value,
                answered.rejection_reason,
                answered.detail,
                answered.return_uetr,
                answered.answered_by,
                _aware(answered.answered_at),
                answered.creator,
                answered.case_id,
                RecallStatus.PENDING.value,
            ),
        )
        return changed == 1


def _aware(at: datetime) -> datetime:
    """``at`` as written: the hub's times are aware (``Clock.now``); a naive one would be
    read in the session's zone, silently."""
    assert at.tzinfo is not None, at
    return at


def _refuse_nul_in_case(case: RecallCase) -> None:
    refuse_nul(
        creator=case.creator,
        case_id=case.case_id,
        cancellation_id=case.cancellation_id,
        original_uetr=case.original_uetr,
        reason=case.reason,
        rejection_reason=case.rejection_reason,
        detail=case.detail,
        return_uetr=case.return_uetr,
        answered_by=case.answered_by,
    )


def _case_values(case: RecallCase) -> tuple[object, ...]:
    return (
        case.creator,
        case.case_id,
        case.cancellation_id,
        case.original_uetr,
        case.reason,
        case.status.value,
        case.rejection_reason,
        case.detail,
        case.return_uetr,
        _aware(case.created_at),
        case.answered_by,
        None if case.answered_at is None else _aware(case.answered_at),
    )


def _text(value: object) -> str:
    assert isinstance(value, str), value
    return value


def _time(value: object) -> datetime:
    # The session's zone is UTC (``session.open_session``): read back as the hub wrote it.
    assert isinstance(value, datetime) and value.utcoffset() is not None, value
    return value.astimezone(UTC)


def _link(row: tuple[Any, ...]) -> ReturnLink:
    original, returned, return_id, by, reason, created = row
    return ReturnLink(
        original_uetr=_text(original),
        return_uetr=_text(returned),
        return_id=_text(return_id),
        returned_by=_text(by),
        reason=_text(reason),
        created_at=_time(created),
    )


def _case(row: tuple[Any, ...]) -> RecallCase:
    (creator, case_id, cancellation_id, original, reason, status, rejection, detail,
     return_uetr, created, answered_by, answered_at) = row  # fmt: skip
    return RecallCase(
        creator=_text(creator),
        case_id=_text(case_id),
        cancellation_id=_text(cancellation_id),
        original_uetr=_text(original),
        reason=_text(reason),
        status=RecallStatus(_text(status)),
        rejection_reason=None if rejection is None else _text(rejection),
        detail=_text(detail),
        return_uetr=None if return_uetr is None else _text(return_uetr),
        created_at=_time(created),
        answered_by=None if answered_by is None else _text(answered_by),
        answered_at=None if answered_at is None else _time(answered_at),
    )


def _closed() -> RecallsClosed:
    return RecallsClosed("recalls_store_closed", "the hub is stopping; retry later")


def _too_many_threads() -> Unavailable:
    return Unavailable(
        "recalls_threads_over_limit",
        f"more than {THREAD_CONNECTIONS_MAX} threads use the recalls store at once",
    )
