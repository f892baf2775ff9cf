"""A Hypothesis state machine drives the ledger and checks it against a plain model.

After every step: ``check_invariants()`` holds and every account's four balances equal the
model's. The model is written for clarity, not speed: it is the specification. Drained
changes go to an in-memory archive (as the store keeps them), and a rule evicts old
transfers from the ledger at random, so every answer is also checked after eviction.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from lintas.domain.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    LedgerChanges,
    PendingState,
    Transfer,
    TransferFlags,
)

R = CreateTransferResult
LEDGER_ID = 702
S = 1_000_000_000
START_NS = 1_700_000_000_000_000_000
ACCOUNTS_COUNT = 5
CHAIN_LENGTH_MAX = 4
AMOUNT_MAX = 50


class DrainedArchive:
    """What a store keeps of drained changes, read back as ``TransferArchive`` does."""

    def __init__(self) -> None:
        self.transfers: dict[int, Transfer] = {}
        self.resolved_by: dict[int, TransferFlags] = {}
        self.expired: set[int] = set()
        self.refused: dict[int, tuple[Transfer, CreateTransferResult]] = {}
        self.loads = 0

    def keep(self, changes: LedgerChanges) -> None:
        for t in changes.transfers_created:
            self.transfers[t.id] = t
            if t.pending_id:
                self.resolved_by[t.pending_id] = t.flags
        self.expired.update(pid for pid, _ in changes.pending_expired)
        for t, result in changes.transfers_refused:
            assert t.id not in self.refused, "a refusal is drained once"
            self.refused[t.id] = (t, result)

    def load_refusal(self, transfer_id: int) -> tuple[Transfer, CreateTransferResult] | None:
        self.loads += 1
        return self.refused.get(transfer_id)

    def load_transfer(self, transfer_id: int) -> tuple[Transfer, PendingState | None] | None:
        self.loads += 1
        t = self.transfers.get(transfer_id)
        if t is None:
            return None
        if not t.flags & TransferFlags.PENDING:
            return t, None
        flags = self.resolved_by.get(t.id)
        if flags is not None and flags & TransferFlags.POST_PENDING_TRANSFER:
            return t, PendingState.posted
        if flags is not None and flags & TransferFlags.VOID_PENDING_TRANSFER:
            return t, PendingState.voided
        if t.id in self.expired:
            return t, PendingState.expired
        return t, PendingState.pending


@dataclass
class ModelPending:
    debit: int
    credit: int
    amount: int
    expires_at_ns: int  # 0 = never
    state: PendingState


class LedgerMachine(RuleBasedStateMachine):
    """Random accounts, transfers, chains, pending/post/void, retries and expiry."""

    def __init__(self) -> None:
        super().__init__()
        self.archive = DrainedArchive()
        self.ledger = Ledger(self.archive)
        self.now_ns = START_NS
        self.last_ts = 0
        self.next_id = 100
        self.flags: dict[int, AccountFlags] = {}
        # account id -> [debits_pending, debits_posted, credits_pending, credits_posted]
        self.balances: dict[int, list[int]] = {}
        self.pendings: dict[int, ModelPending] = {}
        # Every transfer sent with its first result, for retries.
        self.sent: list[tuple[Transfer, CreateTransferResult]] = []

    @initialize(flags=st.lists(st.sampled_from([0, 1, 2]), min_size=5, max_size=5))
    def create_accounts(self, flags: list[int]) -> None:
        accounts = [
            Account(id=i + 1, ledger=LEDGER_ID, code=1, flags=AccountFlags(f))
            for i, f in enumerate(flags)
        ]
        assert all(r == "ok" for r in self.ledger.create_accounts(accounts))
        for a in accounts:
            self.flags[a.id] = a.flags
            self.balances[a.id] = [0, 0, 0, 0]

    # ------------------------------------------------------------------ model

    def _fresh_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _ts(self) -> int:
        return self.now_ns if self.now_ns > self.last_ts else self.last_ts + 1

    def _model_apply(self, t: Transfer, balances: dict[int, list[int]]) -> CreateTransferResult:
        """Apply ``t`` to ``balances`` (and pendings) if the rules allow; return the result."""
        kind = int(t.flags) & ~int(TransferFlags.LINKED)
        ts = self._ts()
        if kind in (TransferFlags.POST_PENDING_TRANSFER, TransferFlags.VOID_PENDING_TRANSFER):
            p = self.pendings.get(t.pending_id)
            if p is None:
                return R.pending_transfer_not_found
            if kind == TransferFlags.POST_PENDING_TRANSFER and t.amount > p.amount:
                return R.exceeds_pending_transfer_amount
            if p.state is PendingState.posted:
                return R.pending_transfer_already_posted
            if p.state is PendingState.voided:
                return R.pending_transfer_already_voided
            if p.state is PendingState.expired or (p.expires_at_ns and p.expires_at_ns <= ts):
                return R.pending_transfer_expired
            dr, cr = balances[p.debit], balances[p.credit]
            dr[0] -= p.amount
            cr[2] -= p.amount
            if kind == TransferFlags.POST_PENDING_TRANSFER:
                amount = t.amount or p.amount
                dr[1] += amount
                cr[3] += amount
                p.state = PendingState.posted
            else:
                p.state = PendingState.voided
            self.last_ts = ts
            return R.ok
        if t.debit_account_id == t.credit_account_id:
            return R.accounts_must_be_different
        dr, cr = balances[t.debit_account_id], balances[t.credit_account_id]
        if (
            self.flags[t.debit_account_id] & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
            and dr[0] + dr[1] + t.amount > dr[3]
        ):
            return R.exceeds_credits
        if (
            self.flags[t.credit_account_id] & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
            and cr[2] + cr[3] + t.amount > cr[1]
        ):
            return R.exceeds_debits
        if kind == TransferFlags.PENDING:
            dr[0] += t.amount
            cr[2] += t.amount
            expires = ts + t.timeout_s * S if t.timeout_s else 0
            self.pendings[t.id] = ModelPending(
                t.debit_account_id, t.credit_account_id, t.amount, expires, PendingState.pending
            )
        else:
            dr[1] += t.amount
            cr[3] += t.amount
        self.last_ts = ts
        return R.ok

    def _send(
        self, batch: list[Transfer], expected: list[CreateTransferResult], first_try: bool = True
    ) -> None:
        results = self.ledger.create_transfers(batch, self.now_ns)
        assert results == expected, (batch, results, expected)
        if first_try:
            # Only first attempts are retried, so that a retry is compared with the original.
            self.sent.extend(zip(batch, results, strict=True))
        self.now_ns += 1

    # ------------------------------------------------------------------ rules

    @rule(
        dr=st.integers(1, ACCOUNTS_COUNT),
        cr=st.integers(1, ACCOUNTS_COUNT),
        amount=st.integers(1, AMOUNT_MAX),
        pending=st.booleans(),
        timeout_s=st.sampled_from([0, 0, 1, 5, 60]),
    )
    def transfer(self, dr: int, cr: int, amount: int, pending: bool, timeout_s: int) -> None:
        t = Transfer(
            id=self._fresh_id(),
            debit_account_id=dr,
            credit_account_id=cr,
            amount=amount,
            ledger=LEDGER_ID,
            code=1,
            flags=TransferFlags.PENDING if pending else TransferFlags.NONE,
            timeout_s=timeout_s if pending else 0,
        )
        expected = self._model_apply(t, self.balances)
        self._send([t], [expected])

    @precondition(lambda self: bool(self.pendings))
    @rule(data=st.data(), void=st.booleans(), partial=st.booleans())
    def post_or_void(self, data: st.DataObject, void: bool, partial: bool) -> None:
        pid = data.draw(st.sampled_from(sorted(self.pendings)))
        amount = 0
        if not void and partial:
            amount = data.draw(st.integers(1, self.pendings[pid].amount + 1))
        t = Transfer(
            id=self._fresh_id(),
            debit_account_id=0,
            credit_account_id=0,
            amount=amount,
            ledger=0,
            code=0,
            flags=(
                TransferFlags.VOID_PENDING_TRANSFER if void else TransferFlags.POST_PENDING_TRANSFER
            ),
            pending_id=pid,
        )
        expected = self._model_apply(t, self.balances)
        self._send([t], [expected])

    @rule(
        legs=st.lists(
            st.tuples(
                st.integers(1, ACCOUNTS_COUNT),
                st.integers(1, ACCOUNTS_COUNT),
                st.integers(1, AMOUNT_MAX),
            ),
            min_size=2,
            max_size=CHAIN_LENGTH_MAX,
        ),
        close=st.booleans(),
    )
    def linked_chain(self, legs: list[tuple[int, int, int]], close: bool) -> None:
        chain = [
            Transfer(
                id=self._fresh_id(),
                debit_account_id=dr,
                credit_account_id=cr,
                amount=amount,
                ledger=LEDGER_ID,
                code=1,
                flags=TransferFlags.LINKED
                if i < len(legs) - 1 or not close
                else TransferFlags.NONE,
            )
            for i, (dr, cr, amount) in enumerate(legs)
        ]
        if not close:
            self._send(chain, [R.linked_event_chain_open] * len(chain))
            return
        # Apply to a copy; commit only if every member succeeds.
        trial = {a: list(b) for a, b in self.balances.items()}
        last_ts = self.last_ts
        expected: list[CreateTransferResult] = []
        for t in chain:
            r = self._model_apply(t, trial)
            if r is not R.ok:
                expected = [R.linked_event_failed] * len(expected) + [r]
                expected += [R.linked_event_failed] * (len(chain) - len(expected))
                break
            expected.append(r)
        if all(r is R.ok for r in expected):
            self.balances = trial
        else:
            # The ledger does not reuse timestamps of undone members; the model agrees by
            # keeping the advanced ``last_ts`` (only ordering matters).
            assert self.last_ts >= last_ts
        self._send(chain, expected)

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data(), change_amount=st.booleans())
    def retry(self, data: st.DataObject, change_amount: bool) -> None:
        original, first = data.draw(st.sampled_from(self.sent))
        if first in (R.linked_event_failed, R.linked_event_chain_open):
            return  # Never applied nor remembered: a retry is a new attempt, not a retry.
        stored = self.ledger.transfer(original.id)
        flags = int(original.flags) & ~int(TransferFlags.LINKED)
        retry = Transfer(
            id=original.id,
            debit_account_id=original.debit_account_id,
            credit_account_id=original.credit_account_id,
            amount=original.amount + (AMOUNT_MAX + 7 if change_amount else 0),
            ledger=original.ledger,
            code=original.code,
            flags=TransferFlags(flags),
            pending_id=original.pending_id,
            timeout_s=original.timeout_s,
        )
        linked_differs = flags != int(original.flags)
        if stored is not None:
            expected = (
                R.exists_with_different_flags
                if linked_differs
                else R.exists_with_different_amount
                if change_amount
                else R.exists
            )
        elif first is R.accounts_must_be_different:
            # Not remembered: the retry is judged afresh and refused alike unless changed.
            expected = R.accounts_must_be_different
        else:
            expected = R.id_already_failed if change_amount or linked_differs else first
        self._send([retry], [expected], first_try=False)

    @rule(seconds=st.integers(0, 90))
    def time_passes_and_pending_transfers_expire(self, seconds: int) -> None:
        self.now_ns += seconds * S
        expired = self.ledger.expire_pending(self.now_ns)
        due = sorted(
            pid
            for pid, p in self.pendings.items()
            if p.state is PendingState.pending
            and p.expires_at_ns
            and p.expires_at_ns <= self.now_ns
        )
        assert sorted(t.id for t in expired) == due
        for pid in due:
            p = self.pendings[pid]
            p.state = PendingState.expired
            self.balances[p.debit][0] -= p.amount
            self.balances[p.credit][2] -= p.amount
            self.last_ts = max(self.last_ts + 1, self.now_ns)

    @rule()
    def drain(self) -> None:
        changes = self.ledger.drain_changes()
        stamps = [t.timestamp_ns for t in changes.transfers_created]
        assert stamps == sorted(set(stamps)), "timestamps strictly increase"
        self.archive.keep(changes)

    @rule(keep=st.integers(0, 12))
    def old_transfers_are_evicted_from_memory(self, keep: int) -> None:
        self.drain()
        live = sum(p.state is PendingState.pending for p in self.pendings.values())
        self.ledger.evict(keep)
        assert self.ledger.transfers_in_memory() <= max(keep, live)

    # ------------------------------------------------------------------ checks

    @invariant()
    def the_ledger_balances_and_matches_the_model(self) -> None:
        self.ledger.check_invariants()
        for account_id, expected in self.balances.items():
            a = self.ledger.account(account_id)
            assert a is not None
            got = [a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted]
            assert got == expected, (account_id, got, expected)
        for pid, p in self.pendings.items():
            assert self.ledger.pending_state(pid) is p.state, pid


LedgerMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_the_ledger_behaves_like_its_model_under_random_operations = LedgerMachine.TestCase
