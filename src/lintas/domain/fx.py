"""FX quotes: standing rates, improvements, fees, caps and the disclosure a sender approves.

Pure: no I/O, no clock (``now`` is passed in). Amounts are ``Money`` (integer minor units);
rates are exact ``Decimal``; every conversion between currencies is done with integers
(``rate.as_integer_ratio()``), so no rounding happens anywhere except where named below.

Vocabulary (one Quote, one FXP, one corridor)::

    amount_debited   = principal + source_psp_fee + scheme_fee        (source currency)
    principal        -> the FXP at the source SAP, converted at exchange_rate
    interbank_target -> paid by the FXP at the destination SAP         (target currency)
    amount_credited  = interbank_target - destination_psp_fee         (target currency)

Rules (each is tested in tests/unit/test_fx.py):

1. **Rate.** ``exchange_rate = rate * (1 + (tier_bps + psp_bps) / 10_000)``, exact. The tier
   is chosen by the *principal* (source currency): the best tier whose threshold is at or below
   the principal wins (tiers are not cumulative); the requesting PSP's improvement is added.
   The applicable rate therefore never falls as the principal grows.
2. **Fees.** Each fee is ``fixed + floor(base * bps / 10_000)``: source PSP and scheme fees on
   the principal, the destination PSP fee on the interbank target. Rounding the proportional
   part *down* means a fee is never a fraction more than its schedule says.
3. **Fixed to send (SOURCE).** ``amount`` is the most the sender may be debited, fees included.
   The principal is the *largest* integer with ``principal + fees(principal) <= amount``,
   found exactly with integers. Because proportional fees round down, ``principal + fees``
   jumps by up to 3 minor units per unit of principal, so a remainder of at most 2 minor units
   may be unusable: it is **not debited** (``amount_debited <= amount``, and the disclosure
   shows the exact figure). ``interbank_target = floor(principal * rate)`` so the FXP never
   pays out more than the principal buys; ``amount_credited`` must stay positive, or the quote
   is refused ``amount_too_small_to_cover_fees``.
4. **Fixed to receive (TARGET).** ``amount`` is exactly what the recipient is credited. The
   interbank target is the smallest amount whose net of the destination fee is exactly
   ``amount`` (it always exists: the net grows by 0 or 1 per minor unit). The principal is
   the smallest whose conversion covers it, ``ceil(interbank_target / rate)`` at the rate of
   the tier that principal falls in, so the FXP is never short (it keeps the sub-unit
   remainder, at most one source minor unit of value). ``interbank_target`` stays as computed,
   so ``amount_credited == amount`` exactly; ``amount_debited = principal + fees``.
5. **Caps.** ``source_max`` (the source IPS cap) is compared to ``amount_debited`` and
   ``target_max`` (the destination IPS cap) to ``interbank_target``, which is what moves in
   the destination IPS. Over either: ``amount_over_limit`` (ISO 20022 AM02).
6. **Expiry.** ``expires_at = created_at + ttl_s``; a quote is usable while
   ``now < expires_at``.
7. **Display.** ``effective_rate = amount_credited / amount_debited`` in major units, rounded
   down to ``EFFECTIVE_RATE_SIGNIFICANT_DIGITS`` (10) significant digits, so it never
   overstates what the sender gets; it is never above ``exchange_rate``.

Refusals are ``QuoteRefused`` (a ``Refused``) with a sentence-like ``reason``; broken
invariants are assertions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import (
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple

from lintas.domain.errors import ReasonCode, Refused
from lintas.domain.money import AMOUNT_MINOR_MAX, CurrencyCode, Money, exponent

#: Basis points in one whole (100%).
BPS_PER_UNIT: Final[int] = 10_000
#: The largest proportional part of any one fee (10%). Kept well under 100% because the
#: fixed-to-receive search relies on the destination fee growing slower than its base.
FEE_BPS_MAX: Final[int] = 1_000
#: The largest improvement one tier or one PSP may add (10%).
IMPROVEMENT_BPS_MAX: Final[int] = 1_000
TIERS_PER_RATE_MAX: Final[int] = 32
PSP_IMPROVEMENTS_PER_RATE_MAX: Final[int] = 10_000
#: The most standing rates ``quotes_for`` will consider in one request.
RATES_PER_REQUEST_MAX: Final[int] = 1_000
RATE_SIGNIFICANT_DIGITS_MAX: Final[int] = 10
#: Posted rates outside this range are a mistake in any real corridor (VND per SGD is about
#: 2e4, SGD per VND about 5e-5); the bound also keeps every integer conversion small.
RATE_MIN: Final[Decimal] = Decimal("1E-9")
RATE_MAX: Final[Decimal] = Decimal("1E+9")
QUOTE_TTL_S_DEFAULT: Final[int] = 600
QUOTE_TTL_S_MAX: Final[int] = 3_600
EFFECTIVE_RATE_SIGNIFICANT_DIGITS: Final[int] = 10

# The searches for an exact principal or interbank target start within a few minor units of
# the answer (see the proofs at each search); this bounds their loops.
_SEARCH_STEPS_MAX: Final[int] = 4

# Exact rate arithmetic: any rounding would silently change a price, so it traps.
_EXACT: Final = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
# Display of the effective rate: rounded down so it never overstates what the sender gets.
_DISPLAY: Final = Context(
    prec=EFFECTIVE_RATE_SIGNIFICANT_DIGITS,
    rounding=ROUND_FLOOR,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


class AmountType(StrEnum):
    """Which side of the payment the sender fixed."""

    SOURCE = "SOURCE"  # The most debited from the sender, fees included.
    TARGET = "TARGET"  # Exactly what the recipient is credited.


class QuoteRefusalReason(StrEnum):
    """Why no quote can be given (stable, sentence-like)."""

    AMOUNT_TOO_SMALL_TO_COVER_FEES = "amount_too_small_to_cover_fees"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    AMOUNT_OVER_LIMIT = "amount_over_limit"
    AMOUNT_TOO_LARGE = "amount_too_large"
    AMOUNT_CURRENCY_DOES_NOT_MATCH_AMOUNT_TYPE = "amount_currency_does_not_match_amount_type"
    NO_RATE_FOR_PAIR = "no_rate_for_pair"
    RATE_EXPIRED = "rate_expired"


_REASON_CODES: Final[Mapping[QuoteRefusalReason, ReasonCode]] = MappingProxyType(
    {
        QuoteRefusalReason.AMOUNT_OVER_LIMIT: ReasonCode.AM02,
        QuoteRefusalReason.AMOUNT_TOO_LARGE: ReasonCode.AM02,
        QuoteRefusalReason.AMOUNT_TOO_SMALL_TO_COVER_FEES: ReasonCode.AM09,
        QuoteRefusalReason.AMOUNT_MUST_BE_POSITIVE: ReasonCode.AM09,
        QuoteRefusalReason.AMOUNT_CURRENCY_DOES_NOT_MATCH_AMOUNT_TYPE: ReasonCode.AM09,
    }
)


class QuoteRefused(Refused):
    """No quote for this request; ``reason`` says why, ``code`` is the ISO reason if any."""

    reason: QuoteRefusalReason

    def __init__(self, reason: QuoteRefusalReason, message: str) -> None:
        super().__init__(reason, message, code=_REASON_CODES.get(reason))
        self.reason = reason


def rate_problem(rate: Decimal) -> str | None:
    """Why ``rate`` cannot be posted (sentence-like), or ``None`` when it can."""
    if not rate.is_finite():
        return "rate_not_finite"
    if rate <= 0:
        return "rate_not_positive"
    if not RATE_MIN <= rate <= RATE_MAX:
        return "rate_out_of_range"
    digits = rate.as_tuple().digits
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if len(digits) - trailing_zeros > RATE_SIGNIFICANT_DIGITS_MAX:
        return "rate_has_too_many_significant_digits"
    return None


_ZERO_OFFSET: Final = timedelta(0)


def _assert_utc(moment: datetime) -> None:
    # Times come from the clock port; a naive or local time here is a programming error.
    # ``SystemClock`` gives ``datetime.UTC``: an identity test settles it without building a
    # timedelta (this runs several times per quote); any other zone is compared by offset.
    assert moment.tzinfo is UTC or moment.utcoffset() == _ZERO_OFFSET, moment


@dataclass(frozen=True, slots=True)
class SizeTier:
    """A better rate for a principal at or above ``threshold`` (source currency)."""

    threshold: Money
    improvement_bps: int

    def __post_init__(self) -> None:
        assert 0 <= self.improvement_bps <= IMPROVEMENT_BPS_MAX, self.improvement_bps


def _empty_improvements() -> Mapping[str, int]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StandingRate:
    """An FXP's posted rate for one currency pair, with its size tiers and PSP improvements.

    ``rate`` is units of target per one unit of source (major units), before improvements.
    ``psp_improvements_bps`` is copied into a read-only mapping, so a caller's dict can
    change afterwards without changing the rate.
    """

    fxp_id: str
    source_currency: CurrencyCode
    target_currency: CurrencyCode
    rate: Decimal
    posted_at: datetime
    tiers: tuple[SizeTier, ...] = ()
    psp_improvements_bps: Mapping[str, int] = field(default_factory=_empty_improvements)

    def __post_init__(self) -> None:
        problem = rate_problem(self.rate)
        assert problem is None, (problem, self.rate)
        exponent(self.source_currency)
        exponent(self.target_currency)
        assert self.source_currency != self.target_currency, self.source_currency
        _assert_utc(self.posted_at)
        assert isinstance(self.tiers, tuple), "tiers must be a tuple (immutable)"
        assert len(self.tiers) <= TIERS_PER_RATE_MAX, len(self.tiers)
        for tier in self.tiers:
            assert tier.threshold.currency == self.source_currency, tier
        thresholds = [tier.threshold.minor for tier in self.tiers]
        assert thresholds == sorted(set(thresholds)), "tiers must be sorted by threshold"
        improvements = dict(self.psp_improvements_bps)
        assert len(improvements) <= PSP_IMPROVEMENTS_PER_RATE_MAX, len(improvements)
        for bps in improvements.values():
            assert 0 <= bps <= IMPROVEMENT_BPS_MAX, bps
        object.__setattr__(self, "psp_improvements_bps", MappingProxyType(improvements))

    def __hash__(self) -> int:
        # A mapping proxy is not hashable; its sorted items are, and say the same thing.
        return hash(
            (
                self.fxp_id,
                self.source_currency,
                self.target_currency,
                self.rate,
                self.posted_at,
                self.tiers,
                tuple(sorted(self.psp_improvements_bps.items())),
            )
        )


def _bps_of(base_minor: int, bps: int) -> int:
    # Rounded down: a fee is never a fraction more than its schedule says.
    return base_minor * bps // BPS_PER_UNIT


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The fees on one corridor, each ``fixed + floor(base * bps / 10_000)``.

    Source PSP and scheme fees are in the source currency, on the principal, charged on top
    of it; the destination PSP fee is in the target currency, on the interbank target, and
    deducted from it.
    """

    source_psp_fixed: Money
    source_psp_bps: int
    scheme_fixed: Money
    scheme_bps: int
    destination_psp_fixed: Money
    destination_psp_bps: int

    def __post_init__(self) -> None:
        assert self.source_psp_fixed.currency == self.scheme_fixed.currency, self
        for bps in (self.source_psp_bps, self.scheme_bps, self.destination_psp_bps):
            assert 0 <= bps <= FEE_BPS_MAX, bps

    @classmethod
    def zero(cls, source_currency: CurrencyCode, target_currency: CurrencyCode) -> FeeSchedule:
        """A corridor with no fees at all."""
        return cls(
            source_psp_fixed=Money(0, source_currency),
            source_psp_bps=0,
            scheme_fixed=Money(0, source_currency),
            scheme_bps=0,
            destination_psp_fixed=Money(0, target_currency),
            destination_psp_bps=0,
        )

    @property
    def source_currency(self) -> CurrencyCode:
        """The currency of the source PSP and scheme fees."""
        return self.source_psp_fixed.currency

    @property
    def target_currency(self) -> CurrencyCode:
        """The currency of the destination PSP fee."""
        return self.destination_psp_fixed.currency

    def source_psp_fee(self, principal: Money) -> Money:
        """The source PSP's fee on ``principal``."""
        assert principal.currency == self.source_currency, principal
        return Money(self._source_psp_fee_minor(principal.minor), self.source_currency)

    def scheme_fee(self, principal: Money) -> Money:
        """The hub's fee on ``principal``."""
        assert principal.currency == self.source_currency, principal
        return Money(self._scheme_fee_minor(principal.minor), self.source_currency)

    def destination_psp_fee(self, interbank_target: Money) -> Money:
        """The destination PSP's fee on ``interbank_target``."""
        assert interbank_target.currency == self.target_currency, interbank_target
        return Money(self._destination_psp_fee_minor(interbank_target.minor), self.target_currency)

    def _source_psp_fee_minor(self, principal_minor: int) -> int:
        return self.source_psp_fixed.minor + _bps_of(principal_minor, self.source_psp_bps)

    def _scheme_fee_minor(self, principal_minor: int) -> int:
        return self.scheme_fixed.minor + _bps_of(principal_minor, self.scheme_bps)

    def _destination_psp_fee_minor(self, interbank_target_minor: int) -> int:
        return self.destination_psp_fixed.minor + _bps_of(
            interbank_target_minor, self.destination_psp_bps
        )

    def _debit_minor(self, principal_minor: int) -> int:
        return (
            principal_minor
            + self._source_psp_fee_minor(principal_minor)
            + self._scheme_fee_minor(principal_minor)
        )

    def _net_minor(self, interbank_target_minor: int) -> int:
        # May be negative for a tiny target; callers compare it, never make Money of it.
        return interbank_target_minor - self._destination_psp_fee_minor(interbank_target_minor)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What the sender must see before approving (see the module docstring for each line).

    ``effective_rate`` is ``amount_credited / amount_debited`` in major units, rounded down to
    ``EFFECTIVE_RATE_SIGNIFICANT_DIGITS`` significant digits, for display only.
    """

    amount_debited: Money
    principal: Money
    source_psp_fee: Money
    scheme_fee: Money
    interbank_target: Money
    destination_psp_fee: Money
    amount_credited: Money
    exchange_rate: Decimal
    effective_rate: Decimal

    def __post_init__(self) -> None:
        # No money is created or lost between the lines of a disclosure.
        # (Comparisons chained rather than sets built: this runs for every quote given.)
        source = self.principal.currency
        target = self.interbank_target.currency
        assert (
            self.amount_debited.currency == source
            and self.source_psp_fee.currency == source
            and self.scheme_fee.currency == source
        ), self
        assert (
            self.destination_psp_fee.currency == target and self.amount_credited.currency == target
        ), self
        assert self.amount_debited.minor == (
            self.principal.minor + self.source_psp_fee.minor + self.scheme_fee.minor
        ), self
        assert (
            self.amount_credited.minor + self.destination_psp_fee.minor
            == self.interbank_target.minor
        ), self
        assert self.principal.minor > 0 and self.amount_credited.minor > 0, self
        assert self.effective_rate <= self.exchange_rate, self


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced offer from one FXP to one PSP, valid from ``created_at`` to ``expires_at``."""

    quote_id: str
    fxp_id: str
    requested_by_psp: str
    source_currency: CurrencyCode
    target_currency: CurrencyCode
    amount_type: AmountType
    requested_amount: Money
    exchange_rate: Decimal
    disclosure: Disclosure
    created_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        _assert_utc(self.created_at)
        _assert_utc(self.expires_at)
        assert self.created_at < self.expires_at, (self.created_at, self.expires_at)
        assert self.disclosure.exchange_rate == self.exchange_rate, self
        assert self.disclosure.principal.currency == self.source_currency, self
        assert self.disclosure.interbank_target.currency == self.target_currency, self
        if self.amount_type is AmountType.SOURCE:
            assert self.requested_amount.currency == self.source_currency, self
            assert self.disclosure.amount_debited.minor <= self.requested_amount.minor, self
        else:
            assert self.requested_amount == self.disclosure.amount_credited, self

    def is_expired(self, now: datetime) -> bool:
        """True from ``expires_at`` on (the quote is usable while ``now < expires_at``)."""
        _assert_utc(now)
        return now >= self.expires_at


