"""Running the ASGI app with uvicorn (uvloop + httptools, one send per answer), in the
foreground or a thread."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Final, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from lintas.bootstrap import HubConfig
from lintas.entrypoints.api.app import LintasApp

#: Seconds to wait for a server thread to start answering.
START_TIMEOUT_S: Final = 120.0


class _CoalescingTransport:
    """A connection's transport whose writes within one turn of the event loop go out as one.

    Why: uvicorn writes an answer's status line and headers, then its body, each with its own
    ``transport.write``, and uvloop sends each at once: two system calls and two TCP segments
    per answer, with the GIL held (~14 % of the server's GIL time under ``python -m bench
    payments``, by ``py-spy --gil``). Joined, an answer is one send; in alternating runs the
    closed loop went 910 / 912 / 1,194 -> 1,161 / 1,195 / 1,248 payments/s, and the client's
    CPU 17-18 % -> 13 %. Everything else is the wrapped transport's.
    """

    __slots__ = ("_buffer", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._buffer: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._buffer:
            self._loop.call_soon(self._flush)
        self._buffer.append(bytes(data))

    def _flush(self) -> None:
        buffer = self._buffer
        if buffer:
            data = buffer[0] if len(buffer) == 1 else b"".join(buffer)
            buffer.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()  # What was written before the close goes out first.
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (``uvicorn.Config(http=...)`` takes a class), writing
    each answer in one send."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        wrapped = _CoalescingTransport(cast(asyncio.Transport, transport), self.loop)
        # uvloop's TCPTransport is a transport by its methods, not an asyncio.Transport.
        super().connection_made(cast(asyncio.Transport, wrapped))


def _config(app: LintasApp, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http=_HttpProtocol,
        lifespan="on",
        access_log=False,
        log_level="warning",
        # Many concurrent PSP connections are normal; keep them open between requests.
        timeout_keep_alive=30,
        backlog=4096,
        # No "server: uvicorn" header on every answer (it only names the software).
        server_header=False,
    )


def run_server(*, host: str, port: int, config: HubConfig) -> None:
    """Serve ``config``'s hub in the foreground until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = LintasApp(config, settle_collector=True)
    db = config.db_path
    print(f"Lintas hub on http://{host}:{port}  (store: {db}; OpenAPI: /openapi.json)", flush=True)
    uvicorn.Server(_config(app, host, port)).run()


class ServerThread:
    """A hub serving from a background thread (the demo, and tests)."""

    def __init__(
        self,
        config: HubConfig,
        host: str = "127.0.0.1",
        port: int = 8000,
        app: LintasApp | None = None,
    ) -> None:
        # ``app``: an app built on ``config`` already (tests that tune one of its parts).
        self.app = app if app is not None else LintasApp(config)
        self.url = f"http://{host}:{port}"
        self._server = uvicorn.Server(_config(self.app, host, port))
        self._thread = threading.Thread(target=self._server.run, name="lintas-server", daemon=True)

    def start(self) -> ServerThread:
        """Start serving; return once the hub answers (or raise)."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the hub failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError("the hub did not start in time")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop serving and close the store."""
        self._server.should_exit = True
        self._thread.join(timeout=30)
