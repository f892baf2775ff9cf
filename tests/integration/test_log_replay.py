"""Replaying the transfer log after a checkpoint gives what replaying all of it gives, and what
the ledger that wrote it holds (``adapters.sqlite.log_replay``)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import assert_ledgers_balance, open_hub  # type: ignore[import-not-found]

from lintas.adapters import rows
from lintas.adapters.log_checkpoint import Balances, LogCheckpoint
from lintas.adapters.sqlite import log_replay
from lintas.adapters.sqlite.migrations import migrate
from lintas.domain.ledger import Account, Ledger, PendingState, Transfer, TransferFlags

LEDGER = 702
#: What every transfer below starts from: the fields a post or void leaves empty.
_BLANK = Transfer(id=1, debit_account_id=0, credit_account_id=0, amount=0, ledger=0, code=0)
ACCOUNTS = (1, 2, 3, 4)
S = 1_000_000_000
START_NS = 1_700_000_000_000_000_000

OPS = st.lists(
    st.tuples(
        st.sampled_from(["plain", "pending", "post", "void", "time_passes", "checkpoint"]),
        st.integers(0, 7),
        st.integers(1, 40),
    ),
    max_size=50,
)


@contextmanager
def migrated_file(tmp: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        migrate(conn)
        yield conn
    finally:
        conn.close()


def _write(conn: sqlite3.Connection, ledger: Ledger) -> None:
    """What the store writes of a batch: its transfers, then its expiries, appended."""
    changes = ledger.drain_changes(as_fields=True)
    conn.executemany(
        "INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [rows.transfer_row_of_fields(f) for f in changes.transfer_fields],
    )
    conn.executemany(
        "INSERT INTO pending_expiries VALUES (?, ?)",
        [(rows.id_blob(pid), ts) for pid, ts in changes.pending_expired],
    )


def _nonzero(cp: LogCheckpoint) -> dict[bytes, Balances]:
    return {k: v for k, v in cp.balances.items() if any(v)}


@given(OPS)
@settings(max_examples=60, deadline=None)
def test_replaying_after_any_chain_of_checkpoints_gives_the_whole_logs_answer(
    ops: list[tuple[str, int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as d, migrated_file(Path(d) / "log.db") as conn:
        ledger = Ledger()
        ledger.create_accounts([Account(id=a, ledger=LEDGER, code=1) for a in ACCOUNTS])
        now, next_id, pendings = START_NS, 1, []
        checkpoint: LogCheckpoint | None = None
        taken: list[LogCheckpoint] = []
        for op, pick, amount in ops:
            debit, credit = ACCOUNTS[pick % 4], ACCOUNTS[(pick + 1 + pick // 4) % 4]
            t: Transfer | None = None
            if op in ("plain", "pending"):
                pending = op == "pending"
                flags = TransferFlags.PENDING if pending else TransferFlags.NONE
                t = replace(
                    _BLANK, id=next_id, flags=flags, debit_account_id=debit,
                    credit_account_id=credit, amount=amount, ledger=LEDGER, code=1,
                    timeout_s=pick % 3 if pending else 0,
                )  # fmt: skip
                if pending:
                    pendings.append(next_id)
            elif op in ("post", "void") and pendings:
                # A pending one may be named twice or after it expired: the ledger refuses,
                # and nothing is written, as in the hub. A post is partial, full (amount 0)
                # or for what is left.
                post = op == "post"
                t = replace(
                    _BLANK,
                    id=next_id,
                    flags=TransferFlags.POST_PENDING_TRANSFER
                    if post
                    else TransferFlags.VOID_PENDING_TRANSFER,
                    amount=amount % 3 if post else 0,
                    pending_id=pendings[pick % len(pendings)],
                )
            elif op == "time_passes":
                now += pick * S
                ledger.expire_pending(now)
            elif op == "checkpoint":
                conn.execute("BEGIN")
                checkpoint = log_replay.replay(conn, checkpoint)
                conn.execute("COMMIT")
                log_replay.save(conn, checkpoint)
                assert log_replay.load(conn) == checkpoint
                taken.append(checkpoint)
            if t is not None:
                ledger.create_transfers([t], now)
                next_id += 1
            now += 1_000
            _write(conn, ledger)

        whole = log_replay.replay(conn)
        chained = log_replay.replay(conn, checkpoint)
        assert _nonzero(chained) == _nonzero(whole)
        assert chained.live_pending == whole.live_pending
        for earlier in taken:  # From any checkpoint, as a start or a running hub sums.
            for after in (
                log_replay.replay(conn, earlier),
                log_replay.replay_in_sql(conn, earlier),
            ):
                assert _nonzero(after) == _nonzero(whole)
                assert after.live_pending == whole.live_pending
                assert (after.transfers_upto, after.expiries_upto) == (
                    whole.transfers_upto,
                    whole.expiries_upto,
                )
        for a in ACCOUNTS:
            account = ledger.account(a)
            assert account is not None
            held = (
                account.debits_pending,
                account.debits_posted,
                account.credits_pending,
                account.credits_posted,
            )
            assert whole.balances.get(rows.id_blob(a), (0, 0, 0, 0)) == held
        live = {
            rows.id_blob(p) for p in pendings if ledger.pending_state(p) is PendingState.pending
        }
        assert whole.live_pending == live


def test_each_start_records_where_its_replay_stopped_and_the_next_replays_only_after_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "hub.db"
    open_hub(db).close()  # Seeds: the first start's replay saw an empty log.
    hub = open_hub(db)  # Replays the seeding, records it.
    hub.close()
    conn = sqlite3.connect(db)
    try:
        (recorded,) = conn.execute("SELECT transfers_upto FROM log_checkpoint").fetchone()
        (last,) = conn.execute("SELECT max(rowid) FROM transfers").fetchone()
    finally:
        conn.close()
    assert recorded == last > 0
    hub = open_hub(db)
    try:
        assert_ledgers_balance(hub)
    finally:
        hub.close()
    assert "log checkpoint" not in caplog.text


def test_a_damaged_checkpoint_is_set_aside_and_the_whole_log_replayed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "hub.db"
    open_hub(db).close()
    open_hub(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("UPDATE log_checkpoint SET balances = zeroblob(length(balances))")
    finally:
        conn.close()
    hub = open_hub(db)
    try:
        assert_ledgers_balance(hub)
    finally:
        hub.close()
    assert "the log checkpoint is damaged" in caplog.text
    conn = sqlite3.connect(db)
    try:
        assert log_replay.load(conn) is not None, "the start recorded a sound one again"
    finally:
        conn.close()


def test_a_tail_whose_sums_pass_2_to_the_63_is_replayed_exactly_in_python(
    tmp_path: Path,
) -> None:
    # The ledger never lets a balance pass 2**63 - 1, but a store changed behind its back may
    # hold such rows; SQLite's SUM stops there with an error, so the running checkpoint falls
    # back to the Python replay, whose sums are exact, and the start's check then sees the
    # balances disagree with the log rather than the checkpointer failing.
    big = 2**62
    with migrated_file(tmp_path / "log.db") as conn:
        conn.execute("BEGIN")
        start = log_replay.replay(conn)
        conn.execute("COMMIT")
        tampered = [
            rows.transfer_row(
                replace(
                    _BLANK, id=i, debit_account_id=1, credit_account_id=2, amount=big,
                    ledger=LEDGER, code=1, timestamp_ns=START_NS + i,
                )
            )
            for i in (1, 2, 3)
        ]  # fmt: skip
        conn.executemany("INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tampered)
        conn.execute("BEGIN")
        with pytest.raises(sqlite3.OperationalError, match="overflow"):
            conn.execute("SELECT SUM(amount) FROM transfers").fetchone()
        in_sql = log_replay.replay_in_sql(conn, start)
        in_python = log_replay.replay(conn, start)
        conn.execute("COMMIT")
    assert in_sql == in_python
    assert in_sql.balances[rows.id_blob(1)] == (0, 3 * big, 0, 0)
    assert in_sql.balances[rows.id_blob(2)] == (0, 0, 0, 3 * big)
