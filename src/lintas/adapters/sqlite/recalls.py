"""Return links and recall cases in the hub's SQLite file (the ``Recalls`` port).

Recalls and returns are rare next to payments, so they do not queue behind the payment
writer: each call opens its own short-lived connection (WAL, a busy timeout so that it takes
turns with the writer, ``synchronous=FULL`` because an answer is sent only after the record
is durable) and closes it, so nothing is left open when the hub stops.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final

from lintas.adapters.sqlite.migrations import migrate
from lintas.ports.recalls import RecallCase, RecallStatus, ReturnLink

#: Milliseconds a write waits for the payment writer before giving up.
BUSY_TIMEOUT_MS: Final = 10_000

_LINK_COLUMNS: Final = "original_uetr, return_uetr, return_id, returned_by, reason, created_at"
_CASE_COLUMNS: Final = (
    "creator, case_id, cancellation_id, original_uetr, reason, status, rejection_reason, "
    "detail, return_uetr, created_at, answered_by, answered_at, accepted"
)


class SqliteRecalls:
    """The ``Recalls`` port on a SQLite file (the hub's own, migrated by ``migrate``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._migrated = False

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        with closing(conn):
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=FULL")
            if not self._migrated:
                # The store migrates at open; this covers a file opened by an older hub.
                migrate(conn)
                self._migrated = True
            yield conn

    def return_of(self, original_uetr: str) -> ReturnLink | None:
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {_LINK_COLUMNS} FROM payment_returns WHERE original_uetr = ?",
                (original_uetr,),
            ).fetchone()
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
        with self._connection() as conn:
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
            return cursor.rowcount == 1

    def case(self, creator: str, case_id: str) -> RecallCase | None:
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE creator = ? AND case_id = ?",
                (creator, case_id),
            ).fetchone()
        return None if row is None else _case(row)

    def save_case(self, case: RecallCase) -> RecallCase:
        with self._connection() as conn:
            try:
                conn.execute(
                    f"INSERT INTO recall_cases ({_CASE_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (creator, case_id) DO NOTHING",
                    _case_values(case),
                )
            except sqlite3.IntegrityError:
                # Another case about the same payment is pending (one at a time): that one.
                pending = _pending_of(conn, case.original_uetr)
                assert pending is not None, case
                return pending
            row = conn.execute(
                f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE creator = ? AND case_id = ?",
                (case.creator, case.case_id),
            ).fetchone()
        assert row is not None, case
        return _case(row)

    def pending_case_of(self, original_uetr: str) -> RecallCase | None:
        with self._connection() as conn:
            return _pending_of(conn, original_uetr)

    def answer_case(self, answered: RecallCase) -> bool:
        assert not answered.pending, answered
        assert answered.answered_at is not None and answered.answered_by is not None
        with self._connection() as conn:
            cursor = conn.execute(
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
            return cursor.rowcount == 1


def _pending_of(conn: sqlite3.Connection, original_uetr: str) -> RecallCase | None:
    row = conn.execute(
        f"SELECT {_CASE_COLUMNS} FROM recall_cases WHERE original_uetr = ? AND status = ?",
        (original_uetr, RecallStatus.PENDING.value),
    ).fetchone()
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
