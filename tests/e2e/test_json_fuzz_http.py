"""Random JSON at the JSON API: a refusal is always a 4xx problem+json that changes nothing,
never a server error.

Each example takes a valid request of one route and breaks it one way (a field replaced by any
JSON value, a field dropped, a field added, or the whole body replaced); a mutation that is
still valid may be served, and then the ledgers must still balance.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from e2ekit import bearer, payment_body, richest_customer, sg_to_th_quote_id  # type: ignore[import-not-found]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lintas.entrypoints.server import ServerThread

PROBLEM = "application/problem+json"

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into ``value``'s objects and lists."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.append((*prefix, k))
            found.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.append((*prefix, i))
            found.extend(_paths(v, (*prefix, i)))
    return found


def _mutated(data: st.DataObject, valid: dict[str, Any]) -> Any:
    kind = data.draw(st.sampled_from(["replace", "drop", "add", "whole"]), label="kind")
    if kind == "whole":
        return data.draw(JSON, label="body")
    body = copy.deepcopy(valid)
    path = data.draw(st.sampled_from(_paths(body)), label="path")
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if kind == "replace":
        parent[last] = data.draw(JSON, label="value")
    elif kind == "drop":
        del parent[last]
    elif isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=12), label="key")] = data.draw(JSON)
    else:
        parent.append(data.draw(JSON, label="item"))
    return body


def _reconciliation(http: httpx.Client) -> Any:
    r = http.get("/v1/reconciliation")
    assert r.status_code == 200 and r.json()["balanced"] is True, r.text
    return r.json()


@pytest.fixture(scope="module")
def valid(server: ServerThread, keys: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """A valid body and the key to send it with, per route."""
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        debtor, creditor = richest_customer(http, "SG"), richest_customer(http, "TH")
        psp = keys[debtor["agent"]]
        fxp = next(k for k in keys.values() if k.startswith("sbx_fxp_"))
        quote_id = sg_to_th_quote_id(http, psp, "1.00")
    return {
        "/v1/payments": (psp, payment_body(debtor, creditor, quote_id)),
        "/v1/addressing/resolve": (
            psp,
            {"country": "TH", "addressType": "ACCOUNT", "value": creditor["account"]},
        ),
        "/v1/rates": (
            fxp,
            {
                "rates": [
                    {
                        "sourceCurrency": "KHR",
                        "targetCurrency": "LAK",
                        "rate": "5.1",
                        "tiers": [{"threshold": "100000.00", "improvementBps": 5}],
                        "pspImprovements": [{"psp": debtor["agent"], "improvementBps": 1}],
                    }
                ]
            },
        ),
    }


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_broken_json_request_is_a_4xx_problem_that_changes_nothing(
    server: ServerThread, valid: dict[str, tuple[str, dict[str, Any]]], data: st.DataObject
) -> None:
    route = data.draw(st.sampled_from(sorted(valid)), label="route")
    key, body = valid[route]
    sent = _mutated(data, body)
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        before = _reconciliation(http)
        r = http.post(route, json=sent, headers=bearer(key))
        assert r.status_code < 500, (route, sent, r.text)
        if r.status_code >= 400:
            assert r.headers["content-type"] == PROBLEM, r.text
            problem = r.json()
            assert problem["status"] == r.status_code and problem["reason"], problem
            assert _reconciliation(http) == before
        else:
            _reconciliation(http)  # Served: every ledger still balances.


QUOTE_QUERY = {
    "sourceCountry": "SG",
    "sourceCurrency": "SGD",
    "destinationCountry": "TH",
    "destinationCurrency": "THB",
    "amountCurrency": "SGD",
    "amount": "10.00",
}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(QUOTE_QUERY)),
    value=st.none() | st.text(max_size=60),
)
def test_a_broken_quote_query_is_a_4xx_problem_never_a_server_error(
    server: ServerThread, valid: dict[str, tuple[str, dict[str, Any]]], name: str, value: str | None
) -> None:
    key = valid["/v1/payments"][0]
    query = dict(QUOTE_QUERY)
    if value is None:
        del query[name]
    else:
        query[name] = value
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        r = http.get("/v1/quotes", params=query, headers=bearer(key))
    assert r.status_code < 500, (query, r.text)
    if r.status_code >= 400:
        assert r.headers["content-type"] == PROBLEM and r.json()["reason"], r.text
    else:
        assert r.json()["quotes"], r.text
