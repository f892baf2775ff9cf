"""Scam signals: bulk import of 100,000 signals from JSON lines (target < 60 s), the same from a
STIX 2.1 bundle, and lookups per second, next to raw SQLite inserts measured in the same run.

Run: ``python -m bench signals``. Sizes: ``LINTAS_BENCH_SIGNALS`` [100000],
``LINTAS_BENCH_SIGNALS_STIX`` [100000]. Each part uses ``lintas signals import`` itself (a
subprocess, progress bar to stderr), on a fresh file, and prints its wall time, the CPU time
of the subprocess (user + system) and the load average before and after: the machine may be
shared, so CPU time is the steadier number.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe
from lintas.adapters import stix
from lintas.adapters.sandbox import SandboxReference
from lintas.adapters.sqlite.signals_store import PAGE_ROWS_MAX, SignalsStore
from lintas.domain.signals import TargetInput
from lintas.ports.clock import SystemClock
from lintas.ports.directory import Participant, Role
from lintas.ports.signals import visible_signals
from lintas.sandbox.region import build_region
from lintas.services.signals import SignalsService, viewer_of

LOOKUPS = 20_000


def _records(n: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    rows: list[dict[str, object]] = []
    for i in range(n):
        kind = i % 4
        row: dict[str, object]
        if kind == 0:
            row = {"type": "phone", "value": f"08{i:08d}", "country": "TH"}
        elif kind == 1:
            row = {
                "type": "account",
                "value": f"{rng.randrange(10**9, 10**10)}",
                "bank": "CHPYTHBK",
            }
        elif kind == 2:
            row = {"type": "url", "value": f"https://scam-{i}.example/pay?id={i}"}
        else:
            row = {"type": "wallet", "value": f"0x{rng.getrandbits(160):040x}", "chain": "ETH"}
        row.update(
            abuse="investment_scam",
            confidence=rng.randrange(40, 100),
            tlp=rng.choice(["amber", "green", "clear"]),
            firstSeen="2026-01-01T00:00:00Z",
        )
        rows.append(row)
    return rows


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _import(path: Path, db: Path) -> float:
    cmd = [
        sys.executable,
        "-c",
        "from lintas.entrypoints.cli_signals import signals_app; signals_app()",
        "import",
        str(path),
        "--db",
        str(db),
        "--as",
        "OPERATOR",
        "--json",
    ]
    load_before, cpu_before = _load(), _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    assert result.returncode == 0, result.stderr[-2000:]
    print(f"    {result.stdout.strip().replace(chr(10), ' ')}")
    print(
        f"    wall {elapsed:.1f} s, CPU {cpu:.1f} s (user + system, all processes), "
        f"load average {load_before} before, {_load()} after"
    )
    return elapsed


def _sqlite_ceiling(n: int, db: Path) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, type TEXT, value TEXT, body TEXT) STRICT")
    rows = [(f"id-{i}", "phone", f"+66{i:09d}", "x" * 120) for i in range(n)]
    start = time.perf_counter()
    for k in range(0, n, 20_000):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows[k : k + 20_000])
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    n = int(os.environ.get("LINTAS_BENCH_SIGNALS", "100000"))
    print("command: python -m bench signals")
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        rows = _records(n)
        jsonl = d / "signals.jsonl"
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
        ceiling = _sqlite_ceiling(n, d / "ceiling.db")
        print(f"  baseline: raw SQLite insert of {n} rows: {ceiling:.2f} s")
        elapsed = _import(jsonl, d / "a.db")
        print(
            f"  lintas signals import (JSON lines, {n}): {elapsed:.1f} s "
            f"({n / elapsed:,.0f} signals/s; target < 60 s)"
        )
        again = _import(jsonl, d / "a.db")
        print(f"  the same file again (idempotent, 0 stored): {again:.1f} s")
        region = build_region(2026, 10)
        store = SignalsStore(d / "a.db").open()
        service = SignalsService(
            store=store, reference=SandboxReference(region), clock=SystemClock()
        )
        n_stix = min(n, int(os.environ.get("LINTAS_BENCH_SIGNALS_STIX", "100000")))
        operator = viewer_of(Participant("OPERATOR", Role.OPERATOR))
        everything = visible_signals(store, operator, page_rows=PAGE_ROWS_MAX)
        exported = stix.bundle([s for _, s in zip(range(n_stix), everything, strict=False)])
        bundle = d / "signals.stix.json"
        bundle.write_text(json.dumps(exported))
        elapsed = _import(bundle, d / "b.db")
        print(
            f"  lintas signals import (STIX bundle, {n_stix} indicators, every object "
            f"validated: documented shapes by the strict checker, the rest and a sample by "
            f"stix2): {elapsed:.1f} s ({n_stix / elapsed:,.0f} signals/s; target < 60 s)"
        )
        caller = Participant("CHPYTHBK", Role.PSP, "TH")
        targets = [
            TargetInput(type="phone", value=f"08{i:08d}", country="TH")
            for i in range(0, min(n, LOOKUPS * 4), 4)
        ]
        start = time.perf_counter()
        hits = sum(service.lookup(t, caller).active_reports > 0 for t in targets)
        elapsed = time.perf_counter() - start
        print(
            f"  lookups (normalise + indexed read + TLP): {len(targets) / elapsed:,.0f}/s "
            f"({hits}/{len(targets)} found), one core, in process"
        )
        store.close()


if __name__ == "__main__":
    main()
