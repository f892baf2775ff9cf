"""A read-only TAXII 2.1 server for the scam signals (discovery, API root, collections,
objects with ``added_after``, ``limit`` and ``next`` paging).

Every route takes a participant's bearer key, and what each caller gets follows TLP 2.0, as
for the JSON API. Each signal version is one STIX indicator; its ``date_added`` is the
microsecond the hub stored that version (a PATCH adds a new version). Answers are
``application/taxii+json;version=2.1``; a request that accepts neither TAXII nor JSON is
refused with 406.

Register with ``Router(... + build_taxii_routes(hub, signals))``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from lintas.adapters import stix
from lintas.bootstrap import Hub
from lintas.domain.errors import InputInvalid, LintasError, NotFound
from lintas.entrypoints.api.http import Param, Request, Response, Route
from lintas.services.signals import SignalsService, viewer_of

TAXII_MEDIA_TYPE: Final = "application/taxii+json;version=2.1"
_TAXII: Final = TAXII_MEDIA_TYPE.encode()
DISCOVERY_PATH: Final = "/taxii2/"
API_ROOT_PATH: Final = "/taxii2/signals/"
COLLECTION_ID: Final = "3c5b0f4e-8d2a-4f61-9b7e-2a1d6c0e5f70"
#: Objects one page holds at most, and when the client names no limit.
PAGE_OBJECTS_MAX: Final = 1_000
PAGE_OBJECTS_DEFAULT: Final = 100
#: Sorts after every signal id, so that ``added_after`` excludes the named microsecond.
_AFTER_EVERY_ID: Final = "\U0010ffff"
_TAG: Final = "taxii"
_KEY: Final = " Bearer key of any participant; TLP 2.0 decides what it sees."


class NotAcceptable(LintasError):
    """The client accepts no media type this server answers in."""

    http_status = 406
    title = "Not acceptable"


def _taxii(value: Any, headers: list[tuple[bytes, bytes]] | None = None) -> Response:
    return Response(msgspec.json.encode(value), 200, _TAXII, headers or [])


def _check_accept(request: Request) -> None:
    accept = request.headers.get(b"accept", b"").decode("latin-1").replace(" ", "").lower()
    if not accept:
        return
    acceptable = ("application/taxii+json", "application/json", "*/*", "application/*")
    if not any(a.split(";")[0] in acceptable for a in accept.split(",")):
        raise NotAcceptable("media_type_not_acceptable", f"answers are {TAXII_MEDIA_TYPE}")
    if "application/taxii+json;version=" in accept and "version=2.1" not in accept:
        raise NotAcceptable("taxii_version_unsupported", "this server speaks TAXII 2.1")


def taxii_time(ns: int) -> str:
    """A TAXII timestamp (UTC, microseconds) of ``ns`` nanoseconds since the epoch."""
    us = ns // 1_000
    at = datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> int:
    """Nanoseconds since the epoch of a TAXII timestamp, or ``InputInvalid``."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputInvalid(
            "added_after_malformed", f"{text!r} is not a timestamp", field="added_after"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    delta = at - epoch
    return ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1_000


def _cursor(text: str) -> tuple[int, str]:
    ns, sep, signal_id = text.partition("_")
    if not sep or not ns.isdigit() or len(signal_id) != 36:
        raise InputInvalid(
            "next_malformed", "'next' is the value a previous page gave", field="next"
        )
    return int(ns), signal_id


def _collection() -> dict[str, Any]:
    return {
        "id": COLLECTION_ID,
        "title": "Scam signals",
        "description": "Indicators of accounts, phone numbers, proxies, links, e-mails, wallets "
        "and merchant QR ids reported for scams by the exchange's members, as TLP 2.0 allows "
        "the caller to see.",
        "can_read": True,
        "can_write": False,
        "media_types": ["application/stix+json;version=2.1"],
    }


