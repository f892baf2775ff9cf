"""The ASGI application: lifespan builds the hub; each request is routed, authenticated,
handled, and every refusal becomes an application/problem+json answer."""

from __future__ import annotations

import logging
from typing import Any, Final

import msgspec

from lintas.bootstrap import Hub, HubConfig, build_hub
from lintas.domain.errors import LintasError, NotFound, Unauthenticated
from lintas.entrypoints.api.http import (
    BODY_BYTES_MAX,
    JSON,
    Auth,
    PayloadTooLarge,
    Request,
    Response,
    Route,
    Router,
    bearer,
    parse_query,
    problem,
)
from lintas.entrypoints.api.openapi import openapi
from lintas.entrypoints.api.routes import build_routes
from lintas.entrypoints.api.routes_iso import build_iso_routes
from lintas.entrypoints.api.routes_qr import build_qr_routes
from lintas.entrypoints.api.routes_screening import build_screening_routes
from lintas.entrypoints.api.routes_signals import build_signal_routes
from lintas.entrypoints.api.taxii import build_taxii_routes
from lintas.entrypoints.collector import settle_after_start
from lintas.ports.clock import Clock

log = logging.getLogger(__name__)

Scope = dict[str, Any]

#: The content-type header of every JSON answer, built once.
_JSON_TYPE: Final = (b"content-type", JSON)


class LintasApp:
    """The hub over HTTP. Build with a config; the hub opens at lifespan startup."""

    def __init__(
        self, config: HubConfig, clock: Clock | None = None, *, settle_collector: bool = False
    ) -> None:
        self.config = config
        self._clock = clock
        #: Tune the process's garbage collector once started (``entrypoints.collector``):
        #: only for a process that does nothing but serve (``lintas serve``).
        self._settle_collector = settle_collector
        self.hub: Hub | None = None
        self._router: Router | None = None
        self._openapi: bytes = b""
        #: Every route this app serves (set at startup); /openapi.json documents exactly these.
        self.routes: list[Route] = []

    async def startup(self) -> None:
        """Open the store (seeding it on first start) and finish what a crash left."""
        hub = build_hub(self.config, self._clock)
        await hub.start()
        self.hub = hub
        routes = (
            build_routes(hub)
            + build_iso_routes(hub)
            + build_qr_routes()
            + build_screening_routes(hub, hub.screening)
            + build_signal_routes(hub)
            + build_taxii_routes(hub, hub.signals)
        )
        self.routes = routes
        self._router = Router(routes)
        self._openapi = msgspec.json.encode(openapi(routes))
        if hub.recovered:
            log.warning("voided %d payment(s) left in flight by the previous run", hub.recovered)
        if self._settle_collector:
            settle_after_start()

    def shutdown(self) -> None:
        """Close the store."""
        if self.hub is not None:
            self.hub.close()
            self.hub = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except BaseException as e:
                    await send({"type": "lifespan.startup.failed", "message": repr(e)})
                    raise
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        client = scope.get("client")
        try:
            body = await _read_body(receive, headers)
        except LintasError as e:
            response = problem(e)
        else:
            response = await self.respond(
                scope["method"],
                scope["path"],
                scope.get("query_string", b""),
                headers,
                body,
                str(client[0]) if client else None,
            )
        await send(
            {"type": "http.response.start", "status": response.status, "headers": head(response)}
        )
        await send({"type": "http.response.body", "body": response.body})

    async def respond(
        self,
        method: str,
        path: str,
        query_string: bytes,
        headers: dict[bytes, bytes],
        body: bytes,
        client: str | None,
    ) -> Response:
        """The answer to one request whose body has been read. Never raises: a refusal is a
        problem+json answer, anything unexpected a logged 500.

        Servers call this directly (``entrypoints.http_protocol``) or through ASGI.
        """
        router, hub = self._router, self.hub
        assert router is not None and hub is not None, "lifespan startup has not run"
        try:
            if method == "GET" and path == "/openapi.json":
                return Response(self._openapi)
            if method == "GET" and path == "/healthz":
                return Response(b'{"status":"ok"}')
            matched = router.match(method, path)
            if matched is None:
                raise NotFound("route_unknown", f"no route {method} {path}; see /openapi.json")
            route, params = matched
            request = Request(
                method, path, params, parse_query(query_string), headers, body, None, client
            )
            key = bearer(headers)
            if key is not None:
                request.caller = hub.participants.by_key(key)
                if request.caller is None:
                    raise Unauthenticated("api_key_unknown", "the API key is not known to this hub")
            if route.auth == Auth.KEY and request.caller is None:
                raise Unauthenticated(
                    "api_key_missing", "send a participant's key as 'Authorization: Bearer KEY'"
                )
            if route.auth == Auth.SANDBOX and not hub.config.sandbox and request.caller is None:
                raise Unauthenticated(
                    "api_key_missing", "this route needs a key outside the sandbox"
                )
            return await route.handler(request)
        except LintasError as e:
            return problem(e)
        except Exception:
            log.exception("unexpected error on %s %s", method, path)
            response = problem(
                LintasError("internal_error", "the hub could not complete the request")
            )
            response.status = 500
            return response


def head(response: Response) -> list[tuple[bytes, bytes]]:
    """The headers of ``response``'s answer: its content type and length, then its own."""
    kind = response.content_type
    headers = [
        _JSON_TYPE if kind == JSON else (b"content-type", kind),
        (b"content-length", b"%d" % len(response.body)),
    ]
    if response.headers:
        headers += response.headers
    return headers


async def _read_body(receive: Any, headers: dict[bytes, bytes]) -> bytes:
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > BODY_BYTES_MAX:
        raise PayloadTooLarge("body_too_large", f"the body is over {BODY_BYTES_MAX} bytes")
    message = await receive()
    if not message.get("more_body", False):  # The usual case: the whole body in one message.
        first: bytes = message.get("body", b"")
        if len(first) > BODY_BYTES_MAX:
            raise PayloadTooLarge("body_too_large", f"the body is over {BODY_BYTES_MAX} bytes")
        return first
    chunks: list[bytes] = [message.get("body", b"")]
    size = len(chunks[0])
    if size > BODY_BYTES_MAX:
        raise PayloadTooLarge("body_too_large", f"the body is over {BODY_BYTES_MAX} bytes")
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > BODY_BYTES_MAX:
            raise PayloadTooLarge("body_too_large", f"the body is over {BODY_BYTES_MAX} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
