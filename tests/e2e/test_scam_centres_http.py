"""National anti-scam centres over real HTTP, with the sandbox keys the hub hands out: what a
centre may do (report, update, withdraw, look up, read TAXII) and what it may not (pay,
resolve a payee, over JSON or an ISO 20022 acmt.023, review held payments), each refusal a
problem+json 403."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import requests
from e2ekit import CUSTOMERS_PER_COUNTRY_E2E, free_port, lintas  # type: ignore[import-not-found]
from taxii2client.v21 import Server  # type: ignore[import-untyped]

from lintas.adapters.sandbox import SCAM_CENTRE_IDS
from lintas.bootstrap import HubConfig
from lintas.codecs import iso20022 as iso
from lintas.entrypoints.server import ServerThread
from lintas.services.iso_gateway import HUB_BIC

MY_CENTRE, TH_CENTRE = "NSRC-MY", "AOC-TH"
TH_PSP, SG_PSP = "CHPYTHBK", "MRLNSGSG"
PROBLEM_JSON = "application/problem+json"


class Hub:
    """A served sandbox hub, a client of it, and every participant's key."""

    def __init__(self, url: str, http: httpx.Client, keys: dict[str, str]) -> None:
        self.url = url
        self.http = http
        self.keys = keys

    def as_(self, participant: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[participant]}"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    db = tmp_path_factory.mktemp("scam-centres") / "hub.db"
    config = HubConfig(db_path=db, customers_per_country=CUSTOMERS_PER_COUNTRY_E2E)
    thread = ServerThread(config, port=free_port()).start()
    try:
        with httpx.Client(base_url=thread.url, timeout=30.0) as http:
            listed = http.get("/v1/sandbox/keys")
            listed.raise_for_status()
            keys = {k["participant"]: k["apiKey"] for k in listed.json()["keys"]}
            yield Hub(thread.url, http, keys)
    finally:
        thread.stop()


def report(hub: Hub, who: str, **body: Any) -> httpx.Response:
    payload = {
        "type": "phone",
        "value": "0812345678",
        "country": "TH",
        "abuse": "investment_scam",
        "confidence": 70,
        **body,
    }
    return hub.http.post("/v1/signals", json=payload, headers=hub.as_(who))


def lookup_tlps(hub: Hub, who: str, value: str) -> list[str]:
    r = hub.http.get(
        "/v1/signals/lookup", params={"type": "phone", "value": value}, headers=hub.as_(who)
    )
    assert r.status_code == 200, r.text
    return [s["tlp"] for s in r.json()["signals"]]


def assert_forbidden(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert problem["status"] == 403
    assert problem["reason"] == reason


def test_every_sandbox_country_has_an_anti_scam_centre_with_its_own_key(hub: Hub) -> None:
    listed = hub.http.get("/v1/sandbox/keys").json()["keys"]
    centres = {k["participant"]: k for k in listed if k["role"] == "scam_centre"}
    countries = {c["code"] for c in hub.http.get("/v1/countries").json()}
    assert {k["country"] for k in centres.values()} == countries
    assert len(centres) == len(countries)
    assert {MY_CENTRE, TH_CENTRE, "IASC-ID", "ASC-SG"} <= set(centres)
    assert set(centres) == {SCAM_CENTRE_IDS[c] for c in countries}
    assert all(k["apiKey"].startswith("sbx_scam_centre_") for k in centres.values())


def test_the_cli_lists_each_centre_with_its_role_country_and_key(hub: Hub) -> None:
    done = lintas("sandbox", "keys", "--json", server=hub.url)
    assert done.returncode == 0, done.stderr
    assert f'"{MY_CENTRE}"' in done.stdout and '"scam_centre"' in done.stdout
    table = lintas("sandbox", "keys", server=hub.url)
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if MY_CENTRE in line)
    assert "scam_centre" in row and "MY" in row and hub.keys[MY_CENTRE] in row


