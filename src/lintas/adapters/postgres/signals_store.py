"""Scam signals in PostgreSQL, as ``adapters.sqlite.signals_store.SignalsStore`` keeps them in
SQLite: the same methods, rows, bounds, order and pages.

Signals are not ledger data, so they do not queue behind the payment writer: this store has a
connection of its own, shared by every thread under one lock (as SQLite's). Bulk imports are
written in transactions of ``IMPORT_BATCH_MAX`` rows, one statement a row in order (psycopg
pipelines them), so that two versions of one signal in a batch apply one after the other, as
in SQLite. Commits do not wait for the WAL to reach disk by default (SQLite's
``synchronous=NORMAL``): signals can be re-reported, and a crash loses at most the last
commits, never consistency.

Every stored version gets ``added_ns``, strictly increasing, which is the order TAXII serves
objects in (``added_after``) and the cursor of every page. The stamps are taken inside the
write transaction under an advisory lock, so two writers on one schema never interleave them
(SQLite's ``BEGIN IMMEDIATE``). Ids are ``COLLATE "C"``: pages are in byte order, as in SQLite.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Final

import psycopg

from lintas.adapters.postgres.connections import Connection, lost_server_is_503
from lintas.adapters.postgres.migrations import SCHEMA_DEFAULT, migrate
from lintas.adapters.postgres.session import open_session
from lintas.adapters.postgres.text import has_nul, refuse_nul
from lintas.adapters.postgres.url import redacted

# The SQLite store's rows and bounds, shared so that both stores encode a signal the same way
# and page it by the same rules.
from lintas.adapters.sqlite.signals_store import (
    _COLUMNS,
    ADDED_STEP_NS,
    IMPORT_BATCH_MAX,
    PAGE_ROWS_MAX,
    TARGET_SIGNALS_MAX,
    Page,
    _row,
    _signal,
    first_added_ns,
    write_in_batches,
)
from lintas.domain.errors import Conflict
from lintas.domain.signals import Signal, SignalType, Target, Viewer

__all__ = ["PostgresSignalsStore"]

_PLACEHOLDERS: Final = ", ".join(["%s"] * 17)
_INSERT: Final = f"INSERT INTO scam_signals ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"
_UPSERT: Final = (
    f"{_INSERT} ON CONFLICT (id) DO UPDATE SET "
    "abuse = excluded.abuse, confidence = excluded.confidence, tlp = excluded.tlp, "
    "status = excluded.status, last_seen_us = excluded.last_seen_us, "
    "expires_at_us = excluded.expires_at_us, modified_at_us = excluded.modified_at_us, "
    "description = excluded.description, added_ns = excluded.added_ns "
    # A version is replaced only by a newer, different one from the same source (STIX).
    "WHERE excluded.source_participant = scam_signals.source_participant "
    "AND (excluded.abuse <> scam_signals.abuse OR excluded.confidence <> scam_signals.confidence "
    "OR excluded.tlp <> scam_signals.tlp OR excluded.status <> scam_signals.status "
    "OR excluded.last_seen_us <> scam_signals.last_seen_us "
    "OR excluded.expires_at_us <> scam_signals.expires_at_us "
    "OR excluded.description <> scam_signals.description) "
    # Re-importing what is already there changes nothing and is not served again by TAXII.
    "AND excluded.modified_at_us >= scam_signals.modified_at_us"
)
# SQLite's ``REPLACE INTO``: the whole row becomes the new version (only the id is unique).
_REPLACE: Final = f"{_INSERT} ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _COLUMNS.split(", ") if c != "id"
)
# The TLP rule of ``lintas.domain.signals.visible_to`` as SQL (the SQLite store's ``_VISIBLE``);
# a test holds the two equal. Parameters are typed: a None has no type of its own.
_VISIBLE: Final = (
    "(tlp = 'clear'"
    " OR (tlp = 'green' AND %(participant)s::text IS NOT NULL)"
    " OR (tlp = 'amber' AND (%(member)s::boolean OR source_organisation = %(organisation)s::text))"
    " OR (tlp = 'amber+strict' AND source_organisation = %(organisation)s::text)"
    " OR (tlp = 'red' AND source_participant = %(participant)s::text))"
)
#: Every writer of one schema's signals takes this transaction lock (with the schema's name).
_STAMP_LOCK: Final = "lintas.scam_signals:"


class PostgresSignalsStore:
    """Reads and writes scam signals; safe to share between threads (one lock)."""

    def __init__(
        self, url: str, *, schema: str = SCHEMA_DEFAULT, durable_commits: bool = False
    ) -> None:
        assert schema.isidentifier(), schema
        self._url = url
        self._schema = schema
        self._durable_commits = durable_commits
        self._conn: Connection | None = None
        self._opened = False
        self._lock = threading.Lock()
        self._last_added_ns = 0

    @property
    def name(self) -> str:
        """Where the signals are, for messages (no password)."""
        return f"{redacted(self._url)} (schema {self._schema})"

    def open(self) -> PostgresSignalsStore:
        """Connect (creating and migrating the schema when needed)."""
        assert not self._opened, "already open"
        conn = self._connect()
        try:
            migrate(conn, self._schema)
            row = conn.execute("SELECT COALESCE(MAX(added_ns), 0) FROM scam_signals").fetchone()
        except BaseException:
            conn.close()
            raise
        assert row is not None
        self._last_added_ns = int(row[0])
        self._conn = conn
        self._opened = True
        return self

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connect(self) -> Connection:
        return open_session(
            self._url, self._schema, name="signals", durable_commits=self._durable_commits
        )

    @contextlib.contextmanager
    def _db(self) -> Iterator[Connection]:
        """The connection (a broken one replaced), with the lock held; a lost server is
        ``StoreUnreachable`` (503)."""
        with self._lock:
            assert self._opened and self._conn is not None, "the signals store is not open"
            with lost_server_is_503(f"scam signals at {self.name}"):
                if self._conn.broken:
                    self._conn.close()
                    self._conn = self._connect()
                yield self._conn

    def _next_added(self, db: Connection, now_ns: int, count: int) -> int:
        """The first of ``count`` added stamps, one microsecond apart (TAXII's precision), after
        every stamp stored: read inside the write transaction, under its lock, so that two
        writers never interleave their stamps."""
        db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_STAMP_LOCK + self._schema,))
        row = db.execute("SELECT COALESCE(MAX(added_ns), 0) FROM scam_signals").fetchone()
        assert row is not None
        first = first_added_ns(max(self._last_added_ns, int(row[0])), now_ns)
        self._last_added_ns = first + (count - 1) * ADDED_STEP_NS
        return first

    def insert_many(self, signals: Iterable[Signal], now_ns: int) -> int:
        """Write ``signals`` (new ones, or newer versions of the same source's) in batches of
        ``IMPORT_BATCH_MAX`` per transaction; return how many rows changed."""
        return write_in_batches(signals, lambda batch: self._write(batch, now_ns))

    def _write(self, batch: list[Signal], now_ns: int, statement: str = _UPSERT) -> int:
        assert 0 < len(batch) <= IMPORT_BATCH_MAX, len(batch)
        for signal in batch:
            _refuse_nul_in_signal(signal)
        with self._db() as db, db.transaction(), db.cursor() as cursor:
            first = self._next_added(db, now_ns, len(batch))
            rows = [_row(s, first + i * ADDED_STEP_NS) for i, s in enumerate(batch)]
            cursor.executemany(statement, rows)
            # The sum over the statements, as SQLite's ``total_changes`` counts them.
            changed = cursor.rowcount
        return changed

    def insert(self, signal: Signal, now_ns: int) -> None:
        """Write one new signal; the id must be new (else ``Conflict``, nothing written)."""
        try:
            changed = self._write([signal], now_ns, _INSERT)
        except psycopg.errors.UniqueViolation:
            raise Conflict("signal_exists", f"signal {signal.id} exists already") from None
        assert changed == 1, changed

    def replace(self, signal: Signal, now_ns: int) -> None:
        """Store a new version of an existing signal (it is served again by TAXII)."""
        self._write([signal], now_ns, _REPLACE)

    def get(self, signal_id: str) -> Signal | None:
        """One signal, or None."""
        if has_nul(signal_id):
            return None  # Nothing stored holds one (``adapters.postgres.text``).
        with self._db() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM scam_signals WHERE id = %s", (signal_id,)
            ).fetchone()
        return None if row is None else _signal(row)[0]

    def on_target(self, target: Target) -> list[Signal]:
        """Every signal on ``target`` (at most ``TARGET_SIGNALS_MAX``, newest first)."""
        if has_nul(target.value):
            return []
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM scam_signals WHERE type = %s AND value = %s "
                "ORDER BY last_seen_us DESC LIMIT %s",
                (target.type.value, target.value, TARGET_SIGNALS_MAX),
            ).fetchall()
        return [_signal(r)[0] for r in rows]

    def page(
        self,
        viewer: Viewer,
        *,
        after: tuple[int, str] = (0, ""),
        limit: int,
        types: frozenset[SignalType] | None = None,
    ) -> Page:
        """The signals ``viewer`` may see, added after the cursor ``(added_ns, id)``."""
        assert 0 < limit <= PAGE_ROWS_MAX, limit
        params: dict[str, Any] = {
            "participant": viewer.participant,
            "organisation": viewer.organisation,
            "member": viewer.member,
            "after_ns": after[0],
            # No id holds NUL: every id after the text up to it is after the whole text.
            "after_id": after[1].partition("\x00")[0],
            "limit": limit + 1,
        }
        where = f"(added_ns, id) > (%(after_ns)s, %(after_id)s::text) AND {_VISIBLE}"
        if types is not None:
            where += " AND type = ANY(%(types)s::text[])"
            params["types"] = sorted(t.value for t in types)
        query = (
            f"SELECT {_COLUMNS} FROM scam_signals WHERE {where} "
            "ORDER BY added_ns, id LIMIT %(limit)s"
        )
        with self._db() as db:
            rows = db.execute(query, params).fetchall()
        found = tuple(_signal(r) for r in rows[:limit])
        return Page(found, more=len(rows) > limit)

    def count(self) -> int:
        """How many signals are stored (every status, every marking)."""
        with self._db() as db:
            row = db.execute("SELECT COUNT(*) FROM scam_signals").fetchone()
        assert row is not None
        return int(row[0])


def _refuse_nul_in_signal(signal: Signal) -> None:
    refuse_nul(
        id=signal.id,
        value=signal.target.value,
        source_participant=signal.source.participant,
        source_organisation=signal.source.organisation,
        source_country=signal.source.country,
        description=signal.description,
    )
