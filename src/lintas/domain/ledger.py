"""An in-memory double-entry ledger with TigerBeetle's account and transfer semantics.

One writer thread owns a ``Ledger``; nothing here is thread-safe and nothing reads the
clock (``now_ns`` is passed in). The store persists what ``drain_changes`` returns and
rebuilds the ledger with ``restore`` on start-up.

Rules (each has a unit test named after it, see ``tests/unit/test_ledger.py``):

- Accounts live on a ledger (one per IPS and currency). Transfers move an amount in minor
  units from a debit account to a credit account on the same ledger. Transfers are immutable.
- A ``PENDING`` transfer reserves the amount (``debits_pending`` / ``credits_pending``); a later
  ``POST_PENDING_TRANSFER`` posts all of it or less (the rest is released) and a
  ``VOID_PENDING_TRANSFER`` releases all of it. A pending transfer with ``timeout_s`` expires
  ``timeout_s`` after its timestamp: ``expire_pending`` releases it, and from the moment it
  expires it can no longer be posted or voided (``pending_transfer_expired``), even before the
  writer's timer has called ``expire_pending`` (as in TigerBeetle).
- For a post, ``amount == 0`` means "the full pending amount" and ``debit_account_id``,
  ``credit_account_id``, ``ledger``, ``code`` and ``user_data`` may be left zero/empty to take
  the pending transfer's values. The stored post/void transfer has every field resolved.
- ``LINKED`` chains are atomic. A chain ends at the first transfer without ``LINKED``. If a
  member fails, every change of the chain is undone; the failing member reports its own
  reason, the other members ``linked_event_failed``. A chain still open at the end of a batch
  is not applied and every member of it reports ``linked_event_chain_open`` (TigerBeetle marks
  only the last one so; the hub's callers asked for every member).
- ``exists`` is not ``ok``: a member that already exists breaks its chain (as in TigerBeetle),
  so a retried chain answers ``exists`` for its first member and ``linked_event_failed`` for
  the others, and changes nothing.
- Idempotency: the same id with the same content returns ``exists``; with different content
  ``exists_with_different_<field>`` (the first field that differs).
- Refusals that depend on the ledger's state (an account not found, ``exceeds_credits``, a
  pending transfer already posted, ...) are remembered by id with a fingerprint of the
  content, as TigerBeetle 0.16 does: a retry with the same id and content returns the
  original refusal (even if it would now succeed, so a retry never pays later than the answer
  the caller already acted on), and the same id with other content returns
  ``id_already_failed``. Refusals that depend only on the transfer's own fields
  (``accounts_must_be_different``, ...) are not remembered: a retry computes the same answer,
  and the id stays free for a corrected transfer.
- On every ledger, the sum of debits equals the sum of credits (pending and posted
  separately), and no account breaks its flag. ``check_invariants`` asserts it; broken
  invariants raise ``InvariantBroken`` (an ``AssertionError``), refusals are values.
- Every applied transfer gets a unique, strictly increasing ``timestamp_ns``: ``now_ns``, or
  one more than the previous timestamp when ``now_ns`` has not moved on.

Memory: a stored transfer is one ``bytes`` record (``struct``-packed, accounts referred to by
a small index) keyed by its id in one dict; a ``Transfer`` is rebuilt only when read. This
keeps about 200 bytes per transfer instead of ~300 for a ``Transfer`` object with its ints
(see ``bench/bench_ledger.py``).

Old transfers need not stay in memory (about 2 KB per payment of ten transfers, ~200 MB
per 100,000 payments). A ledger given a ``TransferArchive`` (the store) may ``evict`` its
oldest *finished* transfers (posted transfers, posts, voids, and pending transfers already
posted, voided or expired; never a live pending one). Every answer stays exact: the ledger
remembers only the largest id it ever evicted (its *horizon*), so an id above it that is not
in memory is certainly new; an id at or below it that is not in memory (a retry of an old
id, a post of an evicted pending transfer, or a new id below the horizon) is looked up in the
archive, and its record and pending state, if found, are read back and answered as if they
had never left. Remembered refusals are evicted and read back the same way, oldest first.

Why a horizon and not a set of evicted ids: any set grows with the history (a Bloom filter
of two bytes per id held 2 MB per 100,000 payments, and a restart had to read every stored
id to rebuild it, 1.8 of the 3.3 s to reopen 100,000 payments). With time-ordered ids, as the
hub makes them (``settlement.transfer_id``: the millisecond first), nearly every new id is
above the horizon, so the archive is read only for what really is old. Ids in no time order
stay exact, only slower: each at or below the horizon costs a read.

Exceptions::

    AssertionError
     └── InvariantBroken        a ledger rule is broken: a bug or corrupt restored state
    ValueError
     └── BatchTooLargeError          a batch longer than the named maximum
"""

from __future__ import annotations

import enum
import heapq
import itertools
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

#: Ids are 128-bit as in TigerBeetle; ``2**128 - 1`` is reserved (``id_must_not_be_int_max``).
ID_LIMIT: Final[int] = 2**128 - 1
#: Amounts and balances fit a signed 64-bit integer so that every store (SQLite INTEGER,
#: PostgreSQL bigint) can hold them exactly. Money itself stays far below (10**17).
AMOUNT_MAX: Final[int] = 2**63 - 1
BALANCE_MAX: Final[int] = 2**63 - 1
CODE_MAX: Final[int] = 2**63 - 1
#: Seconds, an unsigned 32-bit value as in TigerBeetle (about 136 years).
TIMEOUT_S_MAX: Final[int] = 2**32 - 1
#: Timestamps are nanoseconds that fit an unsigned 64-bit field of the record.
TIMESTAMP_NS_MAX: Final[int] = 2**63 - 1
#: UTF-8 bytes of ``user_data`` (a UETR is 36).
USER_DATA_BYTES_MAX: Final[int] = 128
#: The most events in one call, TigerBeetle's batch size.
TRANSFER_BATCH_MAX: Final[int] = 8190
ACCOUNT_BATCH_MAX: Final[int] = 8190
EXPIRE_BATCH_MAX: Final[int] = 8190
#: Expiry entries at least before stale ones (of posted or voided transfers) are dropped:
#: they would otherwise stay until their due time (a payment's timeout, a hold's 24 hours).
EXPIRIES_COMPACT_MIN: Final[int] = 65_536
#: The most accounts: a record refers to an account by an unsigned 32-bit index.
ACCOUNT_COUNT_MAX: Final[int] = 2**32 - 1

_NS_PER_S: Final[int] = 1_000_000_000
_U64_MASK: Final[int] = 2**64 - 1

assert ID_LIMIT < 2**128
assert AMOUNT_MAX <= BALANCE_MAX < 2**64
assert TIMESTAMP_NS_MAX + TIMEOUT_S_MAX * _NS_PER_S < 2**64, "expiry must fit the record"
assert TRANSFER_BATCH_MAX > 0 and ACCOUNT_BATCH_MAX > 0 and EXPIRE_BATCH_MAX > 0


class InvariantBroken(AssertionError):
    """A ledger rule that must always hold does not: a bug or corrupt restored state."""


class BatchTooLargeError(ValueError):
    """A batch has more events than the named maximum."""


