"""The hub over real HTTP: public reference data, the full payment flow, and refusals that
answer problem+json and change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from e2ekit import (  # type: ignore[import-not-found]
    bearer,
    payment_body,
    richest_customer,
    sg_to_th_quote,
)

from lintas.adapters.sandbox import OPERATOR_ID
from lintas.domain import settlement
from lintas.entrypoints.api.http import BODY_BYTES_MAX
from lintas.entrypoints.api.routes import build_routes
from lintas.entrypoints.server import ServerThread

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Ctx:
    """Parties and keys for one SG -> TH payment."""

    debtor: dict[str, Any]
    creditor: dict[str, Any]
    key: str
    other_sg_key: str
    quote_id: str


def _quote(http: httpx.Client, key: str, amount: str = "10.00", **over: str) -> httpx.Response:
    """This module's quote: 10 SGD to Thailand unless said otherwise."""
    return sg_to_th_quote(http, key, amount, **over)


def _body(ctx: Ctx, quote_id: str | None = None, uetr: str | None = None) -> dict[str, Any]:
    return payment_body(ctx.debtor, ctx.creditor, quote_id or ctx.quote_id, uetr)


@pytest.fixture(scope="module")
def ctx(server: ServerThread, keys: dict[str, str]) -> Ctx:
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        debtor, creditor = richest_customer(http, "SG"), richest_customer(http, "TH")
        sg = next(c for c in http.get("/v1/countries").json() if c["code"] == "SG")
        other = next(p["id"] for p in sg["psps"] if p["id"] != debtor["agent"])
        r = _quote(http, keys[debtor["agent"]])
        assert r.status_code == 200, r.text
        return Ctx(
            debtor=debtor,
            creditor=creditor,
            key=keys[debtor["agent"]],
            other_sg_key=keys[other],
            quote_id=r.json()["quotes"][0]["quoteId"],
        )


def _state(http: httpx.Client, server: ServerThread, ctx: Ctx) -> tuple[Any, Any]:
    """The reconciliation (every ledger's totals) and the debtor's balance row."""
    r = http.get("/v1/reconciliation")
    assert r.status_code == 200 and r.json()["balanced"] is True, r.text
    hub = server.app.hub
    assert hub is not None
    debtor = settlement.customer_account_id("SG", ctx.debtor["agent"], ctx.debtor["account"])
    return r.json(), hub.store.account_balance(debtor)


def test_countries_are_public_and_list_every_ips_currency_and_cap(http: httpx.Client) -> None:
    r = http.get("/v1/countries")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    countries = r.json()
    assert len(countries) == 11
    sg = next(c for c in countries if c["code"] == "SG")
    assert sg["currency"] == "SGD" and sg["ips"]["amountMax"]["currency"] == "SGD"
    assert all(c["psps"] and c["addressTypes"] for c in countries)


def test_a_countrys_address_types_are_public(http: httpx.Client) -> None:
    r = http.get("/v1/countries/TH/address-types")
    assert r.status_code == 200
    assert "MOBILE" in {a["code"] for a in r.json()}


def test_quotes_need_a_participants_key(http: httpx.Client, ctx: Ctx) -> None:
    r = http.get("/v1/quotes", params={"sourceCountry": "SG"})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["reason"] == "api_key_missing"
    ok = _quote(http, ctx.key)
    assert ok.status_code == 200 and ok.json()["quotes"]


