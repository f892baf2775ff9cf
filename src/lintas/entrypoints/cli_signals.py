"""``lintas signals``: import, look up, report, withdraw and export scam signals; ``lintas check``.

Register with ``app.add_typer(signals_app, name="signals")`` and
``app.command(name="check")(check)`` in ``cli.py``.

``import`` and ``export`` work on the hub's store directly (``--db``: its SQLite file, or its
PostgreSQL database; the hub may be running: the signals have their own connection and take
turns with it); ``lookup``,
``report`` and ``withdraw`` talk to a hub over HTTP with a key; ``check`` needs no key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import httpx
import msgspec
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lintas.adapters import stix
from lintas.adapters.sandbox import SandboxParticipants, SandboxReference
from lintas.adapters.sqlite.signals_store import IMPORT_BATCH_MAX, PAGE_ROWS_MAX, SignalsStore
from lintas.bootstrap import DB_PATH_DEFAULT, SEED_DEFAULT, db_location
from lintas.domain.errors import LintasError
from lintas.domain.signals import SignalInput
from lintas.entrypoints.api.routes_signals import SignalIn
from lintas.entrypoints.cli_common import SERVER_DEFAULT, AsJson, err, out, print_json
from lintas.entrypoints.client import TIMEOUT_S, HubClient, HubError
from lintas.ports.clock import SystemClock
from lintas.ports.signals import visible_signals

if TYPE_CHECKING:
    # Imported where a URL is given (``_local_service``): psycopg costs the CLI nothing else.
    from lintas.adapters.postgres.signals_store import PostgresSignalsStore
from lintas.ports.directory import Participant
from lintas.sandbox.region import build_region
from lintas.services.signals import SignalsService, viewer_of

#: A JSON line longer than this is refused (a signal is a few hundred bytes).
LINE_BYTES_MAX: Final = 16 * 1024
#: The customers the sandbox region is built with here (only its reference data is used).
_REGION_CUSTOMERS: Final = 10

signals_app = typer.Typer(
    help="Share scam signals: import, look up, report, withdraw, export.\n\n"
    "Example: lintas signals lookup phone 0812345678 --country TH",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

Server = Annotated[str, typer.Option("--server", envvar="LINTAS_URL", help="URL of the hub.")]
Key = Annotated[
    str | None,
    typer.Option("--key", envvar="LINTAS_API_KEY", help="API key (sandbox: looked up for --as)."),
]
As = Annotated[
    str,
    typer.Option(
        "--as",
        help="Participant to act as (sandbox): a PSP, an anti-scam centre (NSRC-MY) or OPERATOR.",
    ),
]
TargetType = Annotated[
    str,
    typer.Argument(metavar="TYPE", help="account, phone, proxy, url, domain, email, wallet or qr."),
]
Db = Annotated[
    str,
    typer.Option(
        "--db", help="The hub's store: its SQLite file, or its PostgreSQL URL (postgresql://...)."
    ),
]
Country = Annotated[str | None, typer.Option(help="Country of a national number or a proxy.")]
Bank = Annotated[str | None, typer.Option(help="BIC of an account.")]
Chain = Annotated[str | None, typer.Option(help="Chain of a wallet (BTC, ETH, TRX...).")]
ProxyType = Annotated[str | None, typer.Option("--proxy-type", help="Proxy type of a proxy.")]


def _fail(e: HubError | httpx.HTTPError | LintasError) -> typer.Exit:
    if isinstance(e, HubError):
        err.print(f"refused {e.status} {e.reason}: {e.detail}", markup=False)
    elif isinstance(e, LintasError):
        err.print(f"refused {e.reason}: {e.message}", markup=False)
    else:
        err.print(f"cannot reach the hub: {e}", markup=False)
    return typer.Exit(1)


def _query(
    type_: str,
    value: str,
    country: str | None,
    bank: str | None,
    chain: str | None,
    proxy_type: str | None,
) -> dict[str, str]:
    q = {
        "type": type_,
        "value": value,
        "country": country,
        "bank": bank,
        "chain": chain,
        "proxyType": proxy_type,
    }
    return {k: v for k, v in q.items() if v}


def _call_as(
    server: str, participant: str, key: str | None, method: str, path: str, **kw: Any
) -> Any:
    """One request to the hub with ``key`` (sandbox: ``participant``'s); a refusal or an
    unreachable hub is printed and exits 1."""
    client = HubClient(server)
    try:
        return client._call(method, path, key=key or client.key_for(participant), **kw)
    except (HubError, httpx.HTTPError) as e:
        raise _fail(e) from None
    finally:
        client.close()


def _local_service(
    db: str, seed: int
) -> tuple[SignalsService, SignalsStore | PostgresSignalsStore, dict[str, Participant]]:
    try:
        db_path, db_url = db_location(db)
    except LintasError as e:
        raise typer.BadParameter(e.message, param_hint="--db") from None
    region = build_region(seed, _REGION_CUSTOMERS)
    participants = {p.id: p for p, _ in SandboxParticipants(region, seed).sandbox_keys()}
    store: SignalsStore | PostgresSignalsStore
    try:
        if db_url is None:
            store = SignalsStore(db_path).open()
        else:
            from lintas.adapters.postgres.signals_store import PostgresSignalsStore

            store = PostgresSignalsStore(db_url).open()
    except LintasError as e:  # An unreachable server, say: said plainly, exit 1.
        raise _fail(e) from None
    service = SignalsService(store=store, reference=SandboxReference(region), clock=SystemClock())
    return service, store, participants


def _jsonl(path: Path) -> Iterator[SignalInput]:
    decoder = msgspec.json.Decoder(SignalIn)
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if len(line) > LINE_BYTES_MAX:
                raise LintasError("line_too_long", f"line {number} is over {LINE_BYTES_MAX} bytes")
            if not line.strip():
                continue
            try:
                yield decoder.decode(line).to_input()
            except (msgspec.ValidationError, msgspec.DecodeError) as e:
                raise LintasError("line_invalid", f"line {number}: {e}") from None


def _is_stix(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4096).lstrip()
    return head.startswith(b"{") and b'"bundle"' in head and b"\n{" not in head


@signals_app.command(name="import")
def import_(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines or a STIX 2.1 bundle.")
    ],
    db: Db = str(DB_PATH_DEFAULT),
    participant: As = "OPERATOR",
    seed: Annotated[int, typer.Option(help="Seed of the sandbox region.")] = SEED_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Import signals from FILE (one JSON object per line, or a STIX 2.1 bundle) as reported
    by a participant. Every record is checked before anything is written; a bad one refuses
    the whole file, naming its line.

    Example: lintas signals import signals.jsonl --db var/lintas.db --as OPERATOR
    """
    service, store, participants = _local_service(db, seed)
    try:
        who = participants.get(participant)
        if who is None:
            raise LintasError("participant_unknown", f"no sandbox participant {participant!r}")
        source = service.source_of(who)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=as_json) as progress:
            skipped = 0
            if _is_stix(file):
                reading = progress.add_task("validating STIX", total=None)
                objects = stix.load_bundle(file.read_bytes())
                progress.update(reading, total=len(objects))
                # Documented shapes by the strict checker, anything else by stix2 (see stix.py).
                stix.validate_all(objects, lambda n: progress.update(reading, completed=n))
                records, skipped = stix.reports_of(objects)
                del objects
                total: int | None = len(records)
                source_records: Any = records
            else:
                with file.open("rb") as f:
                    total = sum(1 for line in f if line.strip())
                source_records = _jsonl(file)
            checking = progress.add_task("checking", total=total)
            prepared = service.prepare(
                source_records,
                source,
                on_record=lambda n: (
                    progress.update(checking, completed=n) if n % 1000 == 0 else None
                ),
            )
            progress.update(checking, completed=len(prepared))
            writing = progress.add_task("writing", total=len(prepared))
            changed = service.save(
                prepared, IMPORT_BATCH_MAX, lambda n: progress.advance(writing, n)
            )
    except LintasError as e:
        raise _fail(e) from None
    finally:
        store.close()
    result = {"received": len(prepared), "changed": changed, "skipped": skipped}
    if as_json:
        print_json(result)
    else:
        out.print(
            f"{len(prepared)} signal(s) read, {changed} stored or updated, "
            f"{skipped} indicator(s) skipped"
        )


