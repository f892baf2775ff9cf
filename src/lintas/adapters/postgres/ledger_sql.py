"""The PostgreSQL store's statements, in one place, with the columns they rely on.

Column lists are spelled out (never ``SELECT *``) in the order ``adapters.rows``
reads and writes them, so that its functions serve both stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lintas.domain.ledger import AccountFlags, TransferFlags

ACCOUNT_COLUMNS: Final = (
    "id, ledger, code, flags, debits_pending, debits_posted, credits_pending, credits_posted,"
    " user_data"
)
TRANSFER_COLUMNS: Final = (
    "id, debit_account_id, credit_account_id, amount, ledger, code, flags, pending_id,"
    " timeout_s, user_data, timestamp_ns"
)
#: The COPY's column types, in ``TRANSFER_COLUMNS`` order (binary COPY sends no type names).
TRANSFER_TYPES: Final = [
    "bytea",
    "bytea",
    "bytea",
    "int8",
    "int4",
    "int4",
    "int4",
    "bytea",
    "int8",
    "text",
    "int8",
]

#: The flags the replay and the live-pending query test, as named parameters.
FLAGS: Final = {
    "pending": int(TransferFlags.PENDING),
    "void": int(TransferFlags.VOID_PENDING_TRANSFER),
    "resolving": int(TransferFlags.POST_PENDING_TRANSFER | TransferFlags.VOID_PENDING_TRANSFER),
    "debits_limited": int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
    "credits_limited": int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
}


@dataclass(frozen=True, slots=True)
class ColumnsStatement:
    """A statement that takes one array parameter per column (``width`` of them)."""

    sql: str
    width: int


def _unnest(types: tuple[str, ...]) -> str:
    # Binary parameters (%b): ids go as raw bytes, not hex text; measured, text arrays cost
    # about four times the client CPU a row (16.5 us against 3.9 us, ``bench_postgres``).
    return "unnest(" + ", ".join(f"%b::{t}[]" for t in types) + ")"


SELECT_ACCOUNTS: Final = f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
SELECT_ACCOUNT: Final = f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = %s"
#: Every account, and whether it breaks the limit its flags set (the store's reconciliation).
SELECT_ACCOUNTS_AND_FLAG_BREAKS: Final = (
    f"SELECT {ACCOUNT_COLUMNS},"
    " (flags & %(debits_limited)s != 0 AND debits_posted + debits_pending > credits_posted)"
    " OR (flags & %(credits_limited)s != 0"
    " AND credits_posted + credits_pending > debits_posted)"
    " FROM accounts"
)
SELECT_TRANSFER: Final = f"SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = %s"
SELECT_TRANSFERS_OF: Final = (
    f"SELECT {TRANSFER_COLUMNS} FROM transfers"
    " WHERE id >= %s AND id < %s AND user_data = %s ORDER BY timestamp_ns"
)
SELECT_NEWEST_TRANSFERS: Final = (
    f"SELECT {TRANSFER_COLUMNS} FROM transfers ORDER BY timestamp_ns DESC LIMIT %s"
)
#: The ledger's horizon after a restart: every stored id is at or below the largest (the
#: last entry of the primary key; PostgreSQL has no ``max`` of ``bytea``).
LARGEST_TRANSFER_ID: Final = "SELECT id FROM transfers ORDER BY id DESC LIMIT 1"
LARGEST_REFUSAL_ID: Final = "SELECT id FROM transfers_refused ORDER BY id DESC LIMIT 1"
SELECT_REFUSAL: Final = f"SELECT {TRANSFER_COLUMNS}, result FROM transfers_refused WHERE id = %s"
#: Pending transfers neither posted, voided nor expired (the ledger keeps every one in
#: memory), among those after ``%(after)s`` (a ledger timestamp; 0 for all) and those named
#: in ``%(ids)s`` (the live ones of the last start's checkpoint).
_LIVE: Final = (
    " AND t.flags & %(pending)s != 0"
    " AND NOT EXISTS (SELECT 1 FROM transfers AS r WHERE r.pending_id = t.id)"
    " AND NOT EXISTS (SELECT 1 FROM pending_expiries AS e WHERE e.pending_id = t.id)"
)
SELECT_LIVE_PENDING: Final = (
    f"SELECT {TRANSFER_COLUMNS} FROM transfers AS t WHERE t.timestamp_ns > %(after)s{_LIVE}"
    f" UNION ALL SELECT {TRANSFER_COLUMNS} FROM transfers AS t"
    f" WHERE t.id = ANY(%(ids)s::bytea[]) AND t.timestamp_ns <= %(after)s{_LIVE}"
)
#: Where each log ends: the largest ledger timestamp of the transfers and of the expiries.
LOG_ENDS: Final = (
    "SELECT (SELECT coalesce(max(timestamp_ns), 0) FROM transfers),"
    " (SELECT coalesce(max(timestamp_ns), 0) FROM pending_expiries)"
)
#: Per account, what the log after ``%(after)s`` (transfers) and ``%(expiries_after)s``
#: (expiries), both ledger timestamps, adds to (debits_pending, debits_posted,
#: credits_pending, credits_posted): a pending transfer not resolved counts as pending, a
#: plain transfer or a post (its amount is what was posted) as posted, a void and a resolved
#: pending transfer as nothing, and a pending transfer from before that the tail resolves
#: takes its pending amount back (``adapters.log_checkpoint``). With both 0: the whole log.
REPLAYED_BALANCES: Final = """
    WITH resolved AS (
        SELECT pending_id FROM pending_expiries WHERE timestamp_ns > %(expiries_after)s
        UNION
        SELECT pending_id FROM transfers
        WHERE timestamp_ns > %(after)s AND flags & %(resolving)s != 0
    ), classified AS (
        SELECT t.debit_account_id AS debit, t.credit_account_id AS credit,
            CASE WHEN t.flags & %(pending)s != 0 AND r.pending_id IS NULL
                THEN t.amount ELSE 0 END AS pending,
            CASE WHEN t.flags & (%(pending)s | %(void)s) = 0
                THEN t.amount ELSE 0 END AS posted
        FROM transfers AS t LEFT JOIN resolved AS r ON r.pending_id = t.id
        WHERE t.timestamp_ns > %(after)s
        UNION ALL
        SELECT p.debit_account_id, p.credit_account_id, -p.amount, 0
        FROM resolved AS r JOIN transfers AS p ON p.id = r.pending_id
        WHERE %(after)s > 0 AND p.timestamp_ns <= %(after)s AND p.flags & %(pending)s != 0
    )
    SELECT account, SUM(dp), SUM(dpo), SUM(cp), SUM(cpo) FROM (
        SELECT debit AS account, pending AS dp, posted AS dpo, 0 AS cp, 0 AS cpo
            FROM classified
        UNION ALL
        SELECT credit, 0, 0, pending, posted FROM classified
    ) AS moves
    GROUP BY account