def test_a_payment_flows_from_quote_to_resolve_to_pay_to_status_accc(
    http: httpx.Client, server: ServerThread, keys: dict[str, str], ctx: Ctx
) -> None:
    _, debtor_before = _state(http, server, ctx)
    quote = _quote(http, ctx.key, "25.00").json()["quotes"][0]
    proxy = ctx.creditor["proxies"][0]
    payee = http.post(
        "/v1/addressing/resolve",
        json={"country": "TH", "addressType": proxy["addressType"], "value": proxy["value"]},
        headers=bearer(ctx.key),
    )
    assert payee.status_code == 200, payee.text
    assert payee.json()["account"] == ctx.creditor["account"]
    assert payee.json()["agent"] == ctx.creditor["agent"]
    body = _body(ctx, quote["quoteId"])

    paid = http.post("/v1/payments", json=body, headers=bearer(ctx.key))

    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "ACCC"
    assert paid.json()["amountDebited"] == quote["disclosure"]["amountDebited"]
    assert paid.json()["amountCredited"] == quote["disclosure"]["amountCredited"]
    status = http.get(f"/v1/payments/{body['uetr']}", headers=bearer(ctx.key))
    assert status.status_code == 200 and status.json()["status"] == "ACCC"
    creditor_psp = http.get(
        f"/v1/payments/{body['uetr']}", headers=bearer(keys[ctx.creditor["agent"]])
    )
    assert creditor_psp.status_code == 200 and creditor_psp.json()["status"] == "ACCC"
    again = http.post("/v1/payments", json=body, headers=bearer(ctx.key))
    assert again.json() == paid.json()
    _, debtor_after = _state(http, server, ctx)
    debited = int(quote["disclosure"]["amountDebited"]["amount"].replace(".", ""))
    assert debtor_before.debits_posted + debited == debtor_after.debits_posted


def test_the_openapi_document_is_3_1_and_lists_every_route(
    http: httpx.Client, server: ServerThread
) -> None:
    r = http.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    assert server.app.hub is not None
    routes = {(route.method.lower(), route.path) for route in server.app.routes}
    assert {(r.method.lower(), r.path) for r in build_routes(server.app.hub)} <= routes
    listed = {(m, path) for path, ops in doc["paths"].items() for m in ops}
    assert listed == routes
    assert "Problem" in doc["components"]["schemas"]


Call = Callable[[httpx.Client, Ctx], httpx.Response]

#: A rate for a corridor no other test here quotes (Viet Nam to Laos).
_RATES: dict[str, Any] = {
    "rates": [
        {
            "sourceCurrency": "VND",
            "targetCurrency": "LAK",
            "rate": "0.9",
            "tiers": [{"threshold": "1000000", "improvementBps": 25}],
        }
    ]
}
_FXP_KEYS: dict[str, str] = {}


def _fxp_key(http: httpx.Client, ctx: Ctx) -> str:
    """The first sandbox FXP's key (looked up once per module)."""
    if not _FXP_KEYS:
        keys = http.get("/v1/sandbox/keys").json()["keys"]
        _FXP_KEYS["key"] = next(k["apiKey"] for k in keys if k["role"] == "fxp")
    return _FXP_KEYS["key"]


