"""The PostgreSQL store next to the SQLite one: raw row inserts, then payments in-process.

Run: ``python -m bench postgres`` (the server: ``LINTAS_BENCH_POSTGRES_URL``, default
``postgresql://postgres@127.0.0.1:5432/test``; the bench works in a database of its own,
created and dropped). Prints:

a. The physical limit: transfer rows (the writer's widest table) inserted per second in
   transactions of ``RAW_BATCH_ROWS`` rows, by binary ``COPY``, by one ``INSERT ... SELECT FROM
   unnest(arrays)`` and by ``executemany`` (which psycopg pipelines), with the client's CPU
   per row (the hub's writer thread pays that, under the GIL); and commits per second of a
   single row (the cost of one durable commit).
b. Payments per second in-process (quote + pay, ``INPROC_CONCURRENCY`` in flight, closed loop)
   on a hub on SQLite and on a hub on PostgreSQL, with latency percentiles and statuses.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bench import bench_payments
from bench.machine import describe
from lintas.adapters.postgres import ledger_sql
from lintas.bootstrap import Hub, HubConfig, build_hub

URL_ENV: Final = "LINTAS_BENCH_POSTGRES_URL"
URL_DEFAULT: Final = "postgresql://postgres@127.0.0.1:5432/test"
#: Rows per transaction in part a: about the transfers of a busy batch (8 per payment).
RAW_BATCH_ROWS: Final = 2048
#: Transactions per method in part a.
RAW_BATCHES: Final = 25
#: Single-row commits timed in part a.
RAW_COMMITS: Final = 300
#: Payments per store in part b, after ``INPROC_WARMUP`` unmeasured ones.
INPROC_PAYMENTS: Final = 3000
INPROC_WARMUP: Final = 300
INPROC_CONCURRENCY: Final = 64
CUSTOMERS_PER_COUNTRY: Final = 200


def _url() -> str:
    return os.environ.get(URL_ENV, URL_DEFAULT)


@contextmanager
def _fresh_database() -> Iterator[str]:
    name = f"lintas_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(_url())._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(_url(), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# -- a. raw inserts --------------------------------------------------------------------------


def _transfer_rows(first: int, count: int) -> list[tuple[Any, ...]]:
    uetr = str(uuid.uuid4())
    now = time.time_ns()
    return [
        (
            (first + i).to_bytes(16, "big"),
            (10**30 + i % 1000).to_bytes(16, "big"),
            (10**31 + i % 1000).to_bytes(16, "big"),
            12_345,
            21_319,
            10,
            3,
            None,
            60,
            uetr,
            now + first + i,
        )
        for i in range(count)
    ]


def _copy(conn: psycopg.Connection[Any], batch: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(ledger_sql.COPY_TRANSFERS) as copy:
        copy.set_types(ledger_sql.TRANSFER_TYPES)
        for row in batch:
            copy.write_row(row)


_UNNEST: Final = (
    f"INSERT INTO transfers ({ledger_sql.TRANSFER_COLUMNS}) SELECT * FROM unnest("
    + ", ".join(f"%b::{t}[]" for t in ledger_sql.TRANSFER_TYPES)
    + ")"
)
_INSERT_ONE: Final = (
    f"INSERT INTO transfers ({ledger_sql.TRANSFER_COLUMNS})"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _unnest(conn: psycopg.Connection[Any], batch: list[tuple[Any, ...]]) -> None:
    conn.execute(_UNNEST, [list(c) for c in zip(*batch, strict=True)])


def _executemany(conn: psycopg.Connection[Any], batch: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(_INSERT_ONE, batch)


def _raw(url: str) -> None:
    print(f"\na. transfer rows into PostgreSQL, {RAW_BATCH_ROWS} a transaction", flush=True)
    # The store's own schema and indexes: a hub opened once on the database creates them.
    with tempfile.TemporaryDirectory() as tmp:
        side = Path(tmp) / "side.db"
        build_hub(HubConfig(db_url=url, db_path=side, customers_per_country=10)).close()
    methods: list[tuple[str, Callable[[psycopg.Connection[Any], list[tuple[Any, ...]]], None]]] = [
        ("COPY (binary)", _copy),
        ("INSERT ... unnest", _unnest),
        ("executemany (pipelined)", _executemany),
    ]
    next_id = 1
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path TO lintas")
        conn.execute("SET synchronous_commit TO on")
        for name, method in methods:
            wall = cpu = 0.0
            for _ in range(RAW_BATCHES):
                batch = _transfer_rows(next_id, RAW_BATCH_ROWS)
                next_id += RAW_BATCH_ROWS
                t0, c0 = time.perf_counter(), time.process_time()
                with conn.transaction():
                    method(conn, batch)
                wall += time.perf_counter() - t0
                cpu += time.process_time() - c0
            rows = RAW_BATCHES * RAW_BATCH_ROWS
            print(
                f"  {name:<24} {rows / wall:>10,.0f} rows/s   {cpu / rows * 1e6:5.1f} us client"
                " CPU a row",
                flush=True,
            )
        t0 = time.perf_counter()
        for _ in range(RAW_COMMITS):
            batch = _transfer_rows(next_id, 1)
            next_id += 1
            with conn.transaction():
                _copy(conn, batch)
        print(
            f"  one row a commit:        {RAW_COMMITS / (time.perf_counter() - t0):>10,.0f}"
            " commits/s (each waits for the WAL's flush)",
            flush=True,
        )


# -- b. payments in-process ------------------------------------------------------------------


async def _payments(hub: Hub) -> tuple[float, list[float], Counter[str]]:
    # The workload of ``bench payments`` part b: every corridor, senders over every customer.
    total = INPROC_WARMUP + INPROC_PAYMENTS
    jobs = bench_payments._jobs(hub.region, total, seed=1)
    uetrs = [str(uuid.uuid4()) for _ in range(total)]
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    pay = bench_payments.pay_in_process
    await pay(hub, jobs, uetrs, 0, INPROC_WARMUP, INPROC_CONCURRENCY, latencies, statuses)
    latencies.clear()
    statuses.clear()
    t0 = time.perf_counter()
    await pay(hub, jobs, uetrs, INPROC_WARMUP, total, INPROC_CONCURRENCY, latencies, statuses)
    return time.perf_counter() - t0, latencies, statuses


def _inproc(store: str, config: HubConfig) -> None:
    t0 = time.perf_counter()
    hub = build_hub(config)
    try:
        asyncio.run(hub.start())
        built_s = time.perf_counter() - t0
        elapsed, latencies, statuses = asyncio.run(_payments(hub))
        balanced = all(b.balanced for b in hub.store.ledger_balances())
        hub.store.check_ledger_invariants()
    finally:
        hub.close()
    q = statistics.quantiles(latencies, n=100)
    print(
        f"  {store:<10} {INPROC_PAYMENTS / elapsed:>7,.0f} payments/s   p50 {q[49] * 1e3:6.1f} ms"
        f"   p99 {q[98] * 1e3:6.1f} ms   (hub built in {built_s:.1f} s; every ledger"
        f" balances: {balanced}; {dict(statuses)})",
        flush=True,
    )


def main() -> None:
    print("command: python -m bench postgres")
    print(f"machine: {describe()}")
    with psycopg.connect(_url(), autocommit=True) as admin:
        row = admin.execute("SHOW server_version").fetchone()
    print(f"server: PostgreSQL {row[0] if row else '?'} at {_url()}; psycopg {psycopg.__version__}")
    with _fresh_database() as url:
        _raw(url)
    print(
        f"\nb. payments in-process: quote + pay, {INPROC_PAYMENTS} after {INPROC_WARMUP} warm-up,"
        f" {INPROC_CONCURRENCY} in flight, {CUSTOMERS_PER_COUNTRY} customers a country",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        _inproc(
            "SQLite",
            HubConfig(db_path=Path(tmp) / "hub.db", customers_per_country=CUSTOMERS_PER_COUNTRY),
        )
        with _fresh_database() as url:
            _inproc(
                "PostgreSQL",
                HubConfig(
                    db_url=url,
                    db_path=Path(tmp) / "side.db",
                    customers_per_country=CUSTOMERS_PER_COUNTRY,
                ),
            )


if __name__ == "__main__":
    main()
