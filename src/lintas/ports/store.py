"""The store: one writer that applies ledger work in durable batches, and readers.

A ``WriteCommand`` is one unit of work: transfers to apply as one ``create_transfers`` call, a
``decide`` function that turns their results into the payment record to keep (it runs inside
the writer, after the transfers, so the record and the money move in the same transaction),
and any other rows to keep. Its outcome is returned only once the batch holding it is durable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from lintas.domain.fx import Quote, StandingRate
from lintas.domain.ledger import Account, CreateAccountResult, CreateTransferResult, Transfer
from lintas.domain.payment import Payment

Decide = Callable[[Sequence[CreateTransferResult]], Payment | None]


class PaymentLookup(Protocol):
    """A payment by its UETR, as last committed (what the expiry rule reads)."""

    def payment(self, uetr: str) -> Payment | None:
        """The payment with this UETR, or None."""
        ...


#: What happens to payments whose reserved legs expired: given the expired pending transfers
#: and the writer's own store to read their payments from, the payments to keep.
ExpiryHandler = Callable[[Sequence[Transfer], PaymentLookup], Sequence[Payment]]
#: Given the payment a step decided, the next step to apply in the same batch, or None.
FollowUp = Callable[[Payment], "WriteCommand | None"]

#: Steps one command may chain with ``then`` at most (reserve, post, void: three are used).
FOLLOW_UPS_MAX = 4


@dataclass(slots=True)
class WriteCommand:
    """One unit of work for the writer (see the module docstring).

    ``then`` chains a next step onto this one, applied right after it in the same batch and
    so in the same transaction: when nobody outside the hub has to be asked between two steps
    (the simulated IPSs confirm a reservation at once), posting follows reserving without a
    second trip through the queue and a second fsync. Only the last payment a chain decides
    is kept and answered; transfer results are those of every step, in order.

    ``decide`` and ``then`` are objects of named classes (``services.payment_steps``), not
    closures: they say which rule runs in the writer, and a writer in another process would
    receive them pickled.
    """

    transfers: Sequence[Transfer] = ()
    decide: Decide | None = None
    payments: Sequence[Payment] = ()
    quotes: Sequence[Quote] = ()
    accounts: Sequence[Account] = ()
    rates: Sequence[StandingRate] = ()
    then: FollowUp | None = None


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What the writer did with a command, once it is durable."""

    transfer_results: tuple[CreateTransferResult, ...] = ()
    account_results: tuple[CreateAccountResult, ...] = ()
    payment: Payment | None = None


@dataclass(frozen=True, slots=True)
class LedgerBalance:
    """One ledger's totals and whether they balance."""

    ledger: int
    country: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    accounts: int
    flag_violations: int = 0

    @property
    def balanced(self) -> bool:
        """Debits equal credits (posted and pending) and no account breaks its flag."""
        return (
            self.debits_posted == self.credits_posted
            and self.debits_pending == self.credits_pending
            and self.flag_violations == 0
        )


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """An account's balances as last committed."""

    account_id: int
    ledger: int
    code: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    user_data: str = ""

    @property
    def available(self) -> int:
        """Credits posted less debits posted and pending (what may still be spent)."""
        return self.credits_posted - self.debits_posted - self.debits_pending


@dataclass(slots=True)
class StoreStats:
    """Counters the store and its writer keep, for the benchmark and the operator."""

    #: Batches that held at least one command (each one transaction, one fsync).
    batches: int = 0
    commands: int = 0
    transfers: int = 0
    batch_size_max_seen: int = 0
    #: Transfer records the ledger dropped from memory (read back from the store if named).
    transfers_evicted: int = 0
    #: Checked log checkpoints taken while running (``adapters.log_checkpoint``), and checks
    #: that found a balance the log does not give (then none is kept, and the next start
    #: refuses to open).
    log_checkpoints: int = 0
    log_checks_failed: int = 0


class Writer(Protocol):
    """The single writer: applies commands in batches, answers once durable."""

    def submit(self, command: WriteCommand) -> Future[WriteOutcome]:
        """Queue ``command``; the future resolves after its batch commits."""
        ...

    def submit_async(self, command: WriteCommand) -> Awaitable[WriteOutcome]:
        """Queue ``command`` from an event loop; resolves on that loop after commit."""
        ...

    def set_expiry_handler(self, handler: ExpiryHandler) -> None:
        """Who decides what happens to payments whose reserved legs expired."""
        ...

    def in_memory_account(self, account_id: int) -> Account | None:
        """The writer's current view of an account (for tests and seeding checks)."""
        ...


class Reader(Protocol):
    """Reads committed state; never waits for the writer."""

    def payment(self, uetr: str) -> Payment | None:
        """The payment with this UETR, as last committed."""
        ...

    def payment_uetrs(self) -> Iterator[str]:
        """The UETR of every stored payment (read once, at start)."""
        ...

    def payments_in_flight(self) -> list[Payment]:
        """Payments not yet final (RECEIVED, RESERVED, HELD)."""
        ...

    def payments(self, *, agent: str | None = None, limit: int = 100) -> list[Payment]:
        """Recent payments, newest first; only those where ``agent`` is a side, if given."""
        ...

    def quote(self, quote_id: str) -> Quote | None:
        """A quote by id."""
        ...

    def rates(self) -> list[StandingRate]:
        """The latest standing rate of every FXP and pair."""
        ...

    def ledger_balances(self) -> list[LedgerBalance]:
        """Per ledger: the sums of every account's debits and credits, and flag violations."""
        ...

    def account_balance(self, account_id: int) -> AccountBalance | None:
        """One account's committed balances."""
        ...

    def transfers_of(self, uetr: str) -> list[Transfer]:
        """Every transfer recorded for a payment (pending, post and void)."""
        ...

    def transfers_of_payment(self, payment: Payment) -> list[Transfer]:
        """``transfers_of``, for a caller that holds the payment already (no read of it)."""
        ...

    def is_seeded(self) -> bool:
        """True once the sandbox (or an operator) has created accounts."""
        ...

    def meta(self, key: str) -> str | None:
        """A value the hub keeps about itself (seed, mode)."""
        ...