#: Improved rates and integer ratios remembered at most. Every quote needs one or two of each,
#: and a corridor has a handful of FXPs, tiers and PSP improvements, so the same few values
#: come back for every payment; exact Decimal arithmetic with a context and
#: ``as_integer_ratio`` were, measured, a tenth of the time of a quote. Both are pure
#: functions of values (equal Decimals give identical, normalised results), so a remembered
#: answer is the answer.
RATES_CACHED_MAX: Final[int] = 4096


@functools.lru_cache(maxsize=RATES_CACHED_MAX)
def _improved(rate: Decimal, bps: int) -> Decimal:
    factor = Decimal(BPS_PER_UNIT + bps).scaleb(-4, context=_EXACT)
    product = _EXACT.multiply(rate, factor)
    # Trailing zeros say nothing and clutter the disclosure; an integral rate stays written
    # out in full rather than in exponent form ("18500", not "1.85E+4").
    if product == product.to_integral_value(context=_EXACT):
        return product.quantize(Decimal(1), context=_EXACT)
    return product.normalize(context=_EXACT)


def _tier_bps(tiers: Sequence[SizeTier], principal_minor: int) -> int:
    # The best applicable tier wins: tiers are not cumulative. (A plain loop: a generator
    # and max() cost more than the few comparisons.)
    best = 0
    for t in tiers:
        if t.threshold.minor <= principal_minor and t.improvement_bps > best:
            best = t.improvement_bps
    return best


