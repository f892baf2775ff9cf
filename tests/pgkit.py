"""PostgreSQL for the tests: a fresh database per test, and one kit per store so that the same
test runs on SQLite and on PostgreSQL.

Where the server is: ``LINTAS_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). Every test that asks for one gets a database
of its own (``CREATE DATABASE lintas_test_...``), dropped after it (``WITH (FORCE)``), so tests
run in parallel and leave nothing behind. When the server does not answer, those tests skip
with the reason, except in CI (``CI=true`` or ``LINTAS_TEST_POSTGRES_REQUIRED=1``, which
``.ci/run`` sets), where they fail: a PostgreSQL store nobody tested must not pass as green.

Imported as ``from pgkit import ...`` (the test folders hold no ``__init__.py``; ``tests/`` is
on the path through ``tests/conftest.py``'s folder).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from lintas.adapters import rows
from lintas.adapters.postgres.signals_store import PostgresSignalsStore
from lintas.adapters.sqlite.signals_store import SignalsStore
from lintas.bootstrap import Hub, HubConfig, build_hub
from lintas.ports.clock import Clock
from lintas.ports.risk import RiskAssessor
from lintas.services.signals import SignalStore

POSTGRES_URL_ENV: Final = "LINTAS_TEST_POSTGRES_URL"
POSTGRES_URL_DEFAULT: Final = "postgresql://postgres@127.0.0.1:5432/test"
#: Set (to 1) where a PostgreSQL test may not skip: it fails instead.
POSTGRES_REQUIRED_ENV: Final = "LINTAS_TEST_POSTGRES_REQUIRED"
#: Test databases start with this, so that a leftover one is easy to find and drop.
TEST_DATABASE_PREFIX: Final = "lintas_test_"
#: The schema the hub's store uses (``adapters.postgres.migrations.SCHEMA_DEFAULT``).
SCHEMA: Final = "lintas"
#: Small enough to seed in well under a second (``testkit.CUSTOMERS_PER_COUNTRY_TEST``).
CUSTOMERS_PER_COUNTRY_TEST: Final = 50


def server_url() -> str:
    """The PostgreSQL server the tests use (a database the tests' role can connect to)."""
    return os.environ.get(POSTGRES_URL_ENV, POSTGRES_URL_DEFAULT)


def postgres_required() -> bool:
    """True in CI: an unreachable server fails the tests instead of skipping them."""
    return os.environ.get(POSTGRES_REQUIRED_ENV) == "1" or os.environ.get("CI") == "true"


def _admin() -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(server_url(), autocommit=True, connect_timeout=5)


def require_postgres() -> None:
    """Skip the calling test (fail it in CI) when the server does not answer."""
    try:
        with _admin() as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as e:
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        reason = f"PostgreSQL is not reachable at {server_url()} ({POSTGRES_URL_ENV}): {first_line}"
        if postgres_required():
            pytest.fail(f"{reason}; {POSTGRES_REQUIRED_ENV} or CI=true: a skip is a failure")
        pytest.skip(reason)


def url_of_database(name: str) -> str:
    """``server_url()`` naming database ``name`` instead."""
    return urlsplit(server_url())._replace(path=f"/{name}").geturl()


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped (with any connection left) on exit."""
    require_postgres()
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"
    with _admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url_of_database(name)
    finally:
        with _admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test alone."""
    with fresh_database() as url:
        yield url


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """An autocommit connection to ``url`` with the store's schema on its search path."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(SCHEMA)))
        yield conn


class StoreKit(Protocol):
    """One store under test, and the raw access a test needs to look past the hub."""

    name: str

    def open_hub(
        self, clock: Clock | None = None, risk: RiskAssessor | None = None, **config: Any
    ) -> Hub:
        """A sandbox hub on this store (seeded on its first open)."""
        ...

    def accounts_snapshot(self) -> list[tuple[Any, ...]]:
        """Every account row (ids as 16 bytes), in id order, read outside the hub."""
        ...

    def table_count(self, table: str) -> int:
        """How many rows ``table`` holds, read outside the hub."""
        ...

    def add_to_credits_posted(self, account_id: int, delta: int) -> None:
        """Change a balance behind the ledger's back (a tampered store)."""
        ...

    def meta(self, key: str) -> str | None:
        """A ``meta`` row, read outside the hub."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Overwrite a ``meta`` row behind the hub's back."""
        ...


def _hub_config(**config: Any) -> dict[str, Any]:
    config.setdefault("customers_per_country", CUSTOMERS_PER_COUNTRY_TEST)
    return config


@dataclass
class SqliteKit:
    """The SQLite store, on a file in the test's temporary folder."""

    path: Path
    name: str = "sqlite"

    def open_hub(
        self, clock: Clock | None = None, risk: RiskAssessor | None = None, **config: Any
    ) -> Hub:
        return build_hub(HubConfig(db_path=self.path, **_hub_config(**config)), clock, risk)

    def _query(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as conn:
            return conn.execute(query, params).fetchall()

    def accounts_snapshot(self) -> list[tuple[Any, ...]]:
        return self._query("SELECT * FROM accounts ORDER BY id")

    def table_count(self, table: str) -> int:
        assert table.isidentifier(), table
        return int(self._query(f"SELECT COUNT(*) FROM {table}")[0][0])

    def add_to_credits_posted(self, account_id: int, delta: int) -> None:
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute(
                "UPDATE accounts SET credits_posted = credits_posted + ? WHERE id = ?",
                (delta, rows.id_blob(account_id)),
            )

    def meta(self, key: str) -> str | None:
        found = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(found[0][0]) if found else None

    def set_meta(self, key: str, value: str) -> None:
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))


