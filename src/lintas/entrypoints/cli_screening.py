"""``lintas screen`` and ``lintas lists``: sanctions screening of a running hub, over HTTP.

Like every command that talks to a hub, these use ``--server`` (or ``LINTAS_URL``) and, in the
sandbox, find a participant's key by themselves (``--key`` or ``LINTAS_API_KEY`` otherwise).
``lists load FILE`` asks the running hub to load a file *on its own host* (``POST /v1/lists``,
operator key): the path is made absolute here, so run it where the hub runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import httpx
import typer

from lintas.entrypoints.cli_common import (
    SERVER_DEFAULT,
    AsJson,
    Key,
    Server,
    exit_on_hub_error,
    folding_table,
    out,
    print_json,
)
from lintas.entrypoints.client import TIMEOUT_S, HubClient, HubError

OPERATOR: Final = "OPERATOR"

lists_app = typer.Typer(
    help="Sanctions lists of a running hub.\n\nExample: lintas lists status",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def call_hub(
    server: str,
    method: str,
    path: str,
    *,
    key: str | None,
    participant: str | None = None,
    json: Any = None,
) -> Any:
    """One request to the hub with ``key`` (else, in the sandbox, ``participant``'s key, else
    the first PSP's); a refusal raises ``HubError`` with the problem."""
    client = HubClient(server)
    try:
        if key is None:
            participant = participant or client.countries()[0]["psps"][0]["id"]
            key = client.key_for(participant)
    finally:
        client.close()
    with httpx.Client(base_url=server.rstrip("/"), timeout=TIMEOUT_S) as http:
        r = http.request(method, path, headers={"authorization": f"Bearer {key}"}, json=json)
    if r.status_code >= 400:
        try:
            problem = r.json()
        except ValueError:
            problem = {"reason": "http_error", "detail": r.text[:200]}
        raise HubError(r.status_code, problem)
    return r.json()


def screen(
    name: Annotated[str, typer.Argument(help="The name to screen, in any script.")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO country code (adds evidence only).")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Score 0-1 from which a hit counts (default: yours).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Hits at most.")] = 10,
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Screen a name against the hub's sanctions lists; hits best first, with why.

    Exits 0 when nothing matched and 3 when something did (handy in scripts).

    Example: lintas screen "Abu Bakar Bashir" --country ID
    """
    body: dict[str, Any] = {"name": name, "limit": limit}
    if country:
        body["country"] = country.upper()
    if threshold is not None:
        body["threshold"] = threshold
    with exit_on_hub_error():
        data = call_hub(server, "POST", "/v1/screening", key=key, json=body)
    if as_json:
        print_json(data)
    elif not data["hits"]:
        out.print(f"no hit at or above {data['threshold']:.2f}")
    else:
        table = folding_table("Score", "List", "Entry", "Matched name", "Why")
        for h in data["hits"]:
            why = "; ".join(h["explanation"])
            table.add_row(f"{h['score']:.2f}", h["list"], h["entryId"], h["matchedName"], why)
        out.print(table)
    if data["hits"]:
        raise typer.Exit(3)


@lists_app.command("status")
def lists_status(key: Key = None, server: Server = SERVER_DEFAULT, as_json: AsJson = False) -> None:
    """Show each loaded sanctions list with its date and entry counts.

    Example: lintas lists status
    """
    with exit_on_hub_error():
        data = call_hub(server, "GET", "/v1/lists", key=key)
    if as_json:
        print_json(data)
        return
    if not data["lists"]:
        out.print("no sanctions list is loaded")
        return
    table = folding_table("List", "Date", "Entries", "Persons", "Organisations", "Loaded", "Source")
    for x in data["lists"]:
        table.add_row(
            x["name"],
            x["asOf"] or "-",
            str(x["entryCount"]),
            str(x["personCount"]),
            str(x["organisationCount"]),
            x["loadedAt"],
            x["source"],
        )
    out.print(table)


@lists_app.command("load")
def lists_load(
    file: Annotated[Path, typer.Argument(help="UN XML, OFAC sdn.csv (or folder), FtM JSONL.")],
    key: Key = None,
    server: Server = SERVER_DEFAULT,
    as_json: AsJson = False,
) -> None:
    """Load a list file into the running hub (operator), replacing the list of the same name.

    The hub reads the file on its own host; the path is made absolute here.

    Example: lintas lists load ../shared/data/sanctions/un-sc-consolidated-2020-11-24.xml
    """
    body = {"path": str(file.expanduser().resolve())}
    with exit_on_hub_error():
        data = call_hub(server, "POST", "/v1/lists", key=key, participant=OPERATOR, json=body)
    if as_json:
        print_json(data)
        return
    out.print(
        f"loaded {data['name']} ({data['asOf'] or 'undated'}): {data['entryCount']} entries, "
        f"{data['personCount']} persons, {data['organisationCount']} organisations"
    )
