"""A real hub over HTTP (uvicorn in a thread) for the end-to-end tests, and how to call it.

Plain helpers are importable as ``from e2ekit import ...`` (see ``tests/conftest.py`` for why).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
