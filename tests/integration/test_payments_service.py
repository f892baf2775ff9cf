"""The payments service on a real store: a payment settles, refuses, retries and races.

Tests taking ``hub_on`` run once on SQLite and once on PostgreSQL (``pgkit.kit``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from testkit import (  # type: ignore[import-not-found]
    accounts_snapshot,
    assert_ledgers_balance,
    get_quote,
    open_hub,
    payment_request,
    poorest,
    psp_of,
    richest,
    run,
    table_count,
)

from lintas.bootstrap import Hub
from lintas.domain import settlement
from lintas.domain.errors import Conflict, InputInvalid, ReasonCode, Refused, Unavailable
from lintas.domain.fx import QUOTE_TTL_S_DEFAULT
from lintas.domain.ledger import TransferFlags
from lintas.domain.money import Money
from lintas.domain.payment import Payment, PaymentStatus
from lintas.ports.clock import FixedClock
from lintas.sandbox.region import Customer
from lintas.services import payments as payments_module
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.quoting import QuoteRequest
from pgkit import StoreKit, hub_in  # type: ignore[import-not-found]


def _net(hub: Hub, account_id: int) -> int:
    """Credits posted less debits posted: what the account holds."""
    balance = hub.store.account_balance(account_id)
    assert balance is not None, account_id
    assert balance.debits_pending == balance.credits_pending == 0, balance
    return balance.credits_posted - balance.debits_posted


def _accounts_of(hub: Hub, p: Payment) -> dict[str, int]:
    src, dst = p.source_country, p.destination_country
    return {
        "debtor": settlement.customer_account_id(src, p.debtor.agent, p.debtor.account),
        "creditor": settlement.customer_account_id(dst, p.creditor.agent, p.creditor.account),
        "fxp_source": settlement.fxp_account_id(p.fxp_id, src),
        "fxp_destination": settlement.fxp_account_id(p.fxp_id, dst),
        "source_psp_fee": settlement.psp_fee_account_id(p.debtor.agent, src),
        "scheme_fee": settlement.scheme_fee_account_id(src),
        "destination_psp_fee": settlement.psp_fee_account_id(p.creditor.agent, dst),
    }


@pytest.mark.parametrize(
    ("source", "destination", "amount"), [("SG", "TH", "100.00"), ("TH", "VN", "2500.00")]
)
def test_a_payment_settles_and_moves_exactly_the_disclosed_amounts_on_both_ledgers(
    hub_on: Hub, source: str, destination: str, amount: str
) -> None:
    hub = hub_on
    debtor, creditor = richest(hub, source), richest(hub, destination)
    quote = get_quote(hub, debtor, destination, amount)
    d = quote.disclosure
    assert d.amount_debited.minor == (
        d.principal.minor + d.source_psp_fee.minor + d.scheme_fee.minor
    )
    assert d.interbank_target.minor == d.amount_credited.minor + d.destination_psp_fee.minor
    request = payment_request(quote, debtor, creditor)
    ids = {
        "debtor": settlement.customer_account_id(source, debtor.psp_id, debtor.account),
        "creditor": settlement.customer_account_id(destination, creditor.psp_id, creditor.account),
        "fxp_source": settlement.fxp_account_id(quote.fxp_id, source),
        "fxp_destination": settlement.fxp_account_id(quote.fxp_id, destination),
        "source_psp_fee": settlement.psp_fee_account_id(debtor.psp_id, source),
        "scheme_fee": settlement.scheme_fee_account_id(source),
        "destination_psp_fee": settlement.psp_fee_account_id(creditor.psp_id, destination),
    }
    before = {name: _net(hub, i) for name, i in ids.items()}

    payment = run(hub.payments.submit(request, psp_of(debtor)))

    assert payment.status is PaymentStatus.SETTLED and payment.iso_status == "ACCC"
    assert payment.reason is None
    assert _accounts_of(hub, payment) == ids
    after = {name: _net(hub, i) for name, i in ids.items()}
    assert {name: after[name] - before[name] for name in ids} == {
        "debtor": -d.amount_debited.minor,
        "creditor": d.amount_credited.minor,
        "fxp_source": d.principal.minor,
        "fxp_destination": -d.interbank_target.minor,
        "source_psp_fee": d.source_psp_fee.minor,
        "scheme_fee": d.scheme_fee.minor,
        "destination_psp_fee": d.destination_psp_fee.minor,
    }
    assert hub.store.payment(request.uetr) == payment
    assert hub.store.payments(agent=debtor.psp_id, limit=1) == [payment]
    transfers = hub.store.transfers_of(request.uetr)
    pending = [t for t in transfers if t.flags & TransferFlags.PENDING]
    posts = [t for t in transfers if t.flags & TransferFlags.POST_PENDING_TRANSFER]
    assert sorted(p.pending_id for p in posts) == sorted(t.id for t in pending)
    assert len(transfers) == 2 * len(pending)
    assert_ledgers_balance(hub)


def test_payments_accepted_in_the_same_millisecond_each_read_back_only_their_own_transfers(
    kit: StoreKit,
) -> None:
    # A payment's transfers are read by the id range of its acceptance millisecond (there is
    # no index on the UETR): with the clock standing still, every payment shares that range.
    clock = FixedClock(datetime.now(UTC))
    with hub_in(kit, clock=clock) as hub:
        debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
        requests = [
            payment_request(get_quote(hub, debtor, "TH", amount), debtor, creditor)
            for amount in ("10.00", "20.00", "30.00")
        ]
        payments = [run(hub.payments.submit(r, psp_of(debtor))) for r in requests]
        assert {p.status for p in payments} == {PaymentStatus.SETTLED}
        assert len({settlement.transfer_id_span(p) for p in payments}) == 1
        seen: set[int] = set()
        for payment in payments:
            transfers = hub.store.transfers_of(payment.uetr)
            legs = settlement.payment_legs(payment)
            assert {t.user_data for t in transfers} == {payment.uetr}
            assert {t.id for t in transfers} == {t.id for t in (*legs.pending, *legs.post_chain())}
            assert seen.isdisjoint(t.id for t in transfers)
            seen.update(t.id for t in transfers)
        assert hub.store.transfers_of("00000000-0000-4000-8000-000000000000") == []
        assert_ledgers_balance(hub)


def submitted_moving_nothing(
    hub: Hub, kit: StoreKit, request: PaymentRequest, debtor: Customer
) -> Payment:
    """Submit ``request`` from ``debtor``'s PSP; check that no balance moved, no transfer was
    written and every ledger still balances."""
    before = kit.accounts_snapshot()
    payment: Payment = run(hub.payments.submit(request, psp_of(debtor)))
    assert kit.accounts_snapshot() == before
    assert hub.store.transfers_of(request.uetr) == []
    assert_ledgers_balance(hub)
    return payment


def test_insufficient_funds_are_rejected_am04_and_no_balance_moves(
    kit: StoreKit, hub_on: Hub
) -> None:
    hub = hub_on
    debtor, creditor = poorest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "10000.00")
    assert quote.disclosure.amount_debited.minor > debtor.opening_balance.minor
    request = payment_request(quote, debtor, creditor)

    payment = submitted_moving_nothing(hub, kit, request, debtor)

    assert payment.status is PaymentStatus.REJECTED and payment.iso_status == "RJCT"
    assert payment.reason is ReasonCode.AM04
    assert hub.store.payment(request.uetr) == payment


def test_an_unknown_creditor_account_is_rejected_ac01_and_no_balance_moves(
    kit: StoreKit, hub_on: Hub
) -> None:
    hub = hub_on
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "10.00")
    request = payment_request(quote, debtor, creditor, creditor_account="0000000001")

    payment = submitted_moving_nothing(hub, kit, request, debtor)

    assert payment.status is PaymentStatus.REJECTED and payment.reason is ReasonCode.AC01


def test_the_same_uetr_with_the_same_content_returns_the_payment_and_moves_nothing_twice(
    kit: StoreKit, hub_on: Hub
) -> None:
    hub = hub_on
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    request = payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor)
    first = run(hub.payments.submit(request, psp_of(debtor)))
    after_first = kit.accounts_snapshot()
    transfers = hub.store.transfers_of(request.uetr)

    again = run(hub.payments.submit(request, psp_of(debtor)))

    assert first.status is PaymentStatus.SETTLED
    assert again == first
    assert kit.accounts_snapshot() == after_first
    assert hub.store.transfers_of(request.uetr) == transfers
    assert_ledgers_balance(hub)


def test_the_same_uetr_with_other_content_is_a_dupl_conflict_and_moves_nothing(
    kit: StoreKit, hub_on: Hub
) -> None:
    hub = hub_on
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    request = payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor)
    first = run(hub.payments.submit(request, psp_of(debtor)))
    after_first = kit.accounts_snapshot()
    other = payment_request(
        get_quote(hub, debtor, "TH", "10.00"),
        debtor,
        creditor,
        uetr=request.uetr,
        creditor_name="Somebody Else",
    )

    with pytest.raises(Conflict) as e:
        run(hub.payments.submit(other, psp_of(debtor)))

    assert e.value.code is ReasonCode.DUPL
    assert hub.store.payment(request.uetr) == first
    assert kit.accounts_snapshot() == after_first
    assert_ledgers_balance(hub)


def test_concurrent_submissions_of_one_uetr_pay_once(hub_on: Hub) -> None:
    hub = hub_on
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "10.00")
    request = payment_request(quote, debtor, creditor)
    debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
    before = _net(hub, debtor_id)

    async def race(r: PaymentRequest) -> list[Payment]:
        return await asyncio.gather(*(hub.payments.submit(r, psp_of(debtor)) for _ in range(8)))

    results = run(race(request))

    assert all(p == results[0] for p in results)
    assert results[0].status is PaymentStatus.SETTLED
    assert before - _net(hub, debtor_id) == quote.disclosure.amount_debited.minor
    legs = settlement.payment_legs(results[0])
    assert len(hub.store.transfers_of(request.uetr)) == 2 * len(legs.pending)
    assert_ledgers_balance(hub)


def test_an_expired_quote_is_refused_qtex_and_nothing_is_written(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    clock = FixedClock(datetime.now(UTC))
    hub = open_hub(db, clock)
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
        quote = get_quote(hub, debtor, "TH", "10.00")
        request = payment_request(quote, debtor, creditor)
        before = accounts_snapshot(db)
        clock.advance(QUOTE_TTL_S_DEFAULT + 1)

        with pytest.raises(Refused) as e:
            run(hub.payments.submit(request, psp_of(debtor)))

        assert e.value.reason == "quote_expired" and e.value.code is ReasonCode.QTEX
        assert hub.store.payment(request.uetr) is None
        assert table_count(db, "payments") == 0
        assert accounts_snapshot(db) == before
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_quote_still_within_its_lifetime_pays(tmp_path: Path) -> None:
    clock = FixedClock(datetime.now(UTC))
    hub = open_hub(tmp_path / "hub.db", clock)
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
        request = payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor)
        clock.advance(QUOTE_TTL_S_DEFAULT - 1)
        payment = run(hub.payments.submit(request, psp_of(debtor)))
        assert payment.status is PaymentStatus.SETTLED
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_an_amount_over_the_ips_cap_is_refused_am02_when_quoting(hub: Hub) -> None:
    debtor = richest(hub, "SG")
    cap = hub.region.country("SG").ips.amount_max
    over = Money(cap.minor + 1, cap.currency).format()
    quotes_before = table_count(hub.config.db_path, "quotes")
    request = QuoteRequest("SG", "SGD", "TH", "THB", "SGD", over)

    with pytest.raises(Refused) as e:
        run(hub.quoting.quote(request, psp_of(debtor)))

    assert e.value.code is ReasonCode.AM02 and e.value.reason == "amount_over_limit"
    assert table_count(hub.config.db_path, "quotes") == quotes_before


def test_the_status_of_a_final_payment_is_answered_without_reading_the_store(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    debtor, creditor = richest(hub, "SG"), richest(hub, "VN")
    request = payment_request(get_quote(hub, debtor, "VN", "10.00"), debtor, creditor)
    paid = run(hub.payments.submit(request, psp_of(debtor)))
    assert paid.status is PaymentStatus.SETTLED
    reads: list[str] = []
    read = hub.store.payment

    def counted(uetr: str) -> Payment | None:
        reads.append(uetr)
        return read(uetr)

    monkeypatch.setattr(hub.store, "payment", counted)
    assert hub.payments.status(request.uetr, psp_of(debtor)) == paid
    assert run(hub.payments.submit(request, psp_of(debtor))) == paid  # A retry, too.
    assert reads == []
    assert hub.store.payment(request.uetr) == paid  # The store agrees with what was served.
    assert_ledgers_balance(hub)


def test_a_concurrent_submission_of_a_uetr_in_flight_with_other_content_is_dupl(
    kit: StoreKit, hub_on: Hub
) -> None:
    # The second arrives while the first is still in the writer: it is told apart from a
    # retry by its content alone, and refused without waiting for the first.
    hub = hub_on
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    request = payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor)
    other = payment_request(
        get_quote(hub, debtor, "TH", "10.00"), debtor, creditor, uetr=request.uetr
    )

    async def race() -> list[Payment | BaseException]:
        return await asyncio.gather(
            hub.payments.submit(request, psp_of(debtor)),
            hub.payments.submit(other, psp_of(debtor)),
            return_exceptions=True,
        )

    first, second = run(race())

    assert isinstance(first, Payment) and first.status is PaymentStatus.SETTLED
    assert isinstance(second, Conflict) and second.code is ReasonCode.DUPL
    assert hub.store.payment(request.uetr) == first
    assert len(hub.store.transfers_of(request.uetr)) == 2 * len(
        settlement.payment_legs(first).pending
    )
    assert_ledgers_balance(hub)


def test_payments_beyond_the_in_flight_bound_are_refused_503_and_write_nothing(
    kit: StoreKit, hub_on: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = hub_on
    monkeypatch.setattr(payments_module, "IN_FLIGHT_MAX", 1)
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    requests = [
        payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor) for _ in range(2)
    ]

    async def both() -> list[Payment | BaseException]:
        return await asyncio.gather(
            *(hub.payments.submit(r, psp_of(debtor)) for r in requests), return_exceptions=True
        )

    first, second = run(both())

    assert isinstance(first, Payment) and first.status is PaymentStatus.SETTLED
    assert isinstance(second, Unavailable) and second.reason == "too_many_payments_in_flight"
    assert hub.store.payment(requests[1].uetr) is None
    assert hub.store.transfers_of(requests[1].uetr) == []
    # Refused before anything was remembered: the same request is accepted once there is room.
    again = run(hub.payments.submit(requests[1], psp_of(debtor)))
    assert again.status is PaymentStatus.SETTLED
    assert_ledgers_balance(hub)


def test_a_creditor_agent_outside_the_destination_is_refused_rc01_and_nothing_is_written(
    kit: StoreKit, hub_on: Hub
) -> None:
    hub = hub_on
    debtor, creditor, elsewhere = richest(hub, "SG"), richest(hub, "TH"), richest(hub, "MY")
    request = payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor)
    misdirected = replace(
        request,
        creditor=PartyInput(creditor.name_latin, creditor.account, elsewhere.psp_id),
    )
    before = kit.accounts_snapshot()

    with pytest.raises(InputInvalid) as e:
        run(hub.payments.submit(misdirected, psp_of(debtor)))

    assert e.value.reason == "creditor_agent_not_in_destination"
    assert e.value.code is ReasonCode.RC01 and e.value.field == "creditor.agent"
    assert hub.store.payment(request.uetr) is None
    assert kit.accounts_snapshot() == before
    # The UETR stays free: the corrected request pays.
    assert run(hub.payments.submit(request, psp_of(debtor))).status is PaymentStatus.SETTLED


def test_a_retry_after_the_quote_expired_returns_the_payment_made_while_it_was_fresh(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    clock = FixedClock(datetime.now(UTC))
    hub = open_hub(db, clock)
    try:
        debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
        request = payment_request(get_quote(hub, debtor, "TH", "10.00"), debtor, creditor)
        first = run(hub.payments.submit(request, psp_of(debtor)))
        after_first = accounts_snapshot(db)
        clock.advance(QUOTE_TTL_S_DEFAULT + 1)

        again = run(hub.payments.submit(request, psp_of(debtor)))

        assert first.status is PaymentStatus.SETTLED and again == first
        assert accounts_snapshot(db) == after_first
        assert_ledgers_balance(hub)
    finally:
        hub.close()
