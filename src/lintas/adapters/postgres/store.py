"""The PostgreSQL store: the writer's batches as one transaction each, and readers that never
wait. It does what ``adapters.sqlite.store.SqliteStore`` does, on a PostgreSQL database.

The group commit (the queue, the thread, batches applied to the in-memory ``Ledger``, callers
answered only once their batch is durable) is ``adapters.ledger_writer``; this store is its
``BatchSink``: everything a batch changed goes into one transaction, committed once (the
commit returns when the WAL is on disk: ``synchronous_commit`` is on). On open the ledger is
rebuilt from the tables and checked against a replay of the transfer log; the store answers
the ledger's reads of transfers it evicted (``TransferArchive``).

Readers use their own connections (one per thread, autocommit): under MVCC they see the last
commit and never block the writer, nor wait for it. One hub writes to a schema at a time: the
writer holds an advisory lock on it while open.

How rows are sent (measured with ``python -m bench postgres``, 2,048 transfer rows a
transaction, client CPU a row, which the writer thread pays under the GIL): the append-only
transfers by binary ``COPY`` (about 2 us a row); the upserts, which ``COPY`` cannot do, as one
``INSERT ... SELECT FROM unnest(arrays)`` a table with binary parameters (about 4 us a row);
``executemany``, which psycopg pipelines, cost 13-18 us a row.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, LiteralString

import psycopg

from lintas.adapters import log_checkpoint, rows
from lintas.adapters.ledger_store import ArchiveSql, LedgerStore, ledger_balances_of
from lintas.adapters.ledger_writer import BATCH_COMMANDS_MAX, QUEUE_COMMANDS_MAX, WriterStopped
from lintas.adapters.log_checkpoint import Balances, LogCheckpoint
from lintas.adapters.postgres import ledger_sql
from lintas.adapters.postgres.connections import (
    Connection,
    ReaderConnections,
    connect,
    lost_server_is_503,
)
from lintas.adapters.postgres.migrations import SCHEMA_DEFAULT, migrate
from lintas.adapters.postgres.url import redacted
from lintas.adapters.thread_priority import lower_this_threads_priority
from lintas.domain.errors import LintasError
from lintas.domain.fx import Quote, StandingRate
from lintas.domain.ledger import (
    LedgerChanges,
    Transfer,
)
from lintas.domain.payment import Payment
from lintas.ports.clock import Clock
from lintas.ports.store import (
    AccountBalance,
    LedgerBalance,
)

__all__ = [
    "PAYMENTS_LIST_MAX",
    "TRANSFERS_IN_MEMORY_MAX",
    "PostgresStore",
    "PostgresStoreConfig",
    "StoreInUse",
    "WriterStopped",
]

log = logging.getLogger(__name__)

#: Payments returned by one listing at most.
PAYMENTS_LIST_MAX: Final = 1000
#: Transfer records the writer's ledger keeps in memory (as ``SqliteStore``'s: the last
#: ~20,000 payments); older finished ones are read back from the database when named.
TRANSFERS_IN_MEMORY_MAX: Final = 200_000
#: The writer's session-level advisory lock, with the schema's name.
_WRITER_LOCK: Final = "lintas.writer:"


class StoreInUse(LintasError):
    """Another hub is writing to this schema: two writers would each trust their own ledger."""

    http_status = 503
    title = "Unavailable"


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresStoreConfig:
    """How the PostgreSQL store behaves. Every option is explicit."""

    #: ``postgresql://user@host:port/dbname`` (libpq's URL; a password may be in it or in
    #: ``PGPASSWORD`` / ``~/.pgpass``).
    url: str
    #: The schema that holds every table of this store.
    schema: str = SCHEMA_DEFAULT
    batch_commands_max: int = BATCH_COMMANDS_MAX
    queue_commands_max: int = QUEUE_COMMANDS_MAX
    transfers_in_memory_max: int = TRANSFERS_IN_MEMORY_MAX
    #: Seconds between two checked log checkpoints while the hub runs (0: only each start
    #: takes one); roughly what a start after a crash replays at most.
    log_checkpoint_interval_s: float = log_checkpoint.INTERVAL_S_DEFAULT


class PostgresStore(LedgerStore):
    """Implements the ``Writer`` and ``Reader`` ports on one PostgreSQL schema."""

    def __init__(self, config: PostgresStoreConfig, clock: Clock) -> None:
        assert config.schema.isidentifier(), config.schema
        super().__init__(
            clock,
            batch_commands_max=config.batch_commands_max,
            queue_commands_max=config.queue_commands_max,
            transfers_in_memory_max=config.transfers_in_memory_max,
        )
        self._config = config
        self._opened = False
        self._write_conn: Connection | None = None
        self._readers = ReaderConnections(config.url, config.schema)
        self._log_checkpointer: threading.Thread | None = None
        self._log_checkpointer_stop = threading.Event()

    @property
    def name(self) -> str:
        """Where the store is, for messages (no password)."""
        return f"{redacted(self._config.url)} (schema {self._config.schema})"

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Create or migrate the schema, rebuild the ledger from it, start the writer."""
        assert not self._opened, "open() twice"
        self._opened = True
        conn = connect(self._config.url, self._config.schema, role="writer")
        try:
            (locked,) = conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s))",
                (_WRITER_LOCK + self._config.schema,),
            ).fetchone() or (False,)
            if not locked:
                raise StoreInUse(
                    "store_in_use",
                    f"another Lintas hub is writing to {self.name}; stop it or use another --db",
                )
            migrate(conn, self._config.schema)
            self._write_conn = conn  # Before the ledger is restored: it may read back through it.
            self._restore(conn)
        except BaseException:
            self._write_conn = None
            conn.close()  # Also releases the advisory lock.
            raise
        self._writer.start()
        if self._config.log_checkpoint_interval_s:
            self._log_checkpointer_stop.clear()
            self._log_checkpointer = threading.Thread(
                target=self._log_checkpoints, name="lintas-log-checkpointer", daemon=True
            )
            self._log_checkpointer.start()

    def close(self) -> None:
        """Finish queued work, stop the writer, close connections."""
        if self._log_checkpointer is not None:
            self._log_checkpointer_stop.set()
            self._log_checkpointer.join()
            self._log_checkpointer = None
        self._writer.stop()
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None
        self._readers.close()

    def _restore(self, conn: Connection) -> None:
        """Rebuild the ledger as ``SqliteStore._restore`` does: every account, and in memory
        only every live pending transfer and the latest one (the ledger's clock continues
        from it); the rest is read back when named. The balances to check the accounts
        against, and the live pending transfers, come from the log after where the last
        start's checked replay stopped (``adapters.log_checkpoint``), which this start then
        records in its turn. One snapshot for every query."""
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            accounts = [rows.account_from_row(r) for r in conn.execute(ledger_sql.SELECT_ACCOUNTS)]
            # The ledger's timestamps strictly increase: the latest is the end of an index.
            latest = conn.execute(ledger_sql.SELECT_NEWEST_TRANSFERS, (1,)).fetchall()
            since = log_checkpoint.decode(
                conn.execute(ledger_sql.SELECT_LOG_CHECKPOINT).fetchone(), _log_ends(conn)
            )
            checkpoint, live = _replay_log(conn, since)
            self._restore_ledger(
                accounts,
                log_checkpoint.by_account(checkpoint),
                {r[0]: r for r in (*live, *latest)},
                [
                    _largest_id(conn, ledger_sql.LARGEST_TRANSFER_ID),
                    _largest_id(conn, ledger_sql.LARGEST_REFUSAL_ID),
                ],
            )
        _save_log_checkpoint(conn, checkpoint)  # Checked: the next start replays from here.
        self._log_checkpoint = checkpoint

    def _log_checkpoints(self) -> None:
        """Every ``log_checkpoint_interval_s``, check the balances against the log written
        since the last checkpoint and, if they agree, keep a new one: a start after a crash
        then replays only what came after it. The server does the sums, on its own
        connection, so the hub's process hardly notices."""
        lower_this_threads_priority()
        conn = connect(self._config.url, self._config.schema, role="writer")
        try:
            while not self._log_checkpointer_stop.wait(self._config.log_checkpoint_interval_s):
                try:
                    self._advance_log_checkpoint(conn)
                except psycopg.Error as exc:  # The next round tries again.
                    log.warning("log checkpoint skipped: %s", exc)
                except Exception:  # Logged with its traceback; the next round tries again.
                    log.exception("log checkpoint failed")
        finally:
            conn.close()

    def _advance_log_checkpoint(self, conn: Connection) -> None:
        since = self._log_checkpoint
        if since is None:
            return
        with conn.transaction():  # One snapshot: whole batches, as the writer commits them.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            checkpoint, _ = _replay_log(conn, since)
            ends = (checkpoint.transfers_upto, checkpoint.expiries_upto)
            if ends == (since.transfers_upto, since.expiries_upto):
                return  # Nothing written since.
            differ = log_checkpoint.differences(
                conn.execute(ledger_sql.SELECT_ACCOUNT_BALANCES), checkpoint
            )
        self._conclude_log_checkpoint(
            checkpoint, differ, lambda: _save_log_checkpoint(conn, checkpoint)
        )

    # -- the ledger's archive --------------------------------------------------------------

    _ARCHIVE_SQL = ArchiveSql(
        transfer=ledger_sql.SELECT_TRANSFER,
        resolutions="SELECT flags FROM transfers WHERE pending_id = %s",
        expired="SELECT 1 FROM pending_expiries WHERE pending_id = %s",
        refusal=ledger_sql.SELECT_REFUSAL,
    )

    def _archive_rows(self, query: LiteralString, key: bytes) -> list[tuple[Any, ...]]:
        conn = self._write_conn
        assert conn is not None
        return conn.execute(query, (key,)).fetchall()

    # -- the BatchSink (runs on the writer's thread) ----------------------------------------

    def persist(
        self,
        changes: LedgerChanges,
        payments: list[Payment],
        quotes: list[Quote],
        rates: list[StandingRate],
    ) -> None:
        """``BatchSink``: one batch's changes in one transaction (the writer's thread only);
        returns once the commit is durable."""
        conn = self._write_conn
        assert conn is not None
        with conn.transaction():
            account_rows = self._touched_account_rows(changes)
            if account_rows:
                _upsert(conn, ledger_sql.UPSERT_ACCOUNTS, account_rows)
            if changes.transfer_fields:
                transfer_row = rows.transfer_row_of_fields
                with conn.cursor() as cur, cur.copy(ledger_sql.COPY_TRANSFERS) as copy:
                    copy.set_types(ledger_sql.TRANSFER_TYPES)
                    write_row = copy.write_row
                    for f in changes.transfer_fields:
                        write_row(transfer_row(f))
            if changes.transfers_refused:
                # A few a batch at most, each with an optional pending id: row by row.
                refused = {
                    t.id: (*rows.transfer_row(t), str(r)) for t, r in changes.transfers_refused
                }
                with conn.cursor() as cur:
                    cur.executemany(ledger_sql.UPSERT_REFUSED, list(refused.values()))
            if changes.pending_expired:
                _upsert(
                    conn,
                    ledger_sql.INSERT_EXPIRIES,
                    [(rows.id_blob(pid), ts) for pid, ts in changes.pending_expired],
                )
            if payments:
                # One row per UETR (an upsert may not touch a row twice): the later record
                # of a payment wins, as row-by-row upserts would have it.
                latest = {p.uetr: p for p in payments}
                _upsert(
                    conn, ledger_sql.UPSERT_PAYMENTS, [_payment_row(p) for p in latest.values()]
                )
            if quotes:
                _upsert(conn, ledger_sql.INSERT_QUOTES, [_quote_row(q) for q in quotes])
            if rates:
                by_pair = {(r.fxp_id, r.source_currency, r.target_currency): r for r in rates}
                _upsert(conn, ledger_sql.UPSERT_RATES, [_rate_row(r) for r in by_pair.values()])

    # -- the Reader port -------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        """This thread's reader connection; a lost server is ``StoreUnreachable`` (503)."""
        with lost_server_is_503(f"reading {self.name}"):
            yield self._readers.get()

    def _one(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._reading() as conn:
            row: tuple[Any, ...] | None = conn.execute(query, params).fetchone()
            return row

    def _all(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._reading() as conn:
            return conn.execute(query, params).fetchall()

    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = %s", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Record a fact about this hub (outside the writer: used once, at seeding)."""
        with connect(self._config.url, self._config.schema, role="admin") as conn:
            conn.execute(
                "INSERT INTO meta VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def is_seeded(self) -> bool:
        return self._one("SELECT 1 FROM accounts LIMIT 1") is not None

    def payment(self, uetr: str) -> Payment | None:
        row = self._one("SELECT body FROM payments WHERE uetr = %s", (uetr,))
        return None if row is None else rows.payment_from_body(row[0])

    def payment_uetrs(self) -> Iterator[str]:
        """The UETR of every stored payment (read once at start: ``PaymentsService``)."""
        for (uetr,) in self._all("SELECT uetr FROM payments"):
            yield uetr

    def payments_in_flight(self) -> list[Payment]:
        found = self._all(
            "SELECT body FROM payments WHERE status IN ('RECEIVED', 'RESERVED', 'HELD')"
        )
        return [rows.payment_from_body(r[0]) for r in found]

    def payments(self, *, agent: str | None = None, limit: int = 100) -> list[Payment]:
        limit = max(1, min(limit, PAYMENTS_LIST_MAX))
        if agent is None:
            found = self._all(
                "SELECT body FROM payments ORDER BY created_at DESC LIMIT %s", (limit,)
            )
        else:
            found = self._all(
                "SELECT body FROM payments WHERE debtor_agent = %s OR creditor_agent = %s"
                " ORDER BY created_at DESC LIMIT %s",
                (agent, agent, limit),
            )
        return [rows.payment_from_body(r[0]) for r in found]

    def quote(self, quote_id: str) -> Quote | None:
        row = self._one("SELECT body FROM quotes WHERE quote_id = %s", (quote_id,))
        return None if row is None else rows.quote_from_body(row[0])

    def rates(self) -> list[StandingRate]:
        return [rows.rate_from_body(r[0]) for r in self._all("SELECT body FROM rates")]

    def account_balance(self, account_id: int) -> AccountBalance | None:
        row = self._one(ledger_sql.SELECT_ACCOUNT, (rows.id_blob(account_id),))
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
        found = self._all(
            ledger_sql.SELECT_TRANSFERS_OF, (rows.id_blob(low), rows.id_blob(high), uetr)
        )
        return [rows.transfer_from_row(r) for r in found]

    def ledger_balances(self) -> list[LedgerBalance]:
        """Per ledger: account sums, flag violations, and a replay of the transfer log.

        The balances kept on each account are checked against balances recomputed from the
        immutable transfers, so a bug that changed a balance without a transfer shows up as
        a flag violation too.
        """
        with self._reading() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # One snapshot.
            found = conn.execute(ledger_sql.SELECT_ACCOUNTS_AND_FLAG_BREAKS, ledger_sql.FLAGS)
            accounts = [(rows.account_from_row(r[:9]), bool(r[9])) for r in found]
            replayed = {rows.blob_id(k): v for k, v in _replayed_balances(conn).items()}
        return ledger_balances_of(accounts, replayed)


def _upsert(conn: Connection, statement: ledger_sql.ColumnsStatement, rows_: list[Any]) -> None:
    """Send ``rows_`` as one statement: one array per column, unnested by the server."""
    columns = [list(c) for c in zip(*rows_, strict=True)]
    assert len(columns) == statement.width, (len(columns), statement.width)
    conn.execute(statement.sql, columns)


def _payment_row(p: Payment) -> tuple[Any, ...]:
    return (
        p.uetr,
        p.status.value,
        p.debtor.agent,
        p.creditor.agent,
        p.created_at,
        p.updated_at,
        rows.payment_body(p).decode(),
    )


def _quote_row(q: Quote) -> tuple[Any, ...]:
    quote_id, _, body = rows.quote_row(q)
    return (quote_id, q.expires_at, bytes(body).decode())


def _rate_row(r: StandingRate) -> tuple[Any, ...]:
    *_, body = rows.rate_row(r)
    return (r.fxp_id, r.source_currency, r.target_currency, r.posted_at, bytes(body).decode())


def _log_ends(conn: Connection) -> tuple[int, int]:
    row = conn.execute(ledger_sql.LOG_ENDS).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _replay_log(
    conn: Connection, since: LogCheckpoint | None
) -> tuple[LogCheckpoint, list[tuple[Any, ...]]]:
    """The log's balances and live pending transfers (with their rows) from ``since`` on
    (the whole log without one), in the caller's snapshot."""
    ends = _log_ends(conn)
    params: dict[str, object] = {
        **ledger_sql.FLAGS,
        "after": since.transfers_upto if since else 0,
        "expiries_after": since.expiries_upto if since else 0,
        "ids": sorted(since.live_pending) if since else [],
    }
    balances = log_checkpoint.added(
        since.balances if since else {}, _replayed_balances(conn, params)
    )
    live = conn.execute(ledger_sql.SELECT_LIVE_PENDING, params).fetchall()
    return LogCheckpoint(*ends, balances, frozenset(bytes(r[0]) for r in live)), live


def _save_log_checkpoint(conn: Connection, checkpoint: LogCheckpoint) -> None:
    row = log_checkpoint.encode(checkpoint)
    if row is not None:
        with conn.transaction():
            conn.execute(ledger_sql.SAVE_LOG_CHECKPOINT, row)


def _largest_id(conn: Connection, query: LiteralString) -> bytes | None:
    """The largest id ``query`` reads (the end of a primary key's index), None if empty."""
    row = conn.execute(query).fetchone()
    return None if row is None else row[0]


def _replayed_balances(
    conn: Connection, params: Mapping[str, object] | None = None
) -> dict[bytes, Balances]:
    """(debits_pending, debits_posted, credits_pending, credits_posted) per account (by
    16-byte id) that the log after ``params``' positions adds (the whole log without them),
    summed by the server (``SUM`` of ``bigint`` is ``numeric``: exact, however large)."""
    if params is None:
        params = {**ledger_sql.FLAGS, "after": 0, "expiries_after": 0}
    return {
        bytes(key): (int(dp), int(dpo), int(cp), int(cpo))
        for key, dp, dpo, cp, cpo in conn.execute(ledger_sql.REPLAYED_BALANCES, params)
    }