class AccountFlags(enum.IntFlag):
    """Limits an account enforces on every transfer."""

    NONE = 0
    DEBITS_MUST_NOT_EXCEED_CREDITS = 1
    CREDITS_MUST_NOT_EXCEED_DEBITS = 2


class TransferFlags(enum.IntFlag):
    """What kind of transfer this is, and whether it is linked to the next one."""

    NONE = 0
    #: Succeeds or fails together with the next transfer; a chain ends at the first
    #: transfer without ``LINKED``.
    LINKED = 1
    PENDING = 2
    POST_PENDING_TRANSFER = 4
    VOID_PENDING_TRANSFER = 8


_ACCOUNT_FLAGS_ALL: Final[int] = 3
_POST_FLAG: Final[int] = 4
_VOID_FLAG: Final[int] = 8
_TRANSFER_FLAGS_ALL: Final[int] = 15


class PendingState(enum.StrEnum):
    """Where a pending transfer stands."""

    pending = "pending"
    posted = "posted"
    voided = "voided"
    expired = "expired"


class CreateAccountResult(enum.StrEnum):
    """The outcome of creating one account (TigerBeetle's names)."""

    ok = "ok"
    reserved_flag = "reserved_flag"
    id_must_not_be_zero = "id_must_not_be_zero"
    id_must_not_be_negative = "id_must_not_be_negative"
    id_must_not_be_int_max = "id_must_not_be_int_max"
    flags_are_mutually_exclusive = "flags_are_mutually_exclusive"
    debits_pending_must_be_zero = "debits_pending_must_be_zero"
    debits_posted_must_be_zero = "debits_posted_must_be_zero"
    credits_pending_must_be_zero = "credits_pending_must_be_zero"
    credits_posted_must_be_zero = "credits_posted_must_be_zero"
    ledger_must_not_be_zero = "ledger_must_not_be_zero"
    ledger_must_not_be_negative = "ledger_must_not_be_negative"
    code_must_not_be_zero = "code_must_not_be_zero"
    code_must_not_be_negative = "code_must_not_be_negative"
    exists_with_different_flags = "exists_with_different_flags"
    exists_with_different_user_data = "exists_with_different_user_data"
    exists_with_different_ledger = "exists_with_different_ledger"
    exists_with_different_code = "exists_with_different_code"
    exists = "exists"
    too_many_accounts = "too_many_accounts"


class CreateTransferResult(enum.StrEnum):
    """The outcome of creating one transfer (TigerBeetle's names where they apply)."""

    ok = "ok"
    linked_event_failed = "linked_event_failed"
    linked_event_chain_open = "linked_event_chain_open"
    timestamp_must_be_zero = "timestamp_must_be_zero"
    reserved_flag = "reserved_flag"
    id_must_not_be_zero = "id_must_not_be_zero"
    id_must_not_be_negative = "id_must_not_be_negative"
    id_must_not_be_int_max = "id_must_not_be_int_max"
    flags_are_mutually_exclusive = "flags_are_mutually_exclusive"
    exists_with_different_flags = "exists_with_different_flags"
    exists_with_different_pending_id = "exists_with_different_pending_id"
    exists_with_different_timeout = "exists_with_different_timeout"
    exists_with_different_debit_account_id = "exists_with_different_debit_account_id"
    exists_with_different_credit_account_id = "exists_with_different_credit_account_id"
    exists_with_different_amount = "exists_with_different_amount"
    exists_with_different_user_data = "exists_with_different_user_data"
    exists_with_different_ledger = "exists_with_different_ledger"
    exists_with_different_code = "exists_with_different_code"
    exists = "exists"
    id_already_failed = "id_already_failed"
    debit_account_id_must_not_be_zero = "debit_account_id_must_not_be_zero"
    credit_account_id_must_not_be_zero = "credit_account_id_must_not_be_zero"
    accounts_must_be_different = "accounts_must_be_different"
    pending_id_must_be_zero = "pending_id_must_be_zero"
    pending_id_must_not_be_zero = "pending_id_must_not_be_zero"
    pending_id_must_be_different = "pending_id_must_be_different"
    timeout_must_not_be_negative = "timeout_must_not_be_negative"
    timeout_reserved_for_pending_transfer = "timeout_reserved_for_pending_transfer"
    overflows_timeout = "overflows_timeout"
    ledger_must_not_be_zero = "ledger_must_not_be_zero"
    code_must_not_be_zero = "code_must_not_be_zero"
    code_must_not_be_negative = "code_must_not_be_negative"
    overflows_code = "overflows_code"
    amount_must_not_be_zero = "amount_must_not_be_zero"
    amount_must_not_be_negative = "amount_must_not_be_negative"
    overflows_amount = "overflows_amount"
    user_data_too_long = "user_data_too_long"
    debit_account_not_found = "debit_account_not_found"
    credit_account_not_found = "credit_account_not_found"
    accounts_must_have_the_same_ledger = "accounts_must_have_the_same_ledger"
    transfer_must_have_the_same_ledger_as_accounts = (
        "transfer_must_have_the_same_ledger_as_accounts"
    )
    pending_transfer_not_found = "pending_transfer_not_found"
    pending_transfer_not_pending = "pending_transfer_not_pending"
    pending_transfer_has_different_debit_account_id = (
        "pending_transfer_has_different_debit_account_id"
    )
    pending_transfer_has_different_credit_account_id = (
        "pending_transfer_has_different_credit_account_id"
    )
    pending_transfer_has_different_ledger = "pending_transfer_has_different_ledger"
    pending_transfer_has_different_code = "pending_transfer_has_different_code"
    pending_transfer_has_different_amount = "pending_transfer_has_different_amount"
    exceeds_pending_transfer_amount = "exceeds_pending_transfer_amount"
    pending_transfer_already_posted = "pending_transfer_already_posted"
    pending_transfer_already_voided = "pending_transfer_already_voided"
    pending_transfer_expired = "pending_transfer_expired"
    overflows_debits_pending = "overflows_debits_pending"
    overflows_credits_pending = "overflows_credits_pending"
    overflows_debits_posted = "overflows_debits_posted"
    overflows_credits_posted = "overflows_credits_posted"
    overflows_debits = "overflows_debits"
    overflows_credits = "overflows_credits"
    exceeds_credits = "exceeds_credits"
    exceeds_debits = "exceeds_debits"


_R = CreateTransferResult

#: Refusals that depend on the ledger's state, remembered by id (see the module docstring).
_REMEMBERED: Final[frozenset[CreateTransferResult]] = frozenset(
    {
        _R.debit_account_not_found,
        _R.credit_account_not_found,
        _R.accounts_must_have_the_same_ledger,
        _R.transfer_must_have_the_same_ledger_as_accounts,
        _R.pending_transfer_not_found,
        _R.pending_transfer_not_pending,
        _R.pending_transfer_has_different_debit_account_id,
        _R.pending_transfer_has_different_credit_account_id,
        _R.pending_transfer_has_different_ledger,
        _R.pending_transfer_has_different_code,
        _R.pending_transfer_has_different_amount,
        _R.exceeds_pending_transfer_amount,
        _R.pending_transfer_already_posted,
        _R.pending_transfer_already_voided,
        _R.pending_transfer_expired,
        _R.overflows_debits_pending,
        _R.overflows_credits_pending,
        _R.overflows_debits_posted,
        _R.overflows_credits_posted,
        _R.overflows_debits,
        _R.overflows_credits,
        _R.exceeds_credits,
        _R.exceeds_debits,
    }
)