BAD_INPUT: list[tuple[str, Call, int, str, str | None]] = [
    (
        "malformed json",
        lambda h, c: h.post(
            "/v1/payments", content=b'{"uetr": ', headers=bearer(c.key) | {"content-type": "x"}
        ),
        400,
        "body_not_json",
        "FF01",
    ),
    (
        "wrong type",
        lambda h, c: h.post("/v1/payments", json=_body(c) | {"uetr": 123}, headers=bearer(c.key)),
        422,
        "body_invalid",
        "FF01",
    ),
    (
        "unknown field",
        lambda h, c: h.post("/v1/payments", json=_body(c) | {"extra": 1}, headers=bearer(c.key)),
        422,
        "body_invalid",
        "FF01",
    ),
    (
        "missing field",
        lambda h, c: h.post(
            "/v1/payments",
            json={k: v for k, v in _body(c).items() if k != "debtor"},
            headers=bearer(c.key),
        ),
        422,
        "body_invalid",
        "FF01",
    ),
    (
        "uetr not a uuid v4",
        lambda h, c: h.post(
            "/v1/payments", json=_body(c, uetr="not-a-uuid"), headers=bearer(c.key)
        ),
        422,
        "uetr_malformed",
        "FF01",
    ),
    (
        "unknown country in a quote",
        lambda h, c: _quote(h, c.key, destinationCountry="ZZ"),
        404,
        "country_unknown",
        None,
    ),
    (
        "unknown country in a resolve",
        lambda h, c: h.post(
            "/v1/addressing/resolve",
            json={"country": "ZZ", "addressType": "MOBILE", "value": "+66812345678"},
            headers=bearer(c.key),
        ),
        404,
        "country_unknown",
        None,
    ),
    (
        "unknown quote id",
        lambda h, c: h.post(
            "/v1/payments", json=_body(c, quote_id=str(uuid.uuid4())), headers=bearer(c.key)
        ),
        404,
        "quote_unknown",
        None,
    ),
    (
        "too many decimals",
        lambda h, c: _quote(h, c.key, "10.001"),
        422,
        "amount_has_too_many_decimals",
        "FF01",
    ),
    ("negative amount", lambda h, c: _quote(h, c.key, "-10.00"), 422, "amount_malformed", "FF01"),
    ("exponent amount", lambda h, c: _quote(h, c.key, "1e3"), 422, "amount_malformed", "FF01"),
    (
        "unknown proxy",
        lambda h, c: h.post(
            "/v1/addressing/resolve",
            json={"country": "TH", "addressType": "MOBILE", "value": "+66900000000"},
            headers=bearer(c.key),
        ),
        422,
        "proxy_unknown",
        "BE23",
    ),
    (
        "missing key",
        lambda h, c: h.post("/v1/payments", json=_body(c)),
        401,
        "api_key_missing",
        None,
    ),
    (
        "unknown key",
        lambda h, c: h.post("/v1/payments", json=_body(c), headers=bearer("sbx_psp_nobody_0")),
        401,
        "api_key_unknown",
        None,
    ),
    (
        "another psp submits for the debtor agent",
        lambda h, c: h.post("/v1/payments", json=_body(c), headers=bearer(c.other_sg_key)),
        403,
        "psp_acts_only_for_itself",
        None,
    ),
    (
        "another psp reads a payment",
        lambda h, c: h.get(f"/v1/payments/{_paid_uetr(h, c)}", headers=bearer(c.other_sg_key)),
        404,
        "payment_unknown",
        None,
    ),
    (
        "body too large",
        lambda h, c: h.post(
            "/v1/payments", content=b" " * (BODY_BYTES_MAX + 1), headers=bearer(c.key)
        ),
        413,
        "body_too_large",
        "FF01",
    ),
    (
        "a psp posts rates",
        lambda h, c: h.post("/v1/rates", json=_RATES, headers=bearer(c.key)),
        403,
        "only_fxps_post_rates",
        None,
    ),
    (
        "a rate with an unknown field",
        lambda h, c: h.post(
            "/v1/rates",
            json={"rates": [_RATES["rates"][0] | {"spread": 1}]},
            headers=bearer(_fxp_key(h, c)),
        ),
        422,
        "body_invalid",
        "FF01",
    ),
    (
        "a rate that is not positive",
        lambda h, c: h.post(
            "/v1/rates",
            json={"rates": [_RATES["rates"][0] | {"rate": "-1"}]},
            headers=bearer(_fxp_key(h, c)),
        ),
        422,
        "rate_not_positive",
        "FF01",
    ),
    ("wrong method", lambda h, c: h.delete("/v1/countries"), 405, "method_not_allowed", None),
    ("unknown route", lambda h, c: h.get("/v1/nothing-here"), 404, "route_unknown", None),
]

_PAID: dict[str, str] = {}


def _paid_uetr(http: httpx.Client, ctx: Ctx) -> str:
    """A payment the debtor's PSP made (once per module)."""
    if "uetr" not in _PAID:
        quote = _quote(http, ctx.key).json()["quotes"][0]["quoteId"]
        body = _body(ctx, quote)
        r = http.post("/v1/payments", json=body, headers=bearer(ctx.key))
        assert r.json()["status"] == "ACCC", r.text
        _PAID["uetr"] = body["uetr"]
    return _PAID["uetr"]


