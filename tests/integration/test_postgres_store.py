"""The PostgreSQL store against a real server, and the same store tests on SQLite beside it.

Tests taking ``kit`` or ``hub_on`` run once per store (``pgkit.kit``): what SQLite does,
PostgreSQL does alike. Tests taking ``postgres_url`` are about PostgreSQL alone. Each gets a
fresh database, dropped afterwards; without a server they skip (fail in CI), see ``pgkit``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from testkit import (  # type: ignore[import-not-found]
    assert_ledgers_balance,
    get_quote,
    payment_request,
    poorest,
    psp_of,
    received_payment,
    richest,
    run,
)

from lintas.adapters.postgres.connections import StoreUnreachable
from lintas.adapters.postgres.migrations import MIGRATIONS, StoreFromANewerLintas, migrate
from lintas.adapters.postgres.store import PostgresStore, PostgresStoreConfig, StoreInUse
from lintas.adapters.postgres.url import redacted
from lintas.bootstrap import SANDBOX_DATA_VERSION, Hub, HubConfig, db_location
from lintas.domain import settlement
from lintas.domain.errors import InputInvalid, LintasError, ReasonCode
from lintas.domain.ledger import (
    CreateTransferResult,
    InvariantBroken,
    PendingState,
    Transfer,
    TransferFlags,
)
from lintas.domain.payment import Payment, PaymentStatus, transition
from lintas.ports.clock import SystemClock
from lintas.ports.store import WriteCommand
from lintas.services.payments import PaymentRequest
from pgkit import (  # type: ignore[import-not-found]
    SCHEMA,
    PostgresKit,
    StoreKit,
    connection,
)

#: How long a test waits at most for the writer to act on an expiry.
EXPIRY_WAIT_S_MAX = 10.0
#: Transfers kept in memory by the eviction test: far fewer than its payments write.
KEEP = 8


def _reserve_without_posting(hub: Hub, timeout_s: int) -> Payment:
    """Drive the writer directly: reserve an SG -> TH payment's legs and never post them."""
    debtor, creditor = richest(hub, "SG"), richest(hub, "TH")
    quote = get_quote(hub, debtor, "TH", "100.00")
    payment = received_payment(quote, debtor, creditor, "SG", "TH", hub.clock.now())
    chain = settlement.payment_legs(payment, timeout_s).reserve_chain()

    def decide(results: Sequence[CreateTransferResult]) -> Payment:
        return transition(payment, PaymentStatus.RESERVED, hub.clock.now())

    outcome = hub.store.submit(WriteCommand(transfers=chain, decide=decide)).result(timeout=30)
    assert outcome.transfer_results == (CreateTransferResult.ok,) * len(chain)
    stored = hub.store.payment(payment.uetr)
    assert stored is not None and stored.status is PaymentStatus.RESERVED
    return stored


def _wait_for_status(hub: Hub, uetr: str, status: PaymentStatus) -> Payment:
    deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
    while True:
        payment = hub.store.payment(uetr)
        assert payment is not None
        if payment.status is status or time.monotonic() > deadline:
            return payment
        time.sleep(0.05)


def _net(hub: Hub, account_id: int) -> int:
    balance = hub.store.account_balance(account_id)
    assert balance is not None, account_id
    assert balance.debits_pending == balance.credits_pending == 0, balance
    return balance.credits_posted - balance.debits_posted


def _pay(hub: Hub, source: str, destination: str, amount: str) -> tuple[PaymentRequest, Payment]:
    debtor, creditor = richest(hub, source), richest(hub, destination)
    request = payment_request(get_quote(hub, debtor, destination, amount), debtor, creditor)
    return request, run(hub.payments.submit(request, psp_of(debtor)))


# -- on both stores --------------------------------------------------------------------------


def test_a_fresh_hub_is_seeded_and_every_ledger_balances_from_the_start(hub_on: Hub) -> None:
    balances = hub_on.store.ledger_balances()
    assert {b.country for b in balances} == {c.code for c in hub_on.region.countries}
    assert all(b.debits_posted > 0 for b in balances)
    assert_ledgers_balance(hub_on)


