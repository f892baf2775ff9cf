"""Recalls answered by the creditor agent itself, over a real HTTP server.

The hub lists every Thai PSP in ``recall_answering_psps``: a camt.056 about a payment to
Thailand is answered PDCR, the creditor agent fetches it (``GET camt.056``) and answers with
its own camt.029 (``POST camt.029``), and the debtor agent reads the outcome (``GET
camt.029``). Every message the hub sends validates against the official XSDs (when present),
and every ledger balances after each test that moves money.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from e2ekit import (  # type: ignore[import-not-found]
    CUSTOMERS_PER_COUNTRY_E2E,
    bearer,
    free_port,
    lintas,
    payment_body,
    richest_customer,
    serve,
    stop_serving,
    wait_until_up,
)
from testkit import assert_ledgers_balance
from typer.testing import CliRunner

from lintas.bootstrap import Hub, HubConfig
from lintas.codecs import iso20022 as iso
from lintas.domain.money import Money, parse_amount
from lintas.entrypoints.cli_iso import iso_app
from lintas.entrypoints.server import ServerThread
from lintas.sandbox.region import build_region
from lintas.services.iso_gateway import HUB_BIC

XSD_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "iso20022" / "xsd"
PACS_008: Final = iso.MessageId("pacs.008.001.13")
PROBLEM: Final = "application/problem+json"
THAI_PSPS: Final = frozenset(
    psp.id for psp in build_region(HubConfig().seed, CUSTOMERS_PER_COUNTRY_E2E).country("TH").psps
)


class Parties:
    """The server, a client, every key, and the debtor and creditor used throughout.

    ``thread`` is the server when it runs in this process (its hub is then at hand); a hub run
    by ``lintas serve`` is reached over HTTP only.
    """

    def __init__(
        self,
        url: str,
        http: httpx.Client,
        keys: dict[str, str],
        thread: ServerThread | None = None,
    ) -> None:
        self.url, self.http, self.keys, self.thread = url, http, keys, thread
        self.debtor = richest_customer(http, "SG")
        self.creditor = richest_customer(http, "TH")

    @property
    def hub(self) -> Hub:
        assert self.thread is not None and self.thread.app.hub is not None, "no hub in-process"
        return self.thread.app.hub

    def post(self, path: str, body: bytes, participant: str) -> httpx.Response:
        headers = bearer(self.keys[participant]) | {"content-type": "application/xml"}
        return self.http.post(path, content=body, headers=headers)

    def get(self, path: str, participant: str, **params: str) -> httpx.Response:
        return self.http.get(path, params=params, headers=bearer(self.keys[participant]))


@pytest.fixture(scope="module")
def parties(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    db = tmp_path_factory.mktemp("recall-answers") / "hub.db"
    config = HubConfig(
        db_path=db, customers_per_country=CUSTOMERS_PER_COUNTRY_E2E, recall_answering_psps=THAI_PSPS
    )
    thread = ServerThread(config, port=free_port()).start()
    try:
        with httpx.Client(base_url=thread.url, timeout=30) as http:
            listed = http.get("/v1/sandbox/keys").json()["keys"]
            yield Parties(thread.url, http, {k["participant"]: k["apiKey"] for k in listed}, thread)
    finally:
        thread.stop()


def valid(response: httpx.Response) -> iso.Message:
    assert response.headers["content-type"] == "application/xml", response.text
    if XSD_DIR.is_dir():
        report = iso.validate(response.content, xsd_dir=XSD_DIR)
        assert report.valid, report.problems
    return iso.decode(response.content, schema=False).message


def settle(parties: Parties) -> dict[str, Any]:
    """A settled SG -> TH payment, paid through the JSON API; its JSON status."""
    debtor, creditor = parties.debtor, parties.creditor
    quotes = parties.get(
        "/v1/quotes",
        debtor["agent"],
        sourceCountry="SG",
        sourceCurrency="SGD",
        destinationCountry="TH",
        destinationCurrency="THB",
        amountCurrency="SGD",
        amount="30.00",
    )
    assert quotes.status_code == 200, quotes.text
    body = payment_body(debtor, creditor, quotes.json()["quotes"][0]["quoteId"])
    paid = parties.http.post(
        "/v1/payments", json=body, headers=bearer(parties.keys[debtor["agent"]])
    )
    assert paid.status_code == 200 and paid.json()["status"] == "ACCC", paid.text
    return dict(paid.json())


def encoded(message: iso.Message, sender: str) -> bytes:
    now = datetime.now(UTC)
    header = iso.AppHeader(sender, HUB_BIC, "B-RA", iso.Envelope(message).message_id, now)
    return iso.encode(iso.Envelope(message, header))


def camt056(parties: Parties, uetr: str, amount: Money, case_id: str) -> bytes:
    agent = parties.debtor["agent"]
    message = iso.RecallRequest(
        case=iso.CaseAssignment("A-1", datetime.now(UTC), agent, HUB_BIC, case_id, agent),
        cancellation_id="CXL-RA",
        original=iso.OriginalReference("M-1", PACS_008, None, uetr),
        original_settlement_amount=amount,
        original_settlement_date=None,
        reason=iso.RecallReason.FRAUDULENT_ORIGIN,
    )
    return encoded(message, agent)


def answer_to(recall: iso.RecallRequest, sender: str, **changes: Any) -> bytes:
    """The creditor agent's camt.029 answering the camt.056 the hub passed on."""
    fields: dict[str, Any] = dict(
        case=iso.CaseAssignment(
            "A-2",
            datetime.now(UTC),
            sender,
            HUB_BIC,
            recall.case.case_id,
            recall.case.case_creator_bic,
        ),
        resolution_id="RSL-RA",
        original=recall.original,
        status=iso.ResolutionStatus.ACCEPTED,
    )
    fields.update(changes)
    return encoded(iso.RecallResolution(**fields), sender)


