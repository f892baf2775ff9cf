"""Returns and recalls over a real HTTP server and the ``lintas iso send`` command.

The server is the shipped ``LintasApp`` (which registers the ISO 20022 routes) under uvicorn.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from e2ekit import XmlServer, xml_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testkit import assert_ledgers_balance
from typer.testing import CliRunner

import isokit
from isokit import assert_valid
from lintas.codecs import iso20022 as iso
from lintas.domain.payment import Payment, PaymentStatus
from lintas.entrypoints.cli_iso import iso_app
from lintas.services.iso_gateway import HUB_BIC

PACS_008: Final = iso.MessageId("pacs.008.001.13")
MUTATIONS_MAX: Final = 40


@pytest.fixture(scope="module")
def hubby(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XmlServer]:
    with xml_server(tmp_path_factory.mktemp("returns-http") / "hub.db") as served:
        yield served


def valid(response: httpx.Response) -> iso.Message:
    assert response.headers["content-type"] == "application/xml", response.text
    return assert_valid(response.content).message


def settle(hubby: XmlServer) -> Payment:
    """A settled SG -> TH payment, sent as a pacs.008 over HTTP."""
    message, agent = hubby.sg_to_th_credit_transfer(
        "40.00", datetime.now(UTC), message_id=f"M-{uuid.uuid4().hex[:16]}", end_to_end_id="E2E-R"
    )
    response = hubby.post("/v1/iso20022/pacs.008", encoded(message, agent), agent)
    report = valid(response)
    assert isinstance(report, iso.StatusReport)
    assert report.status is iso.TransactionStatus.SETTLED, report
    payment = hubby.hub.store.payment(message.uetr)
    assert payment is not None and payment.status is PaymentStatus.SETTLED
    return payment


def encoded(message: iso.Message, sender: str) -> bytes:
    return isokit.encoded(message, sender, datetime.now(UTC), "B-R")


def pacs004(original: Payment, return_id: str = "RTR-HTTP") -> bytes:
    message = iso.PaymentReturn(
        message_id=f"M-{uuid.uuid4().hex[:16]}",
        created_at=datetime.now(UTC),
        clearing_system="SANDBOX",
        return_id=return_id,
        original=iso.OriginalReference("M-1", PACS_008, None, original.uetr),
        original_settlement_amount=original.interbank_target,
        returned_amount=original.amount_credited,
        settlement_date=None,
        reason=iso.ReturnReason.REQUESTED_BY_CUSTOMER,
        instructing_agent_bic=original.creditor.agent,
    )
    return encoded(message, original.creditor.agent)


def camt056(original: Payment, reason: str, case: str, **changes: Any) -> bytes:
    agent = original.debtor.agent
    fields: dict[str, Any] = dict(
        case=iso.CaseAssignment("A-1", datetime.now(UTC), agent, HUB_BIC, case, agent),
        cancellation_id="CXL-HTTP",
        original=iso.OriginalReference("M-1", PACS_008, None, original.uetr),
        original_settlement_amount=original.interbank_target,
        original_settlement_date=None,
        reason=iso.RecallReason(reason),
    )
    fields.update(changes)
    return encoded(iso.RecallRequest(**fields), agent)


def test_a_pacs004_over_http_returns_the_payment_and_pacs028_names_the_return(
    hubby: XmlServer,
) -> None:
    original = settle(hubby)
    creditor_agent = original.creditor.agent
    answer = hubby.post("/v1/iso20022/pacs.004", pacs004(original), creditor_agent)
    assert answer.status_code == 200, answer.text
    report = valid(answer)
    assert isinstance(report, iso.StatusReport)
    assert report.status is iso.TransactionStatus.SETTLED
    assert answer.headers["lintas-return-of"] == original.uetr
    request = iso.StatusRequest(
        "M-028",
        datetime.now(UTC),
        "S-1",
        iso.OriginalReference("M-1", PACS_008, None, original.uetr),
    )
    status = hubby.post(
        "/v1/iso20022/pacs.028", iso.encode(iso.Envelope(request)), original.debtor.agent
    )
    assert status.status_code == 200
    assert status.headers["lintas-returned-by"] == report.original.uetr
    investigated = valid(status)
    assert isinstance(investigated, iso.StatusReport)
    assert investigated.returned_by_uetr == report.original.uetr
    link = status.headers["link"]
    path = link[1 : link.index(">")]
    served = hubby.http.get(
        path, headers={"authorization": f"Bearer {hubby.keys[original.debtor.agent]}"}
    )
    message = valid(served)
    assert isinstance(message, iso.PaymentReturn)
    assert message.original.uetr == original.uetr
    again = hubby.post("/v1/iso20022/pacs.004", pacs004(original, "RTR-OTHER"), creditor_agent)
    assert again.status_code == 409
    assert_ledgers_balance(hubby.hub)


def test_a_camt056_over_http_is_answered_with_a_camt029_and_the_return_is_served(
    hubby: XmlServer,
) -> None:
    original = settle(hubby)
    answer = hubby.post(
        "/v1/iso20022/camt.056", camt056(original, "TECH", "CASE-H1"), original.debtor.agent
    )
    assert answer.status_code == 200, answer.text
    resolution = valid(answer)
    assert isinstance(resolution, iso.RecallResolution) and resolution.accepted
    link = answer.headers["link"]
    auth = {"authorization": f"Bearer {hubby.keys[original.creditor.agent]}"}
    served = valid(hubby.http.get(link[1 : link.index(">")], headers=auth))
    assert isinstance(served, iso.PaymentReturn)
    assert served.reason is iso.ReturnReason.FOLLOWING_A_RECALL
    refused = hubby.post(
        "/v1/iso20022/camt.056", camt056(original, "DUPL", "CASE-H2"), original.debtor.agent
    )
    rejected = valid(refused)
    assert isinstance(rejected, iso.RecallResolution) and not rejected.accepted
    assert rejected.rejection_reason is iso.RecallRejectionReason.ALREADY_RETURNED
    missing = hubby.http.get(
        "/v1/iso20022/pacs.004", params={"uetr": str(uuid.uuid4())}, headers=auth
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert_ledgers_balance(hubby.hub)


def test_iso_send_posts_a_camt056_and_a_pacs004(hubby: XmlServer, tmp_path: Path) -> None:
    recalled = settle(hubby)
    (tmp_path / "recall.xml").write_bytes(camt056(recalled, "CUST", "CASE-CLI"))
    result = CliRunner().invoke(
        iso_app, ["send", str(tmp_path / "recall.xml"), "--server", hubby.url]
    )
    assert result.exit_code == 0, result.output
    assert "<TxCxlSts>RJCR</TxCxlSts>" in result.output and "CUST" in result.output
    (tmp_path / "return.xml").write_bytes(pacs004(recalled, "RTR-CLI"))
    result = CliRunner().invoke(
        iso_app, ["send", str(tmp_path / "return.xml"), "--server", hubby.url]
    )
    assert result.exit_code == 0, result.output
    assert "<TxSts>ACCC</TxSts>" in result.output
    assert_ledgers_balance(hubby.hub)


@settings(
    max_examples=MUTATIONS_MAX,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_returns_and_recalls_never_get_a_server_error(
    hubby: XmlServer, data: st.DataObject
) -> None:
    original = mutated_original(hubby)
    kind = data.draw(st.sampled_from(["pacs.004", "camt.056"]))
    if kind == "pacs.004":
        xml, sender = pacs004(original, "RTR-MUT"), original.creditor.agent
    else:
        xml, sender = camt056(original, "FRAD", "CASE-MUT"), original.debtor.agent
    at = data.draw(st.integers(0, len(xml) - 1))
    change = data.draw(st.binary(min_size=0, max_size=8))
    cut = data.draw(st.integers(0, 8))
    mutated = xml[:at] + change + xml[at + cut :]
    answer = hubby.post(f"/v1/iso20022/{kind}", mutated, sender)
    assert answer.status_code < 500, answer.text
    assert_ledgers_balance(hubby.hub)


_MUTATED: list[Payment] = []


def mutated_original(hubby: XmlServer) -> Payment:
    """One settled payment shared by every mutation (made on first use)."""
    if not _MUTATED:
        _MUTATED.append(settle(hubby))
    return _MUTATED[0]
