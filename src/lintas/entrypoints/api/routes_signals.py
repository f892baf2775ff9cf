"""The scam-signal routes (/v1/signals...) and the public check (/v1/check).

Registered by the app with ``build_signal_routes(hub)``; they use the hub's ``SignalsService``.

The public check needs no key and is rate-limited per client address (a token bucket per
address, ``CHECK_CLIENTS_MAX`` addresses remembered at most), keyed by the request's client
address; a request without one shares a single bucket, which fails safe rather than open.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

import msgspec

from lintas.adapters import stix
from lintas.bootstrap import Hub
from lintas.domain.errors import InputInvalid, LintasError
from lintas.domain.signals import Signal, SignalInput, Summary, TargetInput
from lintas.entrypoints.api.http import BODY_BYTES_MAX, Auth, Param, Request, Response, Route
from lintas.ports.directory import Participant
from lintas.services.signals import (
    SignalChange,
    SignalsService,
    check_language,
    public_check,
    viewer_of,
)

_TAG: Final = "signals"
#: Who may write (report, change, withdraw, import): members of the exchange, each as itself.
_KEY: Final = " Bearer key of a PSP, a national anti-scam centre or the operator."
#: Who may read: any participant; TLP 2.0 decides what each one sees.
_READ_KEY: Final = (
    " Bearer key of any participant: PSPs, anti-scam centres and the operator see TLP:AMBER"
    " and below (RED and AMBER+STRICT stay with their source); FX providers see GREEN and"
    " CLEAR only."
)
#: Public checks a client may burst before it is slowed down.
CHECK_BURST: Final = 20
#: Public checks per second a client earns back.
CHECK_RATE_PER_S: Final = 2.0
#: Client addresses the rate limiter remembers; the least recently seen is forgotten first.
CHECK_CLIENTS_MAX: Final = 10_000
#: Signals a STIX export over HTTP holds at most (larger exports: TAXII pages or the CLI).
EXPORT_SIGNALS_MAX: Final = 5_000
EXPORT_SIGNALS_DEFAULT: Final = 1_000

STIX_MEDIA_TYPE: Final = b"application/stix+json;version=2.1"

Time = Annotated[datetime, msgspec.Meta(tz=True)]


class TooManyRequests(LintasError):
    """A client over its public-check rate."""

    http_status = 429
    title = "Too many requests"


class TokenBuckets:
    """One token bucket per client address, ``clients_max`` addresses at most."""

    def __init__(
        self,
        *,
        burst: int = CHECK_BURST,
        rate_per_s: float = CHECK_RATE_PER_S,
        clients_max: int = CHECK_CLIENTS_MAX,
        now_s: Callable[[], float] = time.monotonic,
    ) -> None:
        assert burst >= 1 and rate_per_s > 0 and clients_max >= 1
        self.burst = burst
        self.rate_per_s = rate_per_s
        self.clients_max = clients_max
        self._now_s = now_s
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Take one token for ``client``; 0.0 when granted, else the seconds to wait."""
        now = self._now_s()
        tokens, at = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate_per_s)
        granted = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if granted else tokens, now)
        while len(self._buckets) > self.clients_max:
            # A forgotten client starts again with a full bucket: the bound costs at most one
            # burst per eviction, and the table can never grow with the number of addresses.
            self._buckets.popitem(last=False)
        return 0.0 if granted else (1.0 - tokens) / self.rate_per_s

    def __len__(self) -> int:
        return len(self._buckets)


# --- Bodies ---------------------------------------------------------------------------------


class SignalIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """A report (POST /v1/signals, one JSON line of an import file)."""

    type: str
    value: str
    abuse: str
    confidence: int
    tlp: str = "amber"
    country: str | None = None
    bank: str | None = None
    chain: str | None = None
    proxy_type: str | None = None
    first_seen: Time | None = None
    last_seen: Time | None = None
    expires_at: Time | None = None
    description: str = ""
    id: str | None = None
    status: str = "active"

    def to_input(self) -> SignalInput:
        """The service's input."""
        return SignalInput(
            target=TargetInput(
                type=self.type,
                value=self.value,
                country=self.country,
                bank=self.bank,
                chain=self.chain,
                proxy_type=self.proxy_type,
            ),
            abuse=self.abuse,
            confidence=self.confidence,
            tlp=self.tlp,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            expires_at=self.expires_at,
            description=self.description,
            id=self.id,
            status=self.status,
        )


