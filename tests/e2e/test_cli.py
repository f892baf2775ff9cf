"""The ``lintas`` console script against a real hub: every command a newcomer runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from typing import Any

import httpx
import pytest
from e2ekit import LINTAS, lintas, richest_customer  # type: ignore[import-not-found]

from lintas.codecs.emvqr import encode
from lintas.entrypoints.client import HubClient
from lintas.entrypoints.server import ServerThread


@pytest.fixture(scope="module")
def parties(server: ServerThread) -> tuple[dict[str, Any], dict[str, Any]]:
    """A rich SG debtor and a TH creditor."""
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        return richest_customer(http, "SG"), richest_customer(http, "TH")


def _json(result: Any) -> Any:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return json.loads(result.stdout)


def _reconciliation_balanced(server: ServerThread) -> bool:
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        return bool(http.get("/v1/reconciliation").json()["balanced"])


def test_countries_prints_every_connected_country_as_json(server: ServerThread) -> None:
    countries = _json(lintas("countries", "--json", server=server.url))
    assert len(countries) == 11
    assert {"SG", "TH", "VN"} <= {c["code"] for c in countries}


def test_quote_prints_every_fxps_quote_as_json(server: ServerThread) -> None:
    quotes = _json(
        lintas(
            "quote", "--from", "SG", "--to", "TH", "--amount", "100.00", "--json", server=server.url
        )
    )["quotes"]
    assert quotes
    assert all(
        q["disclosure"]["amountDebited"] == {"amount": "100.00", "currency": "SGD"} for q in quotes
    )


def test_sandbox_customers_and_keys_print_json(server: ServerThread) -> None:
    customers = _json(
        lintas("sandbox", "customers", "--country", "TH", "--json", server=server.url)
    )
    assert customers["customers"] and all(c["country"] == "TH" for c in customers["customers"])
    keys = _json(lintas("sandbox", "keys", "--json", server=server.url))["keys"]
    assert {"psp", "fxp", "operator"} <= {k["role"] for k in keys}


def test_countries_quote_and_customers_print_tables_with_the_figures_of_their_json(
    server: ServerThread,
) -> None:
    # What a newcomer sees first: the tables must show what --json says, not just exit 0.
    countries = _json(lintas("countries", "--json", server=server.url))
    table = lintas("countries", server=server.url)
    assert table.returncode == 0, table.stderr
    for c in countries:
        row = next(line for line in table.stdout.splitlines() if f" {c['code']} " in line)
        assert c["currency"] in row and c["ips"]["amountMax"]["amount"] in row, row

    args = ("quote", "--from", "SG", "--to", "TH", "--amount", "100.00")
    quotes = _json(lintas(*args, "--json", server=server.url))["quotes"]
    table = lintas(*args, server=server.url)
    assert table.returncode == 0, table.stderr
    for q in quotes:  # Each call quotes anew: new ids, the same figures per FXP.
        d = q["disclosure"]
        row = next(line for line in table.stdout.splitlines() if f" {q['fxp']} " in line)
        credited = f"{d['amountCredited']['amount']} {d['amountCredited']['currency']}"
        assert q["fxp"] in row and "100.00 SGD" in row and credited in row, row

    customers = _json(
        lintas(
            "sandbox", "customers", "--country", "VN", "--limit", "3", "--json", server=server.url
        )
    )["customers"]
    table = lintas("sandbox", "customers", "--country", "VN", "--limit", "3", server=server.url)
    assert table.returncode == 0, table.stderr
    assert len(customers) == 3
    for c in customers:
        row = next(line for line in table.stdout.splitlines() if c["account"] in line)
        assert c["agent"] in row and c["nameLatin"] in row, row


def test_printed_to_a_pipe_or_a_narrow_terminal_no_value_is_cut(server: ServerThread) -> None:
    # Rich assumes 80 columns when the output is no terminal and used to cut API keys, QR
    # codes and rates with an ellipsis; a reader copying them got a broken value.
    keys = _json(lintas("sandbox", "keys", "--json", server=server.url))["keys"]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINTAS_API_KEY")}
    env["LINTAS_URL"] = server.url
    piped = subprocess.run(
        [str(LINTAS), "sandbox", "keys"], capture_output=True, text=True, env=env, check=True
    )
    assert "…" not in piped.stdout
    assert all(k["apiKey"] in piped.stdout for k in keys)
    for args in (("sandbox", "keys"), ("quote", "--from", "SG", "--to", "TH", "--amount", "5")):
        narrow = subprocess.run(
            [str(LINTAS), *args],
            capture_output=True,
            text=True,
            env=env | {"COLUMNS": "60"},
            check=True,
        )
        assert "…" not in narrow.stdout, narrow.stdout
        assert max(len(line) for line in narrow.stdout.splitlines()) <= 60, narrow.stdout


def test_demo_drives_a_hub_already_running_and_reports_every_corridor_as_json(
    server: ServerThread,
) -> None:
    result = lintas(
        "demo", "--server", server.url, "--payments", "22", "--once", "--json", server=server.url
    )
    report = _json(result)
    assert report["payments"] == 22 and report["errors"] == [] and report["balanced"] is True
    assert len(report["corridors"]) == 22  # The first 22 of the 110 corridors, one each.
    assert sum(c["sent"] for c in report["corridors"].values()) == 22
    assert report["settled"] == sum(c["settled"] for c in report["corridors"].values())
    assert _reconciliation_balanced(server)


def test_demo_refuses_a_payment_count_out_of_range_and_starts_nothing() -> None:
    result = lintas("demo", "--payments", "0", "--once", server="http://127.0.0.1:9")
    assert result.returncode == 2 and "--payments must be" in result.stdout


def test_demo_starts_its_own_hub_on_another_port_when_the_asked_one_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = lintas("demo", "--payments", "11", "--once", "--port", str(port))
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert f"port {port} " not in result.stdout and "every ledger balanced: yes" in result.stdout


def test_resolve_finds_the_account_behind_a_proxy(
    server: ServerThread, parties: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    creditor = parties[1]
    proxy = creditor["proxies"][0]
    found = _json(
        lintas(
            "resolve",
            "--country",
            "TH",
            "--type",
            proxy["addressType"],
            "--value",
            proxy["value"],
            "--json",
            server=server.url,
        )
    )
    assert found["account"] == creditor["account"] and found["agent"] == creditor["agent"]


def test_pay_settles_status_reports_accc_and_reconcile_exits_zero(
    server: ServerThread, parties: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    debtor, creditor = parties
    proxy = creditor["proxies"][0]
    uetr = str(uuid.uuid4())
    paid = _json(
        lintas(
            "pay",
            "--from",
            "SG",
            "--to",
            "TH",
            "--amount",
            "12.34",
            "--type",
            proxy["addressType"],
            "--value",
            proxy["value"],
            "--debtor-account",
            debtor["account"],
            "--debtor-agent",
            debtor["agent"],
            "--uetr",
            uetr,
            "--json",
            server=server.url,
        )
    )
    assert paid["uetr"] == uetr and paid["status"] == "ACCC"
    assert paid["amountDebited"] == {"amount": "12.34", "currency": "SGD"}
    assert paid["creditor"]["account"] == creditor["account"]

    status = _json(lintas("status", uetr, "--json", server=server.url))
    assert status["status"] == "ACCC" and status["state"] == "SETTLED"
    text = lintas("status", uetr, server=server.url)
    assert text.returncode == 0 and "ACCC" in text.stdout

    reconcile = lintas("reconcile", server=server.url)
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
    assert _reconciliation_balanced(server)


def test_pay_to_an_unknown_proxy_exits_one_with_the_reason(server: ServerThread) -> None:
    result = lintas(
        "pay",
        "--from",
        "SG",
        "--to",
        "TH",
        "--amount",
        "1.00",
        "--type",
        "MOBILE",
        "--value",
        "+66900000000",
        server=server.url,
    )
    assert result.returncode == 1
    assert "proxy_unknown" in result.stderr and "BE23" in result.stderr
    assert _reconciliation_balanced(server)


def test_a_command_that_cannot_reach_a_hub_exits_one(server: ServerThread) -> None:
    result = lintas("countries", server="http://127.0.0.1:9")
    assert result.returncode == 1
    assert "cannot reach the hub" in result.stderr


def test_sandbox_merchants_lists_at_least_fifty_thai_merchants_with_their_codes(
    server: ServerThread,
) -> None:
    listed = _json(
        lintas(
            "sandbox",
            "merchants",
            "--country",
            "TH",
            "--limit",
            "60",
            "--json",
            server=server.url,
        )
    )["merchants"]
    assert len(listed) >= 50 and all(m["country"] == "TH" for m in listed)
    table = lintas("sandbox", "merchants", "--country", "th", "--limit", "2", server=server.url)
    assert table.returncode == 0, table.stderr
    assert listed[0]["name"] in table.stdout


def test_pay_qr_pays_a_static_merchant_code_from_another_country(server: ServerThread) -> None:
    merchant = _json(
        lintas(
            "sandbox", "merchants", "--country", "TH", "--limit", "3", "--json", server=server.url
        )
    )["merchants"][2]
    paid = _json(
        lintas(
            "pay",
            "--qr",
            merchant["qr"],
            "--from",
            "SG",
            "--amount",
            "7.50",
            "--json",
            server=server.url,
        )
    )
    payment = paid["payment"]
    assert payment["status"] == "ACCC", payment
    assert payment["amountDebited"] == {"amount": "7.50", "currency": "SGD"}
    assert payment["creditor"]["account"] == merchant["account"]
    assert paid["payee"]["qr"]["merchantName"] == merchant["name"]
    assert _reconciliation_balanced(server)


def test_pay_qr_pays_exactly_the_amount_a_dynamic_code_fixes_and_says_so(
    server: ServerThread,
) -> None:
    merchant = _json(
        lintas(
            "sandbox", "merchants", "--country", "VN", "--limit", "1", "--json", server=server.url
        )
    )["merchants"][0]
    bank_bin, account = merchant["proxy"].split(":")
    code = encode(
        "vietqr",
        bank_bin=bank_bin,
        account=account,
        amount="250000",
        merchant_name=merchant["name"],
        merchant_city=merchant["city"],
    )
    result = lintas("pay", "--qr", code, "--from", "SG", server=server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "250000 VND fixed by the code" in result.stdout
    assert "ACCC" in result.stdout and "-> 250000 VND" in result.stdout
    assert _reconciliation_balanced(server)


def test_pay_qr_without_an_amount_for_a_static_code_exits_one_and_pays_nothing(
    server: ServerThread,
) -> None:
    merchant = _json(
        lintas(
            "sandbox", "merchants", "--country", "MY", "--limit", "1", "--json", server=server.url
        )
    )["merchants"][0]
    result = lintas("pay", "--qr", merchant["qr"], "--from", "SG", server=server.url)
    assert result.returncode == 1
    assert "amount_missing" in result.stderr


def test_pay_without_qr_still_needs_the_destination_and_the_proxy(server: ServerThread) -> None:
    result = lintas("pay", "--from", "SG", "--amount", "1.00", server=server.url)
    assert result.returncode == 2
    assert "--to" in result.stderr and "--qr" in result.stderr


def _thai_merchant(server: ServerThread, index: int = 0) -> dict[str, Any]:
    listed = _json(
        lintas(
            "sandbox", "merchants", "--country", "TH", "--limit", "5", "--json", server=server.url
        )
    )["merchants"]
    return dict(listed[index])


def _resolve_qr(code: str, *options: str, server: str) -> Any:
    """``lintas resolve`` of a Thai merchant code, with ``options``."""
    return lintas(
        "resolve", "--country", "TH", "--type", "QR", "--value", code, *options, server=server
    )


def test_resolve_a_qr_with_amount_and_tip_prints_each_part_and_json_is_the_apis_answer(
    server: ServerThread,
) -> None:
    merchant = _thai_merchant(server)
    code = encode("promptpay", national_id=merchant["proxy"], tip_prompt=True)
    text = _resolve_qr(code, "--amount", "40", "--tip", "4.5", server=server.url)
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"account {merchant['account']}" in text.stdout
    assert "merchant 40.00 + tip 4.50 = 44.50 THB to the merchant" in text.stdout
    shown = _json(_resolve_qr(code, "--amount", "40", "--tip", "4.5", "--json", server=server.url))
    client = HubClient(server.url)
    try:
        asked = client.resolve("TH", "QR", code, amount="40", tip="4.5")
    finally:
        client.close()
    assert shown == asked  # The API's answer, as it is.
    assert (shown["qr"]["merchantAmount"], shown["qr"]["tip"], shown["qr"]["amount"]) == (
        "40.00",
        "4.50",
        "44.50",
    )
    # Without an amount, the code leaves it to the payer; the hub refuses a tip it did not ask.
    open_amount = _resolve_qr(code, server=server.url)
    assert open_amount.returncode == 0, open_amount.stderr
    assert "amount chosen by the payer" in open_amount.stdout
    not_asked = _resolve_qr(merchant["qr"], "--tip", "5", server=server.url)
    assert not_asked.returncode == 1 and "qr_tip_not_prompted" in not_asked.stderr


def test_resolve_a_qr_with_an_amount_shows_the_convenience_fee_the_code_adds(
    server: ServerThread,
) -> None:
    merchant = _thai_merchant(server, 1)
    code = encode("promptpay", national_id=merchant["proxy"], convenience_fee_percentage="10")
    result = _resolve_qr(code, "--amount", "300", server=server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "merchant 300.00 + convenience fee 30.00 (10 %, rounded down) = 330.00 THB to the merchant"
        in result.stdout
    )


@pytest.mark.parametrize(
    ("option", "given"),
    [("--amount", "1e3"), ("--amount", "12,50"), ("--tip", "-5"), ("--tip", "05"), ("--tip", "")],
)
def test_resolve_refuses_a_malformed_amount_or_tip_before_asking_the_hub(
    option: str, given: str
) -> None:
    # No hub listens on port 9: a refusal that reached the network would say so instead.
    result = _resolve_qr("000201", option, given, server="http://127.0.0.1:9")
    assert result.returncode == 2, result.stdout + result.stderr
    assert option in result.stderr and "not a plain non-negative decimal" in result.stderr


def test_resolve_refuses_an_amount_or_a_tip_for_a_proxy_that_is_not_a_qr_code() -> None:
    args = ("resolve", "--country", "TH", "--type", "MOBILE", "--value", "+66812345678")
    result = lintas(*args, "--tip", "5", server="http://127.0.0.1:9")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--tip" in result.stderr and "only taken with --type QR" in result.stderr