def test_a_centre_reports_updates_and_withdraws_as_its_own_organisation_and_country(
    hub: Hub,
) -> None:
    created = report(hub, MY_CENTRE, value="0123456789", country="MY", tlp="amber")
    assert created.status_code == 201, created.text
    signal = created.json()
    assert signal["source"] == {
        "participant": MY_CENTRE,
        "organisation": MY_CENTRE,
        "country": "MY",
    }
    assert signal["value"] == "+60123456789"
    changed = hub.http.patch(
        f"/v1/signals/{signal['id']}", json={"confidence": 95}, headers=hub.as_(MY_CENTRE)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["confidence"] == 95
    # Another centre is another organisation: it may see the signal but not change it.
    other = hub.http.patch(
        f"/v1/signals/{signal['id']}", json={"status": "withdrawn"}, headers=hub.as_(TH_CENTRE)
    )
    assert_forbidden(other, "signal_belongs_to_another_organisation")
    withdrawn = hub.http.patch(
        f"/v1/signals/{signal['id']}", json={"status": "withdrawn"}, headers=hub.as_(MY_CENTRE)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["active"]) == ("withdrawn", False)


def test_a_centre_sees_what_tlp_gives_a_member_of_the_exchange(hub: Hub) -> None:
    tlps = ["red", "amber+strict", "amber", "green", "clear"]
    for i, tlp in enumerate(tlps):
        assert report(hub, TH_PSP, value=f"08966666{i}0", tlp=tlp).status_code == 201
    seen = [t for i in range(5) for t in lookup_tlps(hub, MY_CENTRE, f"+668966666{i}0")]
    assert seen == ["amber", "green", "clear"]
    # What a centre reports RED stays with the centre; its AMBER reaches the PSPs.
    assert report(hub, TH_CENTRE, value="0896666690", tlp="red").status_code == 201
    assert report(hub, TH_CENTRE, value="0896666691", tlp="amber").status_code == 201
    assert lookup_tlps(hub, TH_CENTRE, "+66896666690") == ["red"]
    assert lookup_tlps(hub, SG_PSP, "+66896666690") == []
    assert lookup_tlps(hub, MY_CENTRE, "+66896666690") == []
    assert lookup_tlps(hub, SG_PSP, "+66896666691") == ["amber"]


def test_a_centre_reads_the_taxii_collection_with_what_tlp_allows(hub: Hub) -> None:
    assert report(hub, TH_PSP, value="0895555550", tlp="amber").status_code == 201
    assert report(hub, TH_PSP, value="0895555551", tlp="red").status_code == 201

    class Bearer(requests.auth.AuthBase):
        def __call__(self, r: Any) -> Any:
            r.headers["Authorization"] = f"Bearer {hub.keys[MY_CENTRE]}"
            return r

    server = Server(f"{hub.url}/taxii2/", auth=Bearer())
    (collection,) = server.default.collections
    assert collection.can_read
    objects = collection.get_objects(limit=1000).get("objects", [])
    patterns = " ".join(o["pattern"] for o in objects)
    assert "+66895555550" in patterns
    assert "+66895555551" not in patterns


def test_a_centre_may_not_submit_payments(hub: Hub) -> None:
    payment = {
        "uetr": str(uuid.uuid4()),
        "quoteId": str(uuid.uuid4()),
        "debtor": {"name": "Aminah binti Yusof", "account": "1234567890", "agent": "SRBNMYKL"},
        "creditor": {"name": "Somchai Jaidee", "account": "9876543210", "agent": TH_PSP},
    }
    r = hub.http.post("/v1/payments", json=payment, headers=hub.as_(MY_CENTRE))
    assert_forbidden(r, "only_psps_submit_payments")


def test_a_centre_may_not_request_quotes(hub: Hub) -> None:
    params = {
        "sourceCountry": "MY",
        "sourceCurrency": "MYR",
        "destinationCountry": "TH",
        "destinationCurrency": "THB",
        "amountCurrency": "MYR",
        "amount": "100.00",
    }
    r = hub.http.get("/v1/quotes", params=params, headers=hub.as_(MY_CENTRE))
    assert_forbidden(r, "only_psps_request_quotes")


def test_a_centre_may_not_resolve_a_proxy(hub: Hub) -> None:
    body = {"country": "TH", "addressType": "MOBILE", "value": "+66812345678"}
    r = hub.http.post("/v1/addressing/resolve", json=body, headers=hub.as_(TH_CENTRE))
    assert_forbidden(r, "scam_centre_may_not_resolve")


def test_a_centre_may_not_list_release_or_reject_held_payments(hub: Hub) -> None:
    uetr = str(uuid.uuid4())
    assert_forbidden(hub.http.get("/v1/cases", headers=hub.as_(MY_CENTRE)), "operator_only")
    for action in ("release", "reject"):
        r = hub.http.post(f"/v1/cases/{uetr}/{action}", headers=hub.as_(MY_CENTRE))
        assert_forbidden(r, "operator_only")


def acmt023(value: str, scheme: str = "MBNO") -> bytes:
    """An acmt.023 from a PSP asking the TH directory who holds ``value``."""
    at = datetime(2026, 11, 29, tzinfo=UTC)
    message = iso.VerificationRequest(
        assignment=iso.Assignment("MSG-023-CENTRE", at, SG_PSP, TH_PSP),
        verification_id="VRF-CENTRE",
        address=iso.Account(value, scheme),
        party_name=None,
    )
    header = iso.AppHeader(SG_PSP, HUB_BIC, "BIZ-CENTRE", iso.Envelope(message).message_id, at)
    return iso.encode(iso.Envelope(message, header))


def test_a_centre_may_not_resolve_a_proxy_with_an_acmt023_either(hub: Hub) -> None:
    body = acmt023("+66812345678")
    xml = {"content-type": "application/xml"}
    for centre in (TH_CENTRE, MY_CENTRE):
        refused = hub.http.post(
            "/v1/iso20022/acmt.023", content=body, headers={**hub.as_(centre), **xml}
        )
        assert_forbidden(refused, "scam_centre_may_not_resolve")
        assert b"acmt.024" not in refused.content
    # The same message from a PSP is read and answered: only the key was refused.
    answered = hub.http.post(
        "/v1/iso20022/acmt.023", content=body, headers={**hub.as_(SG_PSP), **xml}
    )
    assert answered.status_code == 200, answered.text
    assert isinstance(iso.decode(answered.content, schema=False).message, iso.VerificationReport)