"""
SELECT_ACCOUNT_BALANCES: Final = (
    "SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM accounts"
)
SELECT_LOG_CHECKPOINT: Final = (
    "SELECT transfers_upto, expiries_upto, balances, live_pending, digest FROM log_checkpoint"
)
SAVE_LOG_CHECKPOINT: Final = (
    "INSERT INTO log_checkpoint"
    " (id, transfers_upto, expiries_upto, balances, live_pending, digest)"
    " VALUES (1, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
    " transfers_upto = excluded.transfers_upto, expiries_upto = excluded.expiries_upto,"
    " balances = excluded.balances, live_pending = excluded.live_pending,"
    " digest = excluded.digest"
)

COPY_TRANSFERS: Final = f"COPY transfers ({TRANSFER_COLUMNS}) FROM STDIN (FORMAT BINARY)"
UPSERT_ACCOUNTS: Final = ColumnsStatement(
    f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) SELECT * FROM "
    + _unnest(("bytea", "int4", "int4", "int4", "int8", "int8", "int8", "int8", "text"))
    + " ON CONFLICT (id) DO UPDATE SET debits_pending = excluded.debits_pending,"
    " debits_posted = excluded.debits_posted,"
    " credits_pending = excluded.credits_pending,"
    " credits_posted = excluded.credits_posted",
    9,
)
INSERT_EXPIRIES: Final = ColumnsStatement(
    "INSERT INTO pending_expiries (pending_id, timestamp_ns) SELECT * FROM "
    + _unnest(("bytea", "int8")),
    2,
)
UPSERT_PAYMENTS: Final = ColumnsStatement(
    "INSERT INTO payments"
    " (uetr, status, debtor_agent, creditor_agent, created_at, updated_at, body)"
    " SELECT u, s, d, c, ca, ua, b::jsonb FROM "
    + _unnest(("text", "text", "text", "text", "timestamptz", "timestamptz", "text"))
    + " AS v(u, s, d, c, ca, ua, b)"
    " ON CONFLICT (uetr) DO UPDATE SET status = excluded.status,"
    " updated_at = excluded.updated_at, body = excluded.body",
    7,
)
#: A quote is written once; the same id again changes nothing (as SQLite's INSERT OR IGNORE).
INSERT_QUOTES: Final = ColumnsStatement(
    "INSERT INTO quotes (quote_id, expires_at, body) SELECT q, e, b::jsonb FROM "
    + _unnest(("text", "timestamptz", "text"))
    + " AS v(q, e, b) ON CONFLICT (quote_id) DO NOTHING",
    3,
)
UPSERT_RATES: Final = ColumnsStatement(
    "INSERT INTO rates (fxp_id, source_currency, target_currency, posted_at, body)"
    " SELECT f, s, t, p, b::jsonb FROM "
    + _unnest(("text", "text", "text", "timestamptz", "text"))
    + " AS v(f, s, t, p, b)"
    " ON CONFLICT (fxp_id, source_currency, target_currency) DO UPDATE SET"
    " posted_at = excluded.posted_at, body = excluded.body",
    5,
)
UPSERT_REFUSED: Final = (
    f"INSERT INTO transfers_refused ({TRANSFER_COLUMNS}, result)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (id) DO UPDATE SET"
    + ", ".join(
        f" {c.strip()} = excluded.{c.strip()}"
        for c in (TRANSFER_COLUMNS + ", result").split(",")[1:]
    )
)