@pytest.mark.parametrize(
    ("call", "status", "reason", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
def test_bad_input_is_refused_with_problem_json_and_changes_nothing(
    http: httpx.Client,
    server: ServerThread,
    ctx: Ctx,
    call: Call,
    status: int,
    reason: str,
    code: str | None,
) -> None:
    _paid_uetr(http, ctx)  # Settle the one payment first so the state compared below is stable.
    before = _state(http, server, ctx)

    r = call(http, ctx)

    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == status
    assert problem["reason"] == reason
    assert problem.get("code") == code
    assert problem["title"] and problem["detail"]
    assert _state(http, server, ctx) == before


def test_a_quote_of_another_psp_cannot_be_used(
    http: httpx.Client, server: ServerThread, keys: dict[str, str], ctx: Ctx
) -> None:
    before = _state(http, server, ctx)
    other = next(p for p in keys if keys[p] == ctx.other_sg_key)
    body = _body(ctx) | {"debtor": _body(ctx)["debtor"] | {"agent": other}}
    r = http.post("/v1/payments", json=body, headers=bearer(ctx.other_sg_key))
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    assert r.json()["reason"] == "quote_belongs_to_another_psp"
    assert _state(http, server, ctx) == before


def test_the_writers_figures_count_each_batch_command_and_transfer_for_the_operator_only(
    http: httpx.Client, server: ServerThread, keys: dict[str, str], ctx: Ctx
) -> None:
    before = http.get("/v1/store/writer", headers=bearer(keys[OPERATOR_ID]))
    assert before.status_code == 200, before.text
    quote = _quote(http, ctx.key).json()["quotes"][0]["quoteId"]
    body = _body(ctx, quote)
    paid = http.post("/v1/payments", json=body, headers=bearer(ctx.key))
    assert paid.json()["status"] == "ACCC", paid.text

    after = http.get("/v1/store/writer").json()  # Open in the sandbox.

    hub = server.app.hub
    assert hub is not None
    payment = hub.store.payment(body["uetr"])
    assert payment is not None
    legs = settlement.payment_legs(payment)
    b = before.json()
    # The quote's command and the payment's (reserve and post chained in one), each durable.
    assert after["commands"] - b["commands"] == 2
    assert 1 <= after["batches"] - b["batches"] <= 2
    assert after["transfers"] - b["transfers"] == 2 * len(legs.pending)
    assert after["largestBatch"] >= 1 and after["commandsQueued"] >= 0
    assert after["logChecksFailed"] == 0 and after["logCheckpoints"] >= 0
    ratio = Decimal(after["commands"]) / after["batches"]
    assert Decimal(after["commandsPerBatch"]) == ratio.quantize(Decimal("0.01"))
    refused = http.get("/v1/store/writer", headers=bearer(ctx.key))
    assert refused.status_code == 403 and refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["reason"] == "operator_only"


def test_an_fxp_posts_a_rate_and_the_next_quotes_use_it(
    http: httpx.Client, server: ServerThread, ctx: Ctx
) -> None:
    key = _fxp_key(http, ctx)
    r = http.post("/v1/rates", json=_RATES, headers=bearer(key))
    assert r.status_code == 201, r.text
    [posted] = r.json()["rates"]
    assert (posted["sourceCurrency"], posted["targetCurrency"], posted["rate"]) == (
        "VND",
        "LAK",
        "0.9",
    )
    vn = richest_customer(http, "VN")
    params = {
        "sourceCountry": "VN",
        "sourceCurrency": "VND",
        "destinationCountry": "LA",
        "destinationCurrency": "LAK",
        "amountCurrency": "VND",
    }
    keys = http.get("/v1/sandbox/keys").json()["keys"]
    psp_key = next(k["apiKey"] for k in keys if k["participant"] == vn["agent"])
    rates = {}
    for amount in ("500000", "2000000"):
        q = http.get("/v1/quotes", params=params | {"amount": amount}, headers=bearer(psp_key))
        assert q.status_code == 200, q.text
        rates[amount] = {x["fxp"]: Decimal(x["exchangeRate"]) for x in q.json()["quotes"]}
    fxp = posted["fxp"]
    assert rates["500000"][fxp] == Decimal("0.9")
    assert rates["2000000"][fxp] == Decimal("0.9") * Decimal("1.0025")