@dataclass
class PostgresKit:
    """Every store of the hub (payments, recalls, scam signals) in a fresh PostgreSQL database.

    ``unused_db_path`` is given to the hub as its SQLite ``db_path``, which a hub on PostgreSQL
    must leave alone: ``hub_on`` checks that nothing appeared there.
    """

    url: str
    unused_db_path: Path
    name: str = "postgres"

    def open_hub(
        self, clock: Clock | None = None, risk: RiskAssessor | None = None, **config: Any
    ) -> Hub:
        hub_config = HubConfig(
            db_url=self.url, db_path=self.unused_db_path, **_hub_config(**config)
        )
        return build_hub(hub_config, clock, risk)

    def accounts_snapshot(self) -> list[tuple[Any, ...]]:
        with connection(self.url) as conn:
            return conn.execute(
                "SELECT id, ledger, code, flags, debits_pending, debits_posted,"
                " credits_pending, credits_posted, user_data FROM accounts ORDER BY id"
            ).fetchall()

    def table_count(self, table: str) -> int:
        with connection(self.url) as conn:
            found = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table)))
            return int(found.fetchall()[0][0])

    def add_to_credits_posted(self, account_id: int, delta: int) -> None:
        with connection(self.url) as conn:
            conn.execute(
                "UPDATE accounts SET credits_posted = credits_posted + %s WHERE id = %s",
                (delta, rows.id_blob(account_id)),
            )

    def meta(self, key: str) -> str | None:
        with connection(self.url) as conn:
            found = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchall()
        return str(found[0][0]) if found else None

    def set_meta(self, key: str, value: str) -> None:
        with connection(self.url) as conn:
            conn.execute("UPDATE meta SET value = %s WHERE key = %s", (value, key))


#: The stores a test can run on; ``kit`` runs a test on each.
STORE_KINDS: Final = ("sqlite", "postgres")
#: Marks a test whose ``hub`` (``tests/conftest.py``, or its module's own) or ``service``
#: fixture reads ``store_kind``: the test runs once per store.
ON_BOTH_STORES: Final = pytest.mark.parametrize("store_kind", STORE_KINDS, indirect=True)


@contextmanager
def kit_for(kind: str, tmp_path: Path) -> Iterator[StoreKit]:
    """The ``kind`` store (a file in ``tmp_path``, or a fresh PostgreSQL database)."""
    assert kind in STORE_KINDS, kind
    if kind == "sqlite":
        yield SqliteKit(tmp_path / "hub.db")
        return
    with fresh_database() as url:
        yield PostgresKit(url, tmp_path / "hub.db")


@contextmanager
def hub_in(kit: StoreKit, **config: Any) -> Iterator[Hub]:
    """A fresh sandbox hub on ``kit``'s store, closed after the block; on PostgreSQL, it also
    fails if the hub wrote anything to a SQLite file."""
    hub = kit.open_hub(**config)
    try:
        yield hub
    finally:
        hub.close()
    if isinstance(kit, PostgresKit):
        assert not kit.unused_db_path.exists(), "a hub on PostgreSQL wrote a SQLite file"


@contextmanager
def signals_store_for(kind: str, tmp_path: Path) -> Iterator[SignalStore]:
    """An open scam-signals store of ``kind`` (closed after the block)."""
    assert kind in STORE_KINDS, kind
    store: SignalStore
    if kind == "sqlite":
        store = SignalsStore(tmp_path / "hub.db").open()
        try:
            yield store
        finally:
            store.close()
        return
    with fresh_database() as url:
        store = PostgresSignalsStore(url).open()
        try:
            yield store
        finally:
            store.close()


@pytest.fixture(params=STORE_KINDS)
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreKit]:
    """Each store in turn: the test runs once on SQLite and once on PostgreSQL."""
    with kit_for(request.param, tmp_path) as k:
        yield k


@pytest.fixture
def hub_on(kit: StoreKit) -> Iterator[Hub]:
    """A fresh sandbox hub on ``kit``'s store, closed after the test (see ``hub_in``)."""
    with hub_in(kit) as hub:
        yield hub
