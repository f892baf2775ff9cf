"""The group-commit writer, apart from any database: batches, answers after the write, failure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from lintas.adapters.ledger_writer import LedgerWriter, WriterStopped
from lintas.domain.fx import Quote, StandingRate
from lintas.domain.ledger import (
    Account,
    CreateTransferResult,
    Ledger,
    LedgerChanges,
    PendingState,
    Transfer,
)
from lintas.domain.payment import Payment
from lintas.ports.clock import FixedClock
from lintas.ports.store import StoreStats, WriteCommand

LEDGER = 700
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


class RecordingSink:
    """A ``BatchSink`` that keeps each batch's transfers, and can be told to fail or wait."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.fail_with: BaseException | None = None
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def persist(
        self,
        changes: LedgerChanges,
        payments: list[Payment],
        quotes: list[Quote],
        rates: list[StandingRate],
    ) -> None:
        self.entered.set()
        self.release.wait(10)
        if self.fail_with is not None:
            raise self.fail_with
        self.batches.append([int(f[0]) for f in changes.transfer_fields])

    def load_transfer(self, transfer_id: int) -> tuple[Transfer, PendingState | None] | None:
        """``TransferArchive``: these tests never evict, so nothing is ever read back."""
        return None

    def load_refusal(self, transfer_id: int) -> tuple[Transfer, CreateTransferResult] | None:
        """``TransferArchive``: nothing is evicted here either."""
        return None


def _writer(sink: RecordingSink) -> LedgerWriter:
    ledger = Ledger(archive=sink)
    ledger.create_accounts(
        [Account(id=1, ledger=LEDGER, code=1), Account(id=2, ledger=LEDGER, code=1)]
    )
    ledger.drain_changes(as_fields=True)  # The accounts are the store's before the writer runs.
    writer = LedgerWriter(
        ledger, sink, FixedClock(T0), stats=StoreStats(), transfers_in_memory_max=1000
    )
    writer.start()
    return writer


def _transfer(tid: int) -> Transfer:
    return Transfer(
        id=tid, debit_account_id=1, credit_account_id=2, amount=5, ledger=LEDGER, code=1
    )


def test_an_answer_comes_only_after_its_batch_was_written() -> None:
    sink = RecordingSink()
    sink.release.clear()
    writer = _writer(sink)
    try:
        answer = writer.submit(WriteCommand(transfers=[_transfer(10)]))
        assert sink.entered.wait(10)
        assert not answer.done()  # Applied in memory, not yet durable: no answer.
        sink.release.set()
        outcome = answer.result(10)
        assert outcome.transfer_results == (CreateTransferResult.ok,)
        assert sink.batches == [[10]]
    finally:
        sink.release.set()
        writer.stop()


def test_commands_queued_while_a_batch_is_written_go_out_together_in_the_next() -> None:
    sink = RecordingSink()
    sink.release.clear()
    writer = _writer(sink)
    try:
        first = writer.submit(WriteCommand(transfers=[_transfer(10)]))
        assert sink.entered.wait(10)
        waiting = [writer.submit(WriteCommand(transfers=[_transfer(20 + i)])) for i in range(5)]
        sink.release.set()
        for fut in [first, *waiting]:
            assert fut.result(10).transfer_results == (CreateTransferResult.ok,)
        assert sink.batches == [[10], [20, 21, 22, 23, 24]]
        assert writer.stats.batches == 2 and writer.stats.commands == 6
    finally:
        sink.release.set()
        writer.stop()


def test_a_write_that_fails_stops_the_writer_and_every_caller_is_told() -> None:
    sink = RecordingSink()
    sink.release.clear()
    sink.fail_with = OSError("disk full")
    writer = _writer(sink)
    try:
        first = writer.submit(WriteCommand(transfers=[_transfer(10)]))
        assert sink.entered.wait(10)
        queued = writer.submit(WriteCommand(transfers=[_transfer(11)]))
        sink.release.set()
        for fut in (first, queued):
            with pytest.raises(WriterStopped):
                fut.result(10)
        with pytest.raises(WriterStopped):
            writer.submit(WriteCommand(transfers=[_transfer(12)]))
        assert sink.batches == []
    finally:
        sink.release.set()
        writer.stop()


def test_idle_wake_ups_are_not_counted_as_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from lintas.adapters import ledger_writer

    monkeypatch.setattr(ledger_writer, "IDLE_WAIT_S", 0.005)  # Wake up often with nothing.
    sink = RecordingSink()
    writer = _writer(sink)
    try:
        threading.Event().wait(0.1)
        assert writer.stats.batches == 0 and writer.stats.commands == 0
        writer.submit(WriteCommand(transfers=[_transfer(10)])).result(10)
        threading.Event().wait(0.05)
        assert writer.stats.batches == 1 and writer.stats.commands == 1
    finally:
        writer.stop()
