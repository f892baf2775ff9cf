"""Scam signals in the hub's SQLite file, on a connection of their own.

Signals are not ledger data, so they do not queue behind the payment writer: this store opens
its own connection (WAL, so readers never wait for writers; a busy timeout, so two writers on
the file, the hub and ``lintas signals import``, take turns instead of failing). Bulk imports
are written in large transactions (``IMPORT_BATCH_MAX`` rows each).

Every stored version gets ``added_ns``, strictly increasing within this process, which is the
order TAXII serves objects in (``added_after``) and the cursor of every page.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from lintas.adapters.sqlite.migrations import migrate
from lintas.domain.signals import (
    AbuseType,
    Signal,
    SignalStatus,
    SignalType,
    Source,
    Target,
    Tlp,
    Viewer,
)

#: Milliseconds a writer waits for another writer before giving up.
BUSY_TIMEOUT_MS: Final = 10_000
#: Rows written per transaction by ``insert_many``.
IMPORT_BATCH_MAX: Final = 20_000
#: Rows a page may hold at most.
PAGE_ROWS_MAX: Final = 10_000
#: Distance between two added stamps: TAXII dates carry microseconds, so each version gets its
#: own microsecond and ``added_after`` never splits two versions that share one.
ADDED_STEP_NS: Final = 1_000
#: Signals one target may carry before a lookup stops reading (a named bound on the answer).
TARGET_SIGNALS_MAX: Final = 1_000

_COLUMNS: Final = (
    "id, type, value, abuse, confidence, source_participant, source_organisation, "
    "source_country, tlp, status, first_seen_us, last_seen_us, expires_at_us, created_at_us, "
    "modified_at_us, description, added_ns"
)
_PLACEHOLDERS: Final = ", ".join("?" * 17)
_UPSERT: Final = (
    f"INSERT INTO scam_signals ({_COLUMNS}) VALUES ({_PLACEHOLDERS}) "
    "ON CONFLICT (id) DO UPDATE SET "
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
# The TLP rule of ``lintas.domain.signals.visible_to`` as SQL; a test holds the two equal.
_VISIBLE: Final = (
    "(tlp = 'clear'"
    " OR (tlp = 'green' AND :participant IS NOT NULL)"
    " OR (tlp = 'amber' AND (:member OR source_organisation = :organisation))"
    " OR (tlp = 'amber+strict' AND source_organisation = :organisation)"
    " OR (tlp = 'red' AND source_participant = :participant))"
)

Row = tuple[
    str, str, str, str, int, str, str, str | None, str, str, int, int, int, int, int, str, int
]


def _us(at: datetime) -> int:
    assert at.tzinfo is not None, at
    delta = at - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _at(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


def _row(s: Signal, added_ns: int) -> Row:
    return (
        s.id,
        s.target.type.value,
        s.target.value,
        s.abuse.value,
        s.confidence,
        s.source.participant,
        s.source.organisation,
        s.source.country,
        s.tlp.value,
        s.status.value,
        _us(s.first_seen),
        _us(s.last_seen),
        _us(s.expires_at),
        _us(s.created_at),
        _us(s.modified_at),
        s.description,
        added_ns,
    )


def _signal(r: Sequence[object]) -> tuple[Signal, int]:
    (
        sid,
        kind,
        value,
        abuse,
        confidence,
        participant,
        organisation,
        country,
        tlp,
        status,
        first_us,
        last_us,
        expires_us,
        created_us,
        modified_us,
        description,
        added_ns,
    ) = r
    assert isinstance(sid, str) and isinstance(kind, str) and isinstance(value, str)
    assert isinstance(abuse, str) and isinstance(confidence, int)
    assert isinstance(participant, str) and isinstance(organisation, str)
    assert country is None or isinstance(country, str)
    assert isinstance(tlp, str) and isinstance(status, str) and isinstance(description, str)
    assert isinstance(first_us, int) and isinstance(last_us, int)
    assert isinstance(expires_us, int) and isinstance(created_us, int)
    assert isinstance(modified_us, int) and isinstance(added_ns, int)
    signal = Signal(
        id=sid,
        target=Target(SignalType(kind), value),
        abuse=AbuseType(abuse),
        confidence=confidence,
        source=Source(participant, organisation, country),
        tlp=Tlp(tlp),
        status=SignalStatus(status),
        first_seen=_at(first_us),
        last_seen=_at(last_us),
        expires_at=_at(expires_us),
        created_at=_at(created_us),
        modified_at=_at(modified_us),
        description=description,
    )
    return signal, added_ns


@dataclass(frozen=True, slots=True)
class Page:
    """Signals in the order they were added, and where the next page starts."""

    signals: tuple[tuple[Signal, int], ...]
    more: bool


class SignalsStore:
    """Reads and writes scam signals; safe to share between threads (one lock)."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        assert synchronous in ("OFF", "NORMAL", "FULL"), synchronous
        self.path = path
        self._synchronous = synchronous
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._last_added_ns = 0

    def open(self) -> SignalsStore:
        """Open the file (creating and migrating it when needed)."""
        assert self._conn is None, "already open"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        # Signals can be re-reported; NORMAL in WAL loses at most the last commits on power
        # loss, never consistency, and keeps bulk imports from waiting on fsyncs.
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        migrate(conn)
        (last,) = conn.execute("SELECT COALESCE(MAX(added_ns), 0) FROM scam_signals").fetchone()
        self._last_added_ns = int(last)
        self._conn = conn
        return self

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _db(self) -> sqlite3.Connection:
        assert self._conn is not None, "the signals store is not open"
        return self._conn

    def _next_added(self, db: sqlite3.Connection, now_ns: int, count: int) -> int:
        """The first of ``count`` added stamps, one microsecond apart (TAXII's precision), after
        every stamp on file: read inside the write transaction, so two processes writing the
        same file (the hub and an import) never interleave their stamps."""
        (on_file,) = db.execute("SELECT COALESCE(MAX(added_ns), 0) FROM scam_signals").fetchone()
        first = first_added_ns(max(self._last_added_ns, int(on_file)), now_ns)
        self._last_added_ns = first + (count - 1) * ADDED_STEP_NS
        return first

    def insert_many(self, signals: Iterable[Signal], now_ns: int) -> int:
        """Write ``signals`` (new ones, or newer versions of the same source's) in batches of
        ``IMPORT_BATCH_MAX`` per transaction; return how many rows changed."""
        return write_in_batches(signals, lambda batch: self._write(batch, now_ns))

    def _write(self, batch: list[Signal], now_ns: int, sql: str = _UPSERT) -> int:
        assert 0 < len(batch) <= IMPORT_BATCH_MAX, len(batch)
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                first = self._next_added(db, now_ns, len(batch))
                rows = [_row(s, first + i * ADDED_STEP_NS) for i, s in enumerate(batch)]
                before = db.total_changes
                db.executemany(sql, rows)
                changed = db.total_changes - before
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return changed

    def insert(self, signal: Signal, now_ns: int) -> None:
        """Write one new signal; the id must be new."""
        insert = f"INSERT INTO scam_signals ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"
        changed = self._write([signal], now_ns, insert)
        assert changed == 1, changed

    def replace(self, signal: Signal, now_ns: int) -> None:
        """Store a new version of an existing signal (it is served again by TAXII)."""
        replace = f"REPLACE INTO scam_signals ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"
        self._write([signal], now_ns, replace)

    def get(self, signal_id: str) -> Signal | None:
        """One signal, or None."""
        with self._lock:
            row = (
                self._db()
                .execute(f"SELECT {_COLUMNS} FROM scam_signals WHERE id = ?", (signal_id,))
                .fetchone()
            )
        return None if row is None else _signal(row)[0]

    def on_target(self, target: Target) -> list[Signal]:
        """Every signal on ``target`` (at most ``TARGET_SIGNALS_MAX``, newest first)."""
        with self._lock:
            rows = (
                self._db()
                .execute(
                    f"SELECT {_COLUMNS} FROM scam_signals WHERE type = ? AND value = ? "
                    "ORDER BY last_seen_us DESC LIMIT ?",
                    (target.type.value, target.value, TARGET_SIGNALS_MAX),
                )
                .fetchall()
            )
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
        params: dict[str, object] = {
            "participant": viewer.participant,
            "organisation": viewer.organisation,
            "member": viewer.member,
            "after_ns": after[0],
            "after_id": after[1],
            "limit": limit + 1,
        }
        where = f"(added_ns, id) > (:after_ns, :after_id) AND {_VISIBLE}"
        if types is not None:
            names = sorted(t.value for t in types)
            where += f" AND type IN ({', '.join(f':t{i}' for i in range(len(names)))})"
            params.update({f"t{i}": name for i, name in enumerate(names)})
        with self._lock:
            rows = (
                self._db()
                .execute(
                    f"SELECT {_COLUMNS} FROM scam_signals WHERE {where} "
                    "ORDER BY added_ns, id LIMIT :limit",
                    params,
                )
                .fetchall()
            )
        found = tuple(_signal(r) for r in rows[:limit])
        return Page(found, more=len(rows) > limit)

    def count(self) -> int:
        """How many signals are stored (every status, every marking)."""
        with self._lock:
            (n,) = self._db().execute("SELECT COUNT(*) FROM scam_signals").fetchone()
        return int(n)


def first_added_ns(last_ns: int, now_ns: int) -> int:
    """The first added stamp of a write: on the step (TAXII's microsecond) of ``now_ns``, and
    a step after ``last_ns``, the latest stamp given so far, whatever the clock did."""
    return max(now_ns - now_ns % ADDED_STEP_NS, last_ns - last_ns % ADDED_STEP_NS + ADDED_STEP_NS)


def write_in_batches(signals: Iterable[Signal], write: Callable[[list[Signal]], int]) -> int:
    """Hand ``signals`` to ``write`` ``IMPORT_BATCH_MAX`` at a time (one transaction each: a
    file of millions is never held whole); the sum of what each write changed."""
    changed = 0
    batch: list[Signal] = []
    for signal in signals:
        batch.append(signal)
        if len(batch) == IMPORT_BATCH_MAX:
            changed += write(batch)
            batch = []
    if batch:
        changed += write(batch)
    return changed
