"""Return links and recall cases in the hub's SQLite file (the ``Recalls`` port).

Recalls and returns do not queue behind the payment writer, yet the ISO 20022 gateway looks up
the return of every settled payment, so a connection per call would be on the hot path. Each
thread that calls gets a connection of its own, opened once and kept (WAL, so reads never wait
for the writer; a busy timeout, so that a write takes turns with it; ``synchronous=FULL``
because an answer is sent only after the record is durable). Every statement commits on its
own (autocommit), as when each call had its own connection, and every cursor is closed at
once, so no connection holds an old snapshot between calls. The owner (the hub) calls
``close``, which closes every thread's connection; the connection of a thread that has ended
is closed when the next thread opens one, so there are never more than the live threads'.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Final

from lintas.adapters.sqlite.migrations import migrate
from lintas.adapters.thread_connections import ThreadConnections
from lintas.domain.errors import Unavailable
from lintas.ports.recalls import RecallCase, RecallStatus, ReturnLink

#: Milliseconds a write waits for the payment writer before giving up.
BUSY_TIMEOUT_MS: Final = 10_000
#: Threads that may hold a connection at once (the event loop's, a few workers, tests).
THREAD_CONNECTIONS_MAX: Final = 64

_LINK_COLUMNS: Final = "original_uetr, return_uetr, return_id, returned_by, reason, created_at"
_CASE_COLUMNS: Final = (
    "creator, case_id, cancellation_id, original_uetr, reason, status, rejection_reason, "
    "detail, return_uetr, created_at, answered_by, answered_at, accepted"
)


class RecallsClosed(Unavailable):
    """The recalls store was closed by its owner (the hub is stopping)."""


class SqliteRecalls:
    """The ``Recalls`` port on a SQLite file (the hub's own, migrated by ``migrate``).

    One connection per calling thread, kept until ``close``; call ``close`` once no call is in
    flight (the hub does, when it stops).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._migrated = False
        self._connections: ThreadConnections[sqlite3.Connection] = ThreadConnections(
            self._open,
            limit=THREAD_CONNECTIONS_MAX,
            over_limit=_too_many_threads,
            closed=_closed,
        )

    @property
    def connections_open(self) -> int:
        """Connections held now (one per thread that called and has not ended)."""
        return self._connections.open_count

    def close(self) -> None:
        """Close every thread's connection; a later call raises ``RecallsClosed``."""
        self._connections.close()

    def _connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def _open(self) -> sqlite3.Connection:
        """A new connection (and the file migrated, once): ``ThreadConnections`` calls this
        under its lock, on a thread's first call."""
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,  # Autocommit: every statement commits on its own.
            # Used only by the thread that opened it; ``close`` runs on the owner's.
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            if not self._migrated:
                # The store migrates at open; this covers a file opened by an older hub.
                migrate(conn)
                self._migrated = True
        except BaseException:
            conn.close()
            raise
        return conn

    def return_of(self, original_uetr: str) -> ReturnLink | None:
        row = _one(
            self._connection(),
            f"SELECT {_LINK_COLUMNS} FROM payment_returns WHERE original_uetr = ?",
            (original_uetr,),
        )
        return None if row is None else _link(row)

    def claim_return(self, link: ReturnLink, replaces: str | None) -> bool:
        values = (
            link.original_uetr,
            link.return_uetr,
            link.return_id,
            link.returned_by,
            link.reason,
            link.created_at.isoformat(),
        )
        conn = self._connection()
        if replaces is None:
            cursor = conn.execute(
                f"INSERT INTO payment_returns ({_LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (original_uetr) DO NOTHING",
                values,
            )
        else:
            cursor = conn.execute(
                "UPDATE payment_returns SET return_uetr = ?, return_id = ?, returned_by = ?, "
                "reason = ?, created_at = ? WHERE original_uetr = ? AND return_uetr = ?",
                (*values[1:], link.original_uetr, replaces),
            )
        with closing(cursor):
            return cursor.rowcount == 1

    def case(self, creator: str, case_id: str) -> RecallCase | None:
        row = _one(
            self._connection(),
            f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE creator = ? AND case_id = ?",
            (creator, case_id),
        )
        return None if row is None else _case(row)

    def save_case(self, case: RecallCase) -> RecallCase:
        conn = self._connection()
        try:
            conn.execute(
                f"INSERT INTO recall_cases ({_CASE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (creator, case_id) DO NOTHING",
                _case_values(case),
            ).close()
        except sqlite3.IntegrityError:
            # Another case about the same payment is pending (one at a time): that one.
            pending = _pending_of(conn, case.original_uetr)
            assert pending is not None, case
            return pending
        row = _one(
            conn,
            f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE creator = ? AND case_id = ?",
            (case.creator, case.case_id),
        )
        assert row is not None, case
        return _case(row)

    def pending_case_of(self, original_uetr: str) -> RecallCase | None:
        return _pending_of(self._connection(), original_uetr)

    def answer_case(self, answered: RecallCase) -> bool:
        assert not answered.pending, answered
        assert answered.answered_at is not None and answered.answered_by is not None
        cursor = self._connection().execute(
            "UPDATE recall_cases SET status = ?, accepted = ?, rejection_reason = ?, "
            "detail = ?, return_uetr = ?, answered_by = ?, answered_at = ? "
            "WHERE creator = ? AND case_id = ? AND status = ?",
            (
                answered.status.value,
                int(answered.accepted),
                answered.rejection_reason,
                answered.detail,
                answered.return_uetr,
                answered.answered_by,
                answered.answered_at.isoformat(),
                answered.creator,
                answered.case_id,
                RecallStatus.PENDING.value,
            ),
        )
        with closing(cursor):
            return cursor.rowcount == 1


def _one(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...]
) -> tuple[object, ...] | None:
    """The first row of ``sql``; the cursor is closed at once, ending its read snapshot."""
    with closing(conn.execute(sql, params)) as cursor:
        row: tuple[object, ...] | None = cursor.fetchone()
    return row


def _pending_of(conn: sqlite3.Connection, original_uetr: str) -> RecallCase | None:
    row = _one(
        conn,
        f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE original_uetr = ? AND status = ?",
        (original_uetr, RecallStatus.PENDING.value),
    )
    return None if row is None else _case(row)


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
        case.created_at.isoformat(),
        case.answered_by,
        None if case.answered_at is None else case.answered_at.isoformat(),
        int(case.accepted),
    )


def _text(value: object) -> str:
    assert isinstance(value, str), value
    return value


def _link(row: tuple[object, ...]) -> ReturnLink:
    original, returned, return_id, by, reason, created = row
    return ReturnLink(
        original_uetr=_text(original),
        return_uetr=_text(returned),
        return_id=_text(return_id),
        returned_by=_text(by),
        reason=_text(reason),
        created_at=datetime.fromisoformat(_text(created)),
    )


def _case(row: tuple[object, ...]) -> RecallCase:
    (creator, case_id, cancellation_id, original, reason, status, rejection, detail,
     return_uetr, created, answered_by, answered_at, _) = row  # fmt: skip
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
        created_at=datetime.fromisoformat(_text(created)),
        answered_by=None if answered_by is None else _text(answered_by),
        answered_at=None if answered_at is None else datetime.fromisoformat(_text(answered_at)),
    )


def _closed() -> RecallsClosed:
    return RecallsClosed("recalls_store_closed", "the hub is stopping; retry later")


def _too_many_threads() -> Unavailable:
    return Unavailable(
        "recalls_threads_over_limit",
        f"more than {THREAD_CONNECTIONS_MAX} threads use the recalls store at once",
    )
