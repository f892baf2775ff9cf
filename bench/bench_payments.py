"""Payments per second, latency and memory, next to the SQLite ceiling measured in the same run.

Run: ``python -m bench payments``. Four parts, each on a fresh temporary SQLite file:

a. the ceiling: raw batched inserts of transfer-shaped rows (WAL, synchronous=FULL, one
   transaction per batch), and commits per second for single-row transactions (one fsync each);
b. in-process: quote + submit to the final status through the services, many asyncio tasks,
   senders spread over every sandbox customer and every corridor; also the process's CPU time
   per payment (both threads), which a shared machine's load disturbs less than payments/s;
c. over HTTP: a ``lintas serve`` subprocess; each payment is quote + resolve + submit + GET,
   closed loop at full concurrency (max throughput), then open loop at half of it (p99), and
   open loop at ``LINTAS_BENCH_OPEN_LOOP_RATE`` [500] payments/s, half the issue's target;
d. the server's RSS (from /proc) after ``LINTAS_BENCH_MEMORY_PAYMENTS`` payments in total;
e. how long reopening that store takes (a restart rebuilds the ledger from the file).

After b and after c/d every ledger's balances are checked and printed (money never created).

Sizes (environment variables, defaults in brackets):
``LINTAS_BENCH_INPROC_PAYMENTS`` [20000], ``LINTAS_BENCH_HTTP_PAYMENTS`` [10000],
``LINTAS_BENCH_MEMORY_PAYMENTS`` [30000] (the issue's size is 100000: set it for the full run),
``LINTAS_BENCH_HTTP_CLIENTS`` [1] client processes, ``LINTAS_BENCH_HTTP_CONNECTIONS`` [128].
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing as mp
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import msgspec

from bench.machine import describe
from lintas.adapters import rows
from lintas.adapters.sqlite.migrations import migrate
from lintas.adapters.sqlite.store import SqliteStore, StoreConfig
from lintas.bootstrap import SEED_DEFAULT, Hub, HubConfig, build_hub
from lintas.domain.ledger import Transfer, TransferFlags
from lintas.entrypoints.collector import settle_after_start
from lintas.ports.clock import SystemClock
from lintas.ports.directory import Participant, Role
from lintas.ports.store import LedgerBalance
from lintas.sandbox.region import Customer, Region, build_region
from lintas.services.payments import PartyInput, PaymentRequest
from lintas.services.quoting import QuoteRequest

INPROC_PAYMENTS: Final = int(os.environ.get("LINTAS_BENCH_INPROC_PAYMENTS", "20000"))
HTTP_PAYMENTS: Final = int(os.environ.get("LINTAS_BENCH_HTTP_PAYMENTS", "10000"))
MEMORY_PAYMENTS: Final = int(os.environ.get("LINTAS_BENCH_MEMORY_PAYMENTS", "30000"))
HTTP_CLIENTS: Final = int(os.environ.get("LINTAS_BENCH_HTTP_CLIENTS", "1"))
HTTP_CONNECTIONS: Final = int(os.environ.get("LINTAS_BENCH_HTTP_CONNECTIONS", "128"))
#: asyncio tasks in flight at once in-process (a bound, as everything else).
INPROC_CONCURRENCY: Final = 1000
#: Seconds each raw SQLite measurement runs for.
SQLITE_SECONDS: Final = 2.0
SQLITE_BATCH_SIZES: Final = (1, 10, 100, 1000, 4096)
#: Seconds of the open-loop run at half the measured maximum.
OPEN_LOOP_SECONDS: Final = 10.0
#: Payments/s offered in the second open-loop run: half of the issue's 1,000/s target.
OPEN_LOOP_TARGET_RATE: Final = int(os.environ.get("LINTAS_BENCH_OPEN_LOOP_RATE", "500"))
#: Amount per payment, in the source currency: a few US dollars, above every fixed fee.
AMOUNTS: Final = {
    "SGD": "5",
    "MYR": "20",
    "THB": "150",
    "IDR": "75000",
    "PHP": "250",
    "VND": "120000",
    "KHR": "20000",
    "LAK": "100000",
    "BND": "5",
    "MMK": "2000",
    "INR": "400",
}
SERVER_START_TIMEOUT_S: Final = 180.0


# -- shared helpers ------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latency(values_s: list[float]) -> str:
    return f"p50 {_pct(values_s, 0.50) * 1e3:.1f} ms, p99 {_pct(values_s, 0.99) * 1e3:.1f} ms"


@dataclass(frozen=True, slots=True)
class Job:
    """One payment to make: a sender, a receiver (in another country), an amount."""

    sender: Customer
    receiver: Customer
    currency_src: str
    currency_dst: str
    amount: str


def _jobs(region: Region, count: int, seed: int) -> list[Job]:
    """``count`` payments over every corridor; senders cycle through every customer."""
    rnd = random.Random(seed)
    currency = {c.code: c.currency for c in region.countries}
    codes = sorted(currency)
    senders = [c for code in codes for c in region.customers_of(code)]
    rnd.shuffle(senders)
    out: list[Job] = []
    for i in range(count):
        s = senders[i % len(senders)]
        dst = rnd.choice([c for c in codes if c != s.country])
        r = rnd.choice(region.customers_of(dst))
        out.append(Job(s, r, currency[s.country], currency[dst], AMOUNTS[currency[s.country]]))
    return out


def _print_balances(balances: list[LedgerBalance]) -> bool:
    ok = True
    for b in balances:
        balanced = (
            b.debits_posted == b.credits_posted
            and b.debits_pending == b.credits_pending
            and b.flag_violations == 0
        )
        ok = ok and balanced
        print(
            f"    ledger {b.country}: posted {b.debits_posted}/{b.credits_posted}"
            f" pending {b.debits_pending}/{b.credits_pending}"
            f" accounts {b.accounts} violations {b.flag_violations}"
            f" {'balanced' if balanced else 'NOT BALANCED'}"
        )
    print(f"  every ledger balanced: {ok}", flush=True)
    return ok


# -- a. the SQLite ceiling -----------------------------------------------------------------


def _transfer_rows(count: int, start: int) -> list[tuple[Any, ...]]:
    uetr = str(uuid.uuid4())
    return [
        rows.transfer_row(
            Transfer(
                id=(start + i) * 7919 + 1,
                debit_account_id=2**100 + i % 1000,
                credit_account_id=2**101 + i % 997,
                amount=12_345,
                ledger=21319,
                code=10,
                flags=TransferFlags.PENDING | TransferFlags.LINKED,
                timeout_s=60,
                user_data=uetr,
                timestamp_ns=time.time_ns() + i,
            )
        )
        for i in range(count)
    ]


def bench_sqlite(tmp: Path) -> dict[int, float]:
    """Rows per second per batch size (a transaction per batch)."""
    print("a. SQLite ceiling (WAL, synchronous=FULL, transfers table with its index)", flush=True)
    path = tmp / "ceiling.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    migrate(conn)
    sql = "INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    results: dict[int, float] = {}
    next_id = 1
    for batch in SQLITE_BATCH_SIZES:
        prepared = _transfer_rows(batch, 0)
        done = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < SQLITE_SECONDS:
            # Fresh ids per batch (the primary key), the rest of the row reused.
            batch_rows = [(rows.id_blob(next_id + j), *r[1:]) for j, r in enumerate(prepared)]
            next_id += batch
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, batch_rows)
            conn.execute("COMMIT")
            done += batch
        elapsed = time.perf_counter() - t0
        results[batch] = done / elapsed
        extra = f" = {done / batch / elapsed:,.0f} commits (fsyncs)/s" if batch == 1 else ""
        print(f"  batch {batch:>5}: {done / elapsed:>10,.0f} rows/s{extra}", flush=True)
    conn.close()
    return results


# -- b. in-process -------------------------------------------------------------------------


async def pay_in_process(
    hub: Hub,
    jobs: Sequence[Job],
    uetrs: Sequence[str],
    first: int,
    end: int,
    concurrency: int,
    latencies: list[float],
    statuses: Counter[str],
) -> None:
    """Pay ``jobs[first:end]`` through the services (quote, then submit to the final status),
    adding each payment's latency and outcome to ``latencies`` and ``statuses``.

    Closed loop: ``concurrency`` workers, each starting its next payment when its last one is
    final (as the HTTP client does), rather than every payment a task parked on a semaphore:
    the bench's own overhead stays out of the hub's figures.
    """
    psps = {j.sender.psp_id: Participant(j.sender.psp_id, Role.PSP, j.sender.country) for j in jobs}

    async def one(i: int) -> None:
        j = jobs[i]
        start = time.perf_counter()
        psp = psps[j.sender.psp_id]
        try:
            quotes = await hub.quoting.quote(
                QuoteRequest(
                    j.sender.country,
                    j.currency_src,
                    j.receiver.country,
                    j.currency_dst,
                    j.currency_src,
                    j.amount,
                ),
                psp,
            )
            s, r = j.sender, j.receiver
            p = await hub.payments.submit(
                PaymentRequest(
                    uetrs[i],
                    quotes[0].quote_id,
                    PartyInput(s.name_latin, s.account, s.psp_id),
                    PartyInput(r.name_latin, r.account, r.psp_id),
                ),
                psp,
            )
            status = p.status.value if p.reason is None else f"{p.status.value}/{p.reason}"
        except Exception as e:  # Counted and reported, never hidden.
            status = type(e).__name__ + ":" + str(getattr(e, "reason", ""))
        latencies.append(time.perf_counter() - start)
        statuses[status] += 1

    indexes = iter(range(first, end))

    async def worker() -> None:
        for i in indexes:
            await one(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _inproc(tmp: Path) -> None:
    t0 = time.perf_counter()
    hub = build_hub(HubConfig(db_path=tmp / "inproc.db"))
    await hub.start()
    settle_after_start()  # As ``lintas serve`` does once its hub has started.
    print(f"  hub built and seeded in {time.perf_counter() - t0:.1f} s", flush=True)
    jobs = _jobs(hub.region, INPROC_PAYMENTS + 500, seed=1)
    # UETRs are the client's work, not the hub's: made before the clock starts.
    uetrs = [str(uuid.uuid4()) for _ in jobs]
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    # Warm-up (imports, caches), not timed.
    await pay_in_process(hub, jobs, uetrs, 0, 500, INPROC_CONCURRENCY, latencies, statuses)
    latencies.clear()
    statuses.clear()
    stats0 = (hub.store.stats.batches, hub.store.stats.commands)
    gc.collect()
    # CPU time of the whole process (both threads) per payment: on a machine shared with
    # other work, payments/s swings with the load, CPU per payment much less.
    cpu0 = time.process_time()
    threads0 = _cpu_by_thread()
    t0 = time.perf_counter()
    await pay_in_process(hub, jobs, uetrs, 500, len(jobs), INPROC_CONCURRENCY, latencies, statuses)
    elapsed = time.perf_counter() - t0
    cpu_ms = (time.process_time() - cpu0) * 1e3 / INPROC_PAYMENTS
    threads = {
        name: (s - threads0.get(name, 0.0)) * 1e3 / INPROC_PAYMENTS
        for name, s in _cpu_by_thread().items()
    }
    batches = hub.store.stats.batches - stats0[0]
    commands = hub.store.stats.commands - stats0[1]
    print(
        f"  {INPROC_PAYMENTS} payments in {elapsed:.2f} s = {INPROC_PAYMENTS / elapsed:,.0f}"
        f" payments/s ({INPROC_CONCURRENCY} tasks in flight); {_latency(latencies)};"
        f" CPU {cpu_ms:.3f} ms per payment (load average {os.getloadavg()[0]:.1f})"
    )
    # Which thread the CPU goes to: the event loop (services) or the writer (ledger, rows,
    # SQLite); what moving the writer to a process of its own would take off the loop.
    print(
        "  CPU per payment by thread: "
        + ", ".join(f"{n} {ms:.3f} ms" for n, ms in sorted(threads.items()) if ms >= 0.005)
    )
    print(
        f"  writer: {batches} batches ({batches / elapsed:,.0f} commits/s),"
        f" {commands / max(batches, 1):.0f} commands per batch; outcomes {dict(statuses)}",
        flush=True,
    )
    _print_balances(hub.store.ledger_balances())
    hub.close()


def bench_inproc(tmp: Path) -> None:
    print(
        f"b. in-process: quote + submit to the final status, {INPROC_PAYMENTS} payments",
        flush=True,
    )
    asyncio.run(_inproc(tmp))


# -- c/d. over HTTP ------------------------------------------------------------------------


class HttpConnection:
    """A minimal keep-alive HTTP/1.1 client: the load generator must cost less than the
    server, and general clients (httpx) cost more per request than the hub does."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, key: str, body: bytes = b""
    ) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n"
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        writer.write(head + body)
        raw = await reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = 0
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await reader.readexactly(length)


