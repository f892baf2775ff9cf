"""HTTP/1.1 for the hub: uvicorn's httptools protocol with a short path into ``LintasApp``.

Why not plain ASGI: per request, uvicorn builds a scope dict (and copies the app state into
it), a ``RequestResponseCycle`` with its own ``asyncio.Event``, runs the proxy-headers
middleware, and passes the body and the answer as ASGI message dicts, each header checked
by a regular expression; the answer went out as two writes. Under ``python -m bench
payments`` that was about a fifth of the server's GIL time (``py-spy record --gil``), for
four requests per payment. Here the whole request is read first (the hub's bodies are
small and bounded by ``BODY_BYTES_MAX``), the app is called once with plain values
(``LintasApp.respond``), and the answer is written with one ``transport.write``.

What stays uvicorn's: the server's life (sockets, signals, graceful shutdown, the ``date``
header it refreshes every second), the parser (httptools), a 400 for a request it cannot
parse, keep-alive timeouts and write flow control. What is kept of its behaviour: answers to
pipelined requests go out in order; ``Expect: 100-continue`` is answered; HTTP/1.0 and
``Connection: close`` close after the answer; a HEAD answer has no body; a client behind a
proxy the server trusts (``forwarded_allow_ips``, 127.0.0.1 by default) is the address in
``X-Forwarded-For``.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections import deque
from dataclasses import dataclass
from typing import Any, Final

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from lintas.entrypoints.api.app import LintasApp, head
from lintas.entrypoints.api.http import BODY_BYTES_MAX, PayloadTooLarge, Response, problem

log = logging.getLogger(__name__)

#: Complete requests of one connection waiting for the answer before theirs, at most; past
#: this the connection is not read from until they are answered.
PIPELINED_MAX: Final = 16

#: Seconds a connection whose body was refused keeps reading (and dropping) what the client
#: still sends before it is closed (see ``_refuse_body``).
REFUSED_LINGER_S: Final = 5.0

_CONTINUE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
_CLOSE: Final = b"connection: close\r\n"


@dataclass(slots=True)
class _Request:
    """One request, read whole."""

    method: str
    path: str
    query_string: bytes
    headers: dict[bytes, bytes]
    body: bytes
    keep_alive: bool


class LintasHttpProtocol(HttpToolsProtocol):
    """One client connection (see the module docstring). uvicorn builds it: pass the class
    as ``uvicorn.Config(app, http=LintasHttpProtocol)`` with a ``LintasApp`` as ``app``."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        app = config.app
        assert isinstance(app, LintasApp), "LintasHttpProtocol serves a LintasApp"
        self._app = app
        self._trusted_proxies = (
            _trusted(config.forwarded_allow_ips) if config.proxy_headers else frozenset()
        )
        # The request being read.
        self._path = ""
        self._query = b""
        self._headers: dict[bytes, bytes] = {}
        self._chunks: list[bytes] = []
        self._size = 0
        #: A body over the bound was refused: nothing more is read from this connection.
        self._refused = False
        # The requests read whole, oldest first, and whether one is being answered.
        self._waiting: deque[_Request] = deque()
        self._answering = False
        self._closing = False

    # -- reading (httptools callbacks) ------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refused:  # Lingering after a refusal: dropped unread (see _refuse_body).
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self._chunks = []
        self._size = 0

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        parsed = httptools.parse_url(self.url)  # Raises on a bad URL: uvicorn answers 400.
        path = parsed.path.decode("ascii")
        self._path = urllib.parse.unquote(path) if "%" in path else path
        self._query = parsed.query or b""
        self._headers = headers = dict(self.headers)  # Once a request: also what it carries.
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > BODY_BYTES_MAX:
            self._refuse_body()
        elif self.expect_100_continue:
            self.transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        if self._refused:
            return
        self._size += len(body)
        if self._size > BODY_BYTES_MAX:
            self._refuse_body()
            return
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        parser = self.parser
        chunks = self._chunks
        request = _Request(
            parser.get_method().decode("ascii"),
            self._path,
            self._query,
            self._headers,
            chunks[0] if len(chunks) == 1 else b"".join(chunks),
            parser.get_http_version() != "1.0" and parser.should_keep_alive(),
        )
        if self._answering:
            self._waiting.append(request)
            if len(self._waiting) >= PIPELINED_MAX:
                self.flow.pause_reading()
        else:
            self._start(request)

    def _refuse_body(self) -> None:
        """A body over the bound: answer 413 without reading the rest, then end the
        connection (even before the answers to requests pipelined ahead: the client broke the
        bound). The close lingers: the answer is followed by a FIN, and what the client still
        sends is read and dropped until it closes or ``REFUSED_LINGER_S`` pass, because
        closing a socket with unread data sends a reset, which can destroy the answer before
        the client reads it."""
        self._refused = True
        self._waiting.clear()
        error = PayloadTooLarge("body_too_large", f"the body is over {BODY_BYTES_MAX} bytes")
        transport = self.transport
        if transport.is_closing():
            return
        transport.write(self._answer_bytes(problem(error), "POST", keep_alive=False))
        if transport.can_write_eof():
            transport.write_eof()
            self.loop.call_later(REFUSED_LINGER_S, transport.close)
        else:
            transport.close()

    # -- answering --------------------------------------------------------------------------

    def _start(self, request: _Request) -> None:
        self._answering = True
        task = self.loop.create_task(self._answer(request))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _answer(self, request: _Request) -> None:
        headers = request.headers
        client = client_address(
            self.client[0] if self.client else None,
            headers.get(b"x-forwarded-for"),
            self._trusted_proxies,
        )
        try:
            response = await self._app.respond(
                request.method, request.path, request.query_string, headers, request.body, client
            )
            self._write(response, request.method, request.keep_alive and not self._closing)
        except Exception:
            # ``respond`` answers every refusal and error itself; this is a bug in the path
            # here. Close rather than leave the client waiting on a connection that is stuck.
            log.exception("answering %s %s failed", request.method, request.path)
            self.transport.close()
            return
        self._answered()

    def _write(self, response: Response, method: str, keep_alive: bool) -> None:
        transport = self.transport
        if transport.is_closing() or self._refused:  # Nobody to answer any more.
            return
        transport.write(self._answer_bytes(response, method, keep_alive))
        if not keep_alive:
            transport.close()

    def _answer_bytes(self, response: Response, method: str, keep_alive: bool) -> bytes:
        parts = [STATUS_LINE[response.status]]
        for name, value in self.server_state.default_headers:
            parts += (name, b": ", value, b"\r\n")
        for name, value in head(response):
            parts += (name, b": ", value, b"\r\n")
        if not keep_alive:
            parts.append(_CLOSE)
        parts.append(b"\r\n")
        if method != "HEAD":
            parts.append(response.body)
        return b"".join(parts)

    def _answered(self) -> None:
        self.server_state.total_requests += 1
        self._answering = False
        if self.transport.is_closing() or self._refused:
            return
        if self._waiting:
            self.flow.resume_reading()
            self._start(self._waiting.popleft())
        else:
            self._unset_keepalive_if_required()
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    # -- the server's life ------------------------------------------------------------------

    def shutdown(self) -> None:
        """Called by uvicorn to stop: close now if idle, else after the current answer."""
        self._closing = True
        self._waiting.clear()
        if not self._answering:
            self.transport.close()


def _trusted(setting: list[str] | str) -> frozenset[str]:
    items = setting.split(",") if isinstance(setting, str) else setting
    return frozenset(item.strip() for item in items if item.strip())


def _is_trusted(host: str, trusted: frozenset[str]) -> bool:
    return "*" in trusted or host in trusted


def client_address(
    peer: str | None, forwarded_for: bytes | None, trusted: frozenset[str]
) -> str | None:
    """The client's address: the peer's, or, when the peer is a proxy in ``trusted``, the
    nearest hop of ``X-Forwarded-For`` that is not (as uvicorn's proxy headers read it)."""
    if peer is None or forwarded_for is None or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.decode("latin-1").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
