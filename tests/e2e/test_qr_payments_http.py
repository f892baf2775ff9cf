"""Paying merchant QR codes over HTTP: resolve, quote fixed to receive, pay, refuse."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2ekit import bearer  # type: ignore[import-not-found]

from lintas.codecs.emvqr import encode
from lintas.entrypoints.client import HubClient, HubError
from lintas.entrypoints.server import ServerThread


@pytest.fixture
def client(server: ServerThread) -> Iterator[HubClient]:
    c = HubClient(server.url)
    try:
        yield c
    finally:
        c.close()


def _merchants(http: httpx.Client, country: str, limit: int = 200) -> list[dict[str, Any]]:
    r = http.get("/v1/sandbox/merchants", params={"country": country, "limit": limit})
    assert r.status_code == 200, r.text
    merchants: list[dict[str, Any]] = r.json()["merchants"]
    return merchants


def _resolve(http: httpx.Client, key: str, country: str, payload: str) -> httpx.Response:
    return http.post(
        "/v1/addressing/resolve",
        headers=bearer(key),
        json={"country": country, "addressType": "QR", "value": payload},
    )


def _balanced(http: httpx.Client) -> bool:
    return bool(http.get("/v1/reconciliation").json()["balanced"])


def test_the_sandbox_lists_at_least_fifty_merchants_of_a_country_with_their_codes(
    http: httpx.Client,
) -> None:
    merchants = _merchants(http, "TH")
    assert len(merchants) >= 50
    assert all(m["country"] == "TH" and m["qr"].startswith("000201") for m in merchants)
    assert len({m["qr"] for m in merchants}) == len(merchants)
    assert len(_merchants(http, "vn", limit=3)) == 3


def test_listing_merchants_refuses_an_unknown_country_and_a_limit_out_of_range(
    http: httpx.Client,
) -> None:
    assert http.get("/v1/sandbox/merchants", params={"country": "ZZ"}).status_code == 404
    answer = http.get("/v1/sandbox/merchants", params={"country": "TH", "limit": 0})
    assert answer.status_code == 422 and answer.json()["reason"] == "limit_out_of_range"


def test_resolving_a_qr_answers_the_merchants_account_and_what_the_code_says(
    http: httpx.Client, keys: dict[str, str]
) -> None:
    m = _merchants(http, "TH", 1)[0]
    answer = _resolve(http, keys["MRLNSGSG"], "TH", m["qr"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["addressType"], body["account"], body["agent"]) == ("QR", m["account"], m["agent"])
    assert body["displayName"] == m["name"]
    assert body["qr"] == {
        "scheme": "promptpay",
        "initiation": "static",
        "amount": None,
        "currency": "THB",
        "merchantName": m["name"],
        "merchantCity": m["city"],
        "mcc": m["mcc"],
        "expiresAt": None,
    }


def test_a_static_qr_is_paid_from_another_country_and_every_ledger_balances(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "ID", 1)[0]
    result = client.pay_qr(
        source="SG",
        qr=m["qr"],
        amount="12.00",
        currency=None,
        destination=None,
        debtor_account=None,
        debtor_agent=None,
        debtor_name=None,
        uetr=str(uuid.uuid4()),
        key=None,
    )
    payment = result["payment"]
    assert payment["status"] == "ACCC", payment
    assert payment["amountDebited"] == {"amount": "12.00", "currency": "SGD"}
    assert (payment["creditor"]["account"], payment["creditor"]["agent"]) == (
        m["account"],
        m["agent"],
    )
    assert _balanced(http)


def test_a_dynamic_qrs_amount_becomes_a_quote_fixed_to_receive_it_exactly(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "TH", 2)[1]
    code = encode(
        "promptpay",
        national_id=m["proxy"],
        amount="875.25",
        merchant_name=m["name"],
        merchant_city=m["city"],
        mcc=m["mcc"],
    )
    result = client.pay_qr(
        source="MY",
        qr=code,
        amount=None,
        currency=None,
        destination=None,
        debtor_account=None,
        debtor_agent=None,
        debtor_name=None,
        uetr=str(uuid.uuid4()),
        key=None,
    )
    assert result["payee"]["qr"]["initiation"] == "dynamic"
    assert result["payee"]["qr"]["amount"] == "875.25"
    assert result["quote"]["disclosure"]["amountCredited"] == {
        "amount": "875.25",
        "currency": "THB",
    }
    payment = result["payment"]
    assert payment["status"] == "ACCC", payment
    assert payment["amountCredited"] == {"amount": "875.25", "currency": "THB"}
    assert _balanced(http)


def test_a_payer_cannot_change_the_amount_a_dynamic_code_fixes(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "TH", 1)[0]
    code = encode("promptpay", national_id=m["proxy"], amount="10.00", merchant_name=m["name"])
    with pytest.raises(HubError) as refused:
        client.pay_qr(
            source="SG",
            qr=code,
            amount="9.00",
            currency=None,
            destination=None,
            debtor_account=None,
            debtor_agent=None,
            debtor_name=None,
            uetr=str(uuid.uuid4()),
            key=None,
        )
    assert refused.value.reason == "amount_fixed_by_code"


def test_an_expired_code_is_refused_over_http(http: httpx.Client, keys: dict[str, str]) -> None:
    m = _merchants(http, "KH", 1)[0]
    now = datetime.now(UTC)
    expired = encode(
        "khqr",
        account_id=m["proxy"],
        merchant_id=m["id"],
        merchant_name=m["name"],
        amount="40000",
        created_at=now - timedelta(hours=1),
        expires_at=now - timedelta(minutes=10),
    )
    answer = _resolve(http, keys["MRLNSGSG"], "KH", expired)
    assert answer.status_code == 422, answer.text
    assert answer.json()["reason"] == "qr_expired"
    assert "expired" in answer.json()["detail"]


def test_a_tampered_code_is_refused_with_ff01_over_http(
    http: httpx.Client, keys: dict[str, str]
) -> None:
    code = _merchants(http, "TH", 1)[0]["qr"]
    tampered = code[:-1] + ("0" if code[-1] != "0" else "1")
    answer = _resolve(http, keys["MRLNSGSG"], "TH", tampered)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "FF01" and answer.json()["reason"] == "qr_invalid"


def test_a_code_of_another_country_than_asked_is_refused_over_http(
    http: httpx.Client, keys: dict[str, str]
) -> None:
    code = _merchants(http, "PH", 1)[0]["qr"]
    answer = _resolve(http, keys["MRLNSGSG"], "TH", code)
    assert answer.status_code == 422, answer.text
    assert answer.json()["reason"] == "qr_country_mismatch"


def test_a_code_of_an_unknown_merchant_is_refused_with_be23_over_http(
    http: httpx.Client, keys: dict[str, str]
) -> None:
    nobody = encode("qris", nmid="ID2026999999999", merchant_name="NOBODY")
    answer = _resolve(http, keys["MRLNSGSG"], "ID", nobody)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "BE23"


def test_every_country_lists_qr_among_its_address_types(http: httpx.Client) -> None:
    for country in http.get("/v1/countries").json():
        assert "QR" in {a["code"] for a in country["addressTypes"]}, country["code"]
