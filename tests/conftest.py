"""Helpers shared by every test layer: a hub on a temporary SQLite file, an event-loop runner
(pytest-asyncio is not installed), ledger checks, and payment builders.

Test modules import the plain helpers with ``from testkit import ...``: the directories hold
no ``__init__.py``, so two ``conftest`` modules would shadow each other under that name; this
module registers itself once as ``testkit`` instead.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from lintas.bootstrap import Hub, HubConfig, build_hub
from lintas.domain.fx import Quote
from lintas.domain.money import CurrencyCode, Money
from lintas.domain.payment import Party, Payment, PaymentStatus, request_digest
from lintas.ports.clock import Clock
from lintas.ports.directory import Participant, Role
from lintas.ports.risk import RiskAssessor
from lintas.sandbox.region import Customer
from lintas.services.iso_gateway import IsoGateway
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.quoting import QuoteRequest

sys.modules.setdefault("testkit", sys.modules[__name__])

T = TypeVar("T")

#: Small enough to seed in well under a second, large enough to find rich and poor customers.
CUSTOMERS_PER_COUNTRY_TEST = 50


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh event loop."""
    return asyncio.run(coro)


def assert_ledgers_balance(hub: Hub) -> None:
    """Every ledger balances on disk (with a replay of its transfers) and in memory."""
    balances = hub.store.ledger_balances()
    assert balances, "no ledger at all"
    unbalanced = [b for b in balances if not b.balanced]
    assert not unbalanced, unbalanced
    hub.store.check_ledger_invariants()


def accounts_snapshot(db_path: Path) -> list[tuple[Any, ...]]:
    """Every account row, read through a separate read-only connection."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT * FROM accounts ORDER BY id").fetchall()
    finally:
        conn.close()


def table_count(db_path: Path, table: str) -> int:
    """How many rows ``table`` holds (read-only connection)."""
    assert table.isidentifier(), table
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def open_hub(
    db_path: Path, clock: Clock | None = None, risk: RiskAssessor | None = None, **config: Any
) -> Hub:
    """A sandbox hub on ``db_path`` (seeded on first open)."""
    config.setdefault("customers_per_country", CUSTOMERS_PER_COUNTRY_TEST)
    return build_hub(HubConfig(db_path=db_path, **config), clock, risk)


@pytest.fixture
def hub(store_kind: str, tmp_path: Path) -> Iterator[Hub]:
    """A fresh sandbox hub on its own SQLite file (or, for a test marked
    ``pgkit.ON_BOTH_STORES``, on each store in turn), closed after the test."""
    if store_kind == "sqlite":
        h = open_hub(tmp_path / "hub.db")
        try:
            yield h
        finally:
            h.close()
        return
    from pgkit import hub_in, kit_for  # Only tests on PostgreSQL need it.

    with kit_for(store_kind, tmp_path) as kit, hub_in(kit) as h:
        yield h


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """The store a test's ``hub`` is on: SQLite, unless the test is marked
    ``pgkit.ON_BOTH_STORES`` (then each in turn)."""
    return str(getattr(request, "param", "sqlite"))


def richest(hub: Hub, country: str) -> Customer:
    """The customer of ``country`` with the largest opening balance."""
    return max(hub.region.customers_of(country), key=lambda c: c.opening_balance.minor)


def poorest(hub: Hub, country: str) -> Customer:
    """The customer of ``country`` with the smallest opening balance."""
    return min(hub.region.customers_of(country), key=lambda c: c.opening_balance.minor)


def psp_of(customer: Customer) -> Participant:
    """The PSP participant holding ``customer``'s account."""
    return Participant(customer.psp_id, Role.PSP, customer.country)


def get_quote(hub: Hub, debtor: Customer, destination: str, amount: str) -> Quote:
    """The best quote the debtor's PSP gets for sending ``amount`` (source currency)."""
    src = hub.region.country(debtor.country)
    dst = hub.region.country(destination)
    request = QuoteRequest(
        source_country=src.code,
        source_currency=src.currency,
        destination_country=dst.code,
        destination_currency=dst.currency,
        amount_currency=src.currency,
        amount=amount,
    )
    return run(hub.quoting.quote(request, psp_of(debtor)))[0]