def _rate_at(rate: StandingRate, principal_minor: int, psp_id: str) -> Decimal:
    bps = _tier_bps(rate.tiers, principal_minor) + rate.psp_improvements_bps.get(psp_id, 0)
    return _improved(rate.rate, bps)


def applicable_rate(rate: StandingRate, principal: Money, psp_id: str) -> Decimal:
    """``rate * (1 + (tier_bps + psp_bps) / 10_000)``, exact; ``principal`` picks the tier."""
    assert principal.currency == rate.source_currency, (principal, rate.source_currency)
    return _rate_at(rate, principal.minor, psp_id)


@functools.lru_cache(maxsize=RATES_CACHED_MAX)
def _minor_ratio(rate: Decimal, source: CurrencyCode, target: CurrencyCode) -> tuple[int, int]:
    """``(num, den)`` with target_minor = source_minor * num / den, exactly."""
    num, den = rate.as_integer_ratio()
    shift = exponent(target) - exponent(source)
    if shift >= 0:
        return num * 10**shift, den
    return num, den * 10**-shift


def convert_cap(cap: Money, rate: Decimal, to: CurrencyCode, *, inverse: bool = False) -> Money:
    """``cap`` expressed in ``to``, rounded down (a converted cap never lets more through).

    ``rate`` is units of ``to`` per one unit of ``cap.currency``. With ``inverse=True`` it is
    units of ``cap.currency`` per one unit of ``to``: pass a quote's ``exchange_rate`` that way
    to bring a destination IPS cap back to the source currency (done exactly, with integers).
    A result beyond what Lintas holds is clamped to ``AMOUNT_MINOR_MAX``: nothing larger can
    be sent anyway.
    """
    problem = rate_problem(rate)
    assert problem is None, (problem, rate)
    if inverse:
        num, den = _minor_ratio(rate, to, cap.currency)
        minor = cap.minor * den // num
    else:
        num, den = _minor_ratio(rate, cap.currency, to)
        minor = cap.minor * num // den
    return Money(min(minor, AMOUNT_MINOR_MAX), to)