_decode: Callable[[bytes], Any] = msgspec.json.decode


async def _http_payment(conn: HttpConnection, job: Job, uetr: str, key: str) -> tuple[str, float]:
    """Quote + resolve + submit + GET; returns the final status and the latency."""
    start = time.perf_counter()
    s, r = job.sender, job.receiver
    status, body = await conn.request(
        "GET",
        f"/v1/quotes?sourceCountry={s.country}&sourceCurrency={job.currency_src}"
        f"&destinationCountry={r.country}&destinationCurrency={job.currency_dst}"
        f"&amountCurrency={job.currency_src}&amount={job.amount}",
        key,
    )
    if status != 200:
        return f"quote_{status}", time.perf_counter() - start
    quote_id = _decode(body)["quotes"][0]["quoteId"]
    address_type, value = r.proxies[0]
    status, body = await conn.request(
        "POST",
        "/v1/addressing/resolve",
        key,
        msgspec.json.encode({"country": r.country, "addressType": address_type, "value": value}),
    )
    if status != 200:
        return f"resolve_{status}", time.perf_counter() - start
    resolved = _decode(body)
    payment = {
        "uetr": uetr,
        "quoteId": quote_id,
        "debtor": {"name": s.name_latin, "account": s.account, "agent": s.psp_id},
        "creditor": {
            "name": r.name_latin,
            "account": resolved["account"],
            "agent": resolved["agent"],
        },
    }
    status, body = await conn.request("POST", "/v1/payments", key, msgspec.json.encode(payment))
    if status != 200:
        return f"submit_{status}", time.perf_counter() - start
    status, body = await conn.request("GET", f"/v1/payments/{uetr}", key)
    if status != 200:
        return f"get_{status}", time.perf_counter() - start
    final = _decode(body)["status"]
    return str(final), time.perf_counter() - start


