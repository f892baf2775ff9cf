"""What every store that keeps the hub's ledger does the same way, whatever its database.

A store (``adapters.sqlite.store``, ``adapters.postgres.store``) owns an in-memory ``Ledger``
and its ``LedgerWriter``; it is the writer's ``BatchSink`` and the ledger's
``TransferArchive``. The rules that do not depend on SQL live here once: the ``Writer`` port
delegated to the writer, how a restart rebuilds the ledger from stored rows (after checking
every balance against the transfer log), how an archived pending transfer's state is read,
and how the reconciliation sums a ledger. Each store supplies only its queries.
"""

from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, ClassVar, LiteralString, NamedTuple

from lintas.adapters import rows
from lintas.adapters.freed_memory import return_freed_memory
from lintas.adapters.ledger_writer import LedgerWriter
from lintas.adapters.log_checkpoint import Balances, LogCheckpoint
from lintas.domain import settlement
from lintas.domain.fx import Quote, StandingRate
from lintas.domain.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    InvariantBroken,
    Ledger,
    LedgerChanges,
    PendingState,
    Transfer,
    TransferFlags,
)
from lintas.domain.payment import Payment
from lintas.ports.clock import Clock
from lintas.ports.store import (
    ExpiryHandler,
    LedgerBalance,
    PaymentLookup,
    StoreStats,
    WriteCommand,
    WriteOutcome,
)

_NONE: Balances = (0, 0, 0, 0)


log = logging.getLogger(__name__)


