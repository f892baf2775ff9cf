"""``lintas qr``: decode and encode EMVCo merchant QR codes locally (no hub needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lintas.codecs.emvqr import (
    DecodedQr,
    EmvQrEncodeError,
    decode,
    encode,
    fields_from_text,
    render_png,
    render_svg,
    to_json,
)
from lintas.entrypoints.cli_common import print_json

qr_app = typer.Typer(
    help="Decode and build EMVCo merchant QR codes of every ASEAN scheme.\n\n"
    "Example: lintas qr decode 000201010211...6304ABCD",
    no_args_is_help=True,
)


@qr_app.command("decode")
def decode_command(
    payload: Annotated[str, typer.Argument(help="The text of the QR code.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Enforce the EMVCo rules; deviations are errors.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
) -> None:
    """Decode a merchant QR payload; exits 1 when the code is not valid.

    Example: lintas qr decode "$(lintas qr encode --scheme promptpay -f mobile=0812345678)"

    Example: lintas qr decode --strict --json "$(cat code.txt)"
    """
    qr = decode(payload, strict=strict)
    data = to_json(qr)
    if as_json:
        print_json(data)
    else:
        typer.echo(f"valid:      {'yes' if qr.valid else 'no'}")
        for label, issues in (("error", qr.errors), ("warning", qr.warnings)):
            for issue in issues:
                typer.echo(f"{label}:    {issue.code}: {issue.message}")
        initiation = qr.initiation.value if qr.initiation else "-"
        typer.echo(f"initiation: {initiation}   country: {qr.country or '-'}")
        amount = qr.amount.format() if qr.amount else "(payer enters it)"
        typer.echo(f"amount:     {amount} {qr.currency or ''}".rstrip())
        m = qr.merchant
        typer.echo(f"merchant:   {m.name or '-'}, {m.city or '-'} (MCC {m.mcc or '-'})")
        if qr.tip is not None:
            typer.echo(f"tip/fee:    {_tip_text(qr)}")
        for account in qr.accounts:
            typer.echo(f"account:    tag {account.tag} {account.scheme.value} {account.guid}")
        proxy = qr.payable_proxy()
        if proxy is not None:
            typer.echo(f"pay to:     {proxy[0].value} {proxy[1]}")
    if not qr.valid:
        raise typer.Exit(1)


def _tip_text(qr: DecodedQr) -> str:
    """Tags 55-57 in words."""
    tip = qr.tip
    assert tip is not None
    if tip.prompts_for_tip:
        return "the payer is asked for a tip"
    if tip.fixed_fee is not None:
        return f"convenience fee {tip.fixed_fee.format()} {qr.currency or ''}".rstrip()
    if tip.percentage is not None:
        return f"convenience fee {tip.percentage} % of the amount"
    return f"indicator {tip.indicator}"


@qr_app.command("encode")
def encode_command(
    scheme: Annotated[
        str,
        typer.Option(
            "--scheme",
            help="promptpay, paynow, duitnow, qris, vietqr, vnpay, qrph, khqr, laoqr, or "
            "template (any other template: -f country=BN -f guid=... -f sub01=...).",
        ),
    ],
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            help="A scheme field as NAME=VALUE (repeat): mobile=0812345678, uen=..., "
            "bank_bin=..., expires_at=2026-03-01, editable=true, tip_prompt=true, "
            "convenience_fee=1.50, convenience_fee_percentage=3.5 ...",
        ),
    ] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="Decimal amount: makes a dynamic code.")
    ] = None,
    merchant_name: Annotated[str | None, typer.Option("--merchant-name")] = None,
    merchant_city: Annotated[str | None, typer.Option("--merchant-city")] = None,
    mcc: Annotated[str | None, typer.Option("--mcc", help="Merchant category code.")] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="Tag 62/05.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Also write a PNG image here.")] = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Also write an SVG image here.")] = None,
) -> None:
    """Build a merchant QR code and print its payload.

    Example: lintas qr encode --scheme promptpay -f mobile=0812345678 --amount 100.50

    Example: lintas qr encode --scheme paynow -f uen=201403121W -f editable=true --svg code.svg

    Example: lintas qr encode --scheme vietqr -f bank_bin=970415 -f account=001100193 --png a.png

    Example: lintas qr encode --scheme qris -f nmid=ID1020021181745 -f convenience_fee=1000

    Example: lintas qr encode --scheme template -f country=BN -f guid=COM.EXAMPLE -f sub02=M1
    """
    if png is not None and svg is not None:
        raise typer.BadParameter("give --png or --svg, not both")
    fields: dict[str, str | bool] = {}
    for item in field or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--field")
        fields[name.strip()] = value
    for name, given in (
        ("amount", amount),
        ("merchant_name", merchant_name),
        ("merchant_city", merchant_city),
        ("mcc", mcc),
        ("reference", reference),
    ):
        if given is not None:
            fields[name] = given
    try:
        payload = encode(scheme, **fields_from_text(fields))
    except EmvQrEncodeError as exc:
        typer.echo(f"error: {exc.reason}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if png is not None:
        png.write_bytes(render_png(payload))
    if svg is not None:
        svg.write_text(render_svg(payload), encoding="utf-8")
    typer.echo(payload)