class _Figures(NamedTuple):
    principal: int
    interbank_target: int
    rate: Decimal


def _figures_from_source(
    rate: StandingRate, fees: FeeSchedule, amount_minor: int, psp_id: str
) -> _Figures:
    fixed = fees.source_psp_fixed.minor + fees.scheme_fixed.minor
    bps = fees.source_psp_bps + fees.scheme_bps
    if amount_minor <= fixed:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_TOO_SMALL_TO_COVER_FEES,
            f"{amount_minor} minor units do not cover the fixed fees of {fixed}",
        )
    # Start from the real-number answer rounded down: since each proportional fee is rounded
    # down, debit(p) <= p * (1 + bps/10_000) + fixed <= amount here. The true largest p is at
    # most (2 * 10_000 / (10_000 + bps)) + 1 <= 3 units above, so a few steps up find it.
    principal = (amount_minor - fixed) * BPS_PER_UNIT // (BPS_PER_UNIT + bps)
    steps = 0
    while fees._debit_minor(principal + 1) <= amount_minor:
        principal += 1
        steps += 1
        assert steps <= _SEARCH_STEPS_MAX, (amount_minor, fees)
    assert fees._debit_minor(principal) <= amount_minor < fees._debit_minor(principal + 1)
    if principal == 0:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_TOO_SMALL_TO_COVER_FEES,
            f"{amount_minor} minor units leave nothing to convert after fees",
        )
    applied = _rate_at(rate, principal, psp_id)
    num, den = _minor_ratio(applied, rate.source_currency, rate.target_currency)
    # Rounded down: the FXP never pays out more than the principal buys.
    interbank_target = principal * num // den
    if fees._net_minor(interbank_target) <= 0:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_TOO_SMALL_TO_COVER_FEES,
            f"{interbank_target} {rate.target_currency} minor units do not cover the "
            "destination fee",
        )
    return _Figures(principal, interbank_target, applied)