def test_two_records_of_one_payment_in_one_batch_keep_the_later(hub_on: Hub) -> None:
    debtor, creditor = richest(hub_on, "SG"), richest(hub_on, "TH")
    quote = get_quote(hub_on, debtor, "TH", "10.00")
    received = received_payment(quote, debtor, creditor, "SG", "TH", hub_on.clock.now())
    rejected = transition(received, PaymentStatus.REJECTED, hub_on.clock.now(), ReasonCode.AM04)

    hub_on.store.submit(WriteCommand(payments=[received, rejected])).result(timeout=30)

    assert hub_on.store.payment(received.uetr) == rejected
    assert_ledgers_balance(hub_on)


def test_reserved_legs_that_are_never_posted_time_out_and_the_payment_is_rejected_ab03(
    kit: StoreKit,
) -> None:
    hub = kit.open_hub(payment_timeout_s=1)
    try:
        # Quote first (it writes a row), then compare balances around the reservation only.
        debtor = richest(hub, "SG")
        get_quote(hub, debtor, "TH", "1.00")
        before = kit.accounts_snapshot()
        reserved = _reserve_without_posting(hub, timeout_s=1)
        debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
        held = hub.store.account_balance(debtor_id)
        assert held is not None and held.debits_pending == reserved.amount_debited.minor

        final = _wait_for_status(hub, reserved.uetr, PaymentStatus.REJECTED)

        assert final.status is PaymentStatus.REJECTED and final.reason is ReasonCode.AB03
        assert kit.accounts_snapshot() == before
        transfers = hub.store.transfers_of(reserved.uetr)
        assert not any(t.flags & TransferFlags.POST_PENDING_TRANSFER for t in transfers)
        assert kit.table_count("pending_expiries") == len(
            [t for t in transfers if t.flags & TransferFlags.PENDING]
        )
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_restart_rebuilds_the_ledger_and_recover_voids_a_reserved_payment_ab04(
    kit: StoreKit,
) -> None:
    hub = kit.open_hub()
    try:
        settled_request, settled = _pay(hub, "SG", "TH", "25.00")
        assert settled.status is PaymentStatus.SETTLED
        before_reserve = kit.accounts_snapshot()
        reserved = _reserve_without_posting(hub, timeout_s=settlement.PAYMENT_TIMEOUT_S_DEFAULT)
        balances_at_close = hub.store.ledger_balances()
        rows_at_close = kit.accounts_snapshot()
    finally:
        hub.close()  # As a crash would leave it: the payment reserved, never posted.

    hub = kit.open_hub()
    try:
        assert hub.store.ledger_balances() == balances_at_close
        assert kit.accounts_snapshot() == rows_at_close
        debtor = richest(hub, "SG")
        debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
        in_memory = hub.store.in_memory_account(debtor_id)
        on_disk = hub.store.account_balance(debtor_id)
        assert in_memory is not None and on_disk is not None
        assert in_memory.debits_pending == reserved.amount_debited.minor
        assert (in_memory.debits_pending, in_memory.debits_posted, in_memory.credits_posted) == (
            on_disk.debits_pending,
            on_disk.debits_posted,
            on_disk.credits_posted,
        )

        run(hub.start())

        assert hub.recovered == 1
        voided = hub.store.payment(reserved.uetr)
        assert voided is not None
        assert voided.status is PaymentStatus.REJECTED and voided.reason is ReasonCode.AB04
        assert kit.accounts_snapshot() == before_reserve
        assert run(hub.payments.recover()) == 0
        # Settled before the restart, still settled; its retry moves nothing.
        assert run(hub.payments.submit(settled_request, psp_of(debtor))) == settled
        assert kit.accounts_snapshot() == before_reserve
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_old_transfers_are_evicted_and_read_back_exactly_across_a_restart(kit: StoreKit) -> None:
    hub = kit.open_hub(transfers_in_memory_max=KEEP)
    try:
        paid = [_pay(hub, "SG", "PH", "12.50") for _ in range(5)]
        assert all(p.status is PaymentStatus.SETTLED for _, p in paid)
        assert hub.store.stats.transfers_evicted > 0
    finally:
        hub.close()

    hub = kit.open_hub(transfers_in_memory_max=KEEP)
    try:
        # The oldest payment's transfers are read back from the store: replaying changes nothing.
        legs = settlement.payment_legs(paid[0][1])
        replay = hub.store.submit(WriteCommand(transfers=legs.reserve_chain())).result(30)
        assert replay.transfer_results[0] is CreateTransferResult.exists
        void = hub.store.submit(WriteCommand(transfers=legs.voids()[:1])).result(30)
        assert void.transfer_results == (CreateTransferResult.pending_transfer_already_posted,)
        assert run(hub.payments.submit(paid[0][0], psp_of(richest(hub, "SG")))) == paid[0][1]
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def _sg_transfer(hub: Hub, tid: int, amount: int, *, from_poorest: bool = True) -> Transfer:
    """A principal transfer between SG's poorest and richest customers (either way)."""
    poor, rich = poorest(hub, "SG"), richest(hub, "SG")
    poor_id = settlement.customer_account_id("SG", poor.psp_id, poor.account)
    rich_id = settlement.customer_account_id("SG", rich.psp_id, rich.account)
    debit, credit = (poor_id, rich_id) if from_poorest else (rich_id, poor_id)
    return Transfer(
        id=tid,
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        ledger=settlement.ledger_id("SG"),
        code=settlement.TransferCode.PRINCIPAL,
    )