@signals_app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write the bundle to.")],
    db: Db = str(DB_PATH_DEFAULT),
    participant: As = "OPERATOR",
    seed: Annotated[int, typer.Option(help="Seed of the sandbox region.")] = SEED_DEFAULT,
) -> None:
    """Write every signal a participant may see (TLP 2.0) as a STIX 2.1 bundle.

    Example: lintas signals export -o signals.stix.json --db var/lintas.db --as OPERATOR
    """
    _, store, participants = _local_service(db, seed)
    try:
        who = participants.get(participant)
        if who is None:
            raise _fail(LintasError("participant_unknown", f"no participant {participant!r}"))
        signals = list(visible_signals(store, viewer_of(who), page_rows=PAGE_ROWS_MAX))
        body = stix.bundle(signals)
        with output.open("w", encoding="utf-8") as f:
            f.write(f'{{"type":"bundle","id":"{body["id"]}","objects":[')
            for i, text in enumerate(stix.iter_serialised(body["objects"])):
                f.write(("," if i else "") + text + "\n")
            f.write("]}\n")
    finally:
        store.close()
    out.print(f"{len(signals)} signal(s) written to {output}")


@signals_app.command()
def lookup(
    type_: TargetType,
    value: Annotated[str, typer.Argument(help="The target as written.")],
    country: Country = None,
    bank: Bank = None,
    chain: Chain = None,
    proxy_type: ProxyType = None,
    participant: As = "OPERATOR",
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """How many active reports a participant may see on a target, since when, from how many
    organisations.

    Example: lintas signals lookup phone "+66 81-234-5678"
    """
    params = _query(type_, value, country, bank, chain, proxy_type)
    answer = _call_as(server, participant, key, "GET", "/v1/signals/lookup", params=params)
    if as_json:
        print_json(answer)
        return
    out.print(
        f"{answer['type']} {answer['value']}: {answer['activeReports']} active report(s) "
        f"from {answer['sources']} organisation(s)"
        + (f" since {answer['firstSeen']}" if answer["firstSeen"] else ""),
        markup=False,
    )


@signals_app.command()
def report(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="What the value is.")],
    value: Annotated[str, typer.Argument(help="The target as written.")],
    abuse: Annotated[str, typer.Option(help="investment_scam, phishing, money_mule...")],
    confidence: Annotated[int, typer.Option(help="0-100.")] = 70,
    tlp: Annotated[str, typer.Option(help="red, amber+strict, amber, green or clear.")] = "amber",
    country: Country = None,
    bank: Bank = None,
    chain: Chain = None,
    proxy_type: ProxyType = None,
    participant: As = "OPERATOR",
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Report a target as used in a scam.

    Example: lintas signals report phone 0812345678 --country TH --abuse investment_scam
    """
    body = {
        "type": type_,
        "value": value,
        "abuse": abuse,
        "confidence": confidence,
        "tlp": tlp,
        **{
            k: v
            for k, v in {
                "country": country,
                "bank": bank,
                "chain": chain,
                "proxyType": proxy_type,
            }.items()
            if v
        },
    }
    answer = _call_as(server, participant, key, "POST", "/v1/signals", json=body)
    if as_json:
        print_json(answer)
    else:
        out.print(
            f"reported {answer['id']}: {answer['type']} {answer['value']} ({answer['tlp']})",
            markup=False,
        )


@signals_app.command()
def withdraw(
    signal_id: Annotated[str, typer.Argument(metavar="ID", help="The signal id.")],
    participant: As = "OPERATOR",
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Withdraw a signal of your organisation (final).

    Example: lintas signals withdraw 3f1f7a52-9a0e-4d8e-b3c6-0c1f5a8e2d01
    """
    body = {"status": "withdrawn"}
    answer = _call_as(server, participant, key, "PATCH", f"/v1/signals/{signal_id}", json=body)
    if as_json:
        print_json(answer)
    else:
        out.print(f"withdrawn {answer['id']}", markup=False)


