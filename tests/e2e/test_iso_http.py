"""The ISO 20022 routes over a real HTTP server: payments, statements, hostile input.

The server is the shipped ``LintasApp`` under uvicorn.
"""

from __future__ import annotations

import json as jsonlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from e2ekit import XmlServer, xml_server  # type: ignore[import-not-found]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testkit import assert_ledgers_balance
from typer.testing import CliRunner

import isokit
from isokit import XSD_DIR, assert_valid
from lintas.codecs import iso20022 as iso
from lintas.entrypoints.cli_iso import iso_app

PACS008: Final = "/v1/iso20022/pacs.008"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XmlServer]:
    db = tmp_path_factory.mktemp("iso-http") / "hub.db"
    with xml_server(db) as served:
        yield served


def pacs008(server: XmlServer, amount: str = "50.00", **changes: Any) -> tuple[bytes, str, str]:
    """A valid pacs.008 SG -> TH against a fresh quote: (xml, uetr, debtor agent)."""
    now = datetime.now(UTC)
    fields: dict[str, Any] = dict(message_id=f"M-{uuid.uuid4().hex[:16]}", end_to_end_id="E2E-HTTP")
    fields.update(changes)
    message, agent = server.sg_to_th_credit_transfer(amount, now, **fields)
    return isokit.encoded(message, agent, now, "B-1"), message.uetr, agent


def status_of(response: httpx.Response) -> iso.StatusReport:
    assert response.headers["content-type"] == "application/xml", response.text
    message = assert_valid(response.content).message
    assert isinstance(message, iso.StatusReport)
    return message


def test_the_shipped_app_serves_the_iso_routes(server: XmlServer) -> None:
    served = {(r.method, r.path) for r in server.app.routes}
    assert ("POST", PACS008) in served


def test_a_pacs008_over_http_settles_and_a_pacs028_reports_it(server: XmlServer) -> None:
    xml, uetr, agent = pacs008(server)
    report = status_of(server.post(PACS008, xml, agent))
    assert report.status is iso.TransactionStatus.SETTLED
    request = iso.StatusRequest(
        "M-028",
        datetime.now(UTC),
        "S-1",
        iso.OriginalReference("M-1", iso.MessageId("pacs.008.001.13"), None, uetr),
    )
    answer = server.post("/v1/iso20022/pacs.028", iso.encode(iso.Envelope(request)), agent)
    assert answer.status_code == 200
    assert status_of(answer).status is iso.TransactionStatus.SETTLED
    assert_ledgers_balance(server.hub)


def test_a_uetr_sent_as_json_then_as_xml_over_http_is_one_payment(server: XmlServer) -> None:
    xml, uetr, agent = pacs008(server)
    message = iso.decode(xml, schema=False).message
    assert isinstance(message, iso.CreditTransfer)
    body = {
        "uetr": uetr,
        "quoteId": message.quote_id,
        "debtor": {
            "name": message.debtor_name,
            "account": message.debtor_account.identification,
            "agent": agent,
        },
        "creditor": {
            "name": message.creditor_name,
            "account": message.creditor_account.identification,
            "agent": message.creditor_agent_bic,
        },
    }
    headers = {"authorization": f"Bearer {server.keys[agent]}"}
    first = server.http.post("/v1/payments", json=body, headers=headers)
    assert first.status_code == 200, first.text
    transfers = len(server.hub.store.transfers_of(uetr))
    report = status_of(server.post(PACS008, xml, agent))
    assert report.status.value == first.json()["status"] == "ACCC"
    assert len(server.hub.store.transfers_of(uetr)) == transfers
    assert_ledgers_balance(server.hub)


def test_a_statement_of_the_psp_fee_account_is_served_as_xml(server: XmlServer) -> None:
    xml, _, agent = pacs008(server)
    status_of(server.post(PACS008, xml, agent))
    day = server.hub.clock.now().date().isoformat()
    answer = server.http.get(
        "/v1/iso20022/camt.053",
        params={"account": f"psp-fee:{agent}", "date": day},
        headers={"authorization": f"Bearer {server.keys[agent]}"},
    )
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/xml")
    if XSD_DIR.is_dir():
        assert iso.validate(answer.content, xsd_dir=XSD_DIR).valid
    statement = iso.decode(answer.content, schema=False).message
    assert isinstance(statement, iso.Statement) and statement.entries


BILLION_LAUGHS: Final = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13">&lol9;</Document>'
)
EXTERNAL_ENTITY: Final = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.13">&x;</Document>'
)


