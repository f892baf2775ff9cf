"""The transfer log replayed into balances, from where an earlier replay stopped.

A store opens only if every account's stored balances are exactly what the immutable transfer
log gives (``ledger_store.check_against_log``), and its ledger needs every pending transfer
still live. Finding both read every transfer ever stored (1.7 s of a 1.6-2.0 s start for
100,000 payments, growing without end). So each start records what it replayed, checked:
the balances, the live pending transfers and where the log ended (``log_checkpoint``,
migration 8); the next start replays only the rows after it.

Why that is the same answer: the log is append-only (transfers and expiries are only ever
inserted, in the ledger's order, so their rowids follow it), and each pending transfer is
resolved (posted, voided or expired) at most once. Balances of the whole log are therefore
the checkpoint's, plus the tail's transfers, minus the pending amounts of transfers from
before the checkpoint that the tail resolves (they were counted as pending in it).

What it gives up: a row changed *before* the checkpoint is no longer seen at start.
``lintas reconcile`` (``SqliteStore.ledger_balances``) still replays the whole log.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import struct
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from lintas.adapters.sqlite import rows
from lintas.domain.ledger import TransferFlags

log = logging.getLogger(__name__)

#: (debits_pending, debits_posted, credits_pending, credits_posted)
Balances = tuple[int, int, int, int]

#: One account's entry in a stored checkpoint: its 16-byte id and four unsigned 64-bit
#: balances (every balance is below 2**64: ``ledger.BALANCE_MAX``).
_ENTRY: Final = struct.Struct(">16sQQQQ")
_U64_LIMIT: Final = 1 << 64
_ID_BYTES: Final = 16
_PENDING: Final = int(TransferFlags.PENDING)
_POST: Final = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID: Final = int(TransferFlags.VOID_PENDING_TRANSFER)


@dataclass(frozen=True, slots=True)
class LogCheckpoint:
    """Balances per account and the pending transfers not yet resolved (both by 16-byte
    id), of every transfer with a rowid up to ``transfers_rowid`` and every expiry up to
    ``expiries_rowid``."""

    transfers_rowid: int
    expiries_rowid: int
    balances: dict[bytes, Balances]
    live_pending: frozenset[bytes]


def replay(conn: sqlite3.Connection, since: LogCheckpoint | None = None) -> LogCheckpoint:
    """The balances of the whole log, replaying only what comes after ``since`` (from the
    start without one), reading rows as plain tuples and summing in Python integers (exact,
    however large: SQLite's SUM stops at 2**63). Call it inside one read transaction."""
    t0, e0 = (since.transfers_rowid, since.expiries_rowid) if since else (0, 0)
    (t1,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM transfers").fetchone()
    (e1,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM pending_expiries").fetchone()
    tail = (t0, t1)
    resolved: set[bytes] = {
        r
        for (r,) in conn.execute(
            "SELECT pending_id FROM pending_expiries WHERE rowid > ? AND rowid <= ?", (e0, e1)
        )
    }
    resolved.update(
        r
        for (r,) in conn.execute(
            "SELECT pending_id FROM transfers WHERE rowid > ? AND rowid <= ? AND flags & ? != 0",
            (*tail, _POST | _VOID),
        )
    )
    bal: dict[bytes, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    if since is not None:
        for key, held in since.balances.items():
            bal[key] = list(held)
    resolved_in_tail: set[bytes] = set()
    live = set(since.live_pending) - resolved if since else set()
    for key, debit, credit, amount, flags in conn.execute(
        "SELECT id, debit_account_id, credit_account_id, amount, flags FROM transfers"
        " WHERE rowid > ? AND rowid <= ?",
        tail,
    ):
        if flags & _PENDING:
            if key in resolved:
                resolved_in_tail.add(key)
            else:
                live.add(key)
                bal[debit][0] += amount
                bal[credit][2] += amount
        elif flags & _VOID:
            continue
        else:  # A plain transfer, or a post (its amount is what was posted).
            bal[debit][1] += amount
            bal[credit][3] += amount
    # Pending before the checkpoint (counted there as pending), resolved after it.
    for key in resolved - resolved_in_tail:
        row = conn.execute(
            "SELECT debit_account_id, credit_account_id, amount, flags FROM transfers"
            " WHERE id = ? AND rowid <= ?",
            (key, t0),
        ).fetchone()
        if row is not None and row[3] & _PENDING:
            debit, credit, amount, _ = row
            bal[debit][0] -= amount
            bal[credit][2] -= amount
    balances = {k: (v[0], v[1], v[2], v[3]) for k, v in bal.items()}
    return LogCheckpoint(t1, e1, balances, frozenset(live))


def by_account(checkpoint: LogCheckpoint) -> dict[int, Balances]:
    """The checkpoint's balances by account id."""
    return {rows.blob_id(k): v for k, v in checkpoint.balances.items()}


def load(conn: sqlite3.Connection) -> LogCheckpoint | None:
    """The checkpoint the last start saved, or None if there is none or it cannot be used
    (then the whole log is replayed: slower, never wrong)."""
    row = conn.execute(
        "SELECT transfers_rowid, expiries_rowid, balances, live_pending, digest FROM log_checkpoint"
    ).fetchone()
    if row is None:
        return None
    transfers_rowid, expiries_rowid, blob, live_blob, digest = row
    (t_max,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM transfers").fetchone()
    (e_max,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM pending_expiries").fetchone()
    if (
        _digest(transfers_rowid, expiries_rowid, blob, live_blob) != digest
        or len(blob) % _ENTRY.size
        or len(live_blob) % _ID_BYTES
    ):
        log.warning("the log checkpoint is damaged: replaying the whole transfer log")
        return None
    if transfers_rowid > t_max or expiries_rowid > e_max:
        log.warning("the log checkpoint is past the log's end: replaying the whole log")
        return None
    balances = {key: (dp, dpo, cp, cpo) for key, dp, dpo, cp, cpo in _ENTRY.iter_unpack(blob)}
    live = frozenset(live_blob[i : i + _ID_BYTES] for i in range(0, len(live_blob), _ID_BYTES))
    return LogCheckpoint(transfers_rowid, expiries_rowid, balances, live)


def save(conn: sqlite3.Connection, checkpoint: LogCheckpoint) -> None:
    """Keep ``checkpoint`` (checked against the stored balances) for the next start."""
    if any(not 0 <= b < _U64_LIMIT for v in checkpoint.balances.values() for b in v):
        # Cannot happen once the check passed (stored balances are below 2**64); if it
        # did, the next start replays more, nothing else.
        log.warning("a replayed balance is out of range: no log checkpoint kept")
        return
    blob = b"".join(_ENTRY.pack(key, *v) for key, v in sorted(checkpoint.balances.items()))
    live_blob = b"".join(sorted(checkpoint.live_pending))
    t, e = checkpoint.transfers_rowid, checkpoint.expiries_rowid
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT OR REPLACE INTO log_checkpoint (id, transfers_rowid, expiries_rowid,"
            " balances, live_pending, digest) VALUES (1, ?, ?, ?, ?, ?)",
            (t, e, blob, live_blob, _digest(t, e, blob, live_blob)),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _digest(transfers_rowid: int, expiries_rowid: int, blob: bytes, live_blob: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{transfers_rowid}:{expiries_rowid}:{len(blob)}:".encode())
    h.update(blob)
    h.update(live_blob)
    return h.digest()
