"""A store remembers what made it; a hub refuses a store it would misread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from testkit import CUSTOMERS_PER_COUNTRY_TEST, open_hub  # type: ignore[import-not-found]

from lintas.bootstrap import SANDBOX_DATA_VERSION
from lintas.domain.errors import LintasError


def _signature(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'sandbox_seed'").fetchone()
    assert row is not None
    return str(row[0])


def test_a_store_made_by_an_older_lintas_is_refused_with_a_clear_reason(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    open_hub(db).close()
    signature = _signature(db)
    assert signature.endswith(SANDBOX_DATA_VERSION)
    # As a store written before transfer ids started with their millisecond would say.
    older = signature.removesuffix(SANDBOX_DATA_VERSION) + "v2-merchants"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'sandbox_seed'", (older,))
    with pytest.raises(LintasError) as refused:
        open_hub(db)
    assert refused.value.reason == "store_seeded_differently"
    message = refused.value.message
    assert "v2-merchants" in message and "another version of Lintas" in message
    assert "--db" in message
    assert _signature(db) == older  # Refused before anything was written.


def test_the_same_store_opens_again_with_the_same_seed(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    open_hub(db).close()
    hub = open_hub(db, customers_per_country=CUSTOMERS_PER_COUNTRY_TEST)
    hub.close()
