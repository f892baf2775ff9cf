"""Versioned, named migrations, recorded in ``schema_migrations`` and applied in order.

Each migration runs in its own transaction; applying them twice changes nothing.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Final

#: (version, name, SQL). Append only: never edit a migration that has shipped.
MIGRATIONS: Final[tuple[tuple[int, str, str], ...]] = (
    (
        1,
        "ledger_payments_quotes",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
        CREATE TABLE accounts (
            id BLOB PRIMARY KEY,
            ledger INTEGER NOT NULL,
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            debits_pending INTEGER NOT NULL,
            debits_posted INTEGER NOT NULL,
            credits_pending INTEGER NOT NULL,
            credits_posted INTEGER NOT NULL,
            user_data TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE transfers (
            id BLOB PRIMARY KEY,
            debit_account_id BLOB NOT NULL,
            credit_account_id BLOB NOT NULL,
            amount INTEGER NOT NULL,
            ledger INTEGER NOT NULL,
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            pending_id BLOB,
            timeout_s INTEGER NOT NULL,
            user_data TEXT NOT NULL,
            timestamp_ns INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX transfers_by_user_data ON transfers (user_data);
        CREATE TABLE pending_expiries (
            pending_id BLOB PRIMARY KEY,
            timestamp_ns INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE payments (
            uetr TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            debtor_agent TEXT NOT NULL,
            creditor_agent TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            body BLOB NOT NULL
        ) STRICT;
        CREATE INDEX payments_in_flight ON payments (status)
            WHERE status IN ('RECEIVED', 'RESERVED', 'HELD');
        CREATE INDEX payments_by_debtor_agent ON payments (debtor_agent, created_at);
        CREATE INDEX payments_by_creditor_agent ON payments (creditor_agent, created_at);
        CREATE TABLE quotes (
            quote_id TEXT PRIMARY KEY,
            expires_at TEXT NOT NULL,
            body BLOB NOT NULL
        ) STRICT;
        CREATE TABLE rates (
            fxp_id TEXT NOT NULL,
            source_currency TEXT NOT NULL,
            target_currency TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (fxp_id, source_currency, target_currency)
        ) STRICT;
        """,
    ),
    (
        2,
        "scam_signals",
        """
        CREATE TABLE scam_signals (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            value TEXT NOT NULL,
            abuse TEXT NOT NULL,
            confidence INTEGER NOT NULL,
            source_participant TEXT NOT NULL,
            source_organisation TEXT NOT NULL,
            source_country TEXT,
            tlp TEXT NOT NULL,
            status TEXT NOT NULL,
            first_seen_us INTEGER NOT NULL,
            last_seen_us INTEGER NOT NULL,
            expires_at_us INTEGER NOT NULL,
            created_at_us INTEGER NOT NULL,
            modified_at_us INTEGER NOT NULL,
            description TEXT NOT NULL,
            added_ns INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX scam_signals_by_target ON scam_signals (type, value);
        CREATE INDEX scam_signals_by_added ON scam_signals (added_ns, id);
        """,
    ),
    (
        3,
        "recall_cases",
        """
        CREATE TABLE payment_returns (
            original_uetr TEXT PRIMARY KEY,
            return_uetr TEXT NOT NULL UNIQUE,
            return_id TEXT NOT NULL,
            returned_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE recall_cases (
            creator TEXT NOT NULL,
            case_id TEXT NOT NULL,
            cancellation_id TEXT NOT NULL,
            original_uetr TEXT NOT NULL,
            reason TEXT NOT NULL,
            accepted INTEGER NOT NULL,
            rejection_reason TEXT,
            detail TEXT NOT NULL,
            return_uetr TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (creator, case_id)
        ) STRICT;
        CREATE INDEX recall_cases_by_original ON recall_cases (original_uetr);
        """,
    ),
    (
        4,
        "transfers_refused",
        """
        CREATE TABLE transfers_refused (
            id BLOB PRIMARY KEY,
            debit_account_id BLOB NOT NULL,
            credit_account_id BLOB NOT NULL,
            amount INTEGER NOT NULL,
            ledger INTEGER NOT NULL,
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            pending_id BLOB,
            timeout_s INTEGER NOT NULL,
            user_data TEXT NOT NULL,
            timestamp_ns INTEGER NOT NULL,
            result TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        """,
    ),
    (
        5,
        "transfers_by_pending_id",
        # The ledger evicts finished transfers from memory and reads them back on a retry;
        # a pending transfer's state (posted, voided) is found from the post or void naming it.
        """
        CREATE INDEX transfers_by_pending_id ON transfers (pending_id)
            WHERE pending_id IS NOT NULL;
        """,
    ),
    (
        6,
        "recall_answers",
        # A recall may wait for the destination PSP's own answer: cases get a status (pending,
        # accepted, rejected), who answered and when; at most one pending case per payment.
        """
        ALTER TABLE recall_cases ADD COLUMN status TEXT NOT NULL DEFAULT 'rejected'
            CHECK (status IN ('pending', 'accepted', 'rejected'));
        UPDATE recall_cases SET status = 'accepted' WHERE accepted = 1;
        ALTER TABLE recall_cases ADD COLUMN answered_by TEXT;
        ALTER TABLE recall_cases ADD COLUMN answered_at TEXT;
        UPDATE recall_cases SET answered_by = 'hub', answered_at = created_at;
        CREATE UNIQUE INDEX recall_cases_one_pending ON recall_cases (original_uetr)
            WHERE status = 'pending';
        """,
    ),
    (
        7,
        "transfers_without_uetr_index",
        # A payment's transfers are found by the range of ids its acceptance millisecond
        # starts (``settlement.transfer_id_span``): the index on the UETR cost a random-key
        # insert per transfer (measured: 10.7 against 4.5 us of CPU per transfer row) and
        # served nothing else.
        """
        DROP INDEX transfers_by_user_data;
        """,
    ),
    (
        8,
        "log_checkpoint",
        # A start replays the transfer log only after where the last start's checked replay
        # stopped (``adapters.log_checkpoint``): one row, positions are rowids.
        """
        CREATE TABLE log_checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            transfers_upto INTEGER NOT NULL,
            expiries_upto INTEGER NOT NULL,
            balances BLOB NOT NULL,
            live_pending BLOB NOT NULL,
            digest BLOB NOT NULL
        ) STRICT;
        """,
    ),
)


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied now."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ns INTEGER NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied: list[int] = []
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        # executescript would commit on its own; run statements inside one explicit transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at_ns) VALUES (?, ?, ?)",
                (version, name, time.time_ns()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
