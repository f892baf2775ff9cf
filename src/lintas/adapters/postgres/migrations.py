"""Versioned, named migrations of the PostgreSQL store, in a schema of its own.

Every table lives in one schema (``lintas`` unless the store is told otherwise), next to
``schema_migrations``, which records each migration applied. Each migration runs in its own
transaction (PostgreSQL's DDL is transactional) under an advisory lock, so two hubs starting
at once apply it once; applying them twice changes nothing.

Why the columns follow the SQLite store's order: ``lintas.adapters.rows`` turns rows
back into accounts and transfers by position, and this store reuses those functions.

Why ids are ``bytea``: a ledger id is 128 bits, beyond ``bigint``. Sixteen big-endian bytes
compare (memcmp) in the same order as the integers, are fixed-size in every index, and are
what ``rows.id_blob`` already produces, with no conversion on the writer's hot path;
``numeric`` would be variable-length, slower to compare, and cost a ``Decimal`` per id read.

Balances and amounts are ``bigint``: the ledger bounds every balance by ``BALANCE_MAX``
(2**63 - 1). Record bodies are ``jsonb``, so that an operator can query them in SQL.
"""

from __future__ import annotations

import time
from typing import Any, Final

import psycopg
from psycopg import sql

from lintas.domain.errors import LintasError

__all__ = ["MIGRATIONS", "SCHEMA_DEFAULT", "StoreFromANewerLintas", "migrate"]

#: The schema every table of the store lives in.
SCHEMA_DEFAULT: Final = "lintas"
#: Every migration of one store takes this advisory lock (with the schema's name).
_MIGRATION_LOCK: Final = "lintas.migrate:"


class StoreFromANewerLintas(LintasError):
    """The schema records migrations this version of Lintas does not know."""