def test_a_refused_transfer_retried_after_a_restart_gets_its_original_refusal(
    kit: StoreKit,
) -> None:
    hub = kit.open_hub()
    try:
        poor, rich = poorest(hub, "SG"), richest(hub, "SG")
        poor_id = settlement.customer_account_id("SG", poor.psp_id, poor.account)
        rich_id = settlement.customer_account_id("SG", rich.psp_id, rich.account)
        too_much = _sg_transfer(hub, 424242, poor.opening_balance.minor + 1)
        first = hub.store.submit(WriteCommand(transfers=[too_much])).result(30)
        assert first.transfer_results == (CreateTransferResult.exceeds_credits,)
    finally:
        hub.close()
    hub = kit.open_hub()
    try:
        # A restart keeps no refusal in memory: the retry reads it back from the store.
        assert hub.store._ledger.refusals_in_memory() == 0
        # Funded now, the same transfer would succeed if it were evaluated again.
        funding = replace(too_much, id=434343, debit_account_id=rich_id, credit_account_id=poor_id)
        funded = hub.store.submit(WriteCommand(transfers=[funding])).result(30)
        assert funded.transfer_results == (CreateTransferResult.ok,)
        retry = hub.store.submit(WriteCommand(transfers=[too_much])).result(30)
        assert retry.transfer_results == (CreateTransferResult.exceeds_credits,)
        other = replace(too_much, amount=1)
        changed = hub.store.submit(WriteCommand(transfers=[other])).result(30)
        assert changed.transfer_results == (CreateTransferResult.id_already_failed,)
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_refusals_beyond_the_memory_bound_are_read_back_from_the_store(kit: StoreKit) -> None:
    hub = kit.open_hub(transfers_in_memory_max=2)
    try:
        opening = poorest(hub, "SG").opening_balance.minor
        too_much = [_sg_transfer(hub, 525250 + i, opening + 1 + i) for i in range(5)]
        for t in too_much:  # One batch each: the writer evicts after every batch.
            done = hub.store.submit(WriteCommand(transfers=[t])).result(30)
            assert done.transfer_results == (CreateTransferResult.exceeds_credits,)
        assert hub.store._ledger.refusals_in_memory() <= 2
        assert kit.table_count("transfers_refused") == 5
        for t in too_much:
            retry = hub.store.submit(WriteCommand(transfers=[t])).result(30)
            assert retry.transfer_results == (CreateTransferResult.exceeds_credits,)
        assert kit.table_count("transfers_refused") == 5
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def _settle(hub: Hub, transfers: list[Transfer]) -> None:
    done = hub.store.submit(WriteCommand(transfers=transfers)).result(30)
    assert done.transfer_results == (CreateTransferResult.ok,) * len(transfers), done


