"""FX quotes: worked examples, refusals, and the no-money-created properties (Hypothesis).

Expected figures are worked out by hand (in the comments) or recomputed here with
``fractions.Fraction``, independently of the integer arithmetic in ``lintas.domain.fx``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lintas.domain.errors import ReasonCode, Refused
from lintas.domain.fx import (
    FEE_BPS_MAX,
    IMPROVEMENT_BPS_MAX,
    QUOTE_TTL_S_DEFAULT,
    AmountType,
    FeeSchedule,
    Quote,
    QuoteRefusalReason,
    QuoteRefused,
    SizeTier,
    StandingRate,
    applicable_rate,
    convert_cap,
    make_quote,
    quotes_for,
    rate_problem,
)
from lintas.domain.money import CurrencyCode, Money, exponent

SGD = CurrencyCode("SGD")
IDR = CurrencyCode("IDR")
VND = CurrencyCode("VND")
MYR = CurrencyCode("MYR")
KHR = CurrencyCode("KHR")
THB = CurrencyCode("THB")
PHP = CurrencyCode("PHP")

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
POSTED = NOW - timedelta(seconds=30)
PSP = "PSP-SENDER"


def standing(
    rate: str,
    source: CurrencyCode = SGD,
    target: CurrencyCode = IDR,
    *,
    fxp_id: str = "FXP-1",
    tiers: tuple[SizeTier, ...] = (),
    psp_bps: int = 0,
    posted_at: datetime = POSTED,
) -> StandingRate:
    return StandingRate(
        fxp_id=fxp_id,
        source_currency=source,
        target_currency=target,
        rate=Decimal(rate),
        posted_at=posted_at,
        tiers=tiers,
        psp_improvements_bps={PSP: psp_bps} if psp_bps else {},
    )


def fees(
    source: CurrencyCode = SGD,
    target: CurrencyCode = IDR,
    *,
    source_psp: tuple[int, int] = (0, 0),
    scheme: tuple[int, int] = (0, 0),
    destination_psp: tuple[int, int] = (0, 0),
) -> FeeSchedule:
    return FeeSchedule(
        source_psp_fixed=Money(source_psp[0], source),
        source_psp_bps=source_psp[1],
        scheme_fixed=Money(scheme[0], source),
        scheme_bps=scheme[1],
        destination_psp_fixed=Money(destination_psp[0], target),
        destination_psp_bps=destination_psp[1],
    )


def quote(
    rate: StandingRate,
    schedule: FeeSchedule,
    amount: Money,
    amount_type: AmountType,
    *,
    ttl_s: int = QUOTE_TTL_S_DEFAULT,
    source_max: Money | None = None,
    target_max: Money | None = None,
    rate_age_max_s: int | None = None,
) -> Quote:
    return make_quote(
        quote_id="Q-1",
        rate=rate,
        fees=schedule,
        amount=amount,
        amount_type=amount_type,
        psp_id=PSP,
        now=NOW,
        ttl_s=ttl_s,
        source_max=source_max,
        target_max=target_max,
        rate_age_max_s=rate_age_max_s,
    )


# --- Worked examples -------------------------------------------------------------------------


def test_a_fixed_send_amount_is_split_into_principal_and_fees_and_converted_down() -> None:
    # 1,000.00 SGD to send; fees 0.50 SGD + 10 bps (scheme); 2,000.00 IDR at the destination.
    # principal 998.51: 998.51 + 0.50 + 0.99 (10 bps of 998.51, rounded down) = 1,000.00,
    # and 998.52 would need 1,000.01. 998.51 * 11,500 = 11,482,865.00 IDR.
    schedule = fees(source_psp=(50, 0), scheme=(0, 10), destination_psp=(200_000, 0))
    q = quote(standing("11500"), schedule, Money(100_000, SGD), AmountType.SOURCE)

    d = q.disclosure
    assert d.amount_debited == Money(100_000, SGD)
    assert d.principal == Money(99_851, SGD)
    assert d.source_psp_fee == Money(50, SGD)
    assert d.scheme_fee == Money(99, SGD)
    assert d.interbank_target == Money(1_148_286_500, IDR)
    assert d.destination_psp_fee == Money(200_000, IDR)
    assert d.amount_credited == Money(1_148_086_500, IDR)
    assert d.exchange_rate == q.exchange_rate == Decimal("11500")
    # 11,480,865.00 / 1,000.00, shown with ten significant digits.
    assert str(d.effective_rate) == "11480.86500"


def test_a_fixed_receive_amount_is_credited_exactly_and_the_principal_rounds_up() -> None:
    # 1,000,000 VND to receive; destination fee 5,000 VND + 50 bps on the interbank target.
    # interbank 1,010,050: 1,010,050 - 5,000 - 5,050 = 1,000,000 (and 1,010,049 nets 999,999).
    # principal ceil(1,010,050 / 18,500) SGD = 54.60 (54.59 buys only 1,009,915 VND).
    schedule = fees(SGD, VND, source_psp=(50, 0), scheme=(0, 10), destination_psp=(5_000, 50))
    q = quote(standing("18500", SGD, VND), schedule, Money(1_000_000, VND), AmountType.TARGET)

    d = q.disclosure
    assert d.amount_credited == Money(1_000_000, VND)
    assert d.interbank_target == Money(1_010_050, VND)
    assert d.destination_psp_fee == Money(10_050, VND)
    assert d.principal == Money(5_460, SGD)
    assert d.source_psp_fee == Money(50, SGD)
    assert d.scheme_fee == Money(5, SGD)
    assert d.amount_debited == Money(5_515, SGD)
    assert str(d.effective_rate) == "18132.36627"  # 1,000,000 / 55.15, rounded down


def test_an_unusable_remainder_of_a_send_amount_is_not_debited() -> None:
    # With 10% rounded down, 9.09 SGD costs 9.09 + 0.90 = 9.99 and 9.10 costs 9.10 + 0.91 =
    # 10.01: no principal uses exactly 10.00, so the sender is debited 9.99, never 10.01.
    schedule = fees(SGD, MYR, source_psp=(0, FEE_BPS_MAX))
    q = quote(standing("3.5", SGD, MYR), schedule, Money(1_000, SGD), AmountType.SOURCE)

    assert q.disclosure.principal == Money(909, SGD)
    assert q.disclosure.source_psp_fee == Money(90, SGD)
    assert q.disclosure.amount_debited == Money(999, SGD)
    assert q.requested_amount == Money(1_000, SGD)


def test_a_quote_expires_exactly_its_ttl_after_it_was_made() -> None:
    q = quote(standing("11500"), fees(), Money(10_000, SGD), AmountType.SOURCE, ttl_s=90)

    assert q.created_at == NOW
    assert q.expires_at == NOW + timedelta(seconds=90)
    assert not q.is_expired(q.expires_at - timedelta(microseconds=1))
    assert q.is_expired(q.expires_at)
    default = quote(standing("11500"), fees(), Money(10_000, SGD), AmountType.SOURCE)
    assert default.expires_at - default.created_at == timedelta(seconds=QUOTE_TTL_S_DEFAULT)


# --- Rate improvements -----------------------------------------------------------------------

TIERS = (
    SizeTier(threshold=Money(100_000, SGD), improvement_bps=10),
    SizeTier(threshold=Money(1_000_000, SGD), improvement_bps=25),
)


def test_the_best_applicable_tier_wins_and_tiers_are_not_cumulative() -> None:
    rate = standing("3.5", SGD, MYR, tiers=TIERS)

    assert applicable_rate(rate, Money(99_999, SGD), PSP) == Decimal("3.5")
    assert applicable_rate(rate, Money(100_000, SGD), PSP) == Decimal("3.5035")
    assert applicable_rate(rate, Money(2_000_000, SGD), PSP) == Decimal("3.50875")  # not 35 bps


def test_a_psp_improvement_adds_to_the_tier_for_that_psp_only() -> None:
    rate = standing("3.5", SGD, MYR, tiers=TIERS, psp_bps=5)

    assert applicable_rate(rate, Money(100, SGD), PSP) == Decimal("3.50175")
    assert applicable_rate(rate, Money(100_000, SGD), PSP) == Decimal("3.50525")
    assert applicable_rate(rate, Money(100_000, SGD), "PSP-OTHER") == Decimal("3.5035")


def test_the_tier_is_chosen_by_the_principal_not_the_amount_sent() -> None:
    # 1,000.00 SGD to send with a 0.50 SGD fee leaves 999.50 of principal: below the tier.
    rate = standing("3.5", SGD, MYR, tiers=TIERS)
    q = quote(rate, fees(SGD, MYR, source_psp=(50, 0)), Money(100_000, SGD), AmountType.SOURCE)

    assert q.disclosure.principal == Money(99_950, SGD)
    assert q.exchange_rate == Decimal("3.5")


@pytest.mark.parametrize(
    ("target_minor", "principal_minor", "rate"),
    [
        (34_000, 9_715, "3.5"),  # ceil(340.00 / 3.5) = 97.15 SGD, below the tier.
        # 350.00 MYR needs 100.00 SGD at the base rate, which is the tier's threshold: the
        # tier's rate applies there, and 99.99 SGD at the base rate buys only 349.96 MYR.
        (35_000, 10_000, "3.85"),
        (36_000, 10_000, "3.85"),  # 100.00 SGD at the tier rate buys 385.00 MYR already.
        (40_000, 10_390, "3.85"),  # ceil(400.00 / 3.85) = 103.90 SGD.
    ],
)
def test_a_fixed_receive_amount_uses_the_tier_its_own_principal_falls_in(
    target_minor: int, principal_minor: int, rate: str
) -> None:
    tiered = standing(
        "3.5", SGD, MYR, tiers=(SizeTier(threshold=Money(10_000, SGD), improvement_bps=1_000),)
    )
    q = quote(tiered, fees(SGD, MYR), Money(target_minor, MYR), AmountType.TARGET)

    assert q.disclosure.principal == Money(principal_minor, SGD)
    assert q.exchange_rate == Decimal(rate)
    assert q.disclosure.amount_credited == Money(target_minor, MYR)


# --- Refusals --------------------------------------------------------------------------------


def test_a_send_amount_that_does_not_cover_the_fixed_fees_is_refused() -> None:
    schedule = fees(source_psp=(50, 0), scheme=(50, 0))

    with pytest.raises(QuoteRefused) as refused:
        quote(standing("11500"), schedule, Money(100, SGD), AmountType.SOURCE)

    assert refused.value.reason == "amount_too_small_to_cover_fees"
    assert refused.value.code == ReasonCode.AM09


def test_a_send_amount_worth_less_than_the_destination_fee_is_refused() -> None:
    # 100 VND at 0.0000535 SGD per VND is half a cent, which rounds down to nothing.
    rate = standing("0.0000535", VND, SGD)

    with pytest.raises(QuoteRefused) as refused:
        quote(rate, fees(VND, SGD), Money(100, VND), AmountType.SOURCE)

    assert refused.value.reason == QuoteRefusalReason.AMOUNT_TOO_SMALL_TO_COVER_FEES


def test_a_receive_amount_of_zero_is_refused() -> None:
    with pytest.raises(QuoteRefused) as refused:
        quote(standing("11500"), fees(), Money(0, IDR), AmountType.TARGET)

    assert refused.value.reason == "amount_must_be_positive"


def test_an_amount_in_the_wrong_currency_for_its_type_is_refused() -> None:
    with pytest.raises(QuoteRefused) as refused:
        quote(standing("11500"), fees(), Money(100, IDR), AmountType.SOURCE)

    assert refused.value.reason == "amount_currency_does_not_match_amount_type"


def test_a_debit_over_the_source_cap_is_refused_as_over_the_limit() -> None:
    schedule = fees(source_psp=(50, 0))
    cap = Money(100_050, SGD)
    at_cap = quote(standing("11500"), schedule, cap, AmountType.SOURCE, source_max=cap)
    assert at_cap.disclosure.amount_debited == cap

    with pytest.raises(QuoteRefused) as refused:
        # 120,000.00 IDR to receive needs 10.44 SGD of principal, plus 0.50: over 10.00 SGD.
        quote(
            standing("11500"),
            schedule,
            Money(12_000_000, IDR),
            AmountType.TARGET,
            source_max=Money(1_000, SGD),
        )

    assert refused.value.reason == "amount_over_limit"
    assert refused.value.code == ReasonCode.AM02
    assert isinstance(refused.value, Refused)


def test_an_interbank_target_over_the_destination_cap_is_refused_even_if_the_credit_fits() -> None:
    # 100.00 SGD buys 1,150,000.00 IDR; the destination fee brings the credit under the cap,
    # but the destination IPS moves the interbank target, so that is what the cap limits.
    schedule = fees(destination_psp=(1_000_000, 0))
    cap = Money(115_000_000 - 1, IDR)

    with pytest.raises(QuoteRefused) as refused:
        quote(standing("11500"), schedule, Money(10_000, SGD), AmountType.SOURCE, target_max=cap)

    assert refused.value.reason == "amount_over_limit"


def test_a_rate_older_than_the_allowed_age_is_refused_as_expired() -> None:
    old = standing("11500", posted_at=NOW - timedelta(seconds=61))
    fresh = standing("11500", posted_at=NOW - timedelta(seconds=60))

    with pytest.raises(QuoteRefused) as refused:
        quote(old, fees(), Money(100, SGD), AmountType.SOURCE, rate_age_max_s=60)

    assert refused.value.reason == "rate_expired"
    assert quote(fresh, fees(), Money(100, SGD), AmountType.SOURCE, rate_age_max_s=60)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1.234567891", None),
        ("18500.00000000000", None),  # trailing zeros are not significant
        ("1.2345678912", "rate_has_too_many_significant_digits"),
        ("0", "rate_not_positive"),
        ("-1", "rate_not_positive"),
        ("NaN", "rate_not_finite"),
        ("Infinity", "rate_not_finite"),
        ("1E+10", "rate_out_of_range"),
    ],
)
def test_a_posted_rate_must_be_positive_finite_and_short(text: str, problem: str | None) -> None:
    assert rate_problem(Decimal(text)) == problem


def test_a_standing_rate_is_hashable_and_does_not_follow_later_changes_to_its_psp_dict() -> None:
    improvements = {PSP: 5}
    rate = StandingRate(
        fxp_id="FXP-1",
        source_currency=SGD,
        target_currency=IDR,
        rate=Decimal("11500"),
        posted_at=POSTED,
        psp_improvements_bps=improvements,
    )
    improvements[PSP] = 500

    assert rate.psp_improvements_bps[PSP] == 5
    assert hash(rate) == hash(standing("11500", psp_bps=5))
    assert rate == standing("11500", psp_bps=5)


# --- Caps converted at the quote's rate ------------------------------------------------------


def test_a_cap_is_converted_down_in_either_direction() -> None:
    assert convert_cap(Money(100_000, SGD), Decimal("11500"), IDR) == Money(1_150_000_000, IDR)
    # 50,000,000 VND at 18,500 VND per SGD is 2,702.7027 SGD: 2,702.70 is the most to send.
    assert convert_cap(Money(50_000_000, VND), Decimal("18500"), SGD, inverse=True) == Money(
        270_270, SGD
    )


# --- Several FXPs ----------------------------------------------------------------------------


def _ids() -> Callable[[], str]:
    counter = iter(range(1_000))
    return lambda: f"Q-{next(counter)}"


def test_quotes_are_one_per_fxp_best_first_and_refusing_fxps_are_skipped() -> None:
    rates = [
        standing("11400", fxp_id="FXP-A"),
        standing("11600", fxp_id="FXP-B"),
        standing("11500", fxp_id="FXP-C"),
        standing("11000", fxp_id="FXP-C", posted_at=POSTED - timedelta(seconds=1)),  # older
        standing("99999", fxp_id="FXP-D", posted_at=NOW - timedelta(hours=1)),  # stale
        standing("3.5", SGD, MYR, fxp_id="FXP-E"),  # another corridor
    ]

    def ask(amount: Money, amount_type: AmountType) -> list[Quote]:
        return quotes_for(
            new_quote_id=_ids(),
            rates=rates,
            fees=fees(),
            amount=amount,
            amount_type=amount_type,
            psp_id=PSP,
            now=NOW,
            rate_age_max_s=300,
        )

    sent = ask(Money(10_000, SGD), AmountType.SOURCE)
    received = ask(Money(100_000_000, IDR), AmountType.TARGET)

    assert [q.fxp_id for q in sent] == ["FXP-B", "FXP-C", "FXP-A"]
    assert [q.fxp_id for q in received] == ["FXP-B", "FXP-C", "FXP-A"]
    assert len({q.quote_id for q in sent}) == 3
    assert sent[1].exchange_rate == Decimal("11500")  # FXP-C's latest rate


def test_asking_for_a_pair_no_fxp_quotes_is_refused() -> None:
    with pytest.raises(QuoteRefused) as refused:
        quotes_for(
            new_quote_id=_ids(),
            rates=[standing("3.5", SGD, MYR)],
            fees=fees(),
            amount=Money(100, SGD),
            amount_type=AmountType.SOURCE,
            psp_id=PSP,
            now=NOW,
        )

    assert refused.value.reason == "no_rate_for_pair"


def test_when_every_fxp_refuses_the_first_refusal_is_raised() -> None:
    with pytest.raises(QuoteRefused) as refused:
        quotes_for(
            new_quote_id=_ids(),
            rates=[standing("11500", fxp_id="A"), standing("11600")],
            fees=fees(),
            amount=Money(10_000, SGD),
            amount_type=AmountType.SOURCE,
            psp_id=PSP,
            now=NOW,
            source_max=Money(100, SGD),
        )

    assert refused.value.reason == "amount_over_limit"


# --- Properties ------------------------------------------------------------------------------

CURRENCIES = (SGD, IDR, VND, KHR, MYR, THB, PHP)
ALLOWED_REFUSALS = {
    QuoteRefusalReason.AMOUNT_TOO_SMALL_TO_COVER_FEES,
    QuoteRefusalReason.AMOUNT_TOO_LARGE,
}


@st.composite
def pairs(draw: st.DrawFn) -> tuple[CurrencyCode, CurrencyCode]:
    source = draw(st.sampled_from(CURRENCIES))
    target = draw(st.sampled_from([c for c in CURRENCIES if c != source]))
    return source, target


@st.composite
def rates(draw: st.DrawFn, source: CurrencyCode, target: CurrencyCode) -> StandingRate:
    # Up to ten significant digits, from 1e-6 (VND -> SGD is about 5e-5) to 1e6.
    mantissa = draw(st.integers(1, 9_999_999_999))
    scale = draw(st.integers(-15, 6))
    value = Decimal(mantissa).scaleb(scale)
    assume(rate_problem(value) is None and Decimal("1E-6") <= value <= Decimal("1E+6"))
    thresholds = draw(st.lists(st.integers(0, 10**12), max_size=4, unique=True))
    tiers = tuple(
        SizeTier(Money(t, source), draw(st.integers(0, IMPROVEMENT_BPS_MAX)))
        for t in sorted(thresholds)
    )
    return StandingRate(
        fxp_id="FXP-P",
        source_currency=source,
        target_currency=target,
        rate=value,
        posted_at=POSTED,
        tiers=tiers,
        psp_improvements_bps={PSP: draw(st.integers(0, IMPROVEMENT_BPS_MAX))},
    )


@st.composite
def schedules(draw: st.DrawFn, source: CurrencyCode, target: CurrencyCode) -> FeeSchedule:
    fixed = st.one_of(st.just(0), st.integers(0, 10**7))
    bps = st.one_of(st.just(0), st.integers(0, FEE_BPS_MAX))
    return fees(
        source,
        target,
        source_psp=(draw(fixed), draw(bps)),
        scheme=(draw(fixed), draw(bps)),
        destination_psp=(draw(fixed), draw(bps)),
    )


AMOUNTS_MINOR = st.one_of(st.integers(0, 10**4), st.integers(0, 10**9), st.integers(0, 10**15))


@st.composite
def requests(draw: st.DrawFn) -> tuple[StandingRate, FeeSchedule, Money, AmountType]:
    source, target = draw(pairs())
    amount_type = draw(st.sampled_from(AmountType))
    currency = source if amount_type is AmountType.SOURCE else target
    return (
        draw(rates(source, target)),
        draw(schedules(source, target)),
        Money(draw(AMOUNTS_MINOR), currency),
        amount_type,
    )


def _exact(money: Money) -> Fraction:
    return Fraction(money.minor, 10 ** exponent(money.currency))


def _fee(base_minor: int, fixed: Money, bps: int) -> int:
    return fixed.minor + base_minor * bps // 10_000


def _debit(schedule: FeeSchedule, principal_minor: int) -> int:
    return (
        principal_minor
        + _fee(principal_minor, schedule.source_psp_fixed, schedule.source_psp_bps)
        + _fee(principal_minor, schedule.scheme_fixed, schedule.scheme_bps)
    )


def _converted_minor(rate: StandingRate, principal_minor: int) -> Fraction:
    """What ``principal_minor`` buys at its own applicable rate, in target minor units."""
    applied = applicable_rate(rate, Money(principal_minor, rate.source_currency), PSP)
    value = Fraction(principal_minor, 10 ** exponent(rate.source_currency)) * Fraction(applied)
    return value * Fraction(10 ** exponent(rate.target_currency))


@settings(max_examples=400, deadline=None)
@given(requests(), st.integers(1, 3_600))
def test_no_money_is_created_or_lost_whatever_the_amounts_rates_and_fees(
    request: tuple[StandingRate, FeeSchedule, Money, AmountType], ttl_s: int
) -> None:
    rate, schedule, amount, amount_type = request
    try:
        q = quote(rate, schedule, amount, amount_type, ttl_s=ttl_s)
    except QuoteRefused as refused:
        assert refused.reason in ALLOWED_REFUSALS or (
            refused.reason == QuoteRefusalReason.AMOUNT_MUST_BE_POSITIVE and amount.minor == 0
        )
        return
    d = q.disclosure
    principal = d.principal.minor
    target = d.interbank_target.minor

    for money in (d.amount_debited, d.principal, d.source_psp_fee, d.scheme_fee):
        assert money.currency == rate.source_currency and money.minor >= 0
    for money in (d.interbank_target, d.destination_psp_fee, d.amount_credited):
        assert money.currency == rate.target_currency and money.minor >= 0
    assert d.amount_debited.minor == principal + d.source_psp_fee.minor + d.scheme_fee.minor
    assert d.amount_credited.minor + d.destination_psp_fee.minor == target
    assert d.source_psp_fee.minor == _fee(principal, *_source_psp(schedule))
    assert d.scheme_fee.minor == _fee(principal, schedule.scheme_fixed, schedule.scheme_bps)
    assert d.destination_psp_fee.minor == _fee(
        target, schedule.destination_psp_fixed, schedule.destination_psp_bps
    )
    assert q.exchange_rate == applicable_rate(rate, d.principal, PSP)
    assert _exact(d.interbank_target) <= _exact(d.principal) * Fraction(q.exchange_rate)
    assert d.principal.minor > 0 and d.amount_credited.minor > 0
    assert d.effective_rate <= q.exchange_rate
    assert len(d.effective_rate.as_tuple().digits) == 10
    assert q.expires_at == q.created_at + timedelta(seconds=ttl_s)

    if amount_type is AmountType.SOURCE:
        # Never charged more than asked; the principal is the largest that fits; at most two
        # minor units are left unused; the FXP pays out what the principal buys, rounded down.
        assert d.amount_debited.minor <= amount.minor
        assert _debit(schedule, principal + 1) > amount.minor
        assert amount.minor - d.amount_debited.minor <= 2
        assert target == int(_converted_minor(rate, principal))  # floor of a positive value
    else:
        # Exactly the amount is credited, from the smallest interbank target and principal.
        assert d.amount_credited == amount
        assert (
            target
            - 1
            - _fee(target - 1, schedule.destination_psp_fixed, schedule.destination_psp_bps)
            < amount.minor
        )
        assert _converted_minor(rate, principal) >= target
        assert _converted_minor(rate, principal - 1) < target


def _source_psp(schedule: FeeSchedule) -> tuple[Money, int]:
    return schedule.source_psp_fixed, schedule.source_psp_bps


@settings(max_examples=200, deadline=None)
@given(requests(), st.integers(0, 10**13), st.integers(0, 10**13))
def test_the_rate_never_gets_worse_as_the_principal_grows(
    request: tuple[StandingRate, FeeSchedule, Money, AmountType], a: int, b: int
) -> None:
    rate = request[0]
    smaller, larger = sorted((a, b))

    assert applicable_rate(rate, Money(smaller, rate.source_currency), PSP) <= applicable_rate(
        rate, Money(larger, rate.source_currency), PSP
    )


@settings(max_examples=200, deadline=None)
@given(requests(), st.integers(0, 10**9))
def test_sending_more_never_credits_less_and_receiving_more_never_costs_less(
    request: tuple[StandingRate, FeeSchedule, Money, AmountType], extra: int
) -> None:
    rate, schedule, amount, amount_type = request
    more = Money(amount.minor + extra, amount.currency)
    try:
        small = quote(rate, schedule, amount, amount_type)
        large = quote(rate, schedule, more, amount_type)
    except QuoteRefused:
        return

    if amount_type is AmountType.SOURCE:
        assert small.disclosure.amount_credited.minor <= large.disclosure.amount_credited.minor
    else:
        assert small.disclosure.amount_debited.minor <= large.disclosure.amount_debited.minor


@settings(max_examples=200, deadline=None)
@given(requests(), st.integers(0, 10**15), st.integers(0, 10**15))
def test_a_quote_is_refused_over_the_limit_exactly_when_a_cap_is_exceeded(
    request: tuple[StandingRate, FeeSchedule, Money, AmountType], source_cap: int, target_cap: int
) -> None:
    rate, schedule, amount, amount_type = request
    try:
        free = quote(rate, schedule, amount, amount_type)
    except QuoteRefused:
        return
    source_max = Money(source_cap, rate.source_currency)
    target_max = Money(target_cap, rate.target_currency)
    over = (
        free.disclosure.amount_debited.minor > source_cap
        or free.disclosure.interbank_target.minor > target_cap
    )

    try:
        capped = quote(
            rate, schedule, amount, amount_type, source_max=source_max, target_max=target_max
        )
    except QuoteRefused as refused:
        assert over and refused.reason == QuoteRefusalReason.AMOUNT_OVER_LIMIT
    else:
        assert not over and capped.disclosure == free.disclosure


@settings(max_examples=200, deadline=None)
@given(pairs(), st.data(), st.integers(0, 10**15))
def test_a_cap_converted_back_to_the_source_is_the_most_whose_value_fits_under_it(
    pair: tuple[CurrencyCode, CurrencyCode], data: st.DataObject, cap_minor: int
) -> None:
    source, target = pair
    rate = data.draw(rates(source, target)).rate
    cap = Money(cap_minor, target)

    converted = convert_cap(cap, rate, source, inverse=True)

    value = Fraction(rate) * 10 ** exponent(target) / 10 ** exponent(source)
    assert converted.currency == source
    assert converted.minor * value <= cap.minor
    assert converted.minor == 10**17 or (converted.minor + 1) * value > cap.minor
    forward = convert_cap(Money(cap_minor, source), rate, target)
    assert forward.minor == min(int(cap_minor * value), 10**17)