def recall_pending(parties: Parties, case_id: str) -> tuple[str, iso.RecallRequest]:
    """Pay, recall, and fetch the recall as the creditor agent: the payment's UETR and it."""
    paid = settle(parties)
    uetr = paid["uetr"]
    settled_amount = parse_amount(
        paid["interbankTarget"]["amount"], paid["interbankTarget"]["currency"]
    )
    recalled = parties.post(
        "/v1/iso20022/camt.056",
        camt056(parties, uetr, settled_amount, case_id),
        parties.debtor["agent"],
    )
    assert recalled.status_code == 200, recalled.text
    pending = valid(recalled)
    assert isinstance(pending, iso.RecallResolution) and pending.pending
    link = recalled.headers["link"]
    assert link.startswith(f"</v1/iso20022/camt.029?caseId={case_id}&creator=")
    fetched = parties.get("/v1/iso20022/camt.056", parties.creditor["agent"], uetr=uetr)
    assert fetched.status_code == 200, fetched.text
    recall = valid(fetched)
    assert isinstance(recall, iso.RecallRequest) and recall.case.case_id == case_id
    return uetr, recall


def test_a_recall_is_answered_by_the_creditor_agent_and_the_debtor_agent_sees_the_return(
    parties: Parties,
) -> None:
    uetr, recall = recall_pending(parties, "CASE-HTTP-A")
    debtor, creditor = parties.debtor["agent"], parties.creditor["agent"]
    # The debtor agent follows the Link while the case is pending.
    standing = parties.get("/v1/iso20022/camt.029", debtor, caseId="CASE-HTTP-A")
    assert standing.status_code == 200
    assert valid(standing).pending  # type: ignore[union-attr]
    answered = parties.post("/v1/iso20022/camt.029", answer_to(recall, creditor), creditor)
    assert answered.status_code == 200, answered.text
    returned = valid(answered)
    assert isinstance(returned, iso.PaymentReturn)
    assert returned.reason is iso.ReturnReason.FOLLOWING_A_RECALL
    return_uetr = answered.headers["lintas-return-uetr"]
    outcome = parties.get("/v1/iso20022/camt.029", debtor, caseId="CASE-HTTP-A")
    resolution = valid(outcome)
    assert isinstance(resolution, iso.RecallResolution) and resolution.accepted
    assert outcome.headers["lintas-return-uetr"] == return_uetr
    status = parties.get(f"/v1/payments/{return_uetr}", debtor)
    assert status.status_code == 200 and status.json()["status"] == "ACCC"
    pacs004 = parties.get("/v1/iso20022/pacs.004", debtor, uetr=uetr)
    assert isinstance(valid(pacs004), iso.PaymentReturn)
    # Answering again, either way, is refused and changes nothing.
    again = parties.post("/v1/iso20022/camt.029", answer_to(recall, creditor), creditor)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["reason"] == "recall_already_answered"
    assert_ledgers_balance(parties.hub)


def test_a_refusal_over_http_is_what_the_debtor_agent_reads(parties: Parties) -> None:
    _, recall = recall_pending(parties, "CASE-HTTP-R")
    creditor = parties.creditor["agent"]
    refusal = answer_to(
        recall,
        creditor,
        status=iso.ResolutionStatus.REJECTED,
        rejection_reason=iso.RecallRejectionReason.CUSTOMER_DECIDED,
        additional_info=("the creditor does not consent",),
    )
    answered = parties.post("/v1/iso20022/camt.029", refusal, creditor)
    assert answered.status_code == 200, answered.text
    seen = valid(
        parties.get("/v1/iso20022/camt.029", parties.debtor["agent"], caseId="CASE-HTTP-R")
    )
    assert isinstance(seen, iso.RecallResolution)
    assert seen.rejection_reason is iso.RecallRejectionReason.CUSTOMER_DECIDED
    assert "consent" in " ".join(seen.additional_info)
    assert_ledgers_balance(parties.hub)


