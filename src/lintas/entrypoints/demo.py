"""``lintas demo``: payments across every corridor of the sandbox, over real HTTP.

Each payment is what a PSP would do: get quotes, resolve the payee's proxy, submit against
the best quote, read the final status. Then every ledger is reconciled.
"""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lintas.bootstrap import HubConfig, db_location
from lintas.entrypoints.cli_common import reconciliation_table
from lintas.entrypoints.server import ServerThread

#: Payments one demo run sends at most.
DEMO_PAYMENTS_MAX: Final = 100_000
#: Payments in flight at once, at most.
DEMO_CONCURRENCY_MAX: Final = 256
#: Typical remittance sizes per source currency (roughly USD 40 to 800), for the demo's amounts.
REMITTANCE_RANGE: Final[dict[str, tuple[Decimal, Decimal]]] = {
    "SGD": (Decimal(50), Decimal(1000)),
    "MYR": (Decimal(200), Decimal(3500)),
    "THB": (Decimal(1500), Decimal(28000)),
    "IDR": (Decimal(600000), Decimal(12000000)),
    "PHP": (Decimal(2300), Decimal(45000)),
    "VND": (Decimal(1000000), Decimal(20000000)),
    "KHR": (Decimal(160000), Decimal(3200000)),
    "LAK": (Decimal(860000), Decimal(17000000)),
    "BND": (Decimal(50), Decimal(1000)),
    "MMK": (Decimal(84000), Decimal(1680000)),
    "INR": (Decimal(3400), Decimal(67000)),
}
#: Sandbox customers fetched per country to pick senders and payees from.
CUSTOMERS_PER_COUNTRY: Final = 200


@dataclass
class CorridorStats:
    """What happened on one corridor."""

    sent: int = 0
    settled: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    latencies_ms: list[float] = field(default_factory=list)
    fee_share: list[Decimal] = field(default_factory=list)


