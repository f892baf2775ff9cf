"""The ledger's writer: one thread, a bounded queue, and group commit, whatever the storage.

The writer owns the in-memory ``Ledger`` (the balances a batch needs). It takes every queued
command it can (up to ``batch_commands_max``), applies them to the ledger one after another,
then hands everything they changed to its ``BatchSink`` as one durable write (one
transaction, one fsync), and only then answers the callers: an answer is never ahead of the
disk. A sink that fails leaves memory ahead of disk, so the writer stops and every caller,
queued or to come, gets ``WriterStopped`` (503); a restart rebuilds the ledger from storage.

Why a module of its own: what a batch is and when a caller is answered do not depend on
SQLite. ``adapters.sqlite.store`` is one sink (and the reader); another store (PostgreSQL, a
ledger shard per IPS in its own process) supplies another ``BatchSink`` and keeps this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Future
from typing import Any, Final, Protocol

from lintas.domain.errors import Unavailable
from lintas.domain.fx import Quote, StandingRate
from lintas.domain.ledger import (
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    LedgerChanges,
    Transfer,
)
from lintas.domain.payment import Payment
from lintas.ports.clock import Clock
from lintas.ports.store import (
    FOLLOW_UPS_MAX,
    StoreStats,
    WriteCommand,
    WriteOutcome,
)

log = logging.getLogger(__name__)

#: Commands applied in one transaction at most. Large enough to amortise the fsync, small
#: enough that the first caller in a batch does not wait long for the last.
BATCH_COMMANDS_MAX: Final = 4096
#: Commands waiting at most; beyond this the hub refuses work (503) rather than queue forever.
QUEUE_COMMANDS_MAX: Final = 100_000
#: How long the writer sleeps when idle and no pending transfer is due to expire.
IDLE_WAIT_S: Final = 0.5

assert BATCH_COMMANDS_MAX <= QUEUE_COMMANDS_MAX

_STOP: Final = object()

#: The expiry rule with its store bound: the payments to keep for the expired transfers.
ExpiryRule = Callable[[Sequence[Transfer]], Sequence[Payment]]
Resolver = Future[WriteOutcome] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[WriteOutcome]"]


class WriterStopped(Unavailable):
    """The writer is not running (stopped, or crashed on a broken invariant)."""


class BatchSink(Protocol):
    """Where a batch goes: everything it changed, written durably at once, or raise."""

    def persist(
        self,
        changes: LedgerChanges,
        payments: list[Payment],
        quotes: list[Quote],
        rates: list[StandingRate],
    ) -> None:
        """Write it all in one transaction; return only once it is durable."""
        ...


class LedgerWriter:
    """Implements the ``Writer`` port over ``ledger``, writing each batch to ``sink``."""

    def __init__(
        self,
        ledger: Ledger,
        sink: BatchSink,
        clock: Clock,
        *,
        stats: StoreStats,
        batch_commands_max: int = BATCH_COMMANDS_MAX,
        queue_commands_max: int = QUEUE_COMMANDS_MAX,
        transfers_in_memory_max: int,
    ) -> None:
        assert 1 <= batch_commands_max <= queue_commands_max
        self._ledger = ledger
        self._sink = sink
        self._clock = clock
        self._batch_commands_max = batch_commands_max
        self._queue_commands_max = queue_commands_max
        self._transfers_in_memory_max = transfers_in_memory_max
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._expiry_handler: ExpiryRule | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.stats = stats

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread (the ledger is restored before this)."""
        assert self._thread is None, "start() twice"
        self._thread = threading.Thread(target=self._run, name="lintas-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the queued work, then stop the thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    # -- the Writer port -------------------------------------------------------------------

    def set_expiry_handler(self, handler: ExpiryRule) -> None:
        self._expiry_handler = handler

    def submit(self, command: WriteCommand) -> Future[WriteOutcome]:
        fut: Future[WriteOutcome] = Future()
        self._enqueue(command, fut)
        return fut

    def submit_async(self, command: WriteCommand) -> Awaitable[WriteOutcome]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[WriteOutcome] = loop.create_future()
        self._enqueue(command, (loop, fut))
        return fut

    def commands_queued(self) -> int:
        """Commands waiting in the queue now (approximate while the writer runs)."""
        return self._queue.qsize()

    def _enqueue(self, command: WriteCommand, resolver: Resolver) -> None:
        if self._failure is not None or self._thread is None:
            raise WriterStopped("writer_stopped", "the store's writer is not running")
        if self._queue.qsize() >= self._queue_commands_max:
            raise Unavailable("queue_full", "the hub is at capacity; retry shortly")
        self._queue.put((command, resolver))

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        batch_max = self._batch_commands_max
        stopping = False
        while not stopping:
            batch: list[tuple[WriteCommand, Resolver]] = []
            try:
                item = self._queue.get(timeout=self._wait_s())
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)
            except queue.Empty:
                pass
            while not stopping and len(batch) < batch_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)
            try:
                self._apply(batch)
            except BaseException as exc:  # A failed commit leaves memory ahead of disk.
                log.critical("writer stopped: %r", exc)
                self._failure = exc
                self._fail(batch, exc)
                self._drain_failed(exc)
                return

    def _wait_s(self) -> float:
        due = self._ledger.next_expiry_ns()
        if due is None:
            return IDLE_WAIT_S
        return min(IDLE_WAIT_S, max(0.0, (due - self._clock.now_ns()) / 1e9))

    def _apply(self, batch: list[tuple[WriteCommand, Resolver]]) -> None:
        ledger = self._ledger
        now_ns = self._clock.now_ns()
        payments: list[Payment] = []
        quotes: list[Quote] = []
        rates: list[StandingRate] = []
        expired = ledger.expire_pending(now_ns)
        if expired and self._expiry_handler is not None:
            payments.extend(self._expiry_handler(expired))
        outcomes: list[WriteOutcome] = []
        for command, _ in batch:
            account_results: Sequence[CreateAccountResult] = (
                ledger.create_accounts(command.accounts) if command.accounts else ()
            )
            transfer_results: Sequence[CreateTransferResult] = (
                ledger.create_transfers(command.transfers, now_ns) if command.transfers else ()
            )
            payment = command.decide(transfer_results) if command.decide is not None else None
            follow, steps = command.then, 0
            while follow is not None and payment is not None:
                step = follow(payment)
                if step is None:
                    break
                follow = step.then
                steps += 1
                assert steps <= FOLLOW_UPS_MAX, "a command chained too many steps"
                assert not (step.payments or step.quotes or step.accounts or step.rates), step
                results = ledger.create_transfers(step.transfers, now_ns) if step.transfers else ()
                transfer_results = (*transfer_results, *results)
                if step.decide is not None:
                    payment = step.decide(results) or payment
            payments.extend(command.payments)
            if payment is not None:
                payments.append(payment)
            quotes.extend(command.quotes)
            rates.extend(command.rates)
            outcomes.append(
                WriteOutcome(
                    transfer_results=tuple(transfer_results),
                    account_results=tuple(account_results),
                    payment=payment,
                )
            )
        changes = ledger.drain_changes(as_fields=True)
        if (
            changes.accounts_created
            or changes.transfer_fields
            or changes.pending_expired
            or changes.accounts_touched
            or changes.transfers_refused
            or payments
            or quotes
            or rates
        ):
            self._sink.persist(changes, payments, quotes, rates)
        if batch:  # An idle wake-up (to expire pending transfers, or none due) is no batch.
            self.stats.batches += 1
            self.stats.commands += len(batch)
        self.stats.transfers += len(changes.transfer_fields)
        self.stats.batch_size_max_seen = max(self.stats.batch_size_max_seen, len(batch))
        # After this point the batch is durable: answer every caller.
        self._resolve(batch, outcomes)
        self.stats.transfers_evicted += ledger.evict(self._transfers_in_memory_max)

    @staticmethod
    def _resolve(batch: list[tuple[WriteCommand, Resolver]], outcomes: list[WriteOutcome]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = defaultdict(list)
        for (_, resolver), outcome in zip(batch, outcomes, strict=True):
            if isinstance(resolver, Future):
                resolver.set_result(outcome)
            else:
                loop, fut = resolver
                by_loop[loop].append((fut, outcome))
        for loop, pairs in by_loop.items():
            # One wake-up per event loop per batch, not one per answer.
            with contextlib.suppress(RuntimeError):  # A closed loop: its callers are gone.
                loop.call_soon_threadsafe(_set_results, pairs)

    @staticmethod
    def _fail(batch: list[tuple[WriteCommand, Resolver]], exc: BaseException) -> None:
        error = WriterStopped("writer_stopped", f"the store's writer stopped: {exc!r}")
        for _, resolver in batch:
            if isinstance(resolver, Future):
                resolver.set_exception(error)
            else:
                loop, fut = resolver
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_set_exception, fut, error)

    def _drain_failed(self, exc: BaseException) -> None:
        rest: list[tuple[WriteCommand, Resolver]] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                rest.append(item)
        self._fail(rest, exc)


def _set_results(pairs: Iterable[tuple[asyncio.Future[WriteOutcome], WriteOutcome]]) -> None:
    for fut, outcome in pairs:
        if not fut.done():
            fut.set_result(outcome)


def _set_exception(fut: asyncio.Future[WriteOutcome], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)