class SignalPatch(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """What PATCH /v1/signals/{id} may change."""

    status: str | None = None
    confidence: int | None = None
    tlp: str | None = None
    abuse: str | None = None
    last_seen: Time | None = None
    expires_at: Time | None = None
    description: str | None = None


class SourceOut(msgspec.Struct, rename="camel"):
    participant: str
    organisation: str
    country: str | None


class SignalOut(msgspec.Struct, rename="camel"):
    id: str
    type: str
    value: str
    abuse: str
    confidence: int
    tlp: str
    status: str
    active: bool
    source: SourceOut
    first_seen: str
    last_seen: str
    expires_at: str
    created_at: str
    modified_at: str
    description: str


class LookupOut(msgspec.Struct, rename="camel"):
    type: str
    value: str
    active_reports: int
    sources: int
    first_seen: str | None
    last_seen: str | None
    confidence_max: int
    abuse_types: list[str]
    signals: list[SignalOut]


class CheckOut(msgspec.Struct, rename="camel"):
    type: str
    reported: bool
    active_reports: int
    first_reported_on: str | None
    language: str
    headline: str
    advice: str


class ImportOut(msgspec.Struct, rename="camel"):
    received: int
    changed: int
    skipped: int


def signal_out(s: Signal, now: datetime) -> SignalOut:
    """A signal as the API writes it."""
    return SignalOut(
        id=s.id,
        type=s.target.type.value,
        value=s.target.value,
        abuse=s.abuse.value,
        confidence=s.confidence,
        tlp=s.tlp.value,
        status=s.status.value,
        active=s.is_active(now),
        source=SourceOut(s.source.participant, s.source.organisation, s.source.country),
        first_seen=s.first_seen.isoformat(),
        last_seen=s.last_seen.isoformat(),
        expires_at=s.expires_at.isoformat(),
        created_at=s.created_at.isoformat(),
        modified_at=s.modified_at.isoformat(),
        description=s.description,
    )


def lookup_out(summary: Summary, now: datetime) -> LookupOut:
    """A lookup as the API writes it."""
    return LookupOut(
        type=summary.target.type.value,
        value=summary.target.value,
        active_reports=summary.active_reports,
        sources=summary.sources,
        first_seen=summary.first_seen.isoformat() if summary.first_seen else None,
        last_seen=summary.last_seen.isoformat() if summary.last_seen else None,
        confidence_max=summary.confidence_max,
        abuse_types=[a.value for a in summary.abuse_types],
        signals=[signal_out(s, now) for s in summary.signals],
    )


def target_of(request: Request) -> TargetInput:
    """The target named by a request's query (type, value, and country/bank/chain/proxyType)."""
    q = request.query
    return TargetInput(
        type=request.param("type"),
        value=request.param("value"),
        country=q.get("country") or None,
        bank=q.get("bank") or None,
        chain=q.get("chain") or None,
        proxy_type=q.get("proxyType") or None,
    )


def _caller(request: Request) -> Participant:
    assert request.caller is not None, "the app authenticates KEY routes before the handler"
    return request.caller


_TARGET_PARAMS: Final = (
    Param("type", "account, phone, proxy, url, domain, email, wallet or qr", example="phone"),
    Param("value", "the target as written (normalised by the hub)", example="0812345678"),
    Param(
        "country", "country of a national phone number or of a proxy", required=False, example="TH"
    ),
    Param("bank", "BIC of an account (or write the value as BIC:NUMBER)", required=False),
    Param("chain", "chain of a wallet: BTC, ETH, BSC, POLYGON, TRX, SOL, LTC", required=False),
    Param("proxyType", "proxy type of a proxy: NATIONAL_ID, UEN, EWALLET...", required=False),
)


@dataclass
class SignalRoutes:
    """The handlers, bound to one service."""

    hub: Hub
    service: SignalsService
    buckets: TokenBuckets

    async def report(self, request: Request) -> Response:
        body: SignalIn = request.json(SignalIn)
        signal = self.service.report(body.to_input(), _caller(request))
        return Response.json(signal_out(signal, self.hub.clock.now()), status=201)

    async def get(self, request: Request) -> Response:
        signal = self.service.get(request.path_params["id"], _caller(request))
        return Response.json(signal_out(signal, self.hub.clock.now()))

    async def patch(self, request: Request) -> Response:
        body: SignalPatch = request.json(SignalPatch)
        change = SignalChange(
            status=body.status,
            confidence=body.confidence,
            tlp=body.tlp,
            abuse=body.abuse,
            last_seen=body.last_seen,
            expires_at=body.expires_at,
            description=body.description,
        )
        signal = self.service.change(request.path_params["id"], change, _caller(request))
        return Response.json(signal_out(signal, self.hub.clock.now()))

    async def lookup(self, request: Request) -> Response:
        summary = self.service.lookup(target_of(request), _caller(request))
        return Response.json(lookup_out(summary, self.hub.clock.now()))

    async def import_stix(self, request: Request) -> Response:
        caller = _caller(request)
        source = self.service.source_of(caller)
        reports, skipped = stix.read_bundle(request.body, bytes_max=BODY_BYTES_MAX)
        prepared = self.service.prepare(reports, source)
        changed = self.service.save(prepared, chunk=len(prepared) or 1) if prepared else 0
        return Response.json(ImportOut(len(reports), changed, skipped))

    async def export_stix(self, request: Request) -> Response:
        text = request.query.get("limit") or str(EXPORT_SIGNALS_DEFAULT)
        if not text.isdigit() or not 1 <= int(text) <= EXPORT_SIGNALS_MAX:
            raise InputInvalid(
                "limit_out_of_range", f"limit is 1-{EXPORT_SIGNALS_MAX}", field="limit"
            )
        page = self.service.store.page(viewer_of(_caller(request)), limit=int(text))
        body = stix.bundle(s for s, _ in page.signals)
        return Response(msgspec.json.encode(body), content_type=STIX_MEDIA_TYPE)

    async def check(self, request: Request) -> Response:
        client = request.client or "unknown"
        wait_s = self.buckets.take(client)
        if wait_s > 0:
            response = Response.json(
                {
                    "type": "urn:lintas:problem:too_many_checks",
                    "title": TooManyRequests.title,
                    "status": 429,
                    "detail": f"too many checks from this address; retry in {wait_s:.0f} s",
                    "reason": "too_many_checks",
                },
                status=429,
            )
            response.content_type = b"application/problem+json"
            response.headers.append((b"retry-after", str(max(1, round(wait_s))).encode()))
            return response
        summary = self.service.lookup(target_of(request), None)
        accept = request.headers.get(b"accept-language", b"").decode("latin-1")
        language = check_language(request.query.get("lang"), accept)
        answer = public_check(summary, language)
        out = CheckOut(
            type=answer.type.value,
            reported=answer.reported,
            active_reports=answer.active_reports,
            first_reported_on=answer.first_reported_on,
            language=answer.language,
            headline=answer.headline,
            advice=answer.advice,
        )
        response = Response.json(out)
        response.headers.append((b"content-language", language.encode()))
        return response


def build_signal_routes(
    hub: Hub, signals_service: SignalsService | None = None, buckets: TokenBuckets | None = None
) -> list[Route]:
    """Every /v1/signals route and /v1/check, bound to ``hub``."""
    service = signals_service if signals_service is not None else hub.signals
    h = SignalRoutes(hub, service, buckets if buckets is not None else TokenBuckets())
    auth = '-H "Authorization: Bearer $KEY"'
    return [
        Route(
            "POST",
            "/v1/signals",
            h.report,
            "Report a scam signal",
            "Reports an account (value 'BIC:NUMBER' or bank=), a phone number, a proxy "
            "(country and proxyType), a URL, a domain, an e-mail, a crypto wallet ('CHAIN:ADDRESS' "
            "or chain=) or a merchant QR id, with abuse type, confidence 0-100 and a TLP 2.0 "
            "marking (red, amber+strict, amber (default), green, clear). Values are normalised: "
            "'+66 81-234-5678' and '0812345678' (country TH) are one number. Answers 201 with "
            "the stored signal; the same id again answers it unchanged." + _KEY,
            f"curl -s -X POST {auth} -H 'Content-Type: application/json' -d "
            '\'{"type":"phone","value":"0812345678","country":"TH",'
            '"abuse":"investment_scam","confidence":80,"tlp":"amber"}\' '
            "$LINTAS_URL/v1/signals",
            request=SignalIn,
            response=SignalOut,
            tag=_TAG,
        ),
        Route(
            "GET",
            "/v1/signals/lookup",
            h.lookup,
            "Look a target up",
            "How many active reports the caller may see on a target (TLP 2.0), since when, "
            "from how many organisations, and the signals themselves. A national phone number "
            "is read in the caller's country unless country= says otherwise." + _READ_KEY,
            f'curl -s {auth} "$LINTAS_URL/v1/signals/lookup?type=phone&value=0812345678"',
            params=_TARGET_PARAMS,
            response=LookupOut,
            tag=_TAG,
        ),
        Route(
            "POST",
            "/v1/signals/stix",
            h.import_stix,
            "Import a STIX 2.1 bundle",
            "Reads the indicators of a STIX 2.1 bundle (Lintas extensions or simple equality "
            "patterns on url, domain-name, email-addr and the x-lintas-* objects) as reports "
            "of the caller. The whole bundle is refused when any object is invalid STIX; over "
            f"{BODY_BYTES_MAX} bytes it is refused unread (use `lintas signals import`)." + _KEY,
            f"curl -s -X POST {auth} -H 'Content-Type: application/json' "
            "--data-binary @bundle.json $LINTAS_URL/v1/signals/stix",
            response=ImportOut,
            tag=_TAG,
        ),
        Route(
            "GET",
            "/v1/signals/stix",
            h.export_stix,
            "Export signals as a STIX 2.1 bundle",
            "The first `limit` signals the caller may see (TLP 2.0), oldest first, as a STIX "
            "2.1 bundle with TLP 2.0 markings and the Lintas extension definitions. For "
            "everything, page through TAXII (/taxii2/)." + _READ_KEY,
            f'curl -s {auth} "$LINTAS_URL/v1/signals/stix?limit=100"',
            params=(Param("limit", f"1-{EXPORT_SIGNALS_MAX}", required=False, example="100"),),
            tag=_TAG,
            content_type="application/stix+json;version=2.1",
        ),
        Route(
            "GET",
            "/v1/signals/{id}",
            h.get,
            "Get one signal",
            "A signal the caller may see; one it may not see is answered 404." + _READ_KEY,
            f"curl -s {auth} $LINTAS_URL/v1/signals/$SIGNAL_ID",
            params=(Param("id", "the signal id (UUID)", where="path"),),
            response=SignalOut,
            tag=_TAG,
        ),
        Route(
            "PATCH",
            "/v1/signals/{id}",
            h.patch,
            "Update or withdraw a signal",
            "Changes status (active, mitigated, disputed, withdrawn), confidence, tlp, abuse, "
            "lastSeen, expiresAt or description of a signal of the caller's organisation. "
            "Withdrawn is final." + _KEY,
            f"curl -s -X PATCH {auth} -H 'Content-Type: application/json' "
            '-d \'{"status":"withdrawn"}\' $LINTAS_URL/v1/signals/$SIGNAL_ID',
            params=(Param("id", "the signal id (UUID)", where="path"),),
            request=SignalPatch,
            response=SignalOut,
            tag=_TAG,
        ),
        Route(
            "GET",
            "/v1/check",
            h.check,
            "Check an account, number, link or QR (public)",
            "No key needed. Says whether the target has active reports shared publicly "
            "(TLP:CLEAR), since which day, and what to do next, in en, ms, id, th, vi, fil, "
            "km, lo, my or zh (lang= or Accept-Language). Never says who reported or what. "
            f"Rate-limited per client address ({CHECK_BURST} at once, {CHECK_RATE_PER_S:g}/s "
            "after; 429 with Retry-After).",
            'curl -s "$LINTAS_URL/v1/check?type=phone&value=%2B66812345678&lang=th"',
            auth=Auth.NONE,
            params=(
                *_TARGET_PARAMS,
                Param(
                    "lang",
                    "answer language (en, ms, id, th, vi, fil, km, lo, my, zh)",
                    required=False,
                    example="th",
                ),
            ),
            response=CheckOut,
            tag=_TAG,
        ),
    ]
