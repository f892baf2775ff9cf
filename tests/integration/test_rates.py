"""FXPs post standing rates: the next quotes use them, a restart keeps them, bad posts change
nothing. Tests taking ``kit`` run once on SQLite and once on PostgreSQL (``pgkit.kit``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from testkit import psp_of, richest, run  # type: ignore[import-not-found]

from lintas.bootstrap import Hub
from lintas.domain.errors import Forbidden, InputInvalid
from lintas.domain.fx import Quote
from lintas.ports.directory import Participant, Role
from lintas.sandbox.region import Customer
from lintas.services.quoting import (
    RATES_PER_POST_MAX,
    TIERS_PER_RATE_MAX,
    QuoteRequest,
    RatePost,
)
from pgkit import StoreKit  # type: ignore[import-not-found]


def _fxp(hub: Hub) -> Participant:
    return Participant(hub.region.fxps[0].id, Role.FXP)


def _quotes(hub: Hub, debtor: Customer, amount: str) -> dict[str, Quote]:
    """Every FXP's quote for ``amount`` SGD from ``debtor`` to Thailand, by FXP."""
    request = QuoteRequest("SG", "SGD", "TH", "THB", "SGD", amount)
    return {q.fxp_id: q for q in run(hub.quoting.quote(request, psp_of(debtor)))}


def test_a_posted_rate_prices_the_fxps_next_quotes_with_its_tiers_and_survives_a_restart(
    kit: StoreKit,
) -> None:
    hub = kit.open_hub()
    try:
        fxp, debtor = _fxp(hub), richest(hub, "SG")
        others_before = {k: q.exchange_rate for k, q in _quotes(hub, debtor, "10.00").items()}
        posted = run(
            hub.quoting.post_rates(
                [
                    RatePost(
                        "SGD",
                        "THB",
                        "25.5",
                        tiers=(("1000.00", 50),),
                        psp_improvements_bps=((debtor.psp_id, 20),),
                    )
                ],
                fxp,
            )
        )
        assert [(r.fxp_id, r.rate) for r in posted] == [(fxp.id, Decimal("25.5"))]
        small, large = _quotes(hub, debtor, "10.00"), _quotes(hub, debtor, "2000.00")
        # Below the tier: the PSP's own 20 bps only; at or above it, 50 more.
        assert small[fxp.id].exchange_rate == Decimal("25.5") * Decimal("1.0020")
        assert large[fxp.id].exchange_rate == Decimal("25.5") * Decimal("1.0070")
        assert {k: q.exchange_rate for k, q in small.items() if k != fxp.id} == {
            k: r for k, r in others_before.items() if k != fxp.id
        }
    finally:
        hub.close()

    hub = kit.open_hub()
    try:
        again = _quotes(hub, richest(hub, "SG"), "10.00")
        assert again[fxp.id].exchange_rate == Decimal("25.5") * Decimal("1.0020")
    finally:
        hub.close()


@pytest.mark.parametrize(
    ("post", "reason", "field"),
    [
        (RatePost("XXX", "THB", "25.5"), "currency_not_connected", "rates[1].sourceCurrency"),
        (RatePost("SGD", "EUR", "25.5"), "currency_not_connected", "rates[1].targetCurrency"),
        (RatePost("SGD", "SGD", "1"), "currencies_must_be_different", "rates[1]"),
        (RatePost("SGD", "THB", "twenty"), "rate_malformed", "rates[1].rate"),
        (RatePost("SGD", "THB", "0"), "rate_not_positive", "rates[1].rate"),
        (RatePost("SGD", "THB", "NaN"), "rate_not_finite", "rates[1].rate"),
        (
            RatePost("SGD", "THB", "25.5", tiers=(("10.001", 5),)),
            "amount_has_too_many_decimals",
            "rates[1].tiers",
        ),
        (
            RatePost("SGD", "THB", "25.5", tiers=(("10.00", 1001),)),
            "tier_bps_out_of_range",
            "rates[1].tiers",
        ),
        (
            RatePost(
                "SGD",
                "THB",
                "25.5",
                tiers=tuple((f"{i}.00", 1) for i in range(1, TIERS_PER_RATE_MAX + 2)),
            ),
            "too_many_tiers",
            "rates[1].tiers",
        ),
        (
            RatePost("SGD", "THB", "25.5", psp_improvements_bps=(("NOSUCHPSP", 5),)),
            "psp_unknown",
            "rates[1].pspImprovements",
        ),
        (
            RatePost("SGD", "THB", "25.5", psp_improvements_bps=(("@psp", 1001),)),
            "psp_bps_out_of_range",
            "rates[1].pspImprovements",
        ),
    ],
)
def test_a_bad_rate_is_refused_by_name_and_field_and_changes_no_quote(
    kit: StoreKit, hub_on: Hub, post: RatePost, reason: str, field: str
) -> None:
    hub = hub_on
    debtor = richest(hub, "SG")
    if post.psp_improvements_bps and post.psp_improvements_bps[0][0] == "@psp":
        post = RatePost(
            post.source_currency,
            post.target_currency,
            post.rate,
            psp_improvements_bps=((debtor.psp_id, post.psp_improvements_bps[0][1]),),
        )
    # The good rate first in the same post: a post is refused whole.
    good = RatePost("SGD", "THB", "99")
    before = {k: q.exchange_rate for k, q in _quotes(hub, debtor, "10.00").items()}
    rates_before = kit.table_count("rates")

    with pytest.raises(InputInvalid) as e:
        run(hub.quoting.post_rates([good, post], _fxp(hub)))

    assert (e.value.reason, e.value.field) == (reason, field)
    assert kit.table_count("rates") == rates_before
    assert {k: q.exchange_rate for k, q in _quotes(hub, debtor, "10.00").items()} == before


@pytest.mark.parametrize("count", [0, RATES_PER_POST_MAX + 1])
def test_a_post_of_no_rates_or_too_many_is_refused(hub_on: Hub, count: int) -> None:
    posts = [RatePost("SGD", "THB", "25.5")] * count
    with pytest.raises(InputInvalid) as e:
        run(hub_on.quoting.post_rates(posts, _fxp(hub_on)))
    assert e.value.reason == "rates_count_out_of_range"


def test_only_an_fxp_may_post_rates(hub_on: Hub) -> None:
    psp: Any = psp_of(richest(hub_on, "SG"))
    with pytest.raises(Forbidden) as e:
        run(hub_on.quoting.post_rates([RatePost("SGD", "THB", "25.5")], psp))
    assert e.value.reason == "only_fxps_post_rates"
