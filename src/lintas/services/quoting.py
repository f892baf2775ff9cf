"""Quotes: every FXP's price for a corridor and an amount, kept until they expire.

Rates live in memory (loaded once at start, replaced when an FXP posts), so quoting reads
nothing from disk. Quotes are written through the store's writer and returned only once
durable, so a payment may always refer to a quote that was answered.
"""

from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from lintas.domain.errors import Forbidden, InputInvalid, NotFound
from lintas.domain.fx import (
    QUOTE_TTL_S_DEFAULT,
    AmountType,
    Quote,
    SizeTier,
    StandingRate,
    quotes_for,
    rate_problem,
)
from lintas.domain.money import CurrencyCode, MoneyError, parse_amount
from lintas.domain.reference import Country
from lintas.ports.clock import Clock
from lintas.ports.directory import Participant, ReferenceData, Role
from lintas.ports.store import Reader, WriteCommand, Writer

#: Quotes kept in memory for payments at most; older ones are read from the store. A quote
#: is about 1.2 KB in memory (a ``Quote``, its ``Disclosure``, eight ``Money``, two
#: ``Decimal``): measured, with 200,000 the server's RSS reached 625 MB after 100,000 payments
#: over HTTP (three quotes per payment, so the bound, not the TTL, was what held them). A
#: payment follows its quote within seconds, so the newest 20,000 (about a minute of traffic
#: at the measured rates, hours at a real hub's) serve nearly every submission from memory,
#: in about 24 MB.
QUOTES_CACHED_MAX: Final = 20_000
#: Quote ids drawn from one read of the OS random source.
QUOTE_IDS_PER_REFILL: Final = 4096
#: Rates one FXP may post in one request at most.
RATES_PER_POST_MAX: Final = 500
#: Size tiers on one rate at most.
TIERS_PER_RATE_MAX: Final = 10


class _QuoteIds:
    """Random UUIDv4 quote ids, 16 bytes of OS randomness each, read 64 KiB at a time.

    ``uuid.uuid4`` makes one ``getrandom`` system call per id, and every quote request makes
    one id per FXP: measured, that was a tenth of the event loop's time. The bytes are the
    same kind (``os.urandom``), only fetched in bulk; nothing else is derived from them.

    Not UUIDv7, although time-ordered ids would let the quotes index append (as transfer ids
    do, ``settlement.transfer_id``): a pacs.008 carries the quote id as ``AgrdRate/QtId``,
    an ISO 20022 ``UUIDv4Identifier``, which the schema and the usage rules check.
    """

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0
        _quote_id_pools.add(self)

    def forget(self) -> None:
        """Drop the unused bytes (a forked child must not reuse its parent's ids)."""
        self._pool = b""
        self._at = 0

    def __call__(self) -> str:
        if self._at >= len(self._pool):
            self._pool = os.urandom(16 * QUOTE_IDS_PER_REFILL)
            self._at = 0
        raw = bytearray(self._pool[self._at : self._at + 16])
        self._at += 16
        # What ``str(uuid.UUID(bytes=raw, version=4))`` gives (the version nibble 4, the
        # RFC 4122 variant bits 10), without the UUID object's pure-Python __init__.
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_quote_id_pools: weakref.WeakSet[_QuoteIds] = weakref.WeakSet()


def _forget_quote_ids() -> None:
    for pool in _quote_id_pools:
        pool.forget()


os.register_at_fork(after_in_child=_forget_quote_ids)


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """What a PSP asks to be priced (as received; validated by ``QuotingService.quote``)."""

    source_country: str
    source_currency: str
    destination_country: str
    destination_currency: str
    amount_currency: str
    amount: str


@dataclass(frozen=True, slots=True)
class RatePost:
    """One rate an FXP posts (as received)."""

    source_currency: str
    target_currency: str
    rate: str
    tiers: tuple[tuple[str, int], ...] = ()
    psp_improvements_bps: tuple[tuple[str, int], ...] = ()