def _wait_for_pending_state(hub: Hub, pending_id: int, state: PendingState) -> None:
    deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
    while hub.store._ledger.pending_state(pending_id) is not state:
        assert time.monotonic() < deadline, f"{pending_id} never became {state}"
        time.sleep(0.05)


def test_reservations_live_across_restarts_are_resolved_later_and_every_start_checks_out(
    kit: StoreKit,
) -> None:
    # Each start checks the balances against the log after the last start's check only
    # (``adapters.log_checkpoint``): reservations from before it, resolved after it, must
    # come out as the whole log says.
    hub = kit.open_hub()
    try:
        blank = _sg_transfer(hub, 1, 1, from_poorest=False)
        held = [
            replace(blank, id=626260 + i, amount=100 + i, flags=TransferFlags.PENDING)
            for i in range(4)
        ]
        # The third expires two seconds after it was made, while the next hub runs.
        held[2] = replace(held[2], timeout_s=2)
        _settle(hub, held)
    finally:
        hub.close()

    hub = kit.open_hub()
    try:
        flags = TransferFlags
        post = replace(blank, amount=50, flags=flags.POST_PENDING_TRANSFER)  # Partial.
        void = replace(blank, amount=0, flags=flags.VOID_PENDING_TRANSFER)
        _settle(hub, [replace(post, id=626270, pending_id=held[0].id)])
        _settle(hub, [replace(void, id=626271, pending_id=held[1].id)])
        _wait_for_pending_state(hub, held[2].id, PendingState.expired)
        assert_ledgers_balance(hub)
    finally:
        hub.close()

    hub = kit.open_hub()
    try:
        states = [hub.store._ledger.pending_state(t.id) for t in held]
        assert states == [
            PendingState.posted,
            PendingState.voided,
            PendingState.expired,
            PendingState.pending,
        ]
        assert_ledgers_balance(hub)
        _settle(hub, [replace(post, id=626272, amount=0, pending_id=held[3].id)])
    finally:
        hub.close()

    hub = kit.open_hub()
    try:
        assert hub.store._ledger.pending_state(held[3].id) is PendingState.posted
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_reservation_that_expired_as_the_newest_transfer_stays_expired_after_a_restart(
    kit: StoreKit,
) -> None:
    # The newest transfer is kept in memory at a start (the ledger's clock goes on from
    # it); whether it expired is looked up for it alone. Were it restored live, its amount
    # would be released a second time when it expired again.
    hub = kit.open_hub()
    try:
        pending = replace(
            _sg_transfer(hub, 1, 1, from_poorest=False),
            id=727270,
            amount=250,
            flags=TransferFlags.PENDING,
            timeout_s=1,
        )
        _settle(hub, [pending])
        _wait_for_pending_state(hub, pending.id, PendingState.expired)
    finally:
        hub.close()
    after_expiry = kit.accounts_snapshot()

    hub = kit.open_hub()
    try:
        assert pending.id in hub.store._ledger._transfers, "kept at the start, not read back"
        assert hub.store._ledger.pending_state(pending.id) is PendingState.expired
        post = replace(pending, id=727271, flags=TransferFlags.POST_PENDING_TRANSFER)
        done = hub.store.submit(
            WriteCommand(transfers=[replace(post, pending_id=pending.id, timeout_s=0)])
        ).result(30)
        assert done.transfer_results == (CreateTransferResult.pending_transfer_expired,)
        time.sleep(1.5)  # Past the reservation's timeout once more: nothing expires again.
        assert kit.accounts_snapshot() == after_expiry
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def _wait_for_log_checkpoints(hub: Hub, count: int) -> None:
    deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
    while hub.store.stats.log_checkpoints < count:
        assert time.monotonic() < deadline, "no log checkpoint was taken"
        time.sleep(0.05)