@dataclass(slots=True)
class Account:
    """An account on one ledger, with its four balances in minor units."""

    id: int
    ledger: int
    code: int
    flags: AccountFlags = AccountFlags.NONE
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0
    user_data: str = ""


@dataclass(frozen=True, slots=True)
class Transfer:
    """An immutable movement of ``amount`` minor units from a debit to a credit account."""

    id: int
    debit_account_id: int
    credit_account_id: int
    amount: int
    ledger: int
    code: int
    flags: TransferFlags = TransferFlags.NONE
    pending_id: int = 0
    timeout_s: int = 0
    user_data: str = ""
    timestamp_ns: int = 0


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """The sums of one ledger's balances; debits equal credits on a sound ledger."""

    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


@dataclass(slots=True)
class LedgerChanges:
    """What happened since the last drain, for the store to persist in one transaction."""

    accounts_created: list[Account] = field(default_factory=list)
    #: With ``timestamp_ns`` set and, for post and void, every field resolved. In the order
    #: they were applied (strictly increasing timestamps).
    transfers_created: list[Transfer] = field(default_factory=list)
    #: ``(pending transfer id, timestamp_ns of expiry)``.
    pending_expired: list[tuple[int, int]] = field(default_factory=list)
    #: Ids whose balances changed (or may have changed and changed back in a rolled-back
    #: chain: the store rewrites the same values, which is harmless).
    accounts_touched: set[int] = field(default_factory=set)
    #: Refusals that are remembered by id, so that a restart keeps answering retries alike.
    transfers_refused: list[tuple[Transfer, CreateTransferResult]] = field(default_factory=list)
    #: With ``drain_changes(as_fields=True)``: the created transfers as plain tuples of the
    #: eleven ``Transfer`` fields in declaration order (``transfers_created`` is then empty).
    transfer_fields: list[TransferFields] = field(default_factory=list)


#: A ``Transfer``'s eleven fields in declaration order (``flags`` as a plain int).
TransferFields = tuple[int, int, int, int, int, int, int, int, int, str, int]
#: An ``Account``'s nine fields in declaration order (``flags`` as a plain int).
AccountFields = tuple[int, int, int, int, int, int, int, int, str]