def test_only_the_creditor_agent_answers_and_an_unknown_case_is_404(parties: Parties) -> None:
    _, recall = recall_pending(parties, "CASE-HTTP-X")
    debtor = parties.debtor["agent"]
    stranger = next(p for p in THAI_PSPS if p != parties.creditor["agent"])
    not_yours = parties.post("/v1/iso20022/camt.029", answer_to(recall, stranger), stranger)
    assert not_yours.status_code == 403
    assert not_yours.json()["reason"] == "only_the_creditor_agent_answers_a_recall"
    sent_as_another = parties.post(
        "/v1/iso20022/camt.029", answer_to(recall, parties.creditor["agent"]), stranger
    )
    assert sent_as_another.status_code == 403
    unknown_case = iso.RecallRequest(
        case=iso.CaseAssignment(
            "A-3", datetime.now(UTC), HUB_BIC, stranger, "CASE-NONE", recall.case.case_creator_bic
        ),
        cancellation_id=recall.cancellation_id,
        original=recall.original,
        original_settlement_amount=recall.original_settlement_amount,
        original_settlement_date=None,
        reason=recall.reason,
    )
    unknown = parties.post(
        "/v1/iso20022/camt.029",
        answer_to(unknown_case, parties.creditor["agent"]),
        parties.creditor["agent"],
    )
    assert unknown.status_code == 404
    assert unknown.json()["reason"] == "recall_case_unknown"
    no_key = parties.http.post("/v1/iso20022/camt.029", content=answer_to(recall, stranger))
    assert no_key.status_code == 401
    broken = parties.post("/v1/iso20022/camt.029", b"<Document/>", stranger)
    assert broken.status_code == 400 and broken.headers["content-type"] == PROBLEM
    still = valid(parties.get("/v1/iso20022/camt.029", debtor, caseId="CASE-HTTP-X"))
    assert isinstance(still, iso.RecallResolution) and still.pending
    assert_ledgers_balance(parties.hub)


def test_iso_send_posts_the_creditor_agents_camt029(parties: Parties, tmp_path: Path) -> None:
    _, recall = recall_pending(parties, "CASE-HTTP-CLI")
    refusal = answer_to(
        recall,
        parties.creditor["agent"],
        status=iso.ResolutionStatus.REJECTED,
        rejection_reason=iso.RecallRejectionReason.NO_ANSWER_FROM_CUSTOMER,
    )
    (tmp_path / "answer.xml").write_bytes(refusal)
    sent = CliRunner().invoke(
        iso_app, ["send", str(tmp_path / "answer.xml"), "--server", parties.url]
    )
    assert sent.exit_code == 0, sent.output
    assert "<TxCxlSts>RJCR</TxCxlSts>" in sent.output and "<Cd>NOAS</Cd>" in sent.output
    again = CliRunner().invoke(
        iso_app, ["send", str(tmp_path / "answer.xml"), "--server", parties.url]
    )
    assert again.exit_code == 1 and "recall_already_answered" in again.output
    assert_ledgers_balance(parties.hub)


# -- lintas serve --recall-answering-psp -------------------------------------------------------


def test_lintas_serve_with_recall_answering_psps_leaves_their_recalls_pending(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    listed = [arg for psp in sorted(THAI_PSPS) for arg in ("--recall-answering-psp", psp)]
    proc = serve(tmp_path / "hub.db", port, tmp_path / "serve.log", *listed)
    try:
        wait_until_up(proc, url)
        with httpx.Client(base_url=url, timeout=30) as http:
            keys = {
                k["participant"]: k["apiKey"] for k in http.get("/v1/sandbox/keys").json()["keys"]
            }
            parties = Parties(url, http, keys)
            assert parties.creditor["agent"] in THAI_PSPS
            # Pending (PDCR) with the creditor agent, not answered by the sandbox at once.
            recall_pending(parties, "CASE-SERVE")
            standing = valid(
                parties.get("/v1/iso20022/camt.029", parties.debtor["agent"], caseId="CASE-SERVE")
            )
            assert isinstance(standing, iso.RecallResolution) and standing.pending
            assert http.get("/v1/reconciliation").json()["balanced"]
    finally:
        stop_serving(proc)


def test_lintas_serve_refuses_a_recall_answering_psp_the_sandbox_does_not_have(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    listed = ("--recall-answering-psp", "CHPYTHBK", "--recall-answering-psp", "NOSUCHPSP")
    result = lintas("serve", "--db", str(db), "--port", str(free_port()), *listed)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--recall-answering-psp" in result.stderr
    assert "not PSPs of the sandbox: NOSUCHPSP" in result.stderr
    assert not db.exists()  # Refused before the store was opened.
