"""Plumbing shared by the ``lintas`` commands: the common options, JSON output, and how a
refusal or an unreachable hub ends a command (a message on stderr, exit 1).
"""

from __future__ import annotations

import json as jsonlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final

import httpx
import typer
from rich import box
from rich.console import Console
from rich.table import Column, Table

from lintas.entrypoints.client import HubError

SERVER_DEFAULT: Final = "http://127.0.0.1:8000"

#: How wide tables may be when the output is not a terminal (a pipe, a file, a CI log) and
#: ``COLUMNS`` says nothing: Rich would assume 80 and cut values (API keys, QR codes, rates)
#: with an ellipsis, which a reader then copies. Tables take only the width they need.
UNBOUNDED_WIDTH: Final = 200


def _console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty() or os.environ.get("COLUMNS"):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNBOUNDED_WIDTH)


out = _console()
err = _console(stderr=True)


def folding_table(*headers: str, **options: Any) -> Table:
    """A table whose cells fold onto more lines in a narrow terminal rather than being cut
    with an ellipsis: what a command prints is copied (keys, codes, accounts, rates)."""
    return Table(*(Column(h, overflow="fold") for h in headers), **options)


Server = Annotated[
    str,
    typer.Option("--server", envvar="LINTAS_URL", help="URL of the hub to talk to."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="LINTAS_API_KEY",
        help="API key to send; in the sandbox it is looked up for you when omitted.",
    ),
]


def print_json(value: Any) -> None:
    """Write ``value`` to stdout as indented JSON (non-ASCII kept as is)."""
    sys.stdout.write(jsonlib.dumps(value, indent=2, ensure_ascii=False) + "\n")


def fail(e: HubError | httpx.HTTPError) -> typer.Exit:
    """Print why the hub did not answer (a refusal or no connection); the exit to raise."""
    if isinstance(e, HubError):
        err.print(
            f"[red]refused[/red] {e.status} {e.reason}: {e.detail}"
            + (f" ({e.code})" if e.code else "")
        )
    else:
        err.print(f"[red]cannot reach the hub[/red]: {e}")
    return typer.Exit(1)


@contextmanager
def exit_on_hub_error() -> Iterator[None]:
    """Turn a refusal or an unreachable hub inside the block into ``fail``'s message and
    exit 1, so that a command prints one line rather than a traceback."""
    try:
        yield
    except (HubError, httpx.HTTPError) as e:
        raise fail(e) from None


def reconciliation_table(ledgers: list[dict[str, Any]], title: str | None = None) -> Table:
    """The per-ledger check (``GET /v1/reconciliation``'s ``ledgers``) as a table."""
    # Sums in minor units run to 15 digits: never cut off or wrapped in a narrow terminal.
    # Short headers and no rules between columns keep the whole table within 80 columns (what
    # ``make demo`` gets when its output is not a terminal) even with every sum at 15 digits;
    # with rules and longer headers, these were cut to "Ledg…", "Curr…", "Bala…".
    table = Table(
        "Ledger",
        "Ccy",
        Column("Accts", justify="right"),
        Column("Debits posted", justify="right", no_wrap=True),
        Column("Credits posted", justify="right", no_wrap=True),
        Column("Pending", justify="right", no_wrap=True),
        Column("OK", no_wrap=True),
        title=title,
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
    )
    for row in ledgers:
        table.add_row(
            row["country"],
            row["currency"],
            str(row["accounts"]),
            row["debitsPosted"],
            row["creditsPosted"],
            row["debitsPending"],
            "yes" if row["balanced"] else "[red]NO[/red]",
        )
    return table
