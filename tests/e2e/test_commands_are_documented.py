"""Every command and every route explains itself with an example."""

from __future__ import annotations

import httpx
import pytest
import typer.main
from e2ekit import lintas  # type: ignore[import-not-found]
from typer.testing import CliRunner

from lintas.entrypoints.cli import app
from lintas.entrypoints.server import ServerThread


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # Typer vendors its own click, so groups are told apart by their ``commands`` mapping.
    found: list[tuple[str, ...]] = [prefix]
    subcommands = getattr(group, "commands", None)
    if isinstance(subcommands, dict):
        for name, command in sorted(subcommands.items()):
            found.extend(_commands(command, (*prefix, name)))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_installed_lintas_help_shows_an_example() -> None:
    result = lintas("--help")
    assert result.returncode == 0, result.stderr
    assert "Example:" in result.stdout


def test_every_command_is_discovered() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"serve", "demo", "countries", "quote", "resolve", "pay", "status", "reconcile"} <= names
    assert {"sandbox customers", "sandbox keys"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "lintas")
def test_every_commands_help_shows_an_example(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_every_route_in_the_openapi_document_has_a_summary_a_description_and_an_example(
    server: ServerThread,
) -> None:
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        doc = http.get("/openapi.json").json()
    operations = [(path, m, op) for path, ops in doc["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 10
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary", "").strip(), where
        assert op.get("description", "").strip(), where
        assert op.get("x-example", "").strip(), where
        assert "Example:" in op["description"], where