def _client_run(args: tuple[int, int, list[Job], dict[str, str], int, float, int]) -> Any:
    """One client process: closed loop (rate 0) or open loop at ``rate`` payments/s."""
    port, connections, jobs, keys, seed, rate, offset = args
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency of the server
        pass
    rnd = random.Random(seed)
    uetrs = [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in jobs]

    async def run() -> tuple[list[float], dict[str, int], float, float]:
        conns = [HttpConnection("127.0.0.1", port) for _ in range(connections)]
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
        for c in conns:
            idle.put_nowait(c)
        cpu0, t0 = time.process_time(), time.perf_counter()

        async def one(i: int) -> None:
            conn = await idle.get()
            try:
                status, latency = await _http_payment(
                    conn, jobs[i], uetrs[i], keys[jobs[i].sender.psp_id]
                )
            except Exception as e:  # Counted and reported.
                status, latency = type(e).__name__, 0.0
                conn = HttpConnection("127.0.0.1", port)
            idle.put_nowait(conn)
            latencies.append(latency)
            statuses[status] += 1

        if rate <= 0:
            next_i = 0

            async def worker() -> None:
                nonlocal next_i
                while next_i < len(jobs):
                    i = next_i
                    next_i += 1
                    await one(i)

            await asyncio.gather(*(worker() for _ in range(connections)))
        else:
            # Open loop: payments start on a schedule, whether or not earlier ones finished;
            # the latency is measured from when the payment was due.
            tasks = []
            for i in range(len(jobs)):
                due = t0 + (i + offset / max(rate, 1.0)) / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.ensure_future(one(i)))
            await asyncio.gather(*tasks)
        return latencies, dict(statuses), time.process_time() - cpu0, time.perf_counter() - t0

    return asyncio.run(run())