def check(
    type_: TargetType,
    value: Annotated[str, typer.Argument(help="What to check, as written.")],
    country: Country = None,
    bank: Bank = None,
    chain: Chain = None,
    proxy_type: ProxyType = None,
    lang: Annotated[
        str | None, typer.Option(help="en, ms, id, th, vi, fil, km, lo, my, zh.")
    ] = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Check whether an account, number, link or QR has active scam reports (no key needed),
    and what to do next.

    Example: lintas check phone 0812345678 --country TH --lang th
    """
    params = _query(type_, value, country, bank, chain, proxy_type)
    if lang:
        params["lang"] = lang
    try:
        with httpx.Client(base_url=server.rstrip("/"), timeout=TIMEOUT_S) as http:
            r = http.get("/v1/check", params=params)
        answer = r.json()
        if r.status_code >= 400:
            raise HubError(r.status_code, answer)
    except (HubError, httpx.HTTPError) as e:
        raise _fail(e) from None
    if as_json:
        print_json(answer)
        return
    out.print(answer["headline"], markup=False)
    out.print(answer["advice"], markup=False)
    if answer["reported"]:
        out.print(
            f"({answer['activeReports']} report(s) since {answer['firstReportedOn']})", markup=False
        )
    if answer["reported"]:
        raise typer.Exit(2)
