"""The SQLite store: the writer's batches as one transaction each, and readers that never wait.

The group commit itself (the queue, the thread, batches applied to the in-memory ``Ledger``,
callers answered only once their batch is durable) is ``adapters.ledger_writer``; this store
is its ``BatchSink``: everything a batch changed goes into one transaction, committed once
(one fsync per batch, not per payment). On start the ledger is rebuilt from the tables, and
the store answers the ledger's reads of transfers it evicted (``TransferArchive``).

Readers use their own connections (one per thread); with WAL they see the last commit and
never block the writer.
"""

from __future__ import annotations

import functools
import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, LiteralString

from lintas.adapters import log_checkpoint, rows
from lintas.adapters.ledger_store import (
    ArchiveSql,
    LedgerStore,
    breaks_flags,
    ledger_balances_of,
)
from lintas.adapters.ledger_writer import BATCH_COMMANDS_MAX, QUEUE_COMMANDS_MAX, WriterStopped
from lintas.adapters.sqlite import log_replay
from lintas.adapters.sqlite.migrations import migrate
from lintas.adapters.thread_priority import lower_this_threads_priority
from lintas.domain.fx import Quote, StandingRate
from lintas.domain.ledger import (
    InvariantBroken,
    LedgerChanges,
    Transfer,
)
from lintas.domain.payment import Payment
from lintas.ports.clock import Clock
from lintas.ports.store import (
    AccountBalance,
    LedgerBalance,
)

__all__ = ["TRANSFERS_IN_MEMORY_MAX", "SqliteStore", "StoreConfig", "WriterStopped"]

log = logging.getLogger(__name__)

#: Rows in one multi-row INSERT at most (11 columns x 256 rows stays far below SQLite's
#: bound on parameters, 32766 since 3.32; a power of two, see ``_insert_rows``).
ROWS_PER_STATEMENT_MAX: Final = 256
#: Seconds between two WAL checkpoints by the checkpointer thread (see ``_checkpoints``).
CHECKPOINT_INTERVAL_S: Final = 0.5
#: Frames the WAL may hold before the writer makes it start over (see ``_checkpoints``):
#: 16,384 frames of 4 KiB pages is 64 MiB, about two seconds of a steady 500 payments/s.
WAL_RESTART_FRAMES: Final = 16_384
#: The writer connection's page cache, in KiB (SQLite's default is 2,000). Payments and
#: quotes are keyed by random UUIDs (the client's UETR; quote ids are UUIDv4, as ISO 20022's
#: QtId requires), so every batch inserts into pages all over those indexes (transfer ids
#: grow with time, see ``settlement.transfer_id``); measured, with the default cache a
#: transfer row cost about 22 us of the writer's CPU and 14-15 us with 16 or 64 MiB. The
#: cache is resident memory, counted against the server's RSS bound: 64 MiB added about as
#: much to it; 16 MiB gave the same gain (measured over 10,000 payments in-process).
WRITER_CACHE_KIB: Final = 16 * 1024
#: The checkpointer connection's page cache, in KiB (SQLite's default).
CHECKPOINTER_CACHE_KIB: Final = 2000
#: Payments returned by one listing at most.
PAYMENTS_LIST_MAX: Final = 1000
#: Transfer records the writer's ledger keeps in memory (about 200 bytes each); older
#: finished ones are evicted after each batch and read back from the file when a retry or a
#: post names them (``Ledger.evict``). 200,000 is the last ~20,000 payments.
TRANSFERS_IN_MEMORY_MAX: Final = 200_000


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """How the SQLite store behaves. Every option is explicit."""

    path: Path
    #: FULL: a commit is on disk when it returns (WAL fsync per batch). NORMAL would lose the
    #: last batches on power loss, which an instant payment system may not do.
    synchronous: str = "FULL"
    batch_commands_max: int = BATCH_COMMANDS_MAX
    queue_commands_max: int = QUEUE_COMMANDS_MAX
    transfers_in_memory_max: int = TRANSFERS_IN_MEMORY_MAX
    wal_restart_frames: int = WAL_RESTART_FRAMES
    #: 0: only each start checkpoints the log.
    log_checkpoint_interval_s: float = log_checkpoint.INTERVAL_S_DEFAULT


