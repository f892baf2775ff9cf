"""Where the last start's checked replay of the transfer log stopped, and what it found.

A store opens only if every account's stored balances are exactly what the immutable transfer
log gives (``ledger_store.check_against_log``), and its ledger needs every pending transfer
still live. Finding both read every transfer ever stored: O(history) at every start (nearly
all of a 1.6-2.0 s start for 100,000 payments on SQLite, about 1 s per 30,000 on PostgreSQL). So
each start keeps what its check used: the balances, the live pending transfers, and how far
in each log (transfers, expiries) it read; the next start replays only what came after
(``sqlite.log_replay``, ``postgres.ledger_sql.REPLAYED_BALANCES``).

Why that is the same answer: the log is append-only (transfers and expiries are only ever
inserted, in the ledger's order) and each pending transfer is resolved (posted, voided or
expired) at most once. The balances of the whole log are therefore the checkpoint's, plus
the tail's transfers, minus the pending amounts of transfers from before the checkpoint that
the tail resolves (the checkpoint counted them as pending).

What it gives up: a row changed *before* the checkpoint is no longer seen at start;
``lintas reconcile`` (each store's ``ledger_balances``) still replays the whole log.

Stored as one row: the positions, the balances (16-byte id and four big-endian u64 each), the
live pending ids (16 bytes each) and a digest of all of it; a row that does not check out,
or points past the log's end, is set aside and the whole log replayed (slower, never wrong).
"""

from __future__ import annotations

import hashlib
import logging
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from lintas.adapters import rows

log = logging.getLogger(__name__)

#: Seconds between two checked checkpoints taken while a hub runs, on either store (each
#: start takes one too): roughly what a start after a crash replays at most.
INTERVAL_S_DEFAULT: Final = 60.0

#: (debits_pending, debits_posted, credits_pending, credits_posted)
Balances = tuple[int, int, int, int]
#: The stored row: transfers_upto, expiries_upto, balances, live_pending, digest.
CheckpointRow = tuple[int, int, bytes, bytes, bytes]

#: One account's entry: its 16-byte id and four unsigned 64-bit balances (every balance is
#: below 2**64: ``ledger.BALANCE_MAX``).
_ENTRY: Final = struct.Struct(">16sQQQQ")
_U64_LIMIT: Final = 1 << 64
_ID_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class LogCheckpoint:
    """Balances per account and the pending transfers not yet resolved (both by 16-byte
    id) of the log up to ``transfers_upto`` and ``expiries_upto``: positions in each log, in
    the store's own terms (SQLite: rowids; PostgreSQL: ledger timestamps)."""

    transfers_upto: int
    expiries_upto: int
    balances: dict[bytes, Balances]
    live_pending: frozenset[bytes]


def by_account(checkpoint: LogCheckpoint) -> dict[int, Balances]:
    """The checkpoint's balances by account id."""
    return {rows.blob_id(k): v for k, v in checkpoint.balances.items()}


def added(base: Mapping[bytes, Balances], delta: Mapping[bytes, Balances]) -> dict[bytes, Balances]:
    """``base`` plus ``delta``, account by account."""
    out = dict(base)
    for key, (dp, dpo, cp, cpo) in delta.items():
        b = out.get(key, (0, 0, 0, 0))
        out[key] = (b[0] + dp, b[1] + dpo, b[2] + cp, b[3] + cpo)
    return out


def differences(
    stored: Iterable[tuple[bytes, int, int, int, int]], checkpoint: LogCheckpoint
) -> list[bytes]:
    """The accounts (by 16-byte id) whose ``stored`` balances (rows: id and the four
    balances, each account once) are not the log's, read as they come."""
    zero = (0, 0, 0, 0)
    seen: set[bytes] = set()
    out: list[bytes] = []
    for key, dp, dpo, cp, cpo in stored:
        seen.add(key)
        if checkpoint.balances.get(key, zero) != (dp, dpo, cp, cpo):
            out.append(key)
    out.extend(k for k, v in checkpoint.balances.items() if k not in seen and v != zero)
    return out


def encode(checkpoint: LogCheckpoint) -> CheckpointRow | None:
    """The row to store, or None if a balance is out of range (it cannot be once the check
    passed: stored balances are below 2**64; if it were, the next start replays more)."""
    if any(not 0 <= b < _U64_LIMIT for v in checkpoint.balances.values() for b in v):
        log.warning("a replayed balance is out of range: no log checkpoint kept")
        return None
    blob = b"".join(_ENTRY.pack(key, *v) for key, v in sorted(checkpoint.balances.items()))
    live_blob = b"".join(sorted(checkpoint.live_pending))
    t, e = checkpoint.transfers_upto, checkpoint.expiries_upto
    return (t, e, blob, live_blob, _digest(t, e, blob, live_blob))


def decode(row: CheckpointRow | None, ends: tuple[int, int]) -> LogCheckpoint | None:
    """The stored checkpoint, or None if there is none, it is damaged, or it points past
    ``ends`` (where each log ends now: a store put back from an older copy)."""
    if row is None:
        return None
    t, e, blob, live_blob, digest = row
    blob, live_blob, digest = bytes(blob), bytes(live_blob), bytes(digest)
    if (
        _digest(t, e, blob, live_blob) != digest
        or len(blob) % _ENTRY.size
        or len(live_blob) % _ID_BYTES
    ):
        log.warning("the log checkpoint is damaged: replaying the whole transfer log")
        return None
    if t > ends[0] or e > ends[1]:
        log.warning("the log checkpoint is past the log's end: replaying the whole log")
        return None
    balances = {key: (dp, dpo, cp, cpo) for key, dp, dpo, cp, cpo in _ENTRY.iter_unpack(blob)}
    live = frozenset(live_blob[i : i + _ID_BYTES] for i in range(0, len(live_blob), _ID_BYTES))
    return LogCheckpoint(t, e, balances, live)


def _digest(transfers_upto: int, expiries_upto: int, blob: bytes, live_blob: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{transfers_upto}:{expiries_upto}:{len(blob)}:".encode())
    h.update(blob)
    h.update(live_blob)
    return h.digest()