def build_taxii_routes(hub: Hub, signals_service: SignalsService) -> list[Route]:
    """The TAXII 2.1 routes, bound to ``hub``'s signals."""
    store = signals_service.store

    async def discovery(request: Request) -> Response:
        _check_accept(request)
        return _taxii(
            {
                "title": "Lintas scam-signal exchange",
                "description": "TAXII 2.1 for the scam signals shared through Lintas.",
                "default": API_ROOT_PATH,
                "api_roots": [API_ROOT_PATH],
            }
        )

    async def api_root(request: Request) -> Response:
        _check_accept(request)
        return _taxii(
            {
                "title": "Scam signals",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": 0,
            }
        )

    async def collections(request: Request) -> Response:
        _check_accept(request)
        return _taxii({"collections": [_collection()]})

    def _known(request: Request) -> None:
        _check_accept(request)
        if request.path_params["collection"] != COLLECTION_ID:
            raise NotFound("collection_unknown", "no such collection", field="collection")

    async def collection(request: Request) -> Response:
        _known(request)
        return _taxii(_collection())

    async def objects(request: Request) -> Response:
        _known(request)
        assert request.caller is not None, "TAXII routes take a key"
        q = request.query
        limit_text = q.get("limit") or str(PAGE_OBJECTS_DEFAULT)
        if not limit_text.isdigit() or int(limit_text) < 1:
            raise InputInvalid("limit_out_of_range", "limit is a positive number", field="limit")
        limit = min(int(limit_text), PAGE_OBJECTS_MAX)
        after: tuple[int, str] = (0, "")
        if q.get("next"):
            after = _cursor(q["next"])
        elif q.get("added_after"):
            after = (_parse_time(q["added_after"]), _AFTER_EVERY_ID)
        wanted = q.get("match[type]")
        if wanted:
            names = {t.strip() for t in wanted.split(",")}
            if names - {"indicator"}:
                return _taxii({"more": False, "objects": []})
        page = store.page(viewer_of(request.caller), after=after, limit=limit)
        body: dict[str, Any] = {
            "more": page.more,
            "objects": [stix.indicator(s) for s, _ in page.signals],
        }
        headers: list[tuple[bytes, bytes]] = []
        if page.signals:
            first_ns, last = page.signals[0][1], page.signals[-1]
            if page.more:
                body["next"] = f"{last[1]}_{last[0].id}"
            headers = [
                (b"x-taxii-date-added-first", taxii_time(first_ns).encode()),
                (b"x-taxii-date-added-last", taxii_time(last[1]).encode()),
            ]
        return _taxii(body, headers)

    obj = f"{API_ROOT_PATH}collections/{COLLECTION_ID}/objects/"
    curl = 'curl -s -H "Authorization: Bearer $KEY" -H "Accept: application/taxii+json;version=2.1"'
    return [
        Route(
            "GET",
            DISCOVERY_PATH,
            discovery,
            "TAXII 2.1 discovery",
            "The TAXII server's API roots." + _KEY,
            f"{curl} $LINTAS_URL/taxii2/",
            tag=_TAG,
            content_type=TAXII_MEDIA_TYPE,
        ),
        Route(
            "GET",
            API_ROOT_PATH,
            api_root,
            "TAXII 2.1 API root",
            "The scam-signal API root (read only)." + _KEY,
            f"{curl} $LINTAS_URL{API_ROOT_PATH}",
            tag=_TAG,
            content_type=TAXII_MEDIA_TYPE,
        ),
        Route(
            "GET",
            f"{API_ROOT_PATH}collections/",
            collections,
            "TAXII 2.1 collections",
            "The one collection: every scam signal the caller may see." + _KEY,
            f"{curl} $LINTAS_URL{API_ROOT_PATH}collections/",
            tag=_TAG,
            content_type=TAXII_MEDIA_TYPE,
        ),
        Route(
            "GET",
            f"{API_ROOT_PATH}collections/{{collection}}/",
            collection,
            "TAXII 2.1 collection",
            "One collection's description." + _KEY,
            f"{curl} $LINTAS_URL{API_ROOT_PATH}collections/{COLLECTION_ID}/",
            params=(Param("collection", "the collection id", where="path", example=COLLECTION_ID),),
            tag=_TAG,
            content_type=TAXII_MEDIA_TYPE,
        ),
        Route(
            "GET",
            f"{API_ROOT_PATH}collections/{{collection}}/objects/",
            objects,
            "TAXII 2.1 objects",
            "STIX indicators in the order they were added, oldest first; `added_after` "
            "keeps those added after a timestamp (X-TAXII-Date-Added-Last of a previous "
            f"answer), `limit` (at most {PAGE_OBJECTS_MAX}) and `next` page." + _KEY,
            f'{curl} "$LINTAS_URL{obj}?limit=100&added_after=2026-01-01T00:00:00Z"',
            params=(
                Param("collection", "the collection id", where="path", example=COLLECTION_ID),
                Param("added_after", "a TAXII timestamp", required=False),
                Param("limit", f"objects per page, 1-{PAGE_OBJECTS_MAX}", required=False),
                Param("next", "the 'next' of the previous page", required=False),
                Param("match[type]", "only 'indicator' is served", required=False),
            ),
            tag=_TAG,
            content_type=TAXII_MEDIA_TYPE,
        ),
    ]