class SqliteStore(LedgerStore):
    """Implements the ``Writer`` and ``Reader`` ports on one SQLite file."""

    def __init__(self, config: StoreConfig, clock: Clock) -> None:
        assert config.synchronous in ("FULL", "EXTRA", "NORMAL"), config.synchronous
        assert config.wal_restart_frames >= 1, config.wal_restart_frames
        assert config.log_checkpoint_interval_s >= 0, config.log_checkpoint_interval_s
        super().__init__(
            clock,
            batch_commands_max=config.batch_commands_max,
            queue_commands_max=config.queue_commands_max,
            transfers_in_memory_max=config.transfers_in_memory_max,
        )
        self._config = config
        self._opened = False
        self._local = threading.local()
        self._write_conn: sqlite3.Connection | None = None
        self._checkpointer: threading.Thread | None = None
        self._checkpointer_stop = threading.Event()
        #: Set by the checkpointer when the WAL is long; the writer then finishes the
        #: checkpoint itself between two batches, so that the WAL starts over.
        self._wal_restart_wanted = False
        #: Times the writer found the WAL fully checkpointed and let it start over.
        self.wal_restarts = 0

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Create or migrate the file, rebuild the ledger from it, start the writer."""
        assert not self._opened, "open() twice"
        self._opened = True
        self._config.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect(writer=True)
        migrate(conn)
        self._write_conn = conn  # Before the ledger is restored: it may read back through it.
        self._restore(conn)
        self._writer.start()
        self._checkpointer_stop.clear()
        self._checkpointer = threading.Thread(
            target=self._checkpoints, name="lintas-checkpointer", daemon=True
        )
        self._checkpointer.start()

    def close(self) -> None:
        """Finish queued work, stop the writer, close connections."""
        if self._checkpointer is not None:
            self._checkpointer_stop.set()
            self._checkpointer.join()
            self._checkpointer = None
        self._writer.stop()
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._config.path,
            isolation_level=None,  # Transactions are explicit: BEGIN / COMMIT below.
            check_same_thread=False,
            timeout=30.0,
            # Room for the multi-row INSERTs (a few sizes per table) besides the rest.
            cached_statements=256,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._config.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        if writer:
            # Checkpoints run on their own thread (``_checkpoints``), not inside the writer's
            # COMMIT: measured, the automatic checkpoint (copying pages into the database
            # file and fsyncing it) doubled the time of a batch. The WAL itself is still
            # fsynced at every commit, so durability is unchanged.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            # A WAL that grew past the bound (readers kept it from starting over) is cut
            # back to it when it does.
            (page_size,) = conn.execute("PRAGMA page_size").fetchone()
            limit = self._config.wal_restart_frames * (int(page_size) + _WAL_FRAME_HEADER)
            conn.execute(f"PRAGMA journal_size_limit={limit}")
        else:
            conn.execute("PRAGMA query_only=ON")
        return conn

    def _checkpoints(self) -> None:
        """Copy the WAL into the database file, off the writer's path.

        PASSIVE never blocks the writer or the readers; it copies what no reader still
        needs. But the WAL starts over from its beginning only when a write transaction
        begins while every frame has been copied, and under a steady load the writer
        commits again (every few milliseconds) before a checkpoint (tens of milliseconds)
        is done: measured at 500 payments/s, the WAL grew by about 35 MB a second, without
        end (and a crash would have left all of it to replay). So when the WAL holds more
        than ``wal_restart_frames``, this thread asks the writer to copy the last few
        frames itself, between two batches (``_restart_wal``).
        """
        lower_this_threads_priority()
        conn = self._connect(writer=True)
        # Not the writer's large page cache: the log checkpoints read the whole tail of the
        # log through this connection, and SQLite's sorter may use as much again; measured,
        # with 16 MiB the server's RSS after 100,000 payments rose from 252 to 286 MB.
        conn.execute(f"PRAGMA cache_size=-{CHECKPOINTER_CACHE_KIB}")
        interval = self._config.log_checkpoint_interval_s
        log_due = time.monotonic() + interval
        try:
            while not self._checkpointer_stop.wait(CHECKPOINT_INTERVAL_S):
                if interval and time.monotonic() >= log_due:
                    log_due = time.monotonic() + interval
                    try:
                        self._advance_log_checkpoint(conn)
                    except sqlite3.OperationalError as exc:  # Busy: the next round.
                        log.warning("log checkpoint skipped: %r", exc)
                    except Exception:  # A bug here must not stop the WAL's checkpoints.
                        log.exception("log checkpoint failed")
                try:
                    row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.OperationalError as exc:  # Busy: the next round catches up.
                    log.warning("checkpoint skipped: %r", exc)
                    continue
                if row is not None and int(row[1]) >= self._config.wal_restart_frames:
                    self._wal_restart_wanted = True
        finally:
            conn.close()

    def _advance_log_checkpoint(self, conn: sqlite3.Connection) -> None:
        """Check the balances against the log written since the last checkpoint and, if
        they agree, keep a new one: a start after a crash then replays only what came
        after it. SQLite does the sums (``log_replay.replay_in_sql``) with the interpreter
        lock released, so the event loop hardly notices; the log's ends, the sums and the
        balances are read in one snapshot, as whole batches left them."""
        since = self._log_checkpoint
        if since is None:
            return
        conn.execute("BEGIN")
        try:
            checkpoint = log_replay.replay_in_sql(conn, since)
            ends = (checkpoint.transfers_upto, checkpoint.expiries_upto)
            if ends == (since.transfers_upto, since.expiries_upto):
                return  # Nothing written since.
            differ = log_checkpoint.differences(
                conn.execute(
                    "SELECT id, debits_pending, debits_posted, credits_pending, credits_posted"
                    " FROM accounts"
                ),
                checkpoint,
            )
        finally:
            conn.execute("COMMIT")
        self._conclude_log_checkpoint(checkpoint, differ, lambda: log_replay.save(conn, checkpoint))

    def _restart_wal(self, conn: sqlite3.Connection) -> None:
        """On the writer's thread, between batches: copy the frames the checkpointer has
        not (those of the last few batches: it has just run), so that the next write
        transaction finds the WAL fully copied and SQLite starts it over. Only a rare
        write of the file's other stores (recall cases, signals) can come in between, and
        a reader in the middle of a read can keep some frames from being copied: then the
        WAL does not start over this time, and the checkpointer asks again."""
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy == 0 and frames == copied:
            self._wal_restart_wanted = False
            self.wal_restarts += 1

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(writer=False)
            self._local.conn = conn
        return conn

    def _restore(self, conn: sqlite3.Connection) -> None:
        """Rebuild the ledger: every account, and in memory only what it cannot do without
        (every live pending transfer, and the latest transfer, which its clock continues
        from); the rest is read back from the file when named. The balances to check the
        accounts against, and the live pending transfers, come from replaying the transfer
        log after where the last start's replay stopped (``log_replay``), which this start
        then records in its turn.

        Why so little in memory: objects for every stored transfer took 14.4 s to open a
        store of 100,000 payments (800,000 transfers); for the newest 200,000 (what the
        writer keeps while running), 7.7 s. Memory fills again as payments come, and a
        retry of an older one reads its transfers back.
        """
        accounts = [rows.account_from_row(r) for r in conn.execute("SELECT * FROM accounts")]
        # The latest by rowid is the latest by timestamp: the writer appends transfers in the
        # ledger's order, whose timestamps strictly increase (and the table has no index on
        # them: ordering by timestamp read every row, a second of a 5 s restart).
        latest = conn.execute("SELECT * FROM transfers ORDER BY rowid DESC LIMIT 1").fetchall()
        checkpoint = log_replay.replay(conn, log_replay.load(conn))
        live = []
        for key in sorted(checkpoint.live_pending):
            row = conn.execute("SELECT * FROM transfers WHERE id = ?", (key,)).fetchone()
            if row is None:
                raise InvariantBroken(f"live pending transfer {key.hex()} is not stored")
            live.append(row)
        self._restore_ledger(
            accounts,
            log_checkpoint.by_account(checkpoint),
            {r[0]: r for r in (*live, *latest)},
            [
                conn.execute("SELECT max(id) FROM transfers").fetchone()[0],
                conn.execute("SELECT max(id) FROM transfers_refused").fetchone()[0],
            ],
        )
        log_replay.save(conn, checkpoint)  # Checked: the next start replays from here.
        self._log_checkpoint = checkpoint

    # -- the ledger's archive --------------------------------------------------------------

    _ARCHIVE_SQL = ArchiveSql(
        transfer="SELECT * FROM transfers WHERE id = ?",
        resolutions="SELECT flags FROM transfers WHERE pending_id = ?",
        expired="SELECT 1 FROM pending_expiries WHERE pending_id = ?",
        refusal="SELECT * FROM transfers_refused WHERE id = ?",
    )

    def _archive_rows(self, query: LiteralString, key: bytes) -> list[tuple[Any, ...]]:
        conn = self._write_conn
        assert conn is not None
        found: list[tuple[Any, ...]] = conn.execute(query, (key,)).fetchall()
        return found

    # -- the BatchSink (runs on the writer's thread) ----------------------------------------

    def persist(
        self,
        changes: LedgerChanges,
        payments: list[Payment],
        quotes: list[Quote],
        rates: list[StandingRate],
    ) -> None:
        """``BatchSink``: one batch's changes in one transaction (the writer's thread only)."""
        conn = self._write_conn
        assert conn is not None
        if self._wal_restart_wanted:
            self._restart_wal(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            account_rows = self._touched_account_rows(changes)
            if account_rows:
                _insert_rows(conn, _ACCOUNTS_SQL, account_rows)
            if changes.transfer_fields:
                transfer_row = rows.transfer_row_of_fields
                _insert_rows(
                    conn, _TRANSFERS_SQL, [transfer_row(f) for f in changes.transfer_fields]
                )
            if changes.transfers_refused:
                conn.executemany(
                    "INSERT OR REPLACE INTO transfers_refused"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*rows.transfer_row(t), str(r)) for t, r in changes.transfers_refused],
                )
            if changes.pending_expired:
                conn.executemany(
                    "INSERT INTO pending_expiries VALUES (?, ?)",
                    [(rows.id_blob(pid), ts) for pid, ts in changes.pending_expired],
                )
            if payments:
                _insert_rows(conn, _PAYMENTS_SQL, [rows.payment_row(p) for p in payments])
            if quotes:
                _insert_rows(conn, _QUOTES_SQL, [rows.quote_row(q) for q in quotes])
            if rates:
                conn.executemany(
                    "INSERT INTO rates VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (fxp_id, source_currency, target_currency) DO UPDATE SET"
                    " posted_at = excluded.posted_at, body = excluded.body",
                    [rows.rate_row(r) for r in rates],
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- the Reader port -------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._reader().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Record a fact about this hub (outside the writer: used once, at seeding)."""
        conn = self._connect(writer=True)
        try:
            conn.execute(
                "INSERT INTO meta VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        finally:
            conn.close()

    def is_seeded(self) -> bool:
        return self._reader().execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None

    def payment(self, uetr: str) -> Payment | None:
        row = self._reader().execute("SELECT body FROM payments WHERE uetr = ?", (uetr,)).fetchone()
        return None if row is None else rows.payment_from_body(row[0])

    def payment_uetrs(self) -> Iterator[str]:
        """The UETR of every stored payment (read once at start: ``PaymentsService``)."""
        for (uetr,) in self._reader().execute("SELECT uetr FROM payments"):
            yield uetr

    def payments_in_flight(self) -> list[Payment]:
        cur = self._reader().execute(
            "SELECT body FROM payments WHERE status IN ('RECEIVED', 'RESERVED', 'HELD')"
        )
        return [rows.payment_from_body(r[0]) for r in cur]

    def payments(self, *, agent: str | None = None, limit: int = 100) -> list[Payment]:
        limit = max(1, min(limit, PAYMENTS_LIST_MAX))
        conn = self._reader()
        if agent is None:
            cur = conn.execute(
                "SELECT body FROM payments ORDER BY created_at DESC LIMIT ?", (limit,)
            )
        else:
            cur = conn.execute(
                "SELECT body FROM payments WHERE debtor_agent = ? OR creditor_agent = ?"
                " ORDER BY created_at DESC LIMIT ?",
                (agent, agent, limit),
            )
        return [rows.payment_from_body(r[0]) for r in cur]

    def quote(self, quote_id: str) -> Quote | None:
        row = (
            self._reader()
            .execute("SELECT body FROM quotes WHERE quote_id = ?", (quote_id,))
            .fetchone()
        )
        return None if row is None else rows.quote_from_body(row[0])

    def rates(self) -> list[StandingRate]:
        cur = self._reader().execute("SELECT body FROM rates")
        return [rows.rate_from_body(r[0]) for r in cur]

    def account_balance(self, account_id: int) -> AccountBalance | None:
        row = (
            self._reader()
            .execute("SELECT * FROM accounts WHERE id = ?", (rows.id_blob(account_id),))
            .fetchone()
        )
        if row is None:
            return None
        a = rows.account_from_row(row)
        return AccountBalance(
            a.id,
            a.ledger,
            a.code,
            a.debits_pending,
            a.debits_posted,
            a.credits_pending,
            a.credits_posted,
            a.user_data,
        )

    def _transfers_in_id_range(self, low: int, high: int, uetr: str) -> list[Transfer]:
        cur = self._reader().execute(
            "SELECT * FROM transfers WHERE id >= ? AND id < ? AND user_data = ?"
            " ORDER BY timestamp_ns",
            (rows.id_blob(low), rows.id_blob(high), uetr),
        )
        return [rows.transfer_from_row(r) for r in cur]

    def ledger_balances(self) -> list[LedgerBalance]:
        """Per ledger: account sums, flag violations, and a replay of the transfer log.

        The balances kept on each account are checked against balances recomputed from the
        immutable transfers, so a bug that changed a balance without a transfer shows up as
        a flag violation too.
        """
        conn = self._reader()
        conn.execute("BEGIN")  # One snapshot for every query.
        try:
            accounts = [rows.account_from_row(r) for r in conn.execute("SELECT * FROM accounts")]
            replayed = log_checkpoint.by_account(log_replay.replay(conn))  # The whole log.
        finally:
            conn.execute("COMMIT")
        return ledger_balances_of(((a, breaks_flags(a)) for a in accounts), replayed)


@dataclass(frozen=True, slots=True)
class _RowsSql:
    """A multi-row INSERT: ``head`` + ``VALUES (?, ...), ...`` + ``tail``."""

    head: str
    width: int
    tail: str = ""


_ACCOUNTS_SQL: Final = _RowsSql(
    "INSERT INTO accounts",
    9,
    " ON CONFLICT (id) DO UPDATE SET debits_pending = excluded.debits_pending,"
    " debits_posted = excluded.debits_posted,"
    " credits_pending = excluded.credits_pending,"
    " credits_posted = excluded.credits_posted",
)
_TRANSFERS_SQL: Final = _RowsSql("INSERT INTO transfers", 11)
# The same UETR twice in one statement is applied row by row: the later row wins, as it did
# with executemany.
_PAYMENTS_SQL: Final = _RowsSql(
    "INSERT INTO payments",
    7,
    " ON CONFLICT (uetr) DO UPDATE SET status = excluded.status,"
    " updated_at = excluded.updated_at, body = excluded.body",
)
_QUOTES_SQL: Final = _RowsSql("INSERT OR IGNORE INTO quotes", 3)


@functools.cache
def _rows_statement(sql: _RowsSql, count: int) -> str:
    one = "(" + ", ".join("?" * sql.width) + ")"
    return f"{sql.head} VALUES {', '.join([one] * count)}{sql.tail}"


def _insert_rows(conn: sqlite3.Connection, sql: _RowsSql, params: list[tuple[Any, ...]]) -> None:
    """Insert ``params`` with as few statements as possible.

    Why not ``executemany``: the sqlite3 module releases the GIL around every
    ``sqlite3_step``, i.e. once per row, and while the event loop thread is busy each
    re-acquisition waits up to the switch interval (5 ms). Measured, a batch of a few
    hundred rows then took tens of milliseconds of mostly waiting. A multi-row statement is
    one step: one release. Statements hold ``ROWS_PER_STATEMENT_MAX`` rows, the remainder is
    split in powers of two so that a handful of distinct statements stay in the cache.
    """
    size = ROWS_PER_STATEMENT_MAX
    start = 0
    total = len(params)
    while start < total:
        while size > total - start:
            size //= 2
        chunk = params[start : start + size]
        conn.execute(_rows_statement(sql, size), list(itertools.chain.from_iterable(chunk)))
        start += size


#: Bytes of a WAL frame's header (before its page).
_WAL_FRAME_HEADER: Final = 24