class _AccountState:
    """The writer's mutable account: balances plus what the hot path needs precomputed."""

    __slots__ = (
        "code",
        "credits_limited",
        "credits_pending",
        "credits_posted",
        "debits_limited",
        "debits_pending",
        "debits_posted",
        "flags",
        "id",
        "index",
        "ledger",
        "user_data",
    )

    def __init__(self, account: Account, index: int) -> None:
        self.id = account.id
        self.ledger = account.ledger
        self.code = account.code
        self.flags = AccountFlags(account.flags)
        self.debits_pending = account.debits_pending
        self.debits_posted = account.debits_posted
        self.credits_pending = account.credits_pending
        self.credits_posted = account.credits_posted
        self.user_data = account.user_data
        self.index = index
        self.debits_limited = bool(self.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
        self.credits_limited = bool(self.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)

    def snapshot(self) -> Account:
        return Account(
            id=self.id,
            ledger=self.ledger,
            code=self.code,
            flags=self.flags,
            debits_pending=self.debits_pending,
            debits_posted=self.debits_posted,
            credits_pending=self.credits_pending,
            credits_posted=self.credits_posted,
            user_data=self.user_data,
        )


# Transfer kinds, from the flags without LINKED.
_NORMAL: Final = 0
_PENDING: Final = 1
_POST: Final = 2
_VOID: Final = 3

#: flags value -> (kind, linked) for every valid combination; anything else is refused.
_FLAG_KIND: Final[dict[int, tuple[int, bool]]] = {
    0: (_NORMAL, False),
    1: (_NORMAL, True),
    2: (_PENDING, False),
    3: (_PENDING, True),
    4: (_POST, False),
    5: (_POST, True),
    8: (_VOID, False),
    9: (_VOID, True),
}

#: A record: debit index, credit index, amount, code, flags, timeout_s, pending_id low and
#: high 64 bits, timestamp_ns, then the UTF-8 user_data (its length is the rest).
_RECORD_HEAD: Final = "<IIQQBIQQQ"
_RECORD_HEAD_BYTES: Final[int] = struct.calcsize(_RECORD_HEAD)
_RECORD_STRUCTS: Final[tuple[struct.Struct, ...]] = tuple(
    struct.Struct(f"{_RECORD_HEAD}{n}s") for n in range(USER_DATA_BYTES_MAX + 1)
)
_RecordFields = tuple[int, int, int, int, int, int, int, int, int, bytes]

# One undo entry of an applied, linked transfer: (id, kind, debit, credit, amount,
# pending id, pending amount).
_Undo = tuple[int, int, _AccountState, _AccountState, int, int, int]


#: Every valid flags value as its enum member: ``TransferFlags(n)`` costs about a microsecond.
_TRANSFER_FLAGS: Final[tuple[TransferFlags, ...]] = tuple(
    TransferFlags(n) for n in range(_TRANSFER_FLAGS_ALL + 1)
)

_SET_TRANSFER_FIELDS: Final = tuple(
    Transfer.__dict__[name].__set__
    for name in (
        "id",
        "debit_account_id",
        "credit_account_id",
        "amount",
        "ledger",
        "code",
        "flags",
        "pending_id",
        "timeout_s",
        "user_data",
        "timestamp_ns",
    )
)
assert len(_SET_TRANSFER_FIELDS) == len(Transfer.__slots__)
(
    _set_id,
    _set_dr,
    _set_cr,
    _set_amount,
    _set_ledger,
    _set_code,
    _set_flags,
    _set_pid,
    _set_timeout,
    _set_user_data,
    _set_ts,
) = _SET_TRANSFER_FIELDS


def new_transfer(
    tid: int,
    debit_account_id: int,
    credit_account_id: int,
    amount: int,
    ledger: int,
    code: int,
    flags: TransferFlags,
    pending_id: int,
    timeout_s: int,
    user_data: str,
    timestamp_ns: int,
) -> Transfer:
    """Build a ``Transfer`` from its eleven fields, in order, four times faster than
    ``Transfer()``.

    The frozen dataclass ``__init__`` sets each field through ``object.__setattr__`` by name
    (about 2-4 us); setting the slots directly is what drain and reads need on the writer's
    thread, and what ``settlement`` uses for the ten or more transfers of every payment.
    ``Transfer`` has no checks of its own to skip: ``create_transfers`` checks every field of
    every transfer it is given, however it was built.
    """
    t: Transfer = object.__new__(Transfer)
    _set_id(t, tid)
    _set_dr(t, debit_account_id)
    _set_cr(t, credit_account_id)
    _set_amount(t, amount)
    _set_ledger(t, ledger)
    _set_code(t, code)
    _set_flags(t, flags)
    _set_pid(t, pending_id)
    _set_timeout(t, timeout_s)
    _set_user_data(t, user_data)
    _set_ts(t, timestamp_ns)
    return t


_new_transfer: Final = new_transfer


def _unpack(record: bytes) -> _RecordFields:
    fields: _RecordFields = _RECORD_STRUCTS[len(record) - _RECORD_HEAD_BYTES].unpack(record)
    return fields


def _fingerprint(t: Transfer) -> int:
    """A hash of everything but the id and timestamp, to recognise an identical retry.

    A collision can only turn ``id_already_failed`` into the original refusal: both refuse,
    so no money can move because of it.
    """
    return hash(
        (
            t.debit_account_id,
            t.credit_account_id,
            t.amount,
            t.ledger,
            t.code,
            int(t.flags),
            t.pending_id,
            t.timeout_s,
            t.user_data,
        )
    )


class TransferArchive(Protocol):
    """Where a ledger reads back a transfer or a refusal it evicted from memory (the store)."""

    def load_transfer(self, transfer_id: int) -> tuple[Transfer, PendingState | None] | None:
        """The stored transfer (as drained) and, for a pending one, its state now; None if
        no transfer with this id was ever stored."""
        ...

    def load_refusal(self, transfer_id: int) -> tuple[Transfer, CreateTransferResult] | None:
        """The refused transfer (as drained: as it was given) and its remembered refusal;
        None if no transfer with this id was ever refused and remembered."""
        ...


class Ledger:
    """TigerBeetle-style accounts and transfers in memory, owned by a single writer."""

    __slots__ = (
        "_account_list",
        "_accounts",
        "_archive",
        "_changes_accounts",
        "_changes_expired",
        "_changes_refused",
        "_changes_transfer_ids",
        "_evicted_count",
        "_expiries",
        "_expiries_compact_at",
        "_horizon",
        "_last_timestamp_ns",
        "_pending_states",
        "_refused",
        "_touched",
        "_transfers",
    )

    def __init__(self, archive: TransferArchive | None = None) -> None:
        #: Where evicted transfers are read back from; without one, nothing is evicted.
        self._archive = archive
        #: Every transfer or refusal evicted from memory (and so in the archive) has an id
        #: at or below this; 0 while none was.
        self._horizon = 0
        #: Records and refusals evicted so far (one read back and evicted again counts twice).
        self._evicted_count = 0
        self._accounts: dict[int, _AccountState] = {}
        self._account_list: list[_AccountState] = []
        self._transfers: dict[int, bytes] = {}
        self._pending_states: dict[int, PendingState] = {}
        #: (expires_at_ns, pending id); entries of posted or voided transfers go stale and
        #: are skipped when popped.
        self._expiries: list[tuple[int, int]] = []
        #: Heap length at which stale entries are dropped (doubles with the live entries).
        self._expiries_compact_at = EXPIRIES_COMPACT_MIN
        #: id -> (original refusal, fingerprint of the content).
        self._refused: dict[int, tuple[CreateTransferResult, int]] = {}
        self._last_timestamp_ns = 0
        self._changes_accounts: list[Account] = []
        self._changes_transfer_ids: list[int] = []
        self._changes_expired: list[tuple[int, int]] = []
        self._changes_refused: list[tuple[Transfer, CreateTransferResult]] = []
        self._touched: set[int] = set()

    # ---------------------------------------------------------------- accounts

    def create_accounts(self, accounts: Sequence[Account]) -> list[CreateAccountResult]:
        """Create accounts; one result per input, in order."""
        if len(accounts) > ACCOUNT_BATCH_MAX:
            raise BatchTooLargeError(f"{len(accounts)} accounts > ACCOUNT_BATCH_MAX")
        results: list[CreateAccountResult] = []
        for a in accounts:
            result = self._create_account(a)
            results.append(result)
        return results

    def _create_account(self, a: Account) -> CreateAccountResult:
        r = CreateAccountResult
        flags = int(a.flags)
        if flags & ~_ACCOUNT_FLAGS_ALL:
            return r.reserved_flag
        if a.id == 0:
            return r.id_must_not_be_zero
        if a.id < 0:
            return r.id_must_not_be_negative
        if a.id >= ID_LIMIT:
            return r.id_must_not_be_int_max
        if flags == _ACCOUNT_FLAGS_ALL:
            return r.flags_are_mutually_exclusive
        if a.debits_pending != 0:
            return r.debits_pending_must_be_zero
        if a.debits_posted != 0:
            return r.debits_posted_must_be_zero
        if a.credits_pending != 0:
            return r.credits_pending_must_be_zero
        if a.credits_posted != 0:
            return r.credits_posted_must_be_zero
        if a.ledger == 0:
            return r.ledger_must_not_be_zero
        if a.ledger < 0:
            return r.ledger_must_not_be_negative
        if a.code == 0:
            return r.code_must_not_be_zero
        if a.code < 0:
            return r.code_must_not_be_negative
        existing = self._accounts.get(a.id)
        if existing is not None:
            if existing.flags != flags:
                return r.exists_with_different_flags
            if existing.user_data != a.user_data:
                return r.exists_with_different_user_data
            if existing.ledger != a.ledger:
                return r.exists_with_different_ledger
            if existing.code != a.code:
                return r.exists_with_different_code
            return r.exists
        if len(self._account_list) >= ACCOUNT_COUNT_MAX:
            return r.too_many_accounts
        # After this point, the account must be created.
        state = _AccountState(a, len(self._account_list))
        self._accounts[state.id] = state
        self._account_list.append(state)
        self._changes_accounts.append(state.snapshot())
        return r.ok

    def account(self, account_id: int) -> Account | None:
        """A copy of the account with its balances now; changing it changes nothing."""
        state = self._accounts.get(account_id)
        return None if state is None else state.snapshot()

    def account_fields(self, account_id: int) -> AccountFields | None:
        """The account's nine fields now, as a tuple (what the store writes per batch for
        every touched account, without an ``Account`` object each time)."""
        a = self._accounts.get(account_id)
        if a is None:
            return None
        return (
            a.id,
            a.ledger,
            a.code,
            int(a.flags),
            a.debits_pending,
            a.debits_posted,
            a.credits_pending,
            a.credits_posted,
            a.user_data,
        )

    # ---------------------------------------------------------------- transfers

    def create_transfers(
        self, transfers: Sequence[Transfer], now_ns: int
    ) -> list[CreateTransferResult]:
        """Apply transfers in order; one result per input, in order.

        This is the hot path: every transfer of the hub goes through it, so it keeps
        attribute lookups in locals and checks the common case with few comparisons,
        calling ``_refusal_*`` to name the reason only when something is wrong.
        """
        n = len(transfers)
        if n > TRANSFER_BATCH_MAX:
            raise BatchTooLargeError(f"{n} transfers > TRANSFER_BATCH_MAX")
        assert 0 <= now_ns <= TIMESTAMP_NS_MAX, now_ns
        ok = _R.ok
        results: list[CreateTransferResult] = [ok] * n
        if n == 0:
            return results

        # A chain still open at the end of the batch is never applied.
        end = n
        while end > 0 and int(transfers[end - 1].flags) & 1:
            end -= 1
        for j in range(end, n):
            results[j] = _R.linked_event_chain_open

        accounts_get = self._accounts.get
        records = self._transfers
        refused = self._refused
        pending_states = self._pending_states
        created_ids = self._changes_transfer_ids
        touched = self._touched
        structs = _RECORD_STRUCTS
        flag_kind_get = _FLAG_KIND.get
        horizon = self._horizon
        last_ts = self._last_timestamp_ns
        undo: list[_Undo] = []
        chain_start = -1
        chain_broken = False

        for i in range(end):
            t = transfers[i]
            kind_linked = flag_kind_get(t.flags)
            linked = kind_linked is not None and kind_linked[1]
            if linked and chain_start < 0:
                chain_start = i
            if chain_broken:
                results[i] = _R.linked_event_failed
            else:
                ts = now_ns if now_ns > last_ts else last_ts + 1
                tid = t.id
                result = ok
                if (
                    kind_linked is None
                    or not 0 < tid < ID_LIMIT
                    or t.timestamp_ns != 0
                    or tid in records
                    or tid in refused
                    or (tid <= horizon and self._reload_known(tid))
                ):
                    result = self._refusal_common(t)
                    assert result is not ok
                    kind = _NORMAL
                else:
                    kind = kind_linked[0]

                if result is not ok:
                    pass
                elif kind <= _PENDING:
                    dr = accounts_get(t.debit_account_id)
                    cr = accounts_get(t.credit_account_id)
                    amount = t.amount
                    code = t.code
                    timeout_s = t.timeout_s
                    user_data = t.user_data.encode("utf-8", "surrogatepass")
                    if (
                        dr is None
                        or cr is None
                        or dr is cr
                        or t.pending_id != 0
                        or not 0 < amount <= AMOUNT_MAX
                        or not 0 < code <= CODE_MAX
                        or (
                            timeout_s != 0
                            and (kind != _PENDING or not 0 < timeout_s <= TIMEOUT_S_MAX)
                        )
                        or t.ledger != dr.ledger
                        or dr.ledger != cr.ledger
                        or len(user_data) > USER_DATA_BYTES_MAX
                        or dr.debits_pending + dr.debits_posted + amount > BALANCE_MAX
                        or cr.credits_pending + cr.credits_posted + amount > BALANCE_MAX
                        or (
                            dr.debits_limited
                            and dr.debits_pending + dr.debits_posted + amount > dr.credits_posted
                        )
                        or (
                            cr.credits_limited
                            and cr.credits_pending + cr.credits_posted + amount > cr.debits_posted
                        )
                    ):
                        result = self._refusal_new(t, kind, dr, cr, user_data)
                        assert result is not ok
                    else:
                        # After this point, the transfer must succeed.
                        if kind == _PENDING:
                            dr.debits_pending += amount
                            cr.credits_pending += amount
                            pending_states[tid] = PendingState.pending
                            if timeout_s:
                                heapq.heappush(self._expiries, (ts + timeout_s * _NS_PER_S, tid))
                        else:
                            dr.debits_posted += amount
                            cr.credits_posted += amount
                        records[tid] = structs[len(user_data)].pack(
                            dr.index,
                            cr.index,
                            amount,
                            code,
                            int(t.flags),
                            timeout_s,
                            0,
                            0,
                            ts,
                            user_data,
                        )
                        created_ids.append(tid)
                        touched.add(dr.id)
                        touched.add(cr.id)
                        last_ts = ts
                        if linked:
                            undo.append((tid, kind, dr, cr, amount, 0, 0))
                else:
                    result = self._post_or_void(t, kind, ts, undo if linked else None)
                    if result is ok:
                        last_ts = ts

                if result is not ok:
                    results[i] = result
                    if result in _REMEMBERED and tid not in refused:
                        refused[tid] = (result, _fingerprint(t))
                        self._changes_refused.append((t, result))
                    if chain_start >= 0:
                        self._rollback(undo)
                        for j in range(chain_start, i):
                            results[j] = _R.linked_event_failed
                        chain_broken = True
            if not linked:
                # The chain (if any) ends here: committed unless it broke.
                chain_start = -1
                chain_broken = False
                undo.clear()

        assert chain_start < 0 and not undo
        self._last_timestamp_ns = last_ts
        return results

    def _refusal_common(self, t: Transfer) -> CreateTransferResult:
        """Name the refusal of the checks every kind of transfer shares, in order."""
        flags = int(t.flags)
        if flags & ~_TRANSFER_FLAGS_ALL or flags < 0:
            return _R.reserved_flag
        tid = t.id
        if tid == 0:
            return _R.id_must_not_be_zero
        if tid < 0:
            return _R.id_must_not_be_negative
        if tid >= ID_LIMIT:
            return _R.id_must_not_be_int_max
        if t.timestamp_ns != 0:
            return _R.timestamp_must_be_zero
        if flags not in _FLAG_KIND:
            return _R.flags_are_mutually_exclusive
        record = self._transfers.get(tid)
        if record is not None:
            return self._exists(t, record)
        remembered = self._refused.get(tid)
        if remembered is not None:
            original, fingerprint = remembered
            return original if fingerprint == _fingerprint(t) else _R.id_already_failed
        raise AssertionError("called without a refusal to name")

    def _refusal_new(
        self,
        t: Transfer,
        kind: int,
        dr: _AccountState | None,
        cr: _AccountState | None,
        user_data: bytes,
    ) -> CreateTransferResult:
        """Name the refusal of a posted or pending transfer, in TigerBeetle's order."""
        if t.debit_account_id == 0:
            return _R.debit_account_id_must_not_be_zero
        if t.credit_account_id == 0:
            return _R.credit_account_id_must_not_be_zero
        if t.debit_account_id == t.credit_account_id:
            return _R.accounts_must_be_different
        if t.pending_id != 0:
            return _R.pending_id_must_be_zero
        if t.timeout_s < 0:
            return _R.timeout_must_not_be_negative
        if kind != _PENDING and t.timeout_s != 0:
            return _R.timeout_reserved_for_pending_transfer
        if t.timeout_s > TIMEOUT_S_MAX:
            return _R.overflows_timeout
        if t.ledger == 0:
            return _R.ledger_must_not_be_zero
        if t.code == 0:
            return _R.code_must_not_be_zero
        if t.code < 0:
            return _R.code_must_not_be_negative
        if t.code > CODE_MAX:
            return _R.overflows_code
        if t.amount == 0:
            return _R.amount_must_not_be_zero
        if t.amount < 0:
            return _R.amount_must_not_be_negative
        if t.amount > AMOUNT_MAX:
            return _R.overflows_amount
        if len(user_data) > USER_DATA_BYTES_MAX:
            return _R.user_data_too_long
        # The checks below depend on the ledger's state: their refusals are remembered.
        if dr is None:
            return _R.debit_account_not_found
        if cr is None:
            return _R.credit_account_not_found
        if dr.ledger != cr.ledger:
            return _R.accounts_must_have_the_same_ledger
        if t.ledger != dr.ledger:
            return _R.transfer_must_have_the_same_ledger_as_accounts
        amount = t.amount
        if kind == _PENDING:
            if dr.debits_pending + amount > BALANCE_MAX:
                return _R.overflows_debits_pending
            if cr.credits_pending + amount > BALANCE_MAX:
                return _R.overflows_credits_pending
        else:
            if dr.debits_posted + amount > BALANCE_MAX:
                return _R.overflows_debits_posted
            if cr.credits_posted + amount > BALANCE_MAX:
                return _R.overflows_credits_posted
        if dr.debits_pending + dr.debits_posted + amount > BALANCE_MAX:
            return _R.overflows_debits
        if cr.credits_pending + cr.credits_posted + amount > BALANCE_MAX:
            return _R.overflows_credits
        if dr.debits_limited and dr.debits_pending + dr.debits_posted + amount > dr.credits_posted:
            return _R.exceeds_credits
        if cr.credits_limited and (
            cr.credits_pending + cr.credits_posted + amount > cr.debits_posted
        ):
            return _R.exceeds_debits
        raise AssertionError("called without a refusal to name")

    def _post_or_void(
        self, t: Transfer, kind: int, ts: int, undo: list[_Undo] | None
    ) -> CreateTransferResult:
        """Post or void a pending transfer, or name why not."""
        tid = t.id
        pid = t.pending_id
        if pid == 0:
            return _R.pending_id_must_not_be_zero
        if pid == tid:
            return _R.pending_id_must_be_different
        if t.timeout_s != 0:
            return _R.timeout_reserved_for_pending_transfer
        if t.code < 0:
            return _R.code_must_not_be_negative
        if t.code > CODE_MAX:
            return _R.overflows_code
        if t.amount < 0:
            return _R.amount_must_not_be_negative
        if t.amount > AMOUNT_MAX:
            return _R.overflows_amount
        user_data = t.user_data.encode("utf-8", "surrogatepass")
        if len(user_data) > USER_DATA_BYTES_MAX:
            return _R.user_data_too_long
        # The checks below depend on the ledger's state: their refusals are remembered.
        record = self._transfers.get(pid) or self._reload(pid)
        if record is None:
            return _R.pending_transfer_not_found
        (p_dr, p_cr, p_amount, p_code, p_flags, p_timeout_s, _, _, p_ts, p_user_data) = _unpack(
            record
        )
        if not p_flags & TransferFlags.PENDING:
            return _R.pending_transfer_not_pending
        dr = self._account_list[p_dr]
        cr = self._account_list[p_cr]
        if t.debit_account_id != 0 and t.debit_account_id != dr.id:
            return _R.pending_transfer_has_different_debit_account_id
        if t.credit_account_id != 0 and t.credit_account_id != cr.id:
            return _R.pending_transfer_has_different_credit_account_id
        if t.ledger != 0 and t.ledger != dr.ledger:
            return _R.pending_transfer_has_different_ledger
        if t.code != 0 and t.code != p_code:
            return _R.pending_transfer_has_different_code
        if kind == _POST:
            if t.amount > p_amount:
                return _R.exceeds_pending_transfer_amount
            amount = t.amount or p_amount
        else:
            if t.amount != 0 and t.amount != p_amount:
                return _R.pending_transfer_has_different_amount
            amount = p_amount
        state = self._pending_states[pid]
        if state is PendingState.posted:
            return _R.pending_transfer_already_posted
        if state is PendingState.voided:
            return _R.pending_transfer_already_voided
        if state is PendingState.expired:
            return _R.pending_transfer_expired
        assert state is PendingState.pending
        if p_timeout_s and p_ts + p_timeout_s * _NS_PER_S <= ts:
            return _R.pending_transfer_expired
        # After this point, the transfer must succeed.
        assert dr.debits_pending >= p_amount and cr.credits_pending >= p_amount
        dr.debits_pending -= p_amount
        cr.credits_pending -= p_amount
        if kind == _POST:
            dr.debits_posted += amount
            cr.credits_posted += amount
            self._pending_states[pid] = PendingState.posted
        else:
            self._pending_states[pid] = PendingState.voided
        if not user_data:
            user_data = p_user_data
        self._transfers[tid] = _RECORD_STRUCTS[len(user_data)].pack(
            p_dr,
            p_cr,
            amount,
            t.code or p_code,
            int(t.flags),
            0,
            pid & _U64_MASK,
            pid >> 64,
            ts,
            user_data,
        )
        self._changes_transfer_ids.append(tid)
        self._touched.add(dr.id)
        self._touched.add(cr.id)
        if undo is not None:
            undo.append((tid, kind, dr, cr, amount, pid, p_amount))
        return _R.ok

    def _rollback(self, undo: list[_Undo]) -> None:
        """Undo the applied members of a broken chain, newest first."""
        created_ids = self._changes_transfer_ids
        while undo:
            tid, kind, dr, cr, amount, pid, p_amount = undo.pop()
            del self._transfers[tid]
            popped = created_ids.pop()
            assert popped == tid, (popped, tid)
            if kind == _NORMAL:
                dr.debits_posted -= amount
                cr.credits_posted -= amount
            elif kind == _PENDING:
                dr.debits_pending -= amount
                cr.credits_pending -= amount
                # Its expiry entry goes stale: ``_expire_one`` checks the record it finds.
                del self._pending_states[tid]
            else:
                if kind == _POST:
                    dr.debits_posted -= amount
                    cr.credits_posted -= amount
                dr.debits_pending += p_amount
                cr.credits_pending += p_amount
                self._pending_states[pid] = PendingState.pending

    def _exists(self, t: Transfer, record: bytes) -> CreateTransferResult:
        """Compare a retry with the stored transfer (resolving a post's or void's zeros)."""
        e = self._materialise(t.id, record)
        if int(t.flags) != int(e.flags):
            return _R.exists_with_different_flags
        if t.pending_id != e.pending_id:
            return _R.exists_with_different_pending_id
        if t.timeout_s != e.timeout_s:
            return _R.exists_with_different_timeout
        resolving = bool(int(e.flags) & (_POST_FLAG | _VOID_FLAG))
        amount = t.amount
        if resolving and amount == 0:
            amount = e.amount
            if e.flags & TransferFlags.POST_PENDING_TRANSFER:
                # Zero means the full pending amount, which may differ from a partial post.
                pending = self._transfers.get(e.pending_id) or self._reload(e.pending_id)
                assert pending is not None
                amount = _unpack(pending)[2]
        if resolving:
            debit = t.debit_account_id or e.debit_account_id
            credit = t.credit_account_id or e.credit_account_id
            ledger = t.ledger or e.ledger
            code = t.code or e.code
        else:
            debit, credit, ledger, code = (
                t.debit_account_id,
                t.credit_account_id,
                t.ledger,
                t.code,
            )
        if debit != e.debit_account_id:
            return _R.exists_with_different_debit_account_id
        if credit != e.credit_account_id:
            return _R.exists_with_different_credit_account_id
        if amount != e.amount:
            return _R.exists_with_different_amount
        if t.user_data != e.user_data and not (resolving and t.user_data == ""):
            return _R.exists_with_different_user_data
        if ledger != e.ledger:
            return _R.exists_with_different_ledger
        if code != e.code:
            return _R.exists_with_different_code
        return _R.exists

    def _materialise(self, tid: int, record: bytes) -> Transfer:
        (dr, cr, amount, code, flags, timeout_s, pid_lo, pid_hi, ts, user_data) = _unpack(record)
        debit = self._account_list[dr]
        return _new_transfer(
            tid,
            debit.id,
            self._account_list[cr].id,
            amount,
            debit.ledger,
            code,
            _TRANSFER_FLAGS[flags],
            pid_lo | (pid_hi << 64),
            timeout_s,
            user_data.decode("utf-8", "surrogatepass"),
            ts,
        )

    def transfer(self, transfer_id: int) -> Transfer | None:
        """The stored transfer (fields resolved, timestamp set), or None."""
        record = self._transfers.get(transfer_id) or self._reload(transfer_id)
        return None if record is None else self._materialise(transfer_id, record)

    def pending_state(self, pending_id: int) -> PendingState | None:
        """Where the pending transfer ``pending_id`` stands, or None if there is none."""
        state = self._pending_states.get(pending_id)
        if state is None and self._reload(pending_id) is not None:
            state = self._pending_states.get(pending_id)
        return state

    # ---------------------------------------------------------------- memory

    def transfers_in_memory(self) -> int:
        """How many transfer records are held in memory now."""
        return len(self._transfers)

    def refusals_in_memory(self) -> int:
        """How many remembered refusals are held in memory now."""
        return len(self._refused)

    def transfers_evicted(self) -> int:
        """How many transfer records and refusals were evicted so far (one read back and
        evicted again counts again)."""
        return self._evicted_count

    def eviction_horizon(self) -> int:
        """The largest id evicted (or left in the archive by ``restore``); 0 if none."""
        return self._horizon

    def evict(self, keep: int) -> int:
        """Drop the oldest finished transfers until at most ``keep`` records stay in memory
        (live pending transfers always stay), and the oldest remembered refusals until at
        most ``keep`` of those stay. Returns how many transfer records were dropped.

        Call it only when everything drained so far is durable in the archive: a dropped
        record or refusal is read back from there.
        """
        assert self._archive is not None, "evicting needs an archive to read back from"
        assert keep >= 0, keep
        assert not self._changes_transfer_ids, "undrained transfers are not in the archive yet"
        assert not self._changes_refused, "undrained refusals are not in the archive yet"
        self._evict_refusals(keep)
        records = self._transfers
        excess = len(records) - keep
        if excess <= 0:
            return 0
        states = self._pending_states
        live = PendingState.pending
        victims: list[int] = []
        still_live: list[int] = []
        for tid in records:  # Oldest first: a dict keeps insertion order.
            if len(victims) >= excess:
                break
            if states.get(tid) is live:
                still_live.append(tid)
            else:
                victims.append(tid)
        for tid in victims:
            del records[tid]
            states.pop(tid, None)
        self._evicted_from_memory(victims)
        for tid in still_live:  # To the back, so the next call does not scan them first.
            records[tid] = records.pop(tid)
        return len(victims)

    def _evict_refusals(self, keep: int) -> None:
        # Without this, every refusal ever made stayed in memory (about 150 bytes each: one
        # in a hundred payments is refused, so ~15 MB per 10 million payments, never freed).
        refused = self._refused
        excess = len(refused) - keep
        if excess <= 0:
            return
        victims = list(itertools.islice(refused, excess))  # Oldest first (insertion order).
        for tid in victims:
            del refused[tid]
        self._evicted_from_memory(victims)

    def _evicted_from_memory(self, ids: list[int]) -> None:
        if ids:
            self._horizon = max(self._horizon, max(ids))
            self._evicted_count += len(ids)

    def _reload_known(self, tid: int) -> bool:
        """Whether ``tid`` (not in memory, at or below the horizon) was ever stored or
        refused, reading its record or its refusal back into memory, so the caller finds it
        there."""
        if self._reload(tid) is not None:
            return True
        assert self._archive is not None, "only an archive's ledger evicts"
        loaded = self._archive.load_refusal(tid)
        if loaded is None:
            return False  # Below the horizon, but never stored or refused: a new id.
        t, result = loaded
        if t.id != tid or result not in _REMEMBERED:
            raise InvariantBroken(f"the archive gave {t} ({result}) for refused transfer {tid}")
        self._refused[tid] = (result, _fingerprint(t))
        return True

    def _reload(self, tid: int) -> bytes | None:
        """The record of an evicted transfer, read back into memory; None if ``tid`` was
        never evicted (or never stored)."""
        if self._archive is None or tid > self._horizon:
            return None
        loaded = self._archive.load_transfer(tid)
        if loaded is None:
            return None  # Below the horizon, but never stored.
        t, state = loaded
        if t.id != tid or (state is None) == bool(t.flags & TransferFlags.PENDING):
            raise InvariantBroken(f"the archive gave {t} ({state}) for transfer {tid}")
        if state is PendingState.pending:
            raise InvariantBroken(f"transfer {tid} was evicted while its pending state was live")
        record = self._pack(t)
        self._transfers[tid] = record
        if state is not None:
            self._pending_states[tid] = state
        return record

    def _pack(self, t: Transfer) -> bytes:
        """The memory record of a stored transfer (as drained: fields resolved)."""
        dr = self._accounts.get(t.debit_account_id)
        cr = self._accounts.get(t.credit_account_id)
        assert dr is not None and cr is not None, t
        user_data = t.user_data.encode("utf-8", "surrogatepass")
        return _RECORD_STRUCTS[len(user_data)].pack(
            dr.index,
            cr.index,
            t.amount,
            t.code,
            int(t.flags),
            t.timeout_s,
            t.pending_id & _U64_MASK,
            t.pending_id >> 64,
            t.timestamp_ns,
            user_data,
        )

    # ---------------------------------------------------------------- expiry

    def expire_pending(self, now_ns: int, limit: int = EXPIRE_BATCH_MAX) -> list[Transfer]:
        """Expire up to ``limit`` pending transfers whose timeout has passed by ``now_ns``.

        Their pending amounts are released. Returns the expired pending transfers; call
        again when exactly ``limit`` came back, as more may be due.
        """
        assert 0 <= now_ns <= TIMESTAMP_NS_MAX, now_ns
        assert 0 < limit <= EXPIRE_BATCH_MAX, limit
        expiries = self._expiries
        expired: list[Transfer] = []
        # Each pass pops one heap entry; stale entries are bounded by the heap's length.
        for _ in range(len(expiries)):
            if len(expired) >= limit or not expiries or expiries[0][0] > now_ns:
                break
            _, pid = heapq.heappop(expiries)
            pending = self._expire_one(pid, now_ns)
            if pending is not None:
                expired.append(pending)
        return expired

    def _expire_one(self, pid: int, now_ns: int) -> Transfer | None:
        if self._pending_states.get(pid) is not PendingState.pending:
            return None  # Posted, voided, or undone with its chain: a stale entry.
        record = self._transfers[pid]
        (p_dr, p_cr, p_amount, _, _, p_timeout_s, _, _, p_ts, _) = _unpack(record)
        if not p_timeout_s or p_ts + p_timeout_s * _NS_PER_S > now_ns:
            # A stale entry of an id that was undone and then reused with another timeout.
            return None
        ts = now_ns if now_ns > self._last_timestamp_ns else self._last_timestamp_ns + 1
        dr = self._account_list[p_dr]
        cr = self._account_list[p_cr]
        assert dr.debits_pending >= p_amount and cr.credits_pending >= p_amount
        dr.debits_pending -= p_amount
        cr.credits_pending -= p_amount
        self._pending_states[pid] = PendingState.expired
        self._last_timestamp_ns = ts
        self._changes_expired.append((pid, ts))
        self._touched.add(dr.id)
        self._touched.add(cr.id)
        return self._materialise(pid, record)

    def next_expiry_ns(self) -> int | None:
        """When the next pending transfer expires (for the writer's timer), or None."""
        expiries = self._expiries
        # Drop stale entries so that the timer does not wake for nothing.
        for _ in range(len(expiries)):
            expires_at_ns, pid = expiries[0]
            if self._pending_states.get(pid) is PendingState.pending:
                record = self._transfers[pid]
                fields = _unpack(record)
                if fields[5] and fields[8] + fields[5] * _NS_PER_S == expires_at_ns:
                    return expires_at_ns
            heapq.heappop(expiries)
        return None

    # ---------------------------------------------------------------- persistence

    def drain_changes(self, *, as_fields: bool = False) -> LedgerChanges:
        """What changed since the last drain; the ledger forgets it (not the state).

        ``as_fields=True`` gives the created transfers as ``transfer_fields`` tuples instead
        of ``Transfer`` objects: the store turns them into rows at once, and building a
        frozen object per transfer only to read its fields back was, measured, as much of
        the writer's time as applying the transfers.
        """
        records = self._transfers
        created = self._changes_transfer_ids
        fields: list[TransferFields] = []
        transfers: list[Transfer] = []
        if as_fields:
            accounts = self._account_list
            for tid in created:
                (dr, cr, amount, code, flags, timeout_s, pid_lo, pid_hi, ts, user_data) = _unpack(
                    records[tid]
                )
                debit = accounts[dr]
                fields.append(
                    (
                        tid,
                        debit.id,
                        accounts[cr].id,
                        amount,
                        debit.ledger,
                        code,
                        flags,
                        pid_lo | (pid_hi << 64),
                        timeout_s,
                        user_data.decode("utf-8", "surrogatepass"),
                        ts,
                    )
                )
        else:
            transfers = [self._materialise(tid, records[tid]) for tid in created]
        changes = LedgerChanges(
            accounts_created=self._changes_accounts,
            transfers_created=transfers,
            transfer_fields=fields,
            pending_expired=self._changes_expired,
            accounts_touched=self._touched,
            transfers_refused=self._changes_refused,
        )
        self._changes_accounts = []
        self._changes_transfer_ids = []
        self._changes_expired = []
        self._changes_refused = []
        self._touched = set()
        if len(self._expiries) >= self._expiries_compact_at:
            self._compact_expiries()
        return changes

    def _compact_expiries(self) -> None:
        """Drop the expiry entries of transfers no longer pending (amortised O(1): the next
        compaction waits until the heap has doubled again)."""
        states = self._pending_states
        live = PendingState.pending
        kept = [(at, pid) for at, pid in self._expiries if states.get(pid) is live]
        heapq.heapify(kept)
        self._expiries = kept
        self._expiries_compact_at = max(EXPIRIES_COMPACT_MIN, 2 * len(kept))

    def restore(
        self,
        accounts: Iterable[Account],
        transfers: Iterable[Transfer],
        pending_states: Mapping[int, PendingState],
        refused: Iterable[tuple[Transfer, CreateTransferResult]] = (),
        horizon: int = 0,
    ) -> None:
        """Rebuild an empty ledger from the store on start-up.

        ``horizon`` is at least the largest id of the stored transfers not given in
        ``transfers`` and of the refusals not given in ``refused`` (the store keeps them;
        the ledger reads one back when it is named, as after ``evict``): the largest id the
        store holds will do.

        ``accounts`` come with their balances as stored; ``transfers`` are the stored
        ones (as drained: fields resolved, timestamps set); ``pending_states`` has the state
        of every pending transfer; ``refused`` the remembered refusals. Asserts that the
        result is sound (``check_invariants``).
        """
        assert not self._accounts and not self._transfers, "restore needs an empty ledger"
        for a in accounts:
            assert 0 < a.id < ID_LIMIT and a.id not in self._accounts, a.id
            state = _AccountState(a, len(self._account_list))
            self._accounts[state.id] = state
            self._account_list.append(state)
        last_ts = 0
        for t in transfers:
            assert 0 < t.id < ID_LIMIT and t.id not in self._transfers, t.id
            assert 0 < t.timestamp_ns <= TIMESTAMP_NS_MAX, t
            self._transfers[t.id] = self._pack(t)
            last_ts = max(last_ts, t.timestamp_ns)
            if t.flags & TransferFlags.PENDING:
                state_of = pending_states.get(t.id)
                if state_of is None:
                    raise InvariantBroken(f"pending transfer {t.id} has no pending state")
                self._pending_states[t.id] = PendingState(state_of)
                if state_of is PendingState.pending and t.timeout_s:
                    self._expiries.append((t.timestamp_ns + t.timeout_s * _NS_PER_S, t.id))
        heapq.heapify(self._expiries)
        assert 0 <= horizon < ID_LIMIT, horizon
        self._horizon = horizon
        for t, result in refused:
            self._refused[t.id] = (CreateTransferResult(result), _fingerprint(t))
        self._last_timestamp_ns = last_ts
        self.check_invariants()

    # ---------------------------------------------------------------- invariants

    def totals(self) -> dict[int, LedgerTotals]:
        """Per ledger, the sums of the four balances over its accounts."""
        sums: dict[int, list[int]] = {}
        for a in self._account_list:
            s = sums.setdefault(a.ledger, [0, 0, 0, 0])
            s[0] += a.debits_pending
            s[1] += a.debits_posted
            s[2] += a.credits_pending
            s[3] += a.credits_posted
        return {ledger: LedgerTotals(*s) for ledger, s in sums.items()}

    def check_invariants(self) -> None:
        """Raise ``InvariantBroken`` if any ledger or account breaks a rule.

        On every ledger debits equal credits (pending and posted separately); no balance is
        negative or beyond ``BALANCE_MAX``; no account breaks its flag; and each account's
        pending balances equal the sums of its live pending transfers.
        """
        for ledger, s in self.totals().items():
            if s.debits_pending != s.credits_pending:
                raise InvariantBroken(f"ledger {ledger}: pending debits != credits: {s}")
            if s.debits_posted != s.credits_posted:
                raise InvariantBroken(f"ledger {ledger}: posted debits != credits: {s}")
        live_debits: dict[int, int] = {}
        live_credits: dict[int, int] = {}
        for pid, state in self._pending_states.items():
            if state is PendingState.pending:
                dr, cr, amount = _unpack(self._transfers[pid])[:3]
                live_debits[dr] = live_debits.get(dr, 0) + amount
                live_credits[cr] = live_credits.get(cr, 0) + amount
        for a in self._account_list:
            balances = (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
            if not all(0 <= b <= BALANCE_MAX for b in balances):
                raise InvariantBroken(f"account {a.id}: balance out of range: {balances}")
            if a.debits_pending + a.debits_posted > BALANCE_MAX or (
                a.credits_pending + a.credits_posted > BALANCE_MAX
            ):
                raise InvariantBroken(f"account {a.id}: debits or credits overflow")
            if a.debits_limited and a.debits_pending + a.debits_posted > a.credits_posted:
                raise InvariantBroken(f"account {a.id}: debits exceed credits")
            if a.credits_limited and a.credits_pending + a.credits_posted > a.debits_posted:
                raise InvariantBroken(f"account {a.id}: credits exceed debits")
            if a.debits_pending != live_debits.get(a.index, 0):
                raise InvariantBroken(f"account {a.id}: debits_pending != live pending debits")
            if a.credits_pending != live_credits.get(a.index, 0):
                raise InvariantBroken(f"account {a.id}: credits_pending != live pending credits")