def test_a_running_hub_checkpoints_the_log_so_a_restart_replays_only_what_came_after(
    kit: StoreKit,
) -> None:
    hub = kit.open_hub(log_checkpoint_interval_s=0.2)
    try:
        paid = [_pay(hub, "SG", "TH", "7.00")[1] for _ in range(3)]
        assert all(p.status is PaymentStatus.SETTLED for p in paid)
        _wait_for_log_checkpoints(hub, 1)
        taken = hub.store._log_checkpoint
        assert taken is not None and hub.store.stats.log_checks_failed == 0
        _pay(hub, "MY", "PH", "30.00")
        _wait_for_log_checkpoints(hub, 2)
        later = hub.store._log_checkpoint
        assert later is not None and later.transfers_upto > taken.transfers_upto
        assert later.live_pending == frozenset()
    finally:
        hub.close()
    hub = kit.open_hub(log_checkpoint_interval_s=0)
    try:
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_a_balance_changed_while_the_hub_runs_is_reported_and_no_checkpoint_kept(
    kit: StoreKit, caplog: pytest.LogCaptureFixture
) -> None:
    hub = kit.open_hub(log_checkpoint_interval_s=0.2)
    try:
        _pay(hub, "SG", "TH", "7.00")
        _wait_for_log_checkpoints(hub, 1)
        kept = hub.store._log_checkpoint
        rich = richest(hub, "PH")
        rich_id = settlement.customer_account_id("PH", rich.psp_id, rich.account)
        kit.add_to_credits_posted(rich_id, 1)
        _pay(hub, "SG", "TH", "8.00")  # Something new to check.
        deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
        while hub.store.stats.log_checks_failed == 0:
            assert time.monotonic() < deadline, "the changed balance was never reported"
            time.sleep(0.05)
        assert hub.store._log_checkpoint == kept
        assert "hold balances their transfers do not give" in caplog.text
    finally:
        hub.close()
    with pytest.raises(InvariantBroken):
        kit.open_hub()


def _tamper_add_one(kit: StoreKit, a: int, b: int) -> None:
    kit.add_to_credits_posted(a, 1)


def _tamper_move_one(kit: StoreKit, a: int, b: int) -> None:
    # The ledger's totals still balance: only the replay of the transfers can tell.
    kit.add_to_credits_posted(a, 1)
    kit.add_to_credits_posted(b, -1)


def _tampered(kit: StoreKit, tamper: object, *, restarts_before: int = 0) -> None:
    hub = kit.open_hub()
    rich, other = richest(hub, "SG"), hub.region.customers_of("SG")[0]
    hub.close()
    for _ in range(restarts_before):  # Each start checks the log up to its end first.
        kit.open_hub().close()
    assert callable(tamper)
    tamper(
        kit,
        settlement.customer_account_id("SG", rich.psp_id, rich.account),
        settlement.customer_account_id("SG", other.psp_id, other.account),
    )


@pytest.mark.parametrize("restarts_before", [0, 2])
@pytest.mark.parametrize("tamper", [_tamper_add_one, _tamper_move_one])
def test_a_balance_changed_behind_the_ledgers_back_is_reported_and_the_hub_refuses_to_open(
    kit: StoreKit, tamper: object, restarts_before: int
) -> None:
    # With restarts before the change, the balances changed were all checked by an earlier
    # start (SQLite then replays only the log after it, ``log_replay``): still refused.
    _tampered(kit, tamper, restarts_before=restarts_before)

    with pytest.raises(InvariantBroken):
        kit.open_hub()

    if isinstance(kit, PostgresKit):
        # A reader of the store, without a writer, reports what reconciliation sees.
        reader = PostgresStore(PostgresStoreConfig(url=kit.url), SystemClock())
        try:
            balances = {b.country: b for b in reader.ledger_balances()}
        finally:
            reader.close()
        assert not balances["SG"].balanced and balances["SG"].flag_violations >= 1
        assert all(b.balanced for country, b in balances.items() if country != "SG")