class LedgerStore(ABC):
    """The ledger, its writer and the ``Writer`` port, for a store that supplies the SQL.

    Subclasses call ``_restore_ledger`` when they open, and are the ``BatchSink`` (``persist``)
    and the ``TransferArchive`` (``load_transfer``) of what is built here.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        batch_commands_max: int,
        queue_commands_max: int,
        transfers_in_memory_max: int,
    ) -> None:
        assert 1 <= batch_commands_max <= queue_commands_max
        assert transfers_in_memory_max >= 0
        self._clock = clock
        self._transfers_in_memory_max = transfers_in_memory_max
        self._ledger = Ledger(archive=self)
        #: The last checked log checkpoint (kept by the start, then by a running hub's own
        #: thread: ``adapters.log_checkpoint``).
        self._log_checkpoint: LogCheckpoint | None = None
        self.stats = StoreStats()
        self._writer = LedgerWriter(
            self._ledger,
            self,
            clock,
            stats=self.stats,
            batch_commands_max=batch_commands_max,
            queue_commands_max=queue_commands_max,
            transfers_in_memory_max=transfers_in_memory_max,
        )

    # -- the Writer port -------------------------------------------------------------------

    def set_expiry_handler(self, handler: ExpiryHandler) -> None:
        # The rule reads the expired transfers' payments from this store.
        self._writer.set_expiry_handler(functools.partial(_bound_rule, handler, self))

    def submit(self, command: WriteCommand) -> Future[WriteOutcome]:
        return self._writer.submit(command)

    def submit_async(self, command: WriteCommand) -> Awaitable[WriteOutcome]:
        return self._writer.submit_async(command)

    def commands_queued(self) -> int:
        """Commands waiting for the writer now (a gauge, for the operator)."""
        return self._writer.commands_queued()

    def in_memory_account(self, account_id: int) -> Account | None:
        return self._ledger.account(account_id)

    def check_ledger_invariants(self) -> None:
        """Assert the in-memory ledger's invariants (tests and reconcile)."""
        self._ledger.check_invariants()

    # -- the Reader port's transfers of a payment (the id range, then the store's query) ----

    def transfers_of(self, uetr: str) -> list[Transfer]:
        payment = self.payment(uetr)
        if payment is None:
            return []  # Transfers are kept with their payment, in the same transaction.
        return self.transfers_of_payment(payment)

    def transfers_of_payment(self, payment: Payment) -> list[Transfer]:
        low, high = settlement.transfer_id_span(payment)
        return self._transfers_in_id_range(low, high, payment.uetr)

    # -- what each store supplies ----------------------------------------------------------

    @abstractmethod
    def _transfers_in_id_range(self, low: int, high: int, uetr: str) -> list[Transfer]:
        """The transfers with ``low <= id < high`` and ``user_data == uetr``, in the
        ledger's order."""

    @abstractmethod
    def persist(
        self,
        changes: LedgerChanges,
        payments: list[Payment],
        quotes: list[Quote],
        rates: list[StandingRate],
    ) -> None:
        """``BatchSink``: write a batch in one transaction; return once it is durable."""

    @abstractmethod
    def payment(self, uetr: str) -> Payment | None:
        """The payment with this UETR, as last committed (the expiry rule reads it)."""

    # -- the log checkpoints of a running hub (each store's own thread) ---------------------

    def _conclude_log_checkpoint(
        self, checkpoint: LogCheckpoint, differ: list[bytes], save: Callable[[], None]
    ) -> None:
        """Keep ``checkpoint`` (``save`` it) if no stored balance differs from the log's
        (``differ``, by account id); otherwise report it and keep the last one."""
        if differ:
            self.stats.log_checks_failed += 1
            log.error(
                "%d account(s) hold balances their transfers do not give (first: %s): the"
                " store was changed outside Lintas; no log checkpoint kept, and the next"
                " start will refuse to open",
                len(differ),
                differ[0].hex(),
            )
            return
        save()
        self._log_checkpoint = checkpoint
        self.stats.log_checkpoints += 1
        return_freed_memory()  # What this thread's sums used (``adapters.freed_memory``).

    # -- the TransferArchive (the writer's thread: its connection sees every batch) --------

    def load_transfer(self, transfer_id: int) -> tuple[Transfer, PendingState | None] | None:
        """``TransferArchive``: read back a transfer the ledger evicted."""
        sql, key = self._ARCHIVE_SQL, rows.id_blob(transfer_id)
        found = self._archive_rows(sql.transfer, key)
        if not found:
            return None

        def resolutions() -> Iterator[int]:
            return (flags for (flags,) in self._archive_rows(sql.resolutions, key))

        def expired() -> bool:
            return bool(self._archive_rows(sql.expired, key))

        return archived_state(rows.transfer_from_row(found[0]), resolutions, expired)

    def load_refusal(self, transfer_id: int) -> tuple[Transfer, CreateTransferResult] | None:
        """``TransferArchive``: read back a refusal the ledger evicted."""
        found = self._archive_rows(self._ARCHIVE_SQL.refusal, rows.id_blob(transfer_id))
        if not found:
            return None
        row = found[0]
        return rows.transfer_from_row(row[:11]), CreateTransferResult(row[11])

    #: Each store's queries for the archive, in its driver's parameter style.
    _ARCHIVE_SQL: ClassVar[ArchiveSql]

    @abstractmethod
    def _archive_rows(self, query: LiteralString, key: bytes) -> list[tuple[Any, ...]]:
        """The rows one of ``_ARCHIVE_SQL``'s queries gives for ``key``, read through the
        writer's connection: on the writer's thread, or by the start before it runs."""

    # -- for subclasses --------------------------------------------------------------------

    def _restore_ledger(
        self,
        accounts: list[Account],
        replayed: Mapping[int, Balances],
        kept_rows: Mapping[bytes, tuple[Any, ...]],
        largest_ids: Iterable[bytes | None],
    ) -> None:
        """Rebuild the ledger: every account (each checked against ``replayed``, the balances
        the transfer log gives), in memory only ``kept_rows`` (transfer rows by id: every live
        pending one and the latest by timestamp); every other stored transfer and every
        refusal is read back when named (a retry after a restart gets the same answer as
        before it), up to the ledger's horizon: the largest of ``largest_ids`` (the largest
        id of ``transfers`` and of ``transfers_refused``, None for an empty table). Whether a
        kept pending transfer expired is looked up for it alone (``_ARCHIVE_SQL.expired``):
        reading every row of ``pending_expiries`` made each start grow with history.

        Why so few in memory: objects for every stored transfer took 14.4 s to open a store of
        100,000 payments, and for the newest 200,000 still 7.7 s (4.5-4.6 s with none).
        """
        check_against_log(accounts, replayed)
        transfers = sorted(
            (rows.transfer_from_row(r) for r in kept_rows.values()), key=lambda t: t.timestamp_ns
        )
        expired = [
            t.id
            for t in transfers
            if t.flags & TransferFlags.PENDING
            and self._archive_rows(self._ARCHIVE_SQL.expired, rows.id_blob(t.id))
        ]
        states = pending_states(transfers, expired)
        horizon = max((rows.blob_id(key) for key in largest_ids if key is not None), default=0)
        self._ledger.restore(accounts, transfers, states, horizon=horizon)
        self._ledger.check_invariants()
        self._ledger.evict(self._transfers_in_memory_max)

    def _touched_account_rows(self, changes: LedgerChanges) -> list[tuple[Any, ...]]:
        """The rows of every account a batch created or moved, as the ledger has them now."""
        touched = set(changes.accounts_touched)
        touched.update(a.id for a in changes.accounts_created)
        account_fields = self._ledger.account_fields
        account_row = rows.account_row_of_fields
        out = []
        for account_id in touched:
            fields = account_fields(account_id)
            assert fields is not None, account_id
            out.append(account_row(fields))
        return out