def _figures_from_target(
    rate: StandingRate, fees: FeeSchedule, amount_minor: int, psp_id: str
) -> _Figures:
    if amount_minor == 0:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_MUST_BE_POSITIVE, "the amount to receive must be positive"
        )
    fixed = fees.destination_psp_fixed.minor
    bps = fees.destination_psp_bps
    # net(t) = t - fixed - floor(t * bps / 10_000) grows by 0 or 1 per unit (bps < 10_000), so
    # the smallest t with net(t) >= amount has net(t) == amount exactly. Start at the
    # real-number answer rounded up (net there is >= amount); the smallest t is less than
    # 10_000 / (10_000 - bps) + 1 <= 3 units below.
    target = -(-(amount_minor + fixed) * BPS_PER_UNIT // (BPS_PER_UNIT - bps))
    assert fees._net_minor(target) >= amount_minor, (amount_minor, fees)
    steps = 0
    while fees._net_minor(target - 1) >= amount_minor:
        target -= 1
        steps += 1
        assert steps <= _SEARCH_STEPS_MAX, (amount_minor, fees)
    assert fees._net_minor(target) == amount_minor, (amount_minor, fees)
    principal, applied = _smallest_principal(rate, target, psp_id)
    return _Figures(principal, target, applied)


def _smallest_principal(
    rate: StandingRate, interbank_target_minor: int, psp_id: str
) -> tuple[int, Decimal]:
    """The smallest principal whose conversion, at its own tier's rate, covers the target.

    The tier depends on the principal and the principal on the tier's rate; but the rate never
    falls as the principal grows, so the converted amount is monotone in the principal. Bands
    between thresholds are walked in order: the first band holding a large-enough principal
    holds the smallest one, and within a band it is ``ceil(target / rate)`` (or the band's
    start, if that already covers the target).
    """
    starts = sorted({0, *(tier.threshold.minor for tier in rate.tiers)})
    assert len(starts) <= TIERS_PER_RATE_MAX + 1
    for index, start in enumerate(starts):
        applied = _rate_at(rate, start, psp_id)
        num, den = _minor_ratio(applied, rate.source_currency, rate.target_currency)
        # Rounded up: the FXP is never short.
        principal = max(start, -(-interbank_target_minor * den // num))
        is_last = index + 1 == len(starts)
        if is_last or principal < starts[index + 1]:
            assert _rate_at(rate, principal, psp_id) == applied
            assert principal * num // den >= interbank_target_minor
            return principal, applied
    raise AssertionError("the last band always holds a principal")


def make_quote(
    *,
    quote_id: str,
    rate: StandingRate,
    fees: FeeSchedule,
    amount: Money,
    amount_type: AmountType,
    psp_id: str,
    now: datetime,
    ttl_s: int = QUOTE_TTL_S_DEFAULT,
    source_max: Money | None = None,
    target_max: Money | None = None,
    rate_age_max_s: int | None = None,
) -> Quote:
    """Price ``amount`` with one FXP's ``rate`` for ``psp_id`` (rules in the module docstring).

    ``source_max`` and ``target_max`` are the source and destination IPS caps (either may be
    absent). ``rate_age_max_s``, when given, refuses a rate posted longer ago than that
    (``rate_expired``). Raises ``QuoteRefused``.
    """
    assert 0 < ttl_s <= QUOTE_TTL_S_MAX, ttl_s
    _assert_utc(now)
    source, target = rate.source_currency, rate.target_currency
    assert (fees.source_currency, fees.target_currency) == (source, target), (fees, rate)
    assert source_max is None or source_max.currency == source, source_max
    assert target_max is None or target_max.currency == target, target_max
    expected = source if amount_type is AmountType.SOURCE else target
    if amount.currency != expected:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_CURRENCY_DOES_NOT_MATCH_AMOUNT_TYPE,
            f"a {amount_type} amount for {source}->{target} must be in {expected}, "
            f"not {amount.currency}",
        )
    if rate_age_max_s is not None and now - rate.posted_at > timedelta(seconds=rate_age_max_s):
        raise QuoteRefused(
            QuoteRefusalReason.RATE_EXPIRED,
            f"{rate.fxp_id}'s {source}->{target} rate was posted at "
            f"{rate.posted_at.isoformat()}, more than {rate_age_max_s}s ago",
        )
    if amount_type is AmountType.SOURCE:
        figures = _figures_from_source(rate, fees, amount.minor, psp_id)
    else:
        figures = _figures_from_target(rate, fees, amount.minor, psp_id)
    principal, interbank_target = figures.principal, figures.interbank_target
    debited = fees._debit_minor(principal)
    if source_max is not None and debited > source_max.minor:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_OVER_LIMIT,
            f"{Money(min(debited, AMOUNT_MINOR_MAX), source)} to debit is over the source "
            f"limit of {source_max}",
        )
    if target_max is not None and interbank_target > target_max.minor:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_OVER_LIMIT,
            f"{Money(min(interbank_target, AMOUNT_MINOR_MAX), target)} to pay out is over the "
            f"destination limit of {target_max}",
        )
    if debited > AMOUNT_MINOR_MAX or interbank_target > AMOUNT_MINOR_MAX:
        raise QuoteRefused(
            QuoteRefusalReason.AMOUNT_TOO_LARGE, "the amounts are beyond what Lintas holds"
        )
    # After this point, the quote must be made.
    principal_money = Money(principal, source)
    interbank_money = Money(interbank_target, target)
    destination_fee = fees.destination_psp_fee(interbank_money)
    amount_debited = Money(debited, source)
    amount_credited = Money(interbank_target - destination_fee.minor, target)
    disclosure = Disclosure(
        amount_debited=amount_debited,
        principal=principal_money,
        source_psp_fee=fees.source_psp_fee(principal_money),
        scheme_fee=fees.scheme_fee(principal_money),
        interbank_target=interbank_money,
        destination_psp_fee=destination_fee,
        amount_credited=amount_credited,
        exchange_rate=figures.rate,
        effective_rate=_effective_rate(amount_credited, amount_debited),
    )
    return Quote(
        quote_id=quote_id,
        fxp_id=rate.fxp_id,
        requested_by_psp=psp_id,
        source_currency=source,
        target_currency=target,
        amount_type=amount_type,
        requested_amount=amount,
        exchange_rate=figures.rate,
        disclosure=disclosure,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_s),
    )


