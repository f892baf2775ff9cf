"""``lintas iso``: check an ISO 20022 message file, or send it to a hub.

Register with ``app.add_typer(iso_app, name="iso")`` in ``cli.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import httpx
import typer

from lintas.codecs import iso20022 as iso
from lintas.entrypoints.cli_common import SERVER_DEFAULT, print_json
from lintas.entrypoints.client import TIMEOUT_S, HubClient, HubError
from lintas.services.iso_gateway import participant_of

#: Files larger than this are not read (a message is refused beyond MESSAGE_BYTES_MAX anyway).
FILE_BYTES_MAX: Final = 4 * iso.MESSAGE_BYTES_MAX
#: Which endpoint takes which message.
ENDPOINT_OF: Final[dict[str, str]] = {
    "pacs.008.001.13": "/v1/iso20022/pacs.008",
    "pacs.028.001.06": "/v1/iso20022/pacs.028",
    "acmt.023.001.02": "/v1/iso20022/acmt.023",
    "pacs.004.001.14": "/v1/iso20022/pacs.004",
    "camt.056.001.11": "/v1/iso20022/camt.056",
    "camt.029.001.10": "/v1/iso20022/camt.029",
}

iso_app = typer.Typer(
    help="Check ISO 20022 messages and send them to a hub.\n\n"
    "Example: lintas iso validate pacs008.xml",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

MessageFile = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, readable=True, help="An ISO 20022 XML file."),
]


def _read(path: Path) -> bytes:
    if path.stat().st_size > FILE_BYTES_MAX:
        typer.echo(f"{path}: over {FILE_BYTES_MAX} bytes; not a message", err=True)
        raise typer.Exit(1)
    return path.read_bytes()


@iso_app.command()
def validate(
    file: MessageFile,
    xsd_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the official XSDs (default: ../shared/iso20022/xsd)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Say which message FILE holds, whether it is valid, and every problem with its path.

    Checks the hardened parse, the official XSDs and Lintas's usage rules; exits 1 when the
    message is invalid.

    Example: lintas iso validate pacs008.xml
    """
    report = iso.validate(_read(file), xsd_dir=xsd_dir)
    if as_json:
        value = {
            "message": report.message_id,
            "valid": report.valid,
            "reasonCode": report.reason_code,
            "problems": [{"path": p.path, "message": p.message} for p in report.problems],
        }
        print_json(value)
    else:
        verdict = "valid" if report.valid else f"invalid ({len(report.problems)} problem(s))"
        typer.echo(f"{file}: {report.message_id or 'unknown message'}: {verdict}")
        for problem in report.problems:
            typer.echo(f"  {problem.path}: {problem.message}")
    if not report.valid:
        raise typer.Exit(1)


@iso_app.command()
def send(
    file: MessageFile,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            envvar="LINTAS_API_KEY",
            help="API key to send; in the sandbox the sender's key is looked up when omitted.",
        ),
    ] = None,
    server: Annotated[
        str, typer.Option("--server", envvar="LINTAS_URL", help="URL of the hub to talk to.")
    ] = SERVER_DEFAULT,
) -> None:
    """POST FILE to the endpoint of its message type and print the hub's answer.

    pacs.008, pacs.004 (a return) and pacs.028 are answered with a pacs.002, acmt.023 with an
    acmt.024, camt.056 (a recall) with a camt.029, and camt.029 (a creditor agent's answer to
    a recall) with the return's pacs.004 or the recorded camt.029. Exits 1 when the hub
    refuses the request (HTTP 4xx/5xx); a pacs.002 RJCT or a camt.029 rejection is an answer,
    exit 0.

    Example: lintas iso send pacs008.xml --server http://127.0.0.1:8000
    """
    xml = _read(file)
    try:
        message_id = iso.identify(xml)
    except iso.Iso20022Error as error:
        typer.echo(f"{file}: not a message Lintas takes: {error.message}", err=True)
        raise typer.Exit(1) from None
    path = ENDPOINT_OF.get(message_id)
    if path is None:
        typer.echo(f"{file}: {message_id} is not sent to the hub by PSPs", err=True)
        raise typer.Exit(1)
    try:
        if key is None:
            key = _sandbox_key(xml, server)
        answer = httpx.post(
            server.rstrip("/") + path,
            content=xml,
            headers={"authorization": f"Bearer {key}", "content-type": "application/xml"},
            timeout=TIMEOUT_S,
        )
    except (HubError, httpx.HTTPError) as error:
        typer.echo(f"cannot send: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(answer.text)
    if answer.status_code >= 400:
        raise typer.Exit(1)


def _sandbox_key(xml: bytes, server: str) -> str:
    """The sandbox key of whoever sends ``xml`` (its header's From, else its first agent)."""
    try:
        envelope = iso.decode(xml, schema=False)
    except iso.Iso20022Error as error:
        raise HubError(400, {"reason": "sender_unknown", "detail": error.message}) from None
    message = envelope.message
    if envelope.header is not None:
        sender = envelope.header.from_bic
    elif isinstance(message, iso.CreditTransfer):
        sender = message.instructing_agent_bic
    elif isinstance(message, iso.VerificationRequest):
        sender = message.assignment.assigner_bic
    elif (
        isinstance(message, iso.StatusRequest | iso.PaymentReturn) and message.instructing_agent_bic
    ):
        sender = message.instructing_agent_bic
    elif isinstance(message, iso.RecallRequest | iso.RecallResolution):
        sender = message.case.assigner_bic
    else:
        raise HubError(400, {"reason": "sender_unknown", "detail": "pass --key"})
    client = HubClient(server)
    try:
        return client.key_for(participant_of(sender))
    finally:
        client.close()