#: (version, name, SQL). Append only: never edit a migration that has shipped.
MIGRATIONS: Final[tuple[tuple[int, str, str], ...]] = (
    (
        1,
        "ledger_payments_quotes",
        """
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE accounts (
            id bytea PRIMARY KEY CHECK (length(id) = 16),
            ledger integer NOT NULL,
            code integer NOT NULL,
            flags integer NOT NULL,
            debits_pending bigint NOT NULL CHECK (debits_pending >= 0),
            debits_posted bigint NOT NULL CHECK (debits_posted >= 0),
            credits_pending bigint NOT NULL CHECK (credits_pending >= 0),
            credits_posted bigint NOT NULL CHECK (credits_posted >= 0),
            user_data text NOT NULL
        );
        CREATE TABLE transfers (
            id bytea PRIMARY KEY CHECK (length(id) = 16),
            debit_account_id bytea NOT NULL,
            credit_account_id bytea NOT NULL,
            amount bigint NOT NULL,
            ledger integer NOT NULL,
            code integer NOT NULL,
            flags integer NOT NULL,
            pending_id bytea,
            timeout_s bigint NOT NULL,
            user_data text NOT NULL,
            timestamp_ns bigint NOT NULL
        );
        CREATE INDEX transfers_by_user_data ON transfers (user_data);
        CREATE INDEX transfers_by_pending_id ON transfers (pending_id)
            WHERE pending_id IS NOT NULL;
        -- The ledger's timestamps strictly increase: the latest transfer (its clock continues
        -- from it on restart) is the end of this index, found without a sort.
        CREATE INDEX transfers_by_timestamp ON transfers (timestamp_ns);
        CREATE TABLE pending_expiries (
            pending_id bytea PRIMARY KEY,
            timestamp_ns bigint NOT NULL
        );
        CREATE TABLE transfers_refused (
            id bytea PRIMARY KEY,
            debit_account_id bytea NOT NULL,
            credit_account_id bytea NOT NULL,
            amount bigint NOT NULL,
            ledger integer NOT NULL,
            code integer NOT NULL,
            flags integer NOT NULL,
            pending_id bytea,
            timeout_s bigint NOT NULL,
            user_data text NOT NULL,
            timestamp_ns bigint NOT NULL,
            result text NOT NULL
        );
        CREATE TABLE payments (
            uetr text PRIMARY KEY,
            status text NOT NULL,
            debtor_agent text NOT NULL,
            creditor_agent text NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            body jsonb NOT NULL
        );
        CREATE INDEX payments_in_flight ON payments (status)
            WHERE status IN ('RECEIVED', 'RESERVED', 'HELD');
        CREATE INDEX payments_by_created_at ON payments (created_at);
        CREATE INDEX payments_by_debtor_agent ON payments (debtor_agent, created_at);
        CREATE INDEX payments_by_creditor_agent ON payments (creditor_agent, created_at);
        CREATE TABLE quotes (
            quote_id text PRIMARY KEY,
            expires_at timestamptz NOT NULL,
            body jsonb NOT NULL
        );
        CREATE TABLE rates (
            fxp_id text NOT NULL,
            source_currency text NOT NULL,
            target_currency text NOT NULL,
            posted_at timestamptz NOT NULL,
            body jsonb NOT NULL,
            PRIMARY KEY (fxp_id, source_currency, target_currency)
        );
        """,
    ),
    (
        2,
        "recalls_and_scam_signals",
        # What the SQLite store keeps in its migrations 2 (scam_signals), 3 and 6 (returns and
        # recall cases), as they stand after them. Keys that are paged or compared with
        # Python's order are ``COLLATE "C"`` (byte order, which for UTF-8 is code point
        # order, as in SQLite and Python), whatever the database's default collation.
        # Times of returns and cases are ``timestamptz``; SQLite's redundant ``accepted``
        # column is not kept: ``status`` says it.
        """
        CREATE TABLE payment_returns (
            original_uetr text PRIMARY KEY,
            return_uetr text NOT NULL UNIQUE,
            return_id text NOT NULL,
            returned_by text NOT NULL,
            reason text NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE TABLE recall_cases (
            creator text NOT NULL,
            case_id text NOT NULL,
            cancellation_id text NOT NULL,
            original_uetr text NOT NULL,
            reason text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
            rejection_reason text,
            detail text NOT NULL,
            return_uetr text,
            created_at timestamptz NOT NULL,
            answered_by text,
            answered_at timestamptz,
            PRIMARY KEY (creator, case_id),
            -- RecallCase's own invariants, held by the table too.
            CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL)),
            CHECK ((status = 'pending') = (answered_at IS NULL)),
            CHECK (return_uetr IS NULL OR status <> 'pending')
        );
        CREATE INDEX recall_cases_by_original ON recall_cases (original_uetr);
        -- At most one pending case per payment: a second recall waits for the first answer.
        CREATE UNIQUE INDEX recall_cases_one_pending ON recall_cases (original_uetr)
            WHERE status = 'pending';
        CREATE TABLE scam_signals (
            id text COLLATE "C" PRIMARY KEY,
            type text NOT NULL,
            value text NOT NULL,
            abuse text NOT NULL,
            confidence integer NOT NULL,
            source_participant text NOT NULL,
            source_organisation text NOT NULL,
            source_country text,
            tlp text NOT NULL,
            status text NOT NULL,
            first_seen_us bigint NOT NULL,
            last_seen_us bigint NOT NULL,
            expires_at_us bigint NOT NULL,
            created_at_us bigint NOT NULL,
            modified_at_us bigint NOT NULL,
            description text NOT NULL,
            added_ns bigint NOT NULL
        );
        CREATE INDEX scam_signals_by_target ON scam_signals (type, value);
        -- TAXII pages in this order, with (added_ns, id) as the cursor.
        CREATE INDEX scam_signals_by_added ON scam_signals (added_ns, id)
        """,
    ),
    (
        3,
        "transfers_without_uetr_index",
        # A payment's transfers are found by the range of ids its acceptance millisecond
        # starts (``settlement.transfer_id_span``): the index on the UETR cost a random-key
        # insert per transfer and served nothing else.
        """
        DROP INDEX transfers_by_user_data
        """,
    ),
    (
        4,
        "log_checkpoint",
        # A start replays the transfer log only after where the last start's checked replay
        # stopped (``adapters.log_checkpoint``): one row, positions are ledger timestamps.
        """
        CREATE TABLE log_checkpoint (
            id integer PRIMARY KEY CHECK (id = 1),
            transfers_upto bigint NOT NULL,
            expiries_upto bigint NOT NULL,
            balances bytea NOT NULL,
            live_pending bytea NOT NULL,
            digest bytea NOT NULL
        )
        """,
    ),
)


def migrate(conn: psycopg.Connection[tuple[Any, ...]], schema: str) -> list[int]:
    """Create ``schema`` if needed and apply every migration not yet recorded in it; return
    the versions applied now. Refuses (``StoreFromANewerLintas``) a schema that records a
    migration this version does not know: its tables may mean something else."""
    assert conn.autocommit, "migrations manage their own transactions"
    name = sql.Identifier(schema)
    lock = _MIGRATION_LOCK + schema
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at_ns bigint NOT NULL)"
            ).format(name)
        )
    known = {version for version, _, _ in MIGRATIONS}
    applied: list[int] = []
    for version, title, statements in MIGRATIONS:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
            conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            unknown = sorted(v for v in done if v not in known)
            if unknown:
                raise StoreFromANewerLintas(
                    "store_from_a_newer_lintas",
                    f"schema {schema} records migrations {unknown} that this version of "
                    "Lintas does not know: it was made by a newer Lintas; use another --db",
                )
            if version in done:
                continue
            # One statement at a time: psycopg sends parameterless text as a simple query
            # either way, but one at a time names the statement that failed.
            for statement in statements.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at_ns) VALUES (%s, %s, %s)",
                (version, title, time.time_ns()),
            )
        applied.append(version)
    return applied