def _effective_rate(credited: Money, debited: Money) -> Decimal:
    quotient = _DISPLAY.divide(credited.to_decimal(), debited.to_decimal())
    # Always show the same number of significant digits, whatever the magnitude.
    digits = EFFECTIVE_RATE_SIGNIFICANT_DIGITS
    return quotient.quantize(Decimal(1).scaleb(quotient.adjusted() - digits + 1), context=_EXACT)


def quotes_for(
    *,
    new_quote_id: Callable[[], str],
    rates: Sequence[StandingRate],
    fees: FeeSchedule,
    amount: Money,
    amount_type: AmountType,
    psp_id: str,
    now: datetime,
    ttl_s: int = QUOTE_TTL_S_DEFAULT,
    source_max: Money | None = None,
    target_max: Money | None = None,
    rate_age_max_s: int | None = None,
) -> list[Quote]:
    """One quote per FXP for the corridor of ``fees``, best first.

    ``rates`` may hold any pairs: only those of the corridor (``fees.source_currency`` ->
    ``fees.target_currency``) count, and of an FXP's several rates for it, the latest posted.
    Best first means the highest ``amount_credited`` for SOURCE and the lowest
    ``amount_debited`` for TARGET; ties go by ``fxp_id`` so the order is stable. An FXP that
    refuses is skipped. With no rate for the pair, raises ``no_rate_for_pair``; when every FXP
    refuses, raises the refusal of the first in ``fxp_id`` order.
    """
    assert len(rates) <= RATES_PER_REQUEST_MAX, len(rates)
    latest: dict[str, StandingRate] = {}
    for rate in rates:
        if (rate.source_currency, rate.target_currency) != (
            fees.source_currency,
            fees.target_currency,
        ):
            continue
        held = latest.get(rate.fxp_id)
        if held is None or rate.posted_at > held.posted_at:
            latest[rate.fxp_id] = rate
    if not latest:
        raise QuoteRefused(
            QuoteRefusalReason.NO_RATE_FOR_PAIR,
            f"no FXP has a rate for {fees.source_currency}->{fees.target_currency}",
        )
    quotes: list[Quote] = []
    refusals: list[QuoteRefused] = []
    for fxp_id in sorted(latest):
        try:
            quotes.append(
                make_quote(
                    quote_id=new_quote_id(),
                    rate=latest[fxp_id],
                    fees=fees,
                    amount=amount,
                    amount_type=amount_type,
                    psp_id=psp_id,
                    now=now,
                    ttl_s=ttl_s,
                    source_max=source_max,
                    target_max=target_max,
                    rate_age_max_s=rate_age_max_s,
                )
            )
        except QuoteRefused as refusal:
            refusals.append(refusal)
    if not quotes:
        raise refusals[0]
    if amount_type is AmountType.SOURCE:
        quotes.sort(key=lambda q: (-q.disclosure.amount_credited.minor, q.fxp_id))
    else:
        quotes.sort(key=lambda q: (q.disclosure.amount_debited.minor, q.fxp_id))
    return quotes
