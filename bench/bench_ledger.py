"""Ledger throughput on one core and memory per stored transfer.

Run: ``python -m bench ledger``. Prints transfers applied per second for simple posted
transfers, pending+post pairs and linked chains of 5 (apply, then apply plus
``drain_changes`` as the writer does per batch), next to the floor cost measured in the
same run: a bare Python loop updating two dict entries per transfer. Then bytes per stored
transfer (tracemalloc) for 128-bit ids and a 36-character UETR in ``user_data``.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Final

from bench.machine import describe
from lintas.domain.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)

TRANSFERS_COUNT: Final[int] = 200_000
BATCH_SIZE_MAX: Final[int] = 1_000
ACCOUNTS_COUNT: Final[int] = 1_000
MEMORY_TRANSFERS_COUNT: Final[int] = 200_000
LEDGER_ID: Final[int] = 702
CODE: Final[int] = 1
# Ids as a client would choose them: random 128-bit, like UUIDs or ULIDs.
_ID_BASE: Final[int] = uuid.UUID("0190f3a2-7c1e-7000-8000-000000000000").int


def _ledger() -> Ledger:
    ledger = Ledger()
    accounts = [
        Account(id=_ID_BASE + 10**9 + i, ledger=LEDGER_ID, code=CODE) for i in range(ACCOUNTS_COUNT)
    ]
    # One hot account that is limited, as an FXP's liquidity account is.
    accounts[0] = Account(
        id=accounts[0].id,
        ledger=LEDGER_ID,
        code=CODE,
        flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )
    assert all(r == "ok" for r in ledger.create_accounts(accounts))
    return ledger


def _account_id(i: int) -> int:
    return _ID_BASE + 10**9 + 1 + i % (ACCOUNTS_COUNT - 1)


def _simple(count: int, first_id: int) -> list[Transfer]:
    return [
        Transfer(
            id=first_id + i,
            debit_account_id=_account_id(i),
            credit_account_id=_account_id(i + 1),
            amount=1_000 + i % 997,
            ledger=LEDGER_ID,
            code=CODE,
            user_data=str(uuid.UUID(int=first_id + i // 10)),
        )
        for i in range(count)
    ]


def _pending_post(count: int, first_id: int) -> list[Transfer]:
    out: list[Transfer] = []
    for i in range(count // 2):
        pid = first_id + 2 * i
        out.append(
            Transfer(
                id=pid,
                debit_account_id=_account_id(i),
                credit_account_id=_account_id(i + 1),
                amount=5_000,
                ledger=LEDGER_ID,
                code=CODE,
                flags=TransferFlags.PENDING,
                timeout_s=30,
            )
        )
        out.append(
            Transfer(
                id=pid + 1,
                debit_account_id=0,
                credit_account_id=0,
                amount=0,
                ledger=0,
                code=0,
                flags=TransferFlags.POST_PENDING_TRANSFER,
                pending_id=pid,
            )
        )
    return out


def _chains(count: int, first_id: int) -> list[Transfer]:
    out: list[Transfer] = []
    for i in range(count):
        out.append(
            Transfer(
                id=first_id + i,
                debit_account_id=_account_id(i),
                credit_account_id=_account_id(i + 1),
                amount=700,
                ledger=LEDGER_ID,
                code=CODE,
                flags=TransferFlags.LINKED if i % 5 != 4 else TransferFlags.NONE,
            )
        )
    return out


def _batches(transfers: list[Transfer]) -> list[list[Transfer]]:
    return [transfers[i : i + BATCH_SIZE_MAX] for i in range(0, len(transfers), BATCH_SIZE_MAX)]


def _rate(name: str, make: Callable[[int, int], list[Transfer]], drain: bool) -> float:
    ledger = _ledger()
    batches = _batches(make(TRANSFERS_COUNT, _ID_BASE + 10**12))
    gc.collect()
    now_ns = 1_700_000_000_000_000_000
    ok = CreateTransferResult.ok
    start = time.perf_counter()
    for batch in batches:
        results = ledger.create_transfers(batch, now_ns)
        if drain:
            ledger.drain_changes()
        now_ns += 1_000_000
        assert all(r is ok for r in results), {r for r in results if r is not ok}
    elapsed = time.perf_counter() - start
    ledger.check_invariants()
    rate = TRANSFERS_COUNT / elapsed
    suffix = " + drain" if drain else ""
    print(f"  {name + suffix:<28} {rate:>12,.0f} transfers/s")
    return rate


def _baseline() -> float:
    """The floor: a bare loop moving amounts between two dict entries per transfer."""
    transfers = _simple(TRANSFERS_COUNT, _ID_BASE + 10**12)
    balances = {a: 0 for a in range(ACCOUNTS_COUNT)}
    balances.update({_account_id(i): 0 for i in range(ACCOUNTS_COUNT)})
    gc.collect()
    start = time.perf_counter()
    for t in transfers:
        balances[t.debit_account_id] -= t.amount
        balances[t.credit_account_id] += t.amount
    elapsed = time.perf_counter() - start
    rate = TRANSFERS_COUNT / elapsed
    print(f"  {'baseline: bare dict loop':<28} {rate:>12,.0f} transfers/s")
    return rate


def _bytes_per_transfer() -> float:
    """tracemalloc growth of the ledger per stored transfer, after draining."""
    ledger = _ledger()
    # Ten transfers per payment share one UETR, as the hub's legs do.
    batches = _batches(_simple(MEMORY_TRANSFERS_COUNT, _ID_BASE + 10**12))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    now_ns = 1_700_000_000_000_000_000
    for batch in batches:
        ledger.create_transfers(batch, now_ns)
        ledger.drain_changes()
        now_ns += 1_000_000
    # The input transfers stay alive in ``batches`` (the caller owns them); only the
    # ledger's growth is counted.
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_transfer = (after - before) / MEMORY_TRANSFERS_COUNT
    print(
        f"  bytes per stored transfer: {per_transfer:,.0f} "
        f"({MEMORY_TRANSFERS_COUNT:,} transfers, 128-bit ids, 36-char user_data; "
        f"1,000,000 transfers ~ {per_transfer * 1_000_000 / 2**20:,.0f} MiB)"
    )
    return per_transfer


def main() -> None:
    print("command: python -m bench ledger")
    print(f"machine: {describe()}")
    print(f"{TRANSFERS_COUNT:,} transfers in batches of {BATCH_SIZE_MAX:,}, one core:")
    _baseline()
    for drain in (False, True):
        _rate("simple posted", _simple, drain)
        _rate("pending + post pairs", _pending_post, drain)
        _rate("linked chains of 5", _chains, drain)
    _bytes_per_transfer()


if __name__ == "__main__":
    main()