def _free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def run_demo(
    *,
    payments: int,
    once: bool,
    server: str | None,
    db: str | None,
    port: int,
    concurrency: int,
    as_json: bool,
    console: Console,
) -> int:
    """Run the demo; return the process exit code (0 when every ledger balances).

    ``db`` is what ``--db`` names (a SQLite file or a PostgreSQL URL, ``db_location``); None:
    a fresh SQLite file in a temporary folder. A malformed URL is ``InputInvalid``.
    """
    if not 1 <= payments <= DEMO_PAYMENTS_MAX:
        console.print(f"--payments must be 1 to {DEMO_PAYMENTS_MAX}")
        return 2
    concurrency = max(1, min(concurrency, DEMO_CONCURRENCY_MAX))
    hub: ServerThread | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if server is None:
        if db is None:
            tmp = tempfile.TemporaryDirectory(prefix="lintas-demo-")
            config = HubConfig(db_path=Path(tmp.name) / "lintas.db")
        else:
            db_path, db_url = db_location(db)
            config = HubConfig(db_path=db_path, db_url=db_url)
        port = _free_port(port)
        console.print(f"Starting a sandbox hub on port {port} (store: {config.store_name}) ...")
        started = time.monotonic()
        hub = ServerThread(config, port=port).start()
        server = hub.url
        console.print(
            f"Hub ready at {server} in {time.monotonic() - started:.1f} s (11 countries seeded)."
        )
    try:
        report = asyncio.run(_drive(server, payments, concurrency, console, as_json))
        if not once and hub is not None:
            console.print(
                f"\nThe hub keeps running at {server} - try:\n"
                f"  lintas countries --server {server}\n"
                f"  lintas sandbox customers --country TH --server {server}\n"
                f"  curl -s {server}/openapi.json | head\n"
                "Press Ctrl-C to stop."
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return report
    finally:
        if hub is not None:
            hub.stop()
        if tmp is not None:
            tmp.cleanup()


async def _drive(
    server: str, payments: int, concurrency: int, console: Console, as_json: bool
) -> int:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server, timeout=60.0, limits=limits) as http:
        countries = (await http.get("/v1/countries")).raise_for_status().json()
        keys = {
            k["participant"]: k["apiKey"]
            for k in (await http.get("/v1/sandbox/keys")).raise_for_status().json()["keys"]
        }
        customers: dict[str, list[dict[str, Any]]] = {}
        for c in countries:
            r = await http.get(
                "/v1/sandbox/customers",
                params={"country": c["code"], "limit": CUSTOMERS_PER_COUNTRY},
            )
            customers[c["code"]] = r.raise_for_status().json()["customers"]
        by_code = {c["code"]: c for c in countries}
        corridors = [(a, b) for a in by_code for b in by_code if a != b]
        rng = random.Random(7)
        plan = [corridors[i % len(corridors)] for i in range(payments)]
        stats: dict[tuple[str, str], CorridorStats] = defaultdict(CorridorStats)
        errors: list[str] = []
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        for corridor in plan:
            queue.put_nowait(corridor)

        progress = Progress(
            TextColumn("[bold]payments"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json,
        )

        async def one(src: str, dst: str) -> None:
            currency = by_code[src]["currency"]
            low, high = REMITTANCE_RANGE[currency]
            size = Decimal(rng.randint(0, 1000)) / 1000
            places = Decimal(1) if currency == "VND" else Decimal("0.01")
            amount = (low + (high - low) * size).quantize(places, rounding=ROUND_DOWN)
            # Most senders can afford what they send; about one in twenty is anyone at all, so
            # the demo also shows refusals (AM04) leaving every ledger as it was.
            able = [
                c for c in customers[src] if Decimal(c["openingBalance"]["amount"]) > amount * 2
            ]
            sender = rng.choice(able if able and rng.random() > 0.05 else customers[src])
            payee = rng.choice([c for c in customers[dst] if c["proxies"]])
            proxy = rng.choice(payee["proxies"])
            key = keys[sender["agent"]]
            headers = {"authorization": f"Bearer {key}"}
            started = time.perf_counter()
            q = await http.get(
                "/v1/quotes",
                headers=headers,
                params={
                    "sourceCountry": src,
                    "sourceCurrency": by_code[src]["currency"],
                    "destinationCountry": dst,
                    "destinationCurrency": by_code[dst]["currency"],
                    "amountCurrency": by_code[src]["currency"],
                    "amount": str(amount),
                },
            )
            st = stats[(src, dst)]
            st.sent += 1
            if q.status_code != 200:
                st.rejected[q.json().get("code") or q.json()["reason"]] += 1
                return
            best = q.json()["quotes"][0]
            r = await http.post(
                "/v1/addressing/resolve",
                headers=headers,
                json={"country": dst, "addressType": proxy["addressType"], "value": proxy["value"]},
            )
            if r.status_code != 200:
                errors.append(f"resolve {dst} {proxy}: {r.text}")
                return
            payee_at = r.json()
            uetr = str(uuid.uuid4())
            p = await http.post(
                "/v1/payments",
                headers=headers,
                json={
                    "uetr": uetr,
                    "quoteId": best["quoteId"],
                    "debtor": {
                        "name": sender["nameLatin"],
                        "account": sender["account"],
                        "agent": sender["agent"],
                    },
                    "creditor": {
                        "name": payee_at["displayName"],
                        "account": payee_at["account"],
                        "agent": payee_at["agent"],
                    },
                },
            )
            if p.status_code != 200:
                errors.append(f"pay {src}->{dst}: {p.text}")
                return
            s = await http.get(f"/v1/payments/{uetr}", headers=headers)
            final = s.json()
            st.latencies_ms.append((time.perf_counter() - started) * 1000)
            if final["status"] == "ACCC":
                st.settled += 1
                debited = Decimal(final["amountDebited"]["amount"])
                credited = Decimal(final["amountCredited"]["amount"])
                rate = Decimal(final["exchangeRate"])
                if debited:
                    st.fee_share.append(1 - credited / (debited * rate))
            else:
                st.rejected[final["reason"]] += 1

        async def worker() -> None:
            while not queue.empty():
                src, dst = queue.get_nowait()
                try:
                    await one(src, dst)
                except httpx.HTTPError as e:
                    errors.append(f"{src}->{dst}: {e!r}")
                progress.advance(task)

        started = time.perf_counter()
        with progress:
            task = progress.add_task("payments", total=len(plan))
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        recon = (await http.get("/v1/reconciliation")).raise_for_status().json()

    return _report(stats, errors, recon, elapsed, console, as_json)


def _report(
    stats: dict[tuple[str, str], CorridorStats],
    errors: list[str],
    recon: dict[str, Any],
    elapsed: float,
    console: Console,
    as_json: bool,
) -> int:
    total = sum(s.sent for s in stats.values())
    settled = sum(s.settled for s in stats.values())
    if as_json:
        import json

        print(
            json.dumps(
                {
                    "payments": total,
                    "settled": settled,
                    "seconds": round(elapsed, 3),
                    "errors": errors,
                    "balanced": recon["balanced"],
                    "corridors": {
                        f"{a}->{b}": {
                            "sent": s.sent,
                            "settled": s.settled,
                            "rejected": dict(s.rejected),
                            "latencyMsP50": round(statistics.median(s.latencies_ms), 2)
                            if s.latencies_ms
                            else None,
                        }
                        for (a, b), s in sorted(stats.items())
                    },
                },
                indent=2,
            )
        )
    else:
        table = Table(
            "Corridor",
            "Sent",
            "Settled",
            "Rejected",
            "Fees %",
            "p50 ms",
            title="Payments per corridor",
        )
        for (a, b), s in sorted(stats.items()):
            fee = f"{(statistics.mean(s.fee_share) * 100):.2f}" if s.fee_share else "-"
            p50 = f"{statistics.median(s.latencies_ms):.1f}" if s.latencies_ms else "-"
            rej = ", ".join(f"{k}x{v}" for k, v in sorted(s.rejected.items())) or "0"
            table.add_row(f"{a} -> {b}", str(s.sent), str(s.settled), rej, fee, p50)
        console.print(table)
        ledgers = reconciliation_table(recon["ledgers"], title="Reconciliation")
        console.print(ledgers)
        console.print(
            f"{total} payments in {elapsed:.1f} s ({total / elapsed:.0f}/s over HTTP, "
            f"quote + resolve + submit + status each): {settled} settled, "
            f"{total - settled} refused; every ledger balanced: "
            f"{'yes' if recon['balanced'] else 'NO'}"
        )
        for e in errors[:10]:
            console.print(f"[red]error[/red] {e}")
    return 0 if recon["balanced"] and not errors else 1
