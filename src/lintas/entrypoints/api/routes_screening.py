"""The sanctions screening routes: screen a name, see and load the lists.

Register with ``Router(build_routes(hub) + build_screening_routes(hub, screening))``.

- ``POST /v1/screening`` (any participant's key): hits on a name, best first, at the caller's
  threshold unless the request names one;
- ``GET /v1/lists`` (any key): each loaded list with its date and entry counts;
- ``POST /v1/lists`` (operator key): load a list file *on the hub's host* (UN XML, OFAC CSV or
  FollowTheMoney JSONL), replacing the loaded list of the same name. A path rather than the
  file's bytes: the UN list alone is six times the request body limit, and the operator runs
  the hub, so the file is where the hub can read it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Final

import msgspec

from lintas.bootstrap import Hub
from lintas.domain.errors import Forbidden
from lintas.entrypoints.api.http import Request, Response, Route
from lintas.ports.directory import Participant, Role
from lintas.services.screening import HITS_MAX, ListStatus, ScreeningService

_TAG: Final = "screening"
_KEY: Final = " Bearer key of any participant (see `lintas sandbox keys`)."
_POST: Final = 'curl -s -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: application/json"'


class ScreeningIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A name to screen, with an optional country (ISO code) that only adds evidence."""

    name: str
    country: str | None = None
    #: 0-1; default: the caller's threshold (per participant), else the hub's.
    threshold: float | None = None
    limit: int = 10


class HitOut(msgspec.Struct, rename="camel", frozen=True):
    """One listed entry the name resembles."""

    list_name: str = msgspec.field(name="list")
    entry_id: str
    matched_name: str
    score: float
    explanation: list[str]


class ScreeningOut(msgspec.Struct, rename="camel", frozen=True):
    """The hits, best first."""

    name: str
    threshold: float
    hits: list[HitOut]


class ListOut(msgspec.Struct, rename="camel", frozen=True):
    """A loaded list."""

    name: str
    as_of: str | None
    entry_count: int
    person_count: int
    organisation_count: int
    source: str
    loaded_at: str


class ListsOut(msgspec.Struct, rename="camel", frozen=True):
    """Every loaded list."""

    lists: list[ListOut]
    entry_count: int


class ListLoadIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True):
    """A list file on the hub's host."""

    path: str


def list_out(s: ListStatus) -> ListOut:
    """The JSON shape of a list's status."""
    return ListOut(
        name=s.name,
        as_of=s.as_of.isoformat() if s.as_of else None,
        entry_count=s.entry_count,
        person_count=s.person_count,
        organisation_count=s.organisation_count,
        source=s.source,
        loaded_at=s.loaded_at.isoformat(),
    )


def _caller(request: Request) -> Participant:
    assert request.caller is not None, "the app authenticates KEY routes before the handler"
    return request.caller


def build_screening_routes(hub: Hub, screening: ScreeningService) -> list[Route]:
    """The screening and list routes, bound to ``screening``."""
    del hub  # Part of the signature every route builder shares; screening needs no more.

    async def screen(request: Request) -> Response:
        body: ScreeningIn = request.json(ScreeningIn)
        caller = _caller(request)
        threshold = screening.threshold_for(caller.id) if body.threshold is None else body.threshold
        hits = screening.screen(
            body.name, country=body.country, threshold=threshold, limit=body.limit
        )
        return Response.json(
            ScreeningOut(
                name=body.name,
                threshold=threshold,
                hits=[
                    HitOut(h.list_name, h.entry_id, h.matched_name, h.score, list(h.explanation))
                    for h in hits
                ],
            )
        )

    async def lists(request: Request) -> Response:
        statuses = screening.lists()
        return Response.json(
            ListsOut([list_out(s) for s in statuses], sum(s.entry_count for s in statuses))
        )

    async def load(request: Request) -> Response:
        if _caller(request).role is not Role.OPERATOR:
            raise Forbidden("operator_only", "only the operator loads sanctions lists")
        body: ListLoadIn = request.json(ListLoadIn)
        # Parsing and indexing a list takes about a second: off the event loop.
        status = await asyncio.to_thread(screening.load, Path(body.path))
        return Response.json(list_out(status), 201)

    return [
        Route(
            "POST",
            "/v1/screening",
            screen,
            "Screen a name against the sanctions lists",
            "Names in any of the region's scripts (Thai, Lao, Khmer, Burmese, Vietnamese, "
            "Chinese, Malay and Indonesian forms, Arabic) are matched against every loaded list, "
            "reordered, partial and misspelt names included. `hits` is best first: the list, the "
            "entry id, the listed name that matched, a score 0-1 and the explanation (which "
            f"tokens, which features). `threshold` defaults to the caller's; `limit` 1-{HITS_MAX}; "
            "`country` (ISO code) only adds evidence, it never excludes an entry." + _KEY,
            f'{_POST} -d \'{{"name": "Abu Bakar Bashir", "country": "ID"}}\' '
            "$LINTAS_URL/v1/screening",
            request=ScreeningIn,
            response=ScreeningOut,
            tag=_TAG,
        ),
        Route(
            "GET",
            "/v1/lists",
            lists,
            "Sanctions lists in force",
            "Each loaded list: its name, the date it was published (asOf), its entries "
            "(persons, organisations), the file it came from and when it was loaded." + _KEY,
            'curl -s -H "Authorization: Bearer $KEY" $LINTAS_URL/v1/lists',
            response=ListsOut,
            tag=_TAG,
        ),
        Route(
            "POST",
            "/v1/lists",
            load,
            "Load a sanctions list file on the hub's host (operator)",
            "Reads the file at `path` on the hub's host (UN Security Council consolidated XML, "
            "OFAC SDN CSV with alt.csv beside it or their folder, or FollowTheMoney JSON lines; "
            "detected from the content), replaces the loaded list of the same name and answers "
            "its status (201). Every screening that starts afterwards uses it. Refused: a "
            "missing file (404 list_file_missing), an unknown format (422 list_refused), a "
            "key that is not the operator's (403).",
            f'{_POST} -d \'{{"path": "/srv/lists/un-consolidated.xml"}}\' $LINTAS_URL/v1/lists',
            request=ListLoadIn,
            response=ListOut,
            tag=_TAG,
        ),
    ]
