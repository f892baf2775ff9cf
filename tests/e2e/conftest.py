"""A real hub over HTTP (uvicorn in a thread) for the end-to-end tests, and how to call it.

Plain helpers are importable as ``from e2ekit import ...`` (see ``tests/conftest.py`` for why).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lintas.bootstrap import HubConfig
from lintas.entrypoints.server import ServerThread

sys.modules.setdefault("e2ekit", sys.modules[__name__])

#: The console script installed next to the interpreter of this venv.
LINTAS = Path(sys.executable).parent / "lintas"
#: Seconds a CLI call may take at most.
CLI_TIMEOUT_S = 60
CUSTOMERS_PER_COUNTRY_E2E = 50
#: Seconds a ``lintas serve`` process may take to answer /healthz.
SERVE_START_S_MAX = 120.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path, port: int, log: Path, *extra_args: str) -> subprocess.Popen[bytes]:
    """Start ``lintas serve`` as a real process on ``db`` and ``port``, its output in ``log``."""
    command = [str(LINTAS), "serve", "--db", str(db), "--port", str(port), *extra_args]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def wait_until_up(proc: subprocess.Popen[bytes], url: str) -> None:
    """Return once the hub at ``url`` answers /healthz; fail if ``proc`` exits first."""
    deadline = time.monotonic() + SERVE_START_S_MAX
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the hub exited while starting"
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the hub did not start in time")


def stop_serving(proc: subprocess.Popen[bytes]) -> None:
    """Stop a ``lintas serve`` process as Ctrl-C would (killed if it does not stop)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def lintas(*args: str, server: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``lintas`` console script; never raises on a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINTAS_URL", "LINTAS_API_KEY")}
    if server is not None:
        env["LINTAS_URL"] = server
    env["COLUMNS"] = "200"
    return subprocess.run(
        [str(LINTAS), *args],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        env=env,
        check=False,
    )


def bearer(key: str) -> dict[str, str]:
    """The Authorization header of ``key``."""
    return {"authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A sandbox hub serving on a free port, for the whole module."""
    db = tmp_path_factory.mktemp("hub") / "hub.db"
    thread = ServerThread(
        HubConfig(db_path=db, customers_per_country=CUSTOMERS_PER_COUNTRY_E2E), port=free_port()
    ).start()
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    """An HTTP client of the hub."""
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="module")
def keys(server: ServerThread) -> dict[str, str]:
    """Every sandbox participant's key, by participant id."""
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        r = client.get("/v1/sandbox/keys")
    r.raise_for_status()
    return {k["participant"]: k["apiKey"] for k in r.json()["keys"]}


def richest_customer(client: httpx.Client, country: str) -> dict[str, Any]:
    """The sandbox customer of ``country`` with the largest opening balance."""
    r = client.get("/v1/sandbox/customers", params={"country": country, "limit": 200})
    r.raise_for_status()
    customers = r.json()["customers"]
    return max(customers, key=lambda c: int(c["openingBalance"]["amount"].replace(".", "")))