def payment_request(
    quote: Quote,
    debtor: Customer,
    creditor: Customer,
    *,
    uetr: str | None = None,
    creditor_account: str | None = None,
    creditor_name: str | None = None,
) -> PaymentRequest:
    """A request paying ``creditor`` from ``debtor`` against ``quote``."""
    return PaymentRequest(
        uetr=uetr or str(uuid.uuid4()),
        quote_id=quote.quote_id,
        debtor=PartyInput(debtor.name_latin, debtor.account, debtor.psp_id),
        creditor=PartyInput(
            creditor_name or creditor.name_latin,
            creditor_account or creditor.account,
            creditor.psp_id,
        ),
    )


def received_payment(
    quote: Quote, debtor: Customer, creditor: Customer, source: str, destination: str, at: datetime
) -> Payment:
    """A payment as the hub records it on receipt (before anything is reserved)."""
    d = quote.disclosure
    uetr = str(uuid.uuid4())
    return Payment(
        uetr=uetr,
        status=PaymentStatus.RECEIVED,
        reason=None,
        quote_id=quote.quote_id,
        fxp_id=quote.fxp_id,
        source_country=source,
        destination_country=destination,
        debtor=Party(debtor.name_latin, debtor.account, debtor.psp_id),
        creditor=Party(creditor.name_latin, creditor.account, creditor.psp_id),
        amount_debited=d.amount_debited,
        principal=d.principal,
        source_psp_fee=d.source_psp_fee,
        scheme_fee=d.scheme_fee,
        interbank_target=d.interbank_target,
        destination_psp_fee=d.destination_psp_fee,
        amount_credited=d.amount_credited,
        exchange_rate=str(quote.exchange_rate),
        request_digest=request_digest(uetr, quote.quote_id),
        created_at=at,
        updated_at=at,
    )


def gateway_of(hub: Hub, **options: Any) -> IsoGateway:
    """An ISO 20022 gateway on ``hub``'s services with other settings (``returns``,
    ``statement_page_entries`` ...) than the hub's own; without ``returns``, it takes none."""
    return IsoGateway(
        payments=hub.payments,
        quoting=hub.quoting,
        addressing=hub.addressing,
        reference=hub.reference,
        reader=hub.store,
        clock=hub.clock,
        **options,
    )


def every_rule_off(**changes: Any) -> dict[str, Any]:
    """Risk rules fields that switch every rule off, then ``changes`` (a test turns on the one
    rule it is about, and tunes it)."""
    switches: dict[str, Any] = {
        "sanctions_enabled": False,
        "signals_enabled": False,
        "velocity_enabled": False,
        "new_payee_enabled": False,
        "verification_enabled": False,
    }
    switches.update(changes)
    return switches


def _sgd(minor: int) -> Money:
    return Money(minor, CurrencyCode("SGD"))


def _thb(minor: int) -> Money:
    return Money(minor, CurrencyCode("THB"))


@pytest.fixture
def make_payment() -> Callable[..., Payment]:
    """Build a consistent SG -> TH payment (unit tests); keyword arguments override fields."""

    def build(**overrides: Any) -> Payment:
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        fields: dict[str, Any] = {
            "uetr": "7c4e3c1e-2b1a-4f7e-9b51-0e6a3c2d1f00",
            "status": PaymentStatus.RECEIVED,
            "reason": None,
            "quote_id": "q-1",
            "fxp_id": "FXP1",
            "source_country": "SG",
            "destination_country": "TH",
            "debtor": Party("Debtor", "1111", "PSPSGAAA"),
            "creditor": Party("Creditor", "2222", "PSPTHBBB"),
            "amount_debited": _sgd(10_000),
            "principal": _sgd(9_964),
            "source_psp_fee": _sgd(32),
            "scheme_fee": _sgd(4),
            "interbank_target": _thb(264_109),
            "destination_psp_fee": _thb(344),
            "amount_credited": _thb(263_765),
            "exchange_rate": "26.5",
            "request_digest": "d",
            "created_at": at,
            "updated_at": at,
        }
        fields.update(overrides)
        return Payment(**fields)

    return build