def test_a_store_made_by_another_version_of_lintas_is_refused_with_a_clear_reason(
    kit: StoreKit,
) -> None:
    kit.open_hub().close()
    signature = kit.meta("sandbox_seed")
    assert signature is not None and signature.endswith(SANDBOX_DATA_VERSION)
    older = signature.removesuffix(SANDBOX_DATA_VERSION) + "v2-merchants"
    kit.set_meta("sandbox_seed", older)

    with pytest.raises(LintasError) as refused:
        kit.open_hub()

    assert refused.value.reason == "store_seeded_differently"
    message = refused.value.message
    assert "v2-merchants" in message and "another version of Lintas" in message
    assert "--db" in message
    assert kit.meta("sandbox_seed") == older  # Refused before anything was written.


# -- PostgreSQL alone --------------------------------------------------------------------------


def test_migrations_are_applied_once_in_their_own_schema_and_reopening_applies_none(
    postgres_url: str, tmp_path: Path
) -> None:
    kit = PostgresKit(postgres_url, tmp_path / "side.db")
    kit.open_hub().close()
    with connection(postgres_url) as conn:
        recorded = conn.execute(
            "SELECT version, name, applied_at_ns FROM schema_migrations ORDER BY version"
        ).fetchall()
        assert [(v, n) for v, n, _ in recorded] == [(v, n) for v, n, _ in MIGRATIONS]
        assert migrate(conn, SCHEMA) == []
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (SCHEMA,),
        ).fetchall()
        in_public = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert {"accounts", "transfers", "payments", "schema_migrations"} <= {t for (t,) in tables}
    assert in_public == (0,)
    kit.open_hub().close()
    with connection(postgres_url) as conn:
        again = conn.execute(
            "SELECT version, name, applied_at_ns FROM schema_migrations ORDER BY version"
        ).fetchall()
    assert again == recorded


def test_a_schema_migrated_by_a_newer_lintas_is_refused(postgres_url: str, tmp_path: Path) -> None:
    kit = PostgresKit(postgres_url, tmp_path / "side.db")
    kit.open_hub().close()
    with connection(postgres_url) as conn:
        conn.execute(
            "INSERT INTO schema_migrations VALUES (%s, 'from_the_future', 0)",
            (len(MIGRATIONS) + 100,),
        )

    with pytest.raises(StoreFromANewerLintas) as refused:
        kit.open_hub()

    assert "newer Lintas" in refused.value.message and "--db" in refused.value.message


def test_a_second_hub_on_the_same_database_is_refused_while_the_first_runs(
    postgres_url: str, tmp_path: Path
) -> None:
    kit = PostgresKit(postgres_url, tmp_path / "side.db")
    first = kit.open_hub()
    try:
        with pytest.raises(StoreInUse) as refused:
            kit.open_hub()
        assert "another Lintas hub" in refused.value.message
        _, paid = _pay(first, "SG", "MY", "5.00")  # The first one still works.
        assert paid.status is PaymentStatus.SETTLED
        assert_ledgers_balance(first)
    finally:
        first.close()
    kit.open_hub().close()  # Once it stopped, another may open.