def _load(
    port: int, jobs: list[Job], keys: dict[str, str], clients: int, rate: float, seed: int
) -> tuple[float, list[float], Counter[str], float]:
    """Run ``jobs`` from ``clients`` processes; payments/s, latencies, statuses, client CPU %."""
    shares = [jobs[i::clients] for i in range(clients)]
    per_rate = rate / clients
    conns = max(1, HTTP_CONNECTIONS // clients)
    args = [
        (port, conns, share, keys, seed * 100 + i, per_rate, i) for i, share in enumerate(shares)
    ]
    with mp.get_context("spawn").Pool(clients) as pool:
        results = pool.map(_client_run, args)
    latencies = [x for r in results for x in r[0]]
    statuses: Counter[str] = Counter()
    for r in results:
        statuses.update(r[1])
    client_wall = max(r[3] for r in results)
    client_cpu = sum(r[2] for r in results) / client_wall / clients
    return len(jobs) / client_wall, latencies, statuses, client_cpu * 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_by_thread() -> dict[str, float]:
    """CPU seconds (user + system) of each Python thread of this process, by thread name
    (read from /proc by its native id; empty where there is no /proc)."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for thread in threading.enumerate():
        try:
            with open(f"/proc/self/task/{thread.native_id}/stat", encoding="ascii") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:  # No /proc, or the thread ended meanwhile.
            continue
        out[thread.name] = out.get(thread.name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def _writer_figures(port: int) -> tuple[int, int]:
    """(batches, commands) the server's writer has committed so far (``/v1/store/writer``)."""
    w = asyncio.run(_get_json(port, "/v1/store/writer"))
    return int(w["batches"]), int(w["commands"])


def _per_batch(port: int, before: tuple[int, int]) -> str:
    """Commands per batch since ``before``: how well group commit amortised each commit."""
    batches, commands = _writer_figures(port)
    done = batches - before[0]
    return f"{(commands - before[1]) / max(done, 1):.1f} commands per batch ({done} batches)"


def _cpu_per_payment(pid: int, cpu0: float, payments: int) -> str:
    """The server's CPU per payment since ``cpu0``: at a fixed offered rate, how much of a
    core each payment costs (it grows as batches shrink at lower load)."""
    return f"server CPU {(_cpu_s(pid) - cpu0) * 1e3 / max(payments, 1):.2f} ms per payment"


async def _get_json(port: int, path: str) -> Any:
    conn = HttpConnection("127.0.0.1", port)
    status, body = await conn.request("GET", path, "")
    assert status == 200, (path, status, body[:200])
    return _decode(body)


def bench_http(tmp: Path) -> None:
    print(
        "c. over HTTP: quote + resolve + submit + GET per payment, server = `lintas serve`"
        f" subprocess, {HTTP_CLIENTS} client process(es), {HTTP_CONNECTIONS} connections",
        flush=True,
    )
    db = tmp / "http.db"
    port = _free_port()
    lintas = Path(sys.executable).with_name("lintas")
    cmd = [str(lintas), "serve", "--db", str(db), "--port", str(port)]
    print(f"  server: {' '.join(cmd)}", flush=True)
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.perf_counter()
        while True:
            try:
                asyncio.run(_get_json(port, "/healthz"))
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - t0 > SERVER_START_TIMEOUT_S:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        print(f"  server up in {time.perf_counter() - t0:.1f} s", flush=True)
        keys = {
            k["participant"]: k["apiKey"]
            for k in asyncio.run(_get_json(port, "/v1/sandbox/keys"))["keys"]
        }
        region = build_region(SEED_DEFAULT, 1000)
        jobs = _jobs(region, max(MEMORY_PAYMENTS, HTTP_PAYMENTS) + 2000, seed=2)
        done = 0

        def take(n: int) -> list[Job]:
            # The next n jobs, from the start again when they run out (each run draws its
            # own UETRs, so a job sent twice is two payments).
            nonlocal done
            out = [jobs[(done + i) % len(jobs)] for i in range(n)]
            done += n
            return out

        _load(port, take(1000), keys, 1, 0.0, seed=1)  # Warm-up, not reported.
        writer0 = _writer_figures(port)
        cpu0, w0 = _cpu_s(server.pid), time.perf_counter()
        rate, lat, statuses, client_cpu = _load(
            port, take(HTTP_PAYMENTS), keys, HTTP_CLIENTS, 0.0, seed=2
        )
        server_cpu = (_cpu_s(server.pid) - cpu0) / (time.perf_counter() - w0) * 100
        print(
            f"  max (closed loop): {HTTP_PAYMENTS} payments, {rate:,.0f} payments/s"
            f" = {rate * 4:,.0f} requests/s; {_latency(lat)}; outcomes {dict(statuses)}"
        )
        print(
            f"  CPU: server {server_cpu:.0f}% of one core, client {client_cpu:.0f}% of one core"
            f" per client process (a client near 100% would be the bottleneck);"
            f" writer {_per_batch(port, writer0)}",
            flush=True,
        )
        half = rate / 2
        count = int(half * OPEN_LOOP_SECONDS)
        cpu0, writer0 = _cpu_s(server.pid), _writer_figures(port)
        rate2, lat2, statuses2, _ = _load(port, take(count), keys, HTTP_CLIENTS, half, seed=3)
        print(
            f"  open loop at half of max ({half:,.0f} payments/s offered, {rate2:,.0f} achieved,"
            f" {count} payments): {_latency(lat2)}; outcomes {dict(statuses2)};"
            f" {_cpu_per_payment(server.pid, cpu0, count)}; writer {_per_batch(port, writer0)}",
            flush=True,
        )
        # The issue's own point: p99 at half of its 1,000 payments/s target, whatever the max.
        target_half = float(OPEN_LOOP_TARGET_RATE)
        count = int(target_half * OPEN_LOOP_SECONDS)
        cpu0, writer0 = _cpu_s(server.pid), _writer_figures(port)
        rate4, lat4, statuses4, _ = _load(
            port, take(count), keys, HTTP_CLIENTS, target_half, seed=5
        )
        print(
            f"  open loop at half of the 1,000/s target ({target_half:,.0f} payments/s offered,"
            f" {rate4:,.0f} achieved, {count} payments): {_latency(lat4)};"
            f" outcomes {dict(statuses4)}; {_cpu_per_payment(server.pid, cpu0, count)};"
            f" writer {_per_batch(port, writer0)}",
            flush=True,
        )
        rest = MEMORY_PAYMENTS - done
        if rest > 0:
            print(f"  d. {rest} more payments to reach {MEMORY_PAYMENTS} ...", flush=True)
            rate3, _, statuses3, _ = _load(port, take(rest), keys, HTTP_CLIENTS, 0.0, seed=4)
            print(f"     ({rate3:,.0f} payments/s; outcomes {dict(statuses3)})")
        print(
            f"d. server RSS after {done} payments over HTTP: {_rss_mb(server.pid):.0f} MB",
            flush=True,
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # A restart's cost grows with the stored history: the ledger is rebuilt from the file.
    store = SqliteStore(StoreConfig(path=db), SystemClock())
    t0 = time.perf_counter()
    store.open()
    reopened_s = time.perf_counter() - t0
    try:
        with sqlite3.connect(db) as conn:
            (transfers,) = conn.execute("SELECT COUNT(*) FROM transfers").fetchone()
        print(
            f"e. store reopened (ledger rebuilt and checked) in {reopened_s:.1f} s"
            f" with {transfers:,} transfers stored",
            flush=True,
        )
        _print_balances(store.ledger_balances())
    finally:
        store.close()


def main() -> None:
    print(f"command: {' '.join([Path(sys.executable).name, '-m', 'bench', 'payments'])}")
    print(
        "sizes: "
        + " ".join(
            f"{k}={os.environ[k]}" for k in sorted(os.environ) if k.startswith("LINTAS_BENCH")
        )
    )
    print(f"machine: {describe()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="lintas-bench-") as d:
        tmp = Path(d)
        bench_sqlite(tmp)
        bench_inproc(tmp)
        bench_http(tmp)