def check_against_log(accounts: Iterable[Account], replayed: Mapping[int, Balances]) -> None:
    """Every stored balance must be exactly what the immutable transfer log says: a balance
    changed behind the ledger's back (totals may still agree) must stop the hub, not be
    enforced by it."""
    for a in accounts:
        stored = (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        given = replayed.get(a.id, _NONE)
        if given != stored:
            raise InvariantBroken(
                f"account {a.id:032x} ({a.user_data}) holds {stored} but its transfers "
                f"give {given}: the store was changed outside Lintas"
            )


def pending_states(
    transfers: Sequence[Transfer], expired_pending_ids: Iterable[int]
) -> dict[int, PendingState]:
    """How each pending transfer among ``transfers`` ended. A post or void is newer than its
    pending transfer, so the kept transfers say it; one neither resolved nor expired is live."""
    states: dict[int, PendingState] = {}
    for t in transfers:
        if t.flags & TransferFlags.PENDING:
            states[t.id] = PendingState.pending
    for t in transfers:
        if t.flags & TransferFlags.POST_PENDING_TRANSFER:
            states[t.pending_id] = PendingState.posted
        elif t.flags & TransferFlags.VOID_PENDING_TRANSFER:
            states[t.pending_id] = PendingState.voided
    for expired_id in expired_pending_ids:
        if expired_id in states:
            states[expired_id] = PendingState.expired
    return states


class ArchiveSql(NamedTuple):
    """The queries ``LedgerStore`` reads evicted transfers and refusals back with, each with
    one parameter (a 16-byte id) in its driver's style."""

    #: The transfer's eleven columns in ``rows.transfer_from_row``'s order, by its id.
    transfer: LiteralString
    #: The flags of every transfer naming it as its pending one (its post or void).
    resolutions: LiteralString
    #: A row if it expired.
    expired: LiteralString
    #: The refused transfer's eleven columns, then the result, by its id.
    refusal: LiteralString


def archived_state(
    transfer: Transfer,
    resolution_flags: Callable[[], Iterable[int]],
    expired: Callable[[], bool],
) -> tuple[Transfer, PendingState | None]:
    """``TransferArchive.load_transfer``'s answer for a stored ``transfer``:
    ``resolution_flags`` reads the flags of the transfers naming it as their pending one, and
    ``expired`` whether it expired (each asked only when needed: a read of the store)."""
    if not transfer.flags & TransferFlags.PENDING:
        return transfer, None
    for flags in resolution_flags():
        if flags & TransferFlags.POST_PENDING_TRANSFER:
            return transfer, PendingState.posted
        if flags & TransferFlags.VOID_PENDING_TRANSFER:
            return transfer, PendingState.voided
    return transfer, PendingState.expired if expired() else PendingState.pending


def breaks_flags(a: Account) -> bool:
    """Whether ``a``'s balances break a limit its flags set."""
    debits = a.debits_posted + a.debits_pending
    credits = a.credits_posted + a.credits_pending
    return bool(
        (a.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS and debits > a.credits_posted)
        or (a.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS and credits > a.debits_posted)
    )


def ledger_balances_of(
    accounts: Iterable[tuple[Account, bool]], replayed: Mapping[int, Balances]
) -> list[LedgerBalance]:
    """Per ledger: the sums of ``accounts`` (each with whether it breaks its flags), counting
    as a violation too every account whose balances differ from the transfer log's
    (``replayed``): a bug that changed a balance without a transfer shows up."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for a, broken in accounts:
        t = totals[a.ledger]
        t[0] += a.debits_posted
        t[1] += a.credits_posted
        t[2] += a.debits_pending
        t[3] += a.credits_pending
        t[4] += 1
        if broken or replayed.get(a.id, _NONE) != (
            a.debits_pending,
            a.debits_posted,
            a.credits_pending,
            a.credits_posted,
        ):
            t[5] += 1
    return [
        LedgerBalance(
            ledger=ledger,
            country=chr(ledger // 256) + chr(ledger % 256),
            debits_posted=t[0],
            credits_posted=t[1],
            debits_pending=t[2],
            credits_pending=t[3],
            accounts=t[4],
            flag_violations=t[5],
        )
        for ledger, t in sorted(totals.items())
    ]


def _bound_rule(
    handler: ExpiryHandler, reader: PaymentLookup, expired: Sequence[Transfer]
) -> Sequence[Payment]:
    return handler(expired, reader)
