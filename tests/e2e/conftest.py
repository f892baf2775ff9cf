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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from testkit import richest

import isokit
from isokit import party_of
from lintas.bootstrap import Hub, HubConfig
from lintas.codecs import iso20022 as iso
from lintas.entrypoints.api.app import LintasApp
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


def serve(db: Path | str, port: int, log: Path, *extra_args: str) -> subprocess.Popen[bytes]:
    """Start ``lintas serve`` as a real process on ``db`` (a SQLite file or a PostgreSQL URL)
    and ``port``, its output in ``log``."""
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


def sg_to_th_quote(client: httpx.Client, key: str, amount: str, **over: str) -> httpx.Response:
    """``GET /v1/quotes`` for ``amount`` SGD sent from Singapore to Thailand, asked with the
    debtor agent's ``key``; ``over`` replaces any query parameter (to send a bad one)."""
    params = {
        "sourceCountry": "SG",
        "sourceCurrency": "SGD",
        "destinationCountry": "TH",
        "destinationCurrency": "THB",
        "amountCurrency": "SGD",
        "amount": amount,
        **over,
    }
    return client.get("/v1/quotes", params=params, headers=bearer(key))


def sg_to_th_quote_id(client: httpx.Client, key: str, amount: str = "1.00") -> str:
    """The best quote's id of ``sg_to_th_quote``."""
    r = sg_to_th_quote(client, key, amount)
    assert r.status_code == 200, r.text
    return str(r.json()["quotes"][0]["quoteId"])


def payment_body(
    debtor: dict[str, Any], creditor: dict[str, Any], quote_id: str, uetr: str | None = None
) -> dict[str, Any]:
    """``POST /v1/payments`` from one sandbox customer (as ``/v1/sandbox/customers`` lists
    them) to another, against ``quote_id``; a fresh UETR unless one is given."""
    return {
        "uetr": uetr or str(uuid.uuid4()),
        "quoteId": quote_id,
        "debtor": {k: debtor[f] for k, f in _PARTY_FIELDS},
        "creditor": {k: creditor[f] for k, f in _PARTY_FIELDS},
    }


_PARTY_FIELDS = (("name", "nameLatin"), ("account", "account"), ("agent", "agent"))


@dataclass
class XmlServer:
    """A served hub, an HTTP client of it, every sandbox key, and the hub for reading state."""

    thread: ServerThread
    http: httpx.Client
    keys: dict[str, str]

    @property
    def url(self) -> str:
        return self.thread.url

    @property
    def app(self) -> LintasApp:
        return self.thread.app

    @property
    def hub(self) -> Hub:
        assert self.thread.app.hub is not None
        return self.thread.app.hub

    def post(self, path: str, body: bytes, participant: str) -> httpx.Response:
        """POST the XML ``body`` to ``path`` with ``participant``'s key."""
        headers = {
            "authorization": f"Bearer {self.keys[participant]}",
            "content-type": "application/xml",
        }
        return self.http.post(path, content=body, headers=headers)

    def sg_to_th_credit_transfer(
        self, amount: str, at: datetime, **changes: Any
    ) -> tuple[iso.CreditTransfer, str]:
        """A pacs.008 from the richest SG customer to the richest TH one, against the best
        quote for ``amount`` SGD asked over HTTP: (message, debtor agent)."""
        debtor, creditor = richest(self.hub, "SG"), richest(self.hub, "TH")
        quote = self.hub.quoting.find(
            sg_to_th_quote_id(self.http, self.keys[debtor.psp_id], amount)
        )
        assert quote is not None
        message = isokit.credit_transfer(
            self.hub,
            quote,
            route=("SG", "TH"),
            debtor=party_of(debtor),
            creditor=party_of(creditor),
            at=at,
            **changes,
        )
        return message, debtor.psp_id


@contextmanager
def xml_server(db: Path) -> Iterator[XmlServer]:
    """Serve the shipped app on a sandbox hub on ``db``, on a free port, while in the block."""
    config = HubConfig(db_path=db, customers_per_country=CUSTOMERS_PER_COUNTRY_E2E)
    thread = ServerThread(config, port=free_port()).start()
    try:
        with httpx.Client(base_url=thread.url, timeout=30) as http:
            listed = http.get("/v1/sandbox/keys").json()["keys"]
            yield XmlServer(thread, http, {k["participant"]: k["apiKey"] for k in listed})
    finally:
        thread.stop()
