"""The signal exchange on a real SQLite file: report, look up, change, withdraw; TLP in SQL
equal to TLP in the domain; bulk imports that are idempotent or refused whole; STIX round
trips through the ``stix2`` library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stix2  # type: ignore[import-untyped]

from lintas.adapters import stix
from lintas.adapters.sandbox import SandboxReference
from lintas.adapters.sqlite.signals_store import SignalsStore
from lintas.domain.errors import Forbidden, InputInvalid, NotFound
from lintas.domain.signals import PUBLIC, SignalInput, TargetInput, Tlp
from lintas.ports.clock import FixedClock
from lintas.ports.directory import Participant, Role
from lintas.sandbox.region import build_region
from lintas.services.signals import SignalChange, SignalsService, viewer_of
from pgkit import ON_BOTH_STORES, signals_store_for  # type: ignore[import-not-found]

REGION = build_region(2026, 10)
TH_PSP = Participant("KSKBTHBK", Role.PSP, "TH")
TH_SAME_BANK = Participant("KSKBMYKL", Role.PSP, "MY")
SG_PSP = Participant("MRLNSGSG", Role.PSP, "SG")
CENTRE = Participant("OPERATOR", Role.OPERATOR)
FXP = Participant("ANDMSGSG", Role.FXP)
EVERYONE = (TH_PSP, TH_SAME_BANK, SG_PSP, CENTRE, FXP, None)


@pytest.fixture
def service(store_kind: str, tmp_path: Path) -> Iterator[SignalsService]:
    """The signal service on a SQLite signals store (or, for a test marked
    ``ON_BOTH_STORES``, on each store in turn)."""
    clock = FixedClock(datetime(2026, 5, 1, 12, tzinfo=UTC))
    with signals_store_for(store_kind, tmp_path) as store:
        yield SignalsService(store=store, reference=SandboxReference(REGION), clock=clock)


def _report(value: str = "0812345678", tlp: str = "amber", **kw: object) -> SignalInput:
    target = TargetInput(type="phone", value=value, country="TH")
    return SignalInput(target=target, abuse="investment_scam", confidence=80, tlp=tlp, **kw)  # type: ignore[arg-type]


@ON_BOTH_STORES
def test_a_reported_number_is_found_however_it_is_written(service: SignalsService) -> None:
    service.report(_report("0812345678"), TH_PSP)
    service.report(_report("+66 81-234-5678"), SG_PSP)
    summary = service.lookup(TargetInput(type="phone", value="081 234 5678", country="TH"), CENTRE)
    assert (summary.active_reports, summary.sources) == (2, 2)
    assert summary.target.value == "+66812345678"


def test_the_sql_filter_shows_each_participant_what_the_domain_rule_shows(
    service: SignalsService,
) -> None:
    for tlp in Tlp:
        service.report(_report(f"08123456{list(Tlp).index(tlp)}0", tlp=tlp.value), TH_PSP)
    store = service.store
    assert isinstance(store, SignalsStore)
    everything = [s for s, _ in store.page(viewer_of(TH_PSP), limit=100).signals]
    assert len(everything) == 5
    for who in EVERYONE:
        viewer = viewer_of(who)
        by_sql = {s.id for s, _ in store.page(viewer, limit=100).signals}
        by_domain = {s.id for s in everything if s.visible_to(viewer)}
        assert by_sql == by_domain, who
    tlps_seen = {s.tlp for s, _ in store.page(PUBLIC, limit=100).signals}
    assert tlps_seen == {Tlp.CLEAR}


@ON_BOTH_STORES
def test_only_the_reporting_organisation_changes_a_signal_and_a_hidden_one_does_not_exist(
    service: SignalsService,
) -> None:
    amber = service.report(_report(), TH_PSP)
    red = service.report(_report("0812345679", tlp="red"), TH_PSP)
    with pytest.raises(Forbidden):
        service.change(amber.id, SignalChange(status="disputed"), SG_PSP)
    with pytest.raises(NotFound):
        service.withdraw(red.id, SG_PSP)
    changed = service.change(amber.id, SignalChange(status="mitigated"), TH_SAME_BANK)
    assert changed.status.value == "mitigated"
    withdrawn = service.withdraw(red.id, TH_PSP)
    assert (
        service.lookup(
            TargetInput(type="phone", value="0812345679", country="TH"), TH_PSP
        ).active_reports
        == 0
    )
    assert withdrawn.status.value == "withdrawn"


def test_an_fx_provider_may_look_but_not_report(service: SignalsService) -> None:
    with pytest.raises(Forbidden):
        service.report(_report(), FXP)


@ON_BOTH_STORES
def test_importing_the_same_records_twice_adds_nothing(service: SignalsService) -> None:
    source = service.source_of(CENTRE)
    records = [_report(f"08{i:08d}") for i in range(50)]
    first = service.save(service.prepare(records, source), chunk=20)
    second = service.save(service.prepare(records, source), chunk=20)
    assert (first, second) == (50, 0)


def test_a_bad_record_refuses_the_whole_import_and_changes_nothing(
    service: SignalsService,
) -> None:
    source = service.source_of(CENTRE)
    records = [
        _report("0812345678"),
        SignalInput(target=TargetInput(type="pigeon", value="x"), abuse="other", confidence=1),
    ]
    with pytest.raises(InputInvalid) as e:
        service.prepare(records, source)
    assert e.value.reason == "signal_type_unknown" and "record 2" in e.value.message
    store = service.store
    assert isinstance(store, SignalsStore) and store.count() == 0


def test_a_stix_export_is_valid_stix_and_imports_back_to_the_same_targets(
    service: SignalsService, tmp_path: Path
) -> None:
    kinds = [
        TargetInput(type="phone", value="0812345678", country="TH"),
        TargetInput(type="account", value="KSKBTHBK:123-456-7890"),
        TargetInput(type="proxy", value="s1234567d", country="SG", proxy_type="NATIONAL_ID"),
        TargetInput(type="url", value="https://Pay-Now.example/Refund?id=7"),
        TargetInput(type="domain", value="ธนาคาร.ไทย"),
        TargetInput(type="email", value="Help@Bank-Refund.example"),
        TargetInput(type="wallet", value="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", chain="TRX"),
        TargetInput(type="qr", value="ID1020304050"),
    ]
    originals = [
        service.report(
            SignalInput(
                target=t,
                abuse="phishing",
                confidence=60,
                tlp="green",
                description="it's a 'quoted' lure",
            ),
            TH_PSP,
        )
        for t in kinds
    ]
    body = stix.bundle(originals)
    for obj in body["objects"]:
        stix2.parse(obj, allow_custom=True, version="2.1")
    reports, skipped = stix.read_bundle(json.dumps(body).encode())
    assert skipped == 0
    again = [service.target(r.target) for r in reports]
    assert again == [s.target for s in originals]
    assert {r.tlp for r in reports} == {"green"}
    other = SignalsService(
        store=SignalsStore(tmp_path / "other.db").open(),
        reference=SandboxReference(REGION),
        clock=FixedClock(datetime(2026, 5, 2, tzinfo=UTC)),
    )
    prepared = other.prepare(reports, other.source_of(CENTRE))
    assert other.save(prepared, chunk=100) == len(originals)
    assert {s.id for s in prepared} == {s.id for s in originals}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "stix_not_json"),
        (b'{"type": "report"}', "stix_not_a_bundle"),
        (
            json.dumps(
                {
                    "type": "bundle",
                    "id": "bundle--1",
                    "objects": [
                        {
                            "type": "indicator",
                            "spec_version": "2.1",
                            "id": "indicator--4d4770e7-dfb2-4f22-b311-602f56971f0c",
                            "created": "2026-01-01T00:00:00Z",
                            "modified": "2026-01-01T00:00:00Z",
                            "pattern": "[url:value = ",
                            "pattern_type": "stix",
                            "valid_from": "2026-01-01T00:00:00Z",
                        }
                    ],
                }
            ).encode(),
            "stix_invalid",
        ),
        (b"{" + b" " * 2000 + b"}", "bundle_too_large"),
    ],
)
def test_invalid_or_oversized_stix_is_refused_whole(data: bytes, reason: str) -> None:
    with pytest.raises(InputInvalid) as e:
        stix.read_bundle(data, bytes_max=1000)
    assert e.value.reason == reason


def test_a_signal_expiring_beyond_three_years_is_refused(service: SignalsService) -> None:
    late = datetime(2026, 5, 1, tzinfo=UTC) + timedelta(days=5 * 365)
    with pytest.raises(InputInvalid) as e:
        service.report(_report(expires_at=late), TH_PSP)
    assert e.value.reason == "signal_expiry_too_far"


@ON_BOTH_STORES
def test_the_payment_path_sees_member_signals_but_not_red_ones(service: SignalsService) -> None:
    from lintas.services.signals import ExchangeLookup

    service.report(_report("0812345678", tlp="amber"), TH_PSP)
    service.report(_report("0812345678", tlp="amber"), SG_PSP)
    service.report(_report("0812345677", tlp="red"), TH_PSP)
    lookup = ExchangeLookup(store=service.store, clock=FixedClock(datetime(2026, 5, 1, tzinfo=UTC)))
    found = lookup.active_reports("phone", "+66812345678")
    assert found is not None and (found.active_reports, found.sources) == (2, 2)
    assert lookup.active_reports("phone", "+66812345677") is None
    assert lookup.active_reports("pigeon", "x") is None


def test_a_stix_bundle_imports_once_and_a_bundle_with_one_bad_object_stores_nothing(
    service: SignalsService, tmp_path: Path
) -> None:
    originals = [service.report(_report(f"08{i:08d}", tlp="green"), TH_PSP) for i in range(300)]
    body = stix.bundle(originals)
    other = SignalsService(
        store=SignalsStore(tmp_path / "other.db").open(),
        reference=SandboxReference(REGION),
        clock=FixedClock(datetime(2026, 5, 2, tzinfo=UTC)),
    )
    source = other.source_of(CENTRE)
    bad = json.loads(json.dumps(body))
    indicators = [o for o in bad["objects"] if o["type"] == "indicator"]
    indicators[-1]["valid_until"] = "2000-01-01T00:00:00.000Z"
    with pytest.raises(InputInvalid) as e:
        stix.read_bundle(json.dumps(bad).encode())
    assert e.value.reason == "stix_invalid" and indicators[-1]["id"] in e.value.message
    store = other.store
    assert isinstance(store, SignalsStore) and store.count() == 0
    data = json.dumps(body).encode()
    first = other.save(other.prepare(stix.read_bundle(data)[0], source), chunk=100)
    second = other.save(other.prepare(stix.read_bundle(data)[0], source), chunk=100)
    assert (first, second, store.count()) == (300, 0, 300)