def test_a_reader_holding_a_snapshot_open_never_blocks_the_writer(
    postgres_url: str, tmp_path: Path
) -> None:
    hub = PostgresKit(postgres_url, tmp_path / "side.db").open_hub()
    try:
        debtor = richest(hub, "SG")
        debtor_id = settlement.customer_account_id("SG", debtor.psp_id, debtor.account)
        before = hub.store.account_balance(debtor_id)
        with connection(postgres_url) as reader, reader.transaction():
            reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            held = reader.execute("SELECT count(*) FROM payments").fetchone()
            balances = reader.execute("SELECT sum(debits_posted) FROM accounts").fetchone()

            _, paid = _pay(hub, "SG", "TH", "10.00")  # Commits while the snapshot is open.

            assert reader.execute("SELECT count(*) FROM payments").fetchone() == held
            assert reader.execute("SELECT sum(debits_posted) FROM accounts").fetchone() == balances
        assert paid.status is PaymentStatus.SETTLED
        after = hub.store.account_balance(debtor_id)
        assert before is not None and after is not None
        assert after.debits_posted > before.debits_posted
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_an_unreachable_server_is_a_clear_503_that_never_shows_the_password() -> None:
    url = "postgresql://lintas:s3cret@127.0.0.1:1/lintas"
    store = PostgresStore(PostgresStoreConfig(url=url), SystemClock())
    with pytest.raises(StoreUnreachable) as refused:
        store.open()
    assert refused.value.http_status == 503
    assert "127.0.0.1:1" in refused.value.message and "s3cret" not in refused.value.message
    assert redacted(url) == "postgresql://lintas@127.0.0.1:1/lintas"


def test_db_names_a_sqlite_file_or_a_postgres_url_and_refuses_a_malformed_url() -> None:
    assert db_location("var/hub.db") == (Path("var/hub.db"), None)
    url = "postgresql://postgres@127.0.0.1:5432/test"
    # Every store of the hub is then in PostgreSQL: the SQLite path is the default, unused.
    assert db_location(url) == (Path("var/lintas.db"), url)
    for malformed in ("postgresql://host:notaport/db", "postgresql://host/db?nonsense=1"):
        with pytest.raises(InputInvalid):
            db_location(malformed)
    with pytest.raises(ValueError):
        HubConfig(db_url="mysql://nobody@host/db")


def test_payments_answered_by_a_hub_are_on_disk_before_the_answer(
    postgres_url: str, tmp_path: Path
) -> None:
    kit = PostgresKit(postgres_url, tmp_path / "side.db")
    hub = kit.open_hub()
    try:
        answers = [_pay(hub, "SG", "TH", "3.00")[1] for _ in range(3)]
        # Another connection, outside the hub, sees each answered payment as answered.
        with connection(postgres_url) as conn:
            for p in answers:
                row = conn.execute("SELECT status FROM payments WHERE uetr = %s", (p.uetr,))
                assert row.fetchone() == (p.status.value,)
        assert_ledgers_balance(hub)
    finally:
        hub.close()


def test_the_stored_bodies_are_queryable_json(postgres_url: str, tmp_path: Path) -> None:
    hub = PostgresKit(postgres_url, tmp_path / "side.db").open_hub()
    try:
        _, paid = _pay(hub, "SG", "TH", "7.00")
        assert_ledgers_balance(hub)
    finally:
        hub.close()
    with connection(postgres_url) as conn:
        row = conn.execute(
            "SELECT body->>'status', created_at FROM payments WHERE uetr = %s", (paid.uetr,)
        ).fetchone()
    assert row is not None
    assert row[0] == paid.status.value
    assert row[1] == paid.created_at.astimezone(UTC)
    assert isinstance(row[1], datetime)


def test_a_lost_connection_is_a_writer_stop_not_a_wrong_answer(
    postgres_url: str, tmp_path: Path
) -> None:
    hub = PostgresKit(postgres_url, tmp_path / "side.db").open_hub()
    try:
        with connection(postgres_url) as admin:
            writer = (
                "FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'lintas-writer'"
            )
            admin.execute(f"SELECT pg_terminate_backend(pid) {writer}")
            deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
            while admin.execute(f"SELECT count(*) {writer}").fetchone() != (0,):
                assert time.monotonic() < deadline, "the writer's backend did not stop"
                time.sleep(0.05)
        with pytest.raises(LintasError) as stopped:
            _pay(hub, "SG", "TH", "2.00")
        assert stopped.value.http_status == 503
    finally:
        hub.close()
    # A restart rebuilds the ledger from what was committed, and every ledger balances.
    hub = PostgresKit(postgres_url, tmp_path / "side.db").open_hub()
    try:
        run(hub.start())
        assert_ledgers_balance(hub)
    finally:
        hub.close()