class QuotingService:
    """Prices corridors from FXP standing rates, and keeps the quotes it gave."""

    def __init__(
        self,
        *,
        reference: ReferenceData,
        reader: Reader,
        writer: Writer,
        clock: Clock,
        quote_ttl_s: int = QUOTE_TTL_S_DEFAULT,
    ) -> None:
        self._reference = reference
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._quote_ttl_s = quote_ttl_s
        self._rates: dict[tuple[str, str], list[StandingRate]] = {}
        self._quotes: OrderedDict[str, Quote] = OrderedDict()
        self._new_quote_id = _QuoteIds()
        self.reload_rates()

    def reload_rates(self) -> None:
        """Read every standing rate from the store (once at start, or after seeding)."""
        by_pair: dict[tuple[str, str], dict[str, StandingRate]] = {}
        for rate in self._reader.rates():
            by_pair.setdefault((rate.source_currency, rate.target_currency), {})[rate.fxp_id] = rate
        self._rates = {pair: list(fxps.values()) for pair, fxps in by_pair.items()}

    def _country(self, code: str, field: str) -> Country:
        country = self._reference.country(code)
        if country is None:
            raise NotFound("country_unknown", f"no country {code!r} is connected", field=field)
        return country

    async def quote(self, request: QuoteRequest, psp: Participant) -> list[Quote]:
        """Every FXP's quote for ``request``, best first, each durable before it is returned."""
        quotes = self.price(request, psp)
        await self._writer.submit_async(WriteCommand(quotes=quotes))
        for q in quotes:
            self._remember(q)
        return quotes

    def price(self, request: QuoteRequest, psp: Participant) -> list[Quote]:
        """Price ``request`` without keeping the quotes (validation + arithmetic only)."""
        if psp.role is not Role.PSP:
            raise Forbidden("only_psps_request_quotes", "only a PSP may request quotes")
        src = self._country(request.source_country, "sourceCountry")
        dst = self._country(request.destination_country, "destinationCountry")
        if src.code == dst.code:
            raise InputInvalid(
                "countries_must_be_different", "a cross-border quote needs two countries"
            )
        if psp.country != src.code:
            raise Forbidden(
                "psp_not_in_source_country",
                f"{psp.id} is a participant in {psp.country}, not in {src.code}",
            )
        if request.source_currency != src.currency:
            raise InputInvalid(
                "source_currency_does_not_match_country",
                f"{src.code} settles in {src.currency}, not {request.source_currency!r}",
                field="sourceCurrency",
            )
        if request.destination_currency != dst.currency:
            raise InputInvalid(
                "destination_currency_does_not_match_country",
                f"{dst.code} settles in {dst.currency}, not {request.destination_currency!r}",
                field="destinationCurrency",
            )
        if request.amount_currency == src.currency:
            amount_type = AmountType.SOURCE
        elif request.amount_currency == dst.currency:
            amount_type = AmountType.TARGET
        else:
            raise InputInvalid(
                "amount_currency_must_be_source_or_destination",
                f"amountCurrency must be {src.currency} or {dst.currency}",
                field="amountCurrency",
            )
        try:
            amount = parse_amount(request.amount, request.amount_currency)
        except MoneyError as e:
            raise InputInvalid(e.reason, e.message, field="amount") from None
        rates = self._rates.get((src.currency, dst.currency), [])
        return quotes_for(
            new_quote_id=self._new_quote_id,
            rates=rates,
            fees=self._reference.fees(src.code, dst.code),
            amount=amount,
            amount_type=amount_type,
            psp_id=psp.id,
            now=self._clock.now(),
            ttl_s=self._quote_ttl_s,
            source_max=src.ips.amount_max,
            target_max=dst.ips.amount_max,
        )

    def _remember(self, quote: Quote) -> None:
        quotes = self._quotes
        quotes[quote.quote_id] = quote
        while len(quotes) > QUOTES_CACHED_MAX:
            quotes.popitem(last=False)
        # Expired quotes only serve retries of payments already made, which ``find`` reads
        # from the store: dropping them bounds memory by the TTL, not by the count (measured,
        # 200,000 cached quotes were most of the server's RSS). Insertion order is expiry
        # order because every quote of this service gets the same TTL.
        while quotes:
            oldest = next(iter(quotes.values()))
            if oldest.expires_at >= quote.created_at:
                break
            quotes.popitem(last=False)

    def find(self, quote_id: str) -> Quote | None:
        """A quote this hub gave, from memory or the store."""
        quote = self._quotes.get(quote_id)
        if quote is None:
            quote = self._reader.quote(quote_id)
        return quote

    async def post_rates(self, posts: list[RatePost], fxp: Participant) -> list[StandingRate]:
        """An FXP posts standing rates; they apply to every quote from now on."""
        if fxp.role is not Role.FXP:
            raise Forbidden("only_fxps_post_rates", "only an FXP may post rates")
        if not 1 <= len(posts) <= RATES_PER_POST_MAX:
            raise InputInvalid(
                "rates_count_out_of_range", f"post between 1 and {RATES_PER_POST_MAX} rates"
            )
        now = self._clock.now()
        rates = [self._rate(post, fxp.id, now, i) for i, post in enumerate(posts)]
        await self._writer.submit_async(WriteCommand(rates=rates))
        for rate in rates:
            pair = (rate.source_currency, rate.target_currency)
            kept = [r for r in self._rates.get(pair, []) if r.fxp_id != rate.fxp_id]
            self._rates[pair] = [*kept, rate]
        return rates

    def _rate(self, post: RatePost, fxp_id: str, now: datetime, index: int) -> StandingRate:
        at = f"rates[{index}]"
        currencies = {c.currency for c in self._reference.countries()}
        for name, code in (
            ("sourceCurrency", post.source_currency),
            ("targetCurrency", post.target_currency),
        ):
            if code not in currencies:
                raise InputInvalid(
                    "currency_not_connected",
                    f"no connected IPS settles in {code!r}",
                    field=f"{at}.{name}",
                )
        if post.source_currency == post.target_currency:
            raise InputInvalid(
                "currencies_must_be_different", "a rate needs two currencies", field=at
            )
        try:
            rate = Decimal(post.rate)
        except InvalidOperation:
            raise InputInvalid(
                "rate_malformed", f"rate {post.rate!r} is not a decimal", field=f"{at}.rate"
            ) from None
        problem = rate_problem(rate)
        if problem is not None:
            raise InputInvalid(
                problem, f"rate {post.rate!r} cannot be posted: {problem}", field=f"{at}.rate"
            )
        if len(post.tiers) > TIERS_PER_RATE_MAX:
            raise InputInvalid(
                "too_many_tiers", f"at most {TIERS_PER_RATE_MAX} tiers", field=f"{at}.tiers"
            )
        tiers: list[SizeTier] = []
        for threshold, bps in post.tiers:
            try:
                money = parse_amount(threshold, post.source_currency)
            except MoneyError as e:
                raise InputInvalid(e.reason, e.message, field=f"{at}.tiers") from None
            if not 0 <= bps <= 1000:
                raise InputInvalid(
                    "tier_bps_out_of_range",
                    "tier improvement must be 0-1000 bps",
                    field=f"{at}.tiers",
                )
            tiers.append(SizeTier(money, bps))
        improvements = dict(post.psp_improvements_bps)
        for psp_id, bps in improvements.items():
            if self._reference.country_of_agent(psp_id) is None:
                raise InputInvalid(
                    "psp_unknown", f"no PSP {psp_id!r}", field=f"{at}.pspImprovements"
                )
            if not 0 <= bps <= 1000:
                raise InputInvalid(
                    "psp_bps_out_of_range",
                    "PSP improvement must be 0-1000 bps",
                    field=f"{at}.pspImprovements",
                )
        return StandingRate(
            fxp_id=fxp_id,
            source_currency=CurrencyCode(post.source_currency),
            target_currency=CurrencyCode(post.target_currency),
            rate=rate,
            posted_at=now,
            tiers=tuple(sorted(tiers, key=lambda t: t.threshold.minor)),
            psp_improvements_bps=improvements,
        )
