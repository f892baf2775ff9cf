"""A small ASGI layer: requests, responses, a route table that also documents itself.

Why not a framework: the hot path of a payment hub is four small JSON requests per payment;
measured, a bare ASGI handler with msgspec leaves more of the two cores to the ledger than a
general framework does. The route table carries each route's documentation and example, from
which ``/openapi.json`` is built, so a route cannot exist undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

import msgspec

from lintas.domain.errors import InputInvalid, LintasError, MalformedRequest, Unauthenticated
from lintas.entrypoints.api.schemas import Problem
from lintas.ports.directory import Participant

#: Request bodies larger than this are refused before they are read in full.
BODY_BYTES_MAX: Final = 256 * 1024
#: Query strings longer than this are refused.
QUERY_BYTES_MAX: Final = 4096

JSON: Final = b"application/json"
PROBLEM_JSON: Final = b"application/problem+json"

_encoder = msgspec.json.Encoder()


class PayloadTooLarge(InputInvalid):
    """A body over ``BODY_BYTES_MAX``."""

    http_status = 413
    title = "Payload too large"


class MethodNotAllowed(LintasError):
    """The path exists, the method does not."""

    http_status = 405
    title = "Method not allowed"


@dataclass(slots=True)
class Request:
    """What a handler gets."""

    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    headers: dict[bytes, bytes]
    body: bytes
    caller: Participant | None = None
    #: The client's network address (for per-client rate limits), if the server knows it.
    client: str | None = None

    def json(self, type_: type[Any]) -> Any:
        """Decode the body strictly into ``type_`` or raise a typed error with the field path."""
        if not self.body:
            raise MalformedRequest("body_missing", "a JSON body is required")
        try:
            return msgspec.json.decode(self.body, type=type_)
        except msgspec.ValidationError as e:
            raise InputInvalid("body_invalid", str(e)) from None
        except msgspec.DecodeError as e:
            raise MalformedRequest("body_not_json", f"the body is not valid JSON: {e}") from None

    def param(self, name: str) -> str:
        """A required query parameter."""
        value = self.query.get(name)
        if value is None or value == "":
            raise InputInvalid(
                "query_parameter_missing", f"query parameter {name!r} is required", field=name
            )
        return value


@dataclass(slots=True)
class Response:
    """What a handler returns."""

    body: bytes
    status: int = 200
    content_type: bytes = JSON
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Response:
        """``value`` (structs, dicts, lists) as JSON."""
        return cls(_encoder.encode(value), status)


def problem(error: LintasError) -> Response:
    """The problem+json answer for ``error``."""
    body = Problem(
        type=f"urn:lintas:problem:{error.reason}",
        title=error.title,
        status=error.http_status,
        detail=error.message,
        reason=str(error.reason),
        code=error.code.value if error.code else None,
        field=error.field,
    )
    headers = [(b"www-authenticate", b"Bearer")] if isinstance(error, Unauthenticated) else []
    return Response(_encoder.encode(body), error.http_status, PROBLEM_JSON, headers)


Handler = Callable[[Request], Awaitable[Response]]


class Auth:
    """Who may call a route."""

    NONE: Final = "none"  # Public reference data.
    KEY: Final = "key"  # A participant's bearer key.
    SANDBOX: Final = "sandbox"  # Open while the hub runs as a sandbox.


@dataclass(frozen=True, slots=True)
class Param:
    """A documented query or path parameter."""

    name: str
    description: str
    required: bool = True
    where: str = "query"
    example: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A route and its documentation (used by the router and by /openapi.json)."""

    method: str
    path: str
    handler: Handler
    summary: str
    description: str
    example: str
    auth: str = Auth.KEY
    params: tuple[Param, ...] = ()
    request: type[Any] | None = None
    response: type[Any] | None = None
    tag: str = "hub"
    content_type: str = "application/json"


class Router:
    """Matches a method and path to a route."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._static: dict[tuple[str, str], Route] = {}
        self._dynamic: list[tuple[re.Pattern[str], Route]] = []
        for route in routes:
            if "{" in route.path:
                pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path)
                self._dynamic.append((re.compile(f"^{pattern}$"), route))
            else:
                self._static[(route.method, route.path)] = route
        # Every request to a path with parameters (GET /v1/payments/{uetr}, once per payment)
        # asks whether the path is a static one: a set answers without walking the table.
        self._static_paths = frozenset(path for (_, path) in self._static)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method path`` and its path parameters; ``MethodNotAllowed`` when only
        the method is wrong; None when nothing matches."""
        route = self._static.get((method, path))
        if route is not None:
            return route, {}
        path_known = path in self._static_paths
        for pattern, route in self._dynamic:
            m = pattern.match(path)
            if m is not None:
                if route.method == method:
                    return route, m.groupdict()
                path_known = True
        if path_known:
            raise MethodNotAllowed("method_not_allowed", f"{method} is not allowed on {path}")
        return None


def parse_query(raw: bytes) -> dict[str, str]:
    """The query string as a dict (last value wins); refuses oversize or non-UTF-8 input."""
    if not raw:
        return {}  # Most requests (POSTs, GET by id) have none.
    if len(raw) > QUERY_BYTES_MAX:
        raise InputInvalid("query_too_long", f"the query string is over {QUERY_BYTES_MAX} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputInvalid("query_not_utf8", "the query string is not UTF-8") from None
    return dict(parse_qsl(text, keep_blank_values=True))


def bearer(headers: Mapping[bytes, bytes]) -> str | None:
    """The bearer token of the Authorization header, if any."""
    value = headers.get(b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
