"""Paying merchant QR codes over HTTP: resolve, quote fixed to receive, pay, refuse."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2ekit import bearer, lintas  # type: ignore[import-not-found]

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


def _resolve(
    http: httpx.Client, key: str, country: str, payload: str, **extra: str
) -> httpx.Response:
    return http.post(
        "/v1/addressing/resolve",
        headers=bearer(key),
        json={"country": country, "addressType": "QR", "value": payload, **extra},
    )


def _pay_qr(client: HubClient, source: str, code: str, **given: str) -> dict[str, Any]:
    return client.pay_qr(
        source=source,
        qr=code,
        amount=given.get("amount"),
        currency=given.get("currency"),
        destination=None,
        debtor_account=None,
        debtor_agent=None,
        debtor_name=None,
        uetr=str(uuid.uuid4()),
        key=None,
        tip=given.get("tip"),
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
        "merchantAmount": None,
        "convenienceFee": None,
        "convenienceFeePercentage": None,
        "tip": None,
        "tipPrompted": False,
    }


def test_a_static_qr_is_paid_from_another_country_and_every_ledger_balances(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "ID", 1)[0]
    result = _pay_qr(client, "SG", m["qr"], amount="12.00")
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
    result = _pay_qr(client, "MY", code)
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
        _pay_qr(client, "SG", code, amount="9.00")
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


def test_resolving_a_code_with_a_fee_and_a_tip_answers_each_part_and_their_sum(
    http: httpx.Client, keys: dict[str, str]
) -> None:
    m = _merchants(http, "TH", 1)[0]
    with_fee = encode(
        "promptpay", national_id=m["proxy"], amount="99.99", convenience_fee_percentage="1.5"
    )
    body = _resolve(http, keys["MRLNSGSG"], "TH", with_fee).json()["qr"]
    # 1.5 % of 99.99 THB is 1.49985 THB, rounded down.
    assert (body["merchantAmount"], body["convenienceFee"], body["amount"]) == (
        "99.99",
        "1.49",
        "101.48",
    )
    assert body["convenienceFeePercentage"] == "1.5" and body["tip"] is None
    asks = encode("promptpay", national_id=m["proxy"], tip_prompt=True)
    answer = _resolve(http, keys["MRLNSGSG"], "TH", asks, amount="40", tip="4.5")
    assert answer.status_code == 200, answer.text
    body = answer.json()["qr"]
    assert body["tipPrompted"] is True and body["initiation"] == "static"
    assert (body["merchantAmount"], body["tip"], body["amount"]) == ("40.00", "4.50", "44.50")


def test_a_tip_on_a_code_that_does_not_ask_for_one_is_a_422_naming_the_reason(
    http: httpx.Client, keys: dict[str, str]
) -> None:
    code = _merchants(http, "TH", 1)[0]["qr"]
    answer = _resolve(http, keys["MRLNSGSG"], "TH", code, tip="5.00")
    assert answer.status_code == 422, answer.text
    assert answer.json()["reason"] == "qr_tip_not_prompted"


def test_a_dynamic_code_with_a_fixed_fee_is_paid_amount_plus_fee_and_ledgers_balance(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "ID", 1)[0]
    code = encode("qris", nmid=m["proxy"], amount="150000", convenience_fee="2500")
    result = _pay_qr(client, "SG", code)
    assert result["payee"]["qr"]["merchantAmount"] == "150000.00"
    assert result["payee"]["qr"]["convenienceFee"] == "2500.00"
    assert result["quote"]["disclosure"]["amountCredited"] == {
        "amount": "152500.00",
        "currency": "IDR",
    }
    payment = result["payment"]
    assert payment["status"] == "ACCC", payment
    assert payment["amountCredited"] == {"amount": "152500.00", "currency": "IDR"}
    assert _balanced(http)


def test_a_static_code_with_a_percentage_fee_takes_the_amount_in_the_codes_currency(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "TH", 3)[2]
    code = encode("promptpay", national_id=m["proxy"], convenience_fee_percentage="10")
    with pytest.raises(HubError) as refused:
        _pay_qr(client, "SG", code, amount="20.00", currency="SGD")
    assert refused.value.reason == "amount_currency_not_the_codes"
    result = _pay_qr(client, "SG", code, amount="300")
    assert result["payee"]["qr"]["amount"] == "330.00"
    assert result["payment"]["amountCredited"] == {"amount": "330.00", "currency": "THB"}
    assert result["payment"]["status"] == "ACCC"
    assert _balanced(http)


def test_pay_qr_with_a_tip_prints_the_merchant_amount_and_tip_and_pays_their_sum(
    http: httpx.Client, server: ServerThread
) -> None:
    m = _merchants(http, "TH", 2)[1]
    code = encode(
        "promptpay",
        national_id=m["proxy"],
        amount="250.00",
        tip_prompt=True,
        merchant_name=m["name"],
    )
    result = lintas("pay", "--qr", code, "--from", "MY", "--tip", "25", server=server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "merchant 250.00 + tip 25.00 = 275.00 THB to the merchant" in result.stdout
    assert "ACCC" in result.stdout and "-> 275.00 THB" in result.stdout
    refused = lintas("pay", "--qr", m["qr"], "--from", "MY", "--tip", "5", server=server.url)
    assert refused.returncode != 0 and "qr_tip_not_prompted" in refused.stdout + refused.stderr
    assert _balanced(http)


def test_a_sandbox_template_code_of_brunei_is_paid_over_http_though_its_scheme_is_unknown(
    http: httpx.Client, client: HubClient
) -> None:
    m = _merchants(http, "BN", 1)[0]
    decoded = http.post("/v1/qr/decode", json={"payload": m["qr"], "strict": True}).json()
    assert decoded["valid"] is True and decoded["payableProxy"] is None
    assert [(a["scheme"], a["guid"]) for a in decoded["accounts"]] == [
        ("unknown", "LINTAS.GENERIC")
    ]
    result = _pay_qr(client, "SG", m["qr"], amount="10.00")
    assert result["payee"]["qr"]["scheme"] == "unknown"
    assert result["payment"]["status"] == "ACCC", result["payment"]
    assert result["payment"]["creditor"]["account"] == m["account"]
    assert _balanced(http)
