"""Running the hub's app with uvicorn (uvloop, httptools and the hub's own short path for
each request, ``entrypoints.http_protocol``), in the foreground or a thread."""

from __future__ import annotations

import logging
import threading
import time
from typing import Final

import uvicorn

from lintas.bootstrap import HubConfig
from lintas.entrypoints.api.app import LintasApp
from lintas.entrypoints.http_protocol import LintasHttpProtocol

#: Seconds to wait for a server thread to start answering.
START_TIMEOUT_S: Final = 120.0


def _config(app: LintasApp, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http=LintasHttpProtocol,
        # No WebSocket route: an upgrade request is answered as a plain request.
        ws="none",
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
    where = f"store: {config.store_name}; OpenAPI: /openapi.json"
    print(f"Lintas hub on http://{host}:{port}  ({where})", flush=True)
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
