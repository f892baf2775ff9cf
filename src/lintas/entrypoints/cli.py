"""The ``lintas`` command: run a hub, drive one over HTTP, and tour the sandbox.

Every command that talks to a hub uses ``--server`` (or ``LINTAS_URL``, default
http://127.0.0.1:8000) and prints JSON with ``--json``.
"""

from __future__ import annotations

import os
import uuid
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer

from lintas.domain.money import is_plain_decimal
from lintas.entrypoints.cli_common import (
    SERVER_DEFAULT,
    AsJson,
    Key,
    Server,
    exit_on_hub_error,
    folding_table,
    out,
    print_json,
    reconciliation_table,
)
from lintas.entrypoints.cli_iso import iso_app
from lintas.entrypoints.cli_qr import qr_app
from lintas.entrypoints.cli_screening import lists_app, screen
from lintas.entrypoints.cli_signals import check, signals_app
from lintas.entrypoints.client import HubClient

app = typer.Typer(
    name="lintas",
    help="Lintas: a cross-border instant payments hub for Southeast Asia.\n\n"
    "Example: lintas demo --once",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
sandbox_app = typer.Typer(
    help="Explore the sandbox region.\n\nExample: lintas sandbox keys", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(iso_app, name="iso")
app.add_typer(qr_app, name="qr")
app.add_typer(signals_app, name="signals")
app.command(name="check")(check)
app.add_typer(lists_app, name="lists")
app.command(name="screen")(screen)


@app.command()
def serve(
    db: Annotated[
        str,
        typer.Option(
            help="The hub's store (created and seeded): a SQLite file, or a PostgreSQL URL "
            "(postgresql://user@host:5432/dbname) that then holds everything (payments, "
            "ledger, recall cases and returns, scam signals; no SQLite file). "
            "See docs/postgres.md.",
        ),
    ] = "var/lintas.db",
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    payment_timeout_s: Annotated[
        int, typer.Option(help="Seconds reserved legs may wait for their post.")
    ] = 60,
    sanctions_list: Annotated[
        list[Path] | None,
        typer.Option(
            "--sanctions-list",
            help="Sanctions list to load at start (UN XML, OFAC sdn.csv, FtM JSONL); repeatable.",
        ),
    ] = None,
    risk_config: Annotated[
        Path | None,
        typer.Option(help="Risk rules file (e.g. src/lintas/config/risk.toml); off when absent."),
    ] = None,
    recall_answering_psp: Annotated[
        list[str] | None,
        typer.Option(
            "--recall-answering-psp",
            metavar="PSP_ID",
            help="A PSP that answers recalls (camt.056) of payments it received itself, with "
            "its own camt.029; until it does, such a recall is pending. Recalls of payments "
            "to any other PSP are answered by the sandbox at once. Repeatable.",
        ),
    ] = None,
) -> None:
    """Run the hub (sandbox region; SQLite or PostgreSQL store) over HTTP.

    Example: lintas serve --db var/lintas.db --port 8000

    Example: lintas serve --db postgresql://postgres@127.0.0.1:5432/test

    Example: lintas serve --risk-config src/lintas/config/risk.toml
    --sanctions-list ../shared/data/sanctions/un-sc-consolidated-2020-11-24.xml

    Example: lintas serve --recall-answering-psp CHPYTHBK --recall-answering-psp LNNATHBK
    """
    from lintas.bootstrap import HubConfig, check_recall_answering_psps, db_location
    from lintas.domain.errors import InputInvalid
    from lintas.entrypoints.server import run_server

    try:
        db_path, db_url = db_location(db)
    except InputInvalid as e:
        raise typer.BadParameter(e.message, param_hint="--db") from None
    config = HubConfig(
        db_path=db_path,
        db_url=db_url,
        payment_timeout_s=payment_timeout_s,
        sanctions_lists=tuple(sanctions_list or ()),
        risk_config=risk_config,
        recall_answering_psps=frozenset(p.strip().upper() for p in recall_answering_psp or ()),
    )
    try:
        # Refused here, before the store is opened, rather than by the server's start-up.
        check_recall_answering_psps(config)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--recall-answering-psp") from None
    run_server(host=host, port=port, config=config)


@app.command()
def demo(
    payments: Annotated[int, typer.Option(help="How many payments to send.")] = 330,
    once: Annotated[bool, typer.Option("--once", help="Stop the hub after the summary.")] = False,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="LINTAS_DEMO_SERVER",
            help="Drive a hub already running at this URL instead of starting one.",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="The demo hub's store: a SQLite file, or a PostgreSQL URL "
            "(postgresql://user@host:5432/dbname) that holds everything (default: a fresh "
            "SQLite temp file). See docs/postgres.md."
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Port for the demo hub.")] = 8000,
    concurrency: Annotated[int, typer.Option(help="Payments in flight at once.")] = 16,
    as_json: AsJson = False,
) -> None:
    """Start a sandbox hub, send payments across every corridor, print a summary per corridor.

    Example: lintas demo --payments 330 --once

    Example: lintas demo --db postgresql://postgres@127.0.0.1:5432/test --once
    """
    from lintas.bootstrap import db_location
    from lintas.domain.errors import InputInvalid
    from lintas.entrypoints.demo import run_demo

    if db is not None:
        try:
            # Refused here, before anything starts, as ``lintas serve`` does.
            db_location(db)
        except InputInvalid as e:
            raise typer.BadParameter(e.message, param_hint="--db") from None
    code = run_demo(
        payments=payments,
        once=once,
        server=server,
        db=db,
        port=port,
        concurrency=concurrency,
        as_json=as_json,
        console=out,
    )
    raise typer.Exit(code)


@app.command()
def countries(server: Server = SERVER_DEFAULT, as_json: AsJson = False) -> None:
    """List the connected countries, their IPS, currency and maximum amount.

    Example: lintas countries
    """
    with exit_on_hub_error():
        data = HubClient(server).countries()
    if as_json:
        print_json(data)
        return
    table = folding_table("Country", "Name", "IPS", "Currency", "Max amount", "Address types")
    for c in data:
        table.add_row(
            c["code"],
            c["name"],
            c["ips"]["name"],
            c["currency"],
            c["ips"]["amountMax"]["amount"],
            ", ".join(a["code"] for a in c["addressTypes"]),
        )
    out.print(table)


@app.command()
def quote(
    source: Annotated[str, typer.Option("--from", help="Source country (e.g. SG).")],
    destination: Annotated[str, typer.Option("--to", help="Destination country (e.g. TH).")],
    amount: Annotated[str, typer.Option(help="Decimal amount, e.g. 100.00.")],
    currency: Annotated[
        str | None,
        typer.Option(
            help="Currency of --amount: the source's (fixed to send, default) or the "
            "destination's (fixed to receive)."
        ),
    ] = None,
    psp: Annotated[
        str | None, typer.Option(help="Requesting PSP (sandbox: default the first).")
    ] = None,
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Get every FXP's quote for a corridor and an amount.

    Example: lintas quote --from SG --to TH --amount 100.00
    """
    client = HubClient(server)
    with exit_on_hub_error():
        quotes = client.quotes(
            source.upper(), destination.upper(), amount, currency, psp=psp, key=key
        )
    if as_json:
        print_json(quotes)
        return
    table = folding_table("Quote", "FXP", "Rate", "Debited", "Credited", "Fees", "Expires")
    for q in quotes["quotes"]:
        d = q["disclosure"]
        source_fees = f"{d['sourcePspFee']['amount']}+{d['schemeFee']['amount']}"
        fees = f"{source_fees} / {d['destinationPspFee']['amount']}"
        table.add_row(
            q["quoteId"][:8],
            q["fxp"],
            q["exchangeRate"],
            f"{d['amountDebited']['amount']} {d['amountDebited']['currency']}",
            f"{d['amountCredited']['amount']} {d['amountCredited']['currency']}",
            fees,
            q["expiresAt"],
        )
    out.print(table)


@app.command()
def resolve(
    country: Annotated[str, typer.Option(help="Country whose directory to ask.")],
    address_type: Annotated[str, typer.Option("--type", help="Address type, e.g. MOBILE.")],
    value: Annotated[str, typer.Option(help="The proxy, e.g. +66812345678.")],
    name: Annotated[
        str | None,
        typer.Option("--name", help="The payee name you expect: answers MTCH/CMTC/NMTC/NOAP."),
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(
            help="With --type QR: the merchant amount, in the code's currency, for a code "
            "that carries none (a decimal such as 100.00)."
        ),
    ] = None,
    tip: Annotated[
        str | None,
        typer.Option(
            help="With --type QR: a tip in the code's currency, for a code that asks for one "
            "(a decimal such as 20.00)."
        ),
    ] = None,
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Resolve a proxy (mobile, national id, UPI id ...) to an account and masked name.

    With --name, the payee verification: MTCH (match), CMTC (close: the registered name is
    shown masked), NMTC (no match) or NOAP (not possible).

    With --type QR (a merchant code), what the payer would pay, each part on its own: the
    merchant amount (the code's, or --amount for a code without one), the convenience fee
    the code adds, the --tip, and their sum, as `lintas pay --qr` shows before paying.

    Example: lintas resolve --country TH --type MOBILE --value +66812345678 --name "Somchai"

    Example: lintas resolve --country TH --type QR --value "$CODE_THAT_ASKS_FOR_A_TIP"
    --amount 100.00 --tip 20.00
    """
    for option, given in (("--amount", amount), ("--tip", tip)):
        if given is None:
            continue
        if address_type.upper() != "QR":
            raise typer.BadParameter(
                "only taken with --type QR (a merchant code)", param_hint=option
            )
        # A typo is refused before anything is sent; the hub checks the currency's decimals.
        if not is_plain_decimal(given):
            raise typer.BadParameter(
                f"{given!r} is not a plain non-negative decimal such as 20.00 "
                "(digits, at most one '.')",
                param_hint=option,
            )
    client = HubClient(server)
    with closing(client), exit_on_hub_error():
        data = client.resolve(
            country.upper(),
            address_type.upper(),
            value,
            key=key,
            expected_name=name,
            amount=amount,
            tip=tip,
        )
    if as_json:
        print_json(data)
        return
    out.print(
        f"{data['displayName']}  account {data['account']} at {data['agentName']} ({data['agent']})"
    )
    if data.get("qr") is not None:
        out.print(_qr_line(data))
    verification = data.get("verification")
    if verification is not None:
        shown = data.get("verificationName")
        meaning = {
            "MTCH": "the name matches",
            "CMTC": f"close match: the account holder is {shown}",
            "NMTC": "the name does NOT match the account holder; check before you pay",
            "NOAP": "the name could not be checked",
        }.get(verification, verification)
        out.print(f"payee check {verification}: {meaning}")


@app.command()
def pay(
    source: Annotated[str, typer.Option("--from", help="Source country.")],
    destination: Annotated[
        str | None,
        typer.Option("--to", help="Destination country (with --qr: default the code's)."),
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(help="Decimal amount (with --qr: only when the code carries none)."),
    ] = None,
    address_type: Annotated[str | None, typer.Option("--type", help="Payee address type.")] = None,
    value: Annotated[str | None, typer.Option(help="Payee proxy.")] = None,
    qr: Annotated[
        str | None,
        typer.Option("--qr", help="A merchant QR code to pay, instead of --type and --value."),
    ] = None,
    tip: Annotated[
        str | None,
        typer.Option(
            "--tip", help="With --qr: a tip in the code's currency, for a code that asks for one."
        ),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency of --amount (default: source).")
    ] = None,
    debtor_account: Annotated[
        str | None, typer.Option(help="Sender's account (sandbox: default a sample customer).")
    ] = None,
    debtor_agent: Annotated[str | None, typer.Option(help="Sender's PSP.")] = None,
    debtor_name: Annotated[str | None, typer.Option(help="Sender's name.")] = None,
    uetr: Annotated[str | None, typer.Option(help="UETR to use (default: a new UUID v4).")] = None,
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Quote, resolve and pay in one go; prints the final status.

    With --qr, the code is resolved in the country it names; a code that carries an amount
    (a dynamic code) is paid exactly that amount plus the convenience fee it adds and the
    --tip (in the code's currency, for a code that asks for one), quoted fixed to receive
    that sum in the destination's currency; the merchant amount, fee and tip are printed
    separately. Find codes with `lintas sandbox merchants --country TH`.

    Example: lintas pay --from SG --to TH --amount 50.00 --type MOBILE --value +66812345678

    Example: lintas pay --from SG --qr "00020101021129370016A0000006770101110213..." --amount 5

    Example: lintas pay --from MY --qr "$CODE_THAT_ASKS_FOR_A_TIP" --tip 20.00
    """
    if qr is not None:
        if address_type is not None or value is not None:
            raise typer.BadParameter("give either --qr or --type and --value", param_hint="--qr")
        _pay_qr(
            source,
            qr,
            amount,
            currency,
            destination,
            debtor_account,
            debtor_agent,
            debtor_name,
            uetr,
            key,
            server,
            as_json,
            tip,
        )
        return
    if tip is not None:
        raise typer.BadParameter("a tip is only paid with --qr", param_hint="--tip")
    missing = [
        name
        for name, given in (
            ("--to", destination),
            ("--amount", amount),
            ("--type", address_type),
            ("--value", value),
        )
        if given is None
    ]
    if missing:
        raise typer.BadParameter(
            f"{', '.join(missing)} required (or pay a merchant code with --qr)",
            param_hint=missing[0],
        )
    assert destination is not None and amount is not None
    assert address_type is not None and value is not None
    client = HubClient(server)
    with exit_on_hub_error():
        result = client.pay(
            source=source.upper(),
            destination=destination.upper(),
            amount=amount,
            currency=currency,
            address_type=address_type.upper(),
            value=value,
            debtor_account=debtor_account,
            debtor_agent=debtor_agent,
            debtor_name=debtor_name,
            uetr=uetr or str(uuid.uuid4()),
            key=key,
        )
    if as_json:
        print_json(result)
    else:
        out.print(_payment_line(result))
    raise typer.Exit(0 if result["status"] == "ACCC" else 2)


def _payment_line(p: dict[str, Any]) -> str:
    line = (
        f"{p['uetr']}  {p['status']}  {p['amountDebited']['amount']} "
        f"{p['amountDebited']['currency']} -> {p['amountCredited']['amount']} "
        f"{p['amountCredited']['currency']}"
    )
    if p["reason"]:
        line += f"  {p['reason']}: {p['reasonText']}"
    return line


def _pay_qr(
    source: str,
    qr: str,
    amount: str | None,
    currency: str | None,
    destination: str | None,
    debtor_account: str | None,
    debtor_agent: str | None,
    debtor_name: str | None,
    uetr: str | None,
    key: str | None,
    server: str,
    as_json: bool,
    tip: str | None,
) -> None:
    client = HubClient(server)
    with exit_on_hub_error():
        result = client.pay_qr(
            source=source.upper(),
            qr=qr,
            amount=amount,
            currency=currency.upper() if currency else None,
            destination=destination.upper() if destination else None,
            debtor_account=debtor_account,
            debtor_agent=debtor_agent,
            debtor_name=debtor_name,
            uetr=uetr or str(uuid.uuid4()),
            key=key,
            tip=tip,
        )
    payment = result["payment"]
    if as_json:
        print_json(result)
    else:
        out.print(_qr_line(result["payee"]))
        out.print(_payment_line(payment))
    raise typer.Exit(0 if payment["status"] == "ACCC" else 2)


def _qr_line(payee: dict[str, Any]) -> str:
    """A resolved merchant code: whose it is, and what the payer pays it (``_qr_charges``)."""
    code = payee["qr"]
    where = f"{code['merchantName'] or payee['displayName']}"
    if code["merchantCity"]:
        where += f", {code['merchantCity']}"
    return (
        f"{code['initiation']} {code['scheme']} code of {where} "
        f"(account {payee['account']} at {payee['agentName']}): {_qr_charges(code)}"
    )


def _qr_charges(code: dict[str, Any]) -> str:
    """What the payer pays a code, each part on its own: merchant amount, fee, tip, total."""
    currency = code["currency"]
    if code["merchantAmount"] is None:
        return "amount chosen by the payer"
    parts = [f"merchant {code['merchantAmount']}"]
    if code["convenienceFee"] is not None:
        percentage = code["convenienceFeePercentage"]
        parts.append(
            f"convenience fee {code['convenienceFee']}"
            + (f" ({percentage} %, rounded down)" if percentage else "")
        )
    if code["tip"] is not None:
        parts.append(f"tip {code['tip']}")
    if len(parts) == 1:
        return f"{code['amount']} {currency} fixed by the code"
    return f"{' + '.join(parts)} = {code['amount']} {currency} to the merchant"


@app.command()
def status(
    uetr: Annotated[str, typer.Argument(help="The payment's UETR.")],
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Show a payment's status.

    Example: lintas status 5f1c2a7e-8d3b-4c1e-9f0a-2b3c4d5e6f70 --key $KEY
    """
    with exit_on_hub_error():
        p = HubClient(server).payment(uetr, key=key)
    if as_json:
        print_json(p)
        return
    out.print(
        f"{p['uetr']}  {p['status']} ({p['state']})  "
        f"{p['sourceCountry']}->{p['destinationCountry']}"
        f"  {p['amountCredited']['amount']} {p['amountCredited']['currency']}"
        + (f"  {p['reason']}: {p['reasonText']}" if p["reason"] else "")
    )


@app.command()
def reconcile(server: Server = SERVER_DEFAULT, as_json: AsJson = False) -> None:
    """Check every ledger balances (exit 1 if any does not).

    Example: lintas reconcile
    """
    with exit_on_hub_error():
        data = HubClient(server).reconciliation()
    if as_json:
        print_json(data)
    else:
        out.print(reconciliation_table(data["ledgers"]))
    raise typer.Exit(0 if data["balanced"] else 1)


@sandbox_app.command("customers")
def sandbox_customers(
    country: Annotated[str, typer.Option(help="Country code.")],
    limit: Annotated[int, typer.Option(help="How many.")] = 10,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """List sample (fictional) customers of a country to pay from or to.

    Example: lintas sandbox customers --country TH --limit 5
    """
    with exit_on_hub_error():
        data = HubClient(server).customers(country.upper(), limit)
    if as_json:
        print_json(data)
        return
    table = folding_table("Id", "Name", "Latin", "Agent", "Account", "Proxies")
    for c in data["customers"]:
        table.add_row(
            c["id"],
            c["name"],
            c["nameLatin"],
            c["agent"],
            c["account"],
            ", ".join(f"{p['addressType']}={p['value']}" for p in c["proxies"]),
        )
    out.print(table)


@sandbox_app.command("merchants")
def sandbox_merchants(
    country: Annotated[str, typer.Option(help="Country code.")],
    limit: Annotated[int, typer.Option(help="How many.")] = 10,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """List sample (fictional) merchants of a country, each with the QR code at its counter.

    Pay one with `lintas pay --from SG --qr CODE --amount 5`.

    Example: lintas sandbox merchants --country TH --limit 5
    """
    with exit_on_hub_error():
        data = HubClient(server).merchants(country.upper(), limit)
    if as_json:
        print_json(data)
        return
    table = folding_table("Id", "Name", "City", "MCC", "Agent", "Account", "QR code")
    for m in data["merchants"]:
        table.add_row(m["id"], m["name"], m["city"], m["mcc"], m["agent"], m["account"], m["qr"])
    out.print(table)


@sandbox_app.command("keys")
def sandbox_keys(server: Server = SERVER_DEFAULT, as_json: AsJson = False) -> None:
    """Print every sandbox participant's API key.

    Example: lintas sandbox keys
    """
    with exit_on_hub_error():
        data = HubClient(server).keys()
    if as_json:
        print_json(data)
        return
    table = folding_table("Participant", "Role", "Country", "API key")
    for k in data["keys"]:
        table.add_row(k["participant"], k["role"], k["country"] or "", k["apiKey"])
    out.print(table)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