def test_hostile_documents_are_refused_without_a_server_error(server: XmlServer) -> None:
    xml, uetr, agent = pacs008(server)
    deep = b"<a>" * 5000 + b"</a>" * 5000
    oversized = xml.replace(b"</Envelope>", b"<!--" + b"x" * 300_000 + b"--></Envelope>")
    cases = {
        "billion laughs": BILLION_LAUGHS,
        "external entity": EXTERNAL_ENTITY,
        "deep nesting": deep,
        "oversized": oversized,
        "truncated": xml[: len(xml) * 2 // 3],
        "empty": b"",
        "not xml": b"\xff\xfe\x00garbage",
    }
    for name, body in cases.items():
        for path in (PACS008, "/v1/iso20022/pacs.028", "/v1/iso20022/acmt.023"):
            answer = server.post(path, body, agent)
            assert 400 <= answer.status_code < 500, (name, path, answer.status_code, answer.text)
            assert answer.headers["content-type"] in (
                "application/xml",
                "application/problem+json",
            ), (name, path)
    assert server.hub.store.payment(uetr) is None
    truncated = server.post(PACS008, xml[: len(xml) * 2 // 3], agent)
    if truncated.headers["content-type"] == "application/xml":
        report = status_of(truncated)
        assert report.reason is iso.StatusReason.FORMAT_INVALID
    assert_ledgers_balance(server.hub)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_mutations_of_a_valid_pacs008_never_cause_a_server_error(
    server: XmlServer, data: st.DataObject
) -> None:
    xml, _, agent = MUTATION_BASE.get("xml") or _remember_base(server)
    position = data.draw(st.integers(0, len(xml) - 1), label="position")
    kind = data.draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]), label="kind")
    if kind == "flip":
        mutated = xml[:position] + bytes([xml[position] ^ 0x20]) + xml[position + 1 :]
    elif kind == "delete":
        length = data.draw(st.integers(1, 40), label="length")
        mutated = xml[:position] + xml[position + length :]
    elif kind == "insert":
        junk = data.draw(st.binary(min_size=1, max_size=20), label="junk")
        mutated = xml[:position] + junk + xml[position:]
    else:
        length = data.draw(st.integers(1, 200), label="length")
        mutated = xml[:position] + xml[position : position + length] * 2 + xml[position + length :]
    answer = server.post(PACS008, mutated, agent)
    assert answer.status_code < 500, answer.text
    assert_ledgers_balance(server.hub)


MUTATION_BASE: dict[str, tuple[bytes, str, str]] = {}


def _remember_base(server: XmlServer) -> tuple[bytes, str, str]:
    # One quote for every example: the quotes expire, but a mutation is refused before
    # that matters, or it is a payment that the engine answers either way.
    MUTATION_BASE["xml"] = pacs008(server)
    return MUTATION_BASE["xml"]


# -- the CLI ---------------------------------------------------------------------------------


def test_iso_validate_names_a_valid_message_and_exits_zero(
    server: XmlServer, tmp_path: Path
) -> None:
    xml, _, _ = pacs008(server)
    (tmp_path / "ok.xml").write_bytes(xml)
    result = CliRunner().invoke(iso_app, ["validate", str(tmp_path / "ok.xml")])
    assert result.exit_code == 0, result.output
    assert "pacs.008.001.13" in result.output and "valid" in result.output


@pytest.mark.skipif(not XSD_DIR.is_dir(), reason=f"the official XSDs are not at {XSD_DIR}")
def test_iso_validate_lists_every_problem_with_its_path_and_exits_one(
    server: XmlServer, tmp_path: Path
) -> None:
    xml, _, _ = pacs008(server)
    broken = xml.replace(b"<InstrPrty>HIGH</InstrPrty>", b"<InstrPrty>SOON</InstrPrty>")
    (tmp_path / "bad.xml").write_bytes(broken)
    result = CliRunner().invoke(iso_app, ["validate", str(tmp_path / "bad.xml"), "--json"])
    assert result.exit_code == 1, result.output
    found = jsonlib.loads(result.output)
    assert found["message"] == "pacs.008.001.13" and not found["valid"]
    assert any("InstrPrty" in p["path"] for p in found["problems"])


def test_iso_send_posts_a_pacs008_and_prints_the_pacs002(server: XmlServer, tmp_path: Path) -> None:
    xml, uetr, agent = pacs008(server)
    (tmp_path / "pay.xml").write_bytes(xml)
    result = CliRunner().invoke(
        iso_app, ["send", str(tmp_path / "pay.xml"), "--server", server.url]
    )
    assert result.exit_code == 0, result.output
    assert "<TxSts>ACCC</TxSts>" in result.output and uetr in result.output
    with_key = CliRunner().invoke(
        iso_app,
        ["send", str(tmp_path / "pay.xml"), "--server", server.url, "--key", server.keys[agent]],
    )
    assert with_key.exit_code == 0 and "<TxSts>ACCC</TxSts>" in with_key.output
    assert_ledgers_balance(server.hub)


def test_every_iso_command_has_an_example_line() -> None:
    for command in iso_app.registered_commands:
        assert command.callback is not None and command.callback.__doc__
        assert "Example: lintas iso " in command.callback.__doc__


def test_iso_send_refuses_what_is_no_message_for_the_hub_and_a_hub_it_cannot_reach(
    server: XmlServer, tmp_path: Path
) -> None:
    xml, _, _ = pacs008(server)
    (tmp_path / "pay.xml").write_bytes(xml)
    answer = CliRunner().invoke(
        iso_app, ["send", str(tmp_path / "pay.xml"), "--server", server.url]
    )
    assert answer.exit_code == 0, answer.output
    (tmp_path / "answer.xml").write_text(answer.output)
    (tmp_path / "note.xml").write_text("<note>not ISO 20022</note>")
    before = server.hub.store.ledger_balances()

    cases = {
        "answer.xml": "is not sent to the hub by PSPs",  # A pacs.002 answers; nobody sends it.
        "note.xml": "not a message Lintas takes",
    }
    for name, says in cases.items():
        result = CliRunner().invoke(iso_app, ["send", str(tmp_path / name), "--server", server.url])
        assert result.exit_code == 1 and says in result.output, (name, result.output)
    unreachable = CliRunner().invoke(
        iso_app,
        ["send", str(tmp_path / "pay.xml"), "--server", "http://127.0.0.1:9", "--key", "k"],
    )
    assert unreachable.exit_code == 1 and "cannot send" in unreachable.output
    assert server.hub.store.ledger_balances() == before
    assert_ledgers_balance(server.hub)
