"""Recall cases, returns and scam signals on PostgreSQL: the same semantics as on SQLite.

Three layers: the stores side by side (the same writes on ``SqliteRecalls`` / ``SignalsStore``
and on ``PostgresRecalls`` / ``PostgresSignalsStore`` read back the same); what only
PostgreSQL has (lost connections, NUL characters); and the existing returns, recall-answer
and signal-service tests run on both stores where they are (marked ``ON_BOTH_STORES``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_recall_answers import THAI_PSPS, pending_recall, settled  # type: ignore[import-not-found]

from lintas.adapters.postgres import recalls as postgres_recalls_module
from lintas.adapters.postgres import signals_store as postgres_signals_module
from lintas.adapters.postgres.connections import StoreUnreachable
from lintas.adapters.postgres.recalls import PostgresRecalls
from lintas.adapters.postgres.signals_store import PostgresSignalsStore
from lintas.adapters.sqlite import signals_store as sqlite_signals_module
from lintas.adapters.sqlite.recalls import RecallsClosed, SqliteRecalls
from lintas.adapters.sqlite.signals_store import SignalsStore
from lintas.bootstrap import HubConfig, build_hub
from lintas.domain.errors import Conflict, InputInvalid, Unavailable
from lintas.domain.signals import (
    PUBLIC,
    AbuseType,
    Signal,
    SignalStatus,
    SignalType,
    Source,
    Target,
    Tlp,
    Viewer,
)
from lintas.ports.recalls import RecallCase, RecallStatus, ReturnLink
from lintas.ports.signals import visible_signals
from pgkit import (  # type: ignore[import-not-found]
    CUSTOMERS_PER_COUNTRY_TEST,
    PostgresKit,
    StoreKit,
    connection,
)

TH_SOURCE = Source("KSKBTHBK", "KSKB", "TH")
AT = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
#: A clock's nanoseconds for the signal stamps: both stores are given the same.
NOW_NS = 1_777_000_000_000_000_000
#: Viewers of every kind: two PSPs of one bank group, another PSP, an FX provider, the public.
VIEWERS = (
    Viewer("KSKBTHBK", "KSKB", True),
    Viewer("KSKBMYKL", "KSKB", True),
    Viewer("MRLNSGSG", "MRLN", True),
    Viewer("ANDMSGSG", "ANDMSGSG", False),
    PUBLIC,
)


# -- fixtures: the imported tests' hub and service, on PostgreSQL ----------------------------


@pytest.fixture
def postgres_signals(postgres_url: str) -> Iterator[PostgresSignalsStore]:
    store = PostgresSignalsStore(postgres_url).open()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def postgres_recalls(postgres_url: str) -> Iterator[PostgresRecalls]:
    recalls = PostgresRecalls(postgres_url)
    try:
        yield recalls
    finally:
        recalls.close()


# -- the stores side by side ------------------------------------------------------------------


def _signal(
    n: int,
    *,
    tlp: Tlp = Tlp.AMBER,
    source: Source = TH_SOURCE,
    kind: SignalType = SignalType.PHONE,
    modified: datetime = AT,
    confidence: int = 80,
    description: str = "",
) -> Signal:
    value = f"+668123456{n:02d}" if kind is SignalType.PHONE else f"KSKBTHBK:{n:010d}"
    return Signal(
        id=f"00000000-0000-4000-8000-{n:012d}",
        target=Target(kind, value),
        abuse=AbuseType.INVESTMENT_SCAM,
        confidence=confidence,
        source=source,
        tlp=tlp,
        status=SignalStatus.ACTIVE,
        first_seen=AT - timedelta(days=2),
        last_seen=AT - timedelta(days=1, seconds=n),
        expires_at=AT + timedelta(days=365),
        created_at=AT - timedelta(days=1),
        modified_at=modified,
        description=description,
    )


def _signal_story(store: SignalsStore | PostgresSignalsStore) -> list[Any]:
    """The same writes on ``store``, and everything it answers afterwards."""
    seen: list[Any] = []
    sg = Source("MRLNSGSG", "MRLN", "SG")
    tlps = list(Tlp)
    first = [_signal(n, tlp=tlps[n % len(tlps)], kind=list(SignalType)[n % 2]) for n in range(24)]
    seen.append(store.insert_many(first, NOW_NS))
    # Re-importing changes nothing; another source, or an older version, replaces nothing.
    seen.append(store.insert_many(first, NOW_NS))
    seen.append(store.insert_many([_signal(1, source=sg, confidence=10)], NOW_NS))
    older = AT - timedelta(hours=1)
    seen.append(store.insert_many([_signal(2, modified=older, confidence=10)], NOW_NS))
    # Two newer versions of one signal in one batch apply one after the other.
    newer, newest = AT + timedelta(hours=1), AT + timedelta(hours=2)
    seen.append(
        store.insert_many(
            [_signal(3, modified=newer, confidence=50), _signal(3, modified=newest, confidence=60)],
            NOW_NS,
        )
    )
    store.replace(_signal(4, tlp=Tlp.CLEAR, description="it's 'quoted'"), NOW_NS)
    store.insert(_signal(90, tlp=Tlp.RED, source=sg), NOW_NS)
    seen.append(store.count())
    seen.append([store.get(f"00000000-0000-4000-8000-{n:012d}") for n in (0, 3, 4, 90, 99)])
    seen.append(store.get("nonsense"))
    seen.append(store.on_target(_signal(5).target))
    seen.append(store.on_target(Target(SignalType.PHONE, "+66000000000")))
    for viewer in VIEWERS:
        pages: list[Any] = []
        after = (0, "")
        while True:
            page = store.page(viewer, after=after, limit=5)
            pages.append((page.signals, page.more))
            if not page.more:
                break
            last, added_ns = page.signals[-1]
            after = (added_ns, last.id)
        seen.append(pages)
        seen.append(list(visible_signals(store, viewer, page_rows=3)))
        seen.append(store.page(viewer, limit=100, types=frozenset({SignalType.ACCOUNT})))
    # Cursors as TAXII builds them: after every id of a microsecond; past the end.
    stamp = store.page(VIEWERS[0], limit=3).signals[1][1]
    seen.append(store.page(VIEWERS[0], after=(stamp, "\U0010ffff"), limit=4))
    seen.append(store.page(VIEWERS[0], after=(stamp, ""), limit=4))
    seen.append(store.page(VIEWERS[0], after=(2**62, ""), limit=4))
    return seen


def test_the_same_signal_writes_read_back_the_same_from_sqlite_and_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    sqlite_store = SignalsStore(tmp_path / "hub.db").open()
    postgres_store = PostgresSignalsStore(postgres_url).open()
    try:
        on_sqlite = _signal_story(sqlite_store)
        on_postgres = _signal_story(postgres_store)
    finally:
        sqlite_store.close()
        postgres_store.close()
    assert on_sqlite[:5] == [24, 0, 0, 0, 2]
    assert on_postgres == on_sqlite


def test_the_sql_filter_on_postgres_shows_each_viewer_what_the_domain_rule_shows(
    postgres_signals: PostgresSignalsStore,
) -> None:
    sources = [Source("KSKBTHBK", "KSKB", "TH"), Source("NSRC-MY", "NSRC-MY", "MY")]
    signals = [
        _signal(i * 10 + j, tlp=tlp, source=source)
        for i, tlp in enumerate(Tlp)
        for j, source in enumerate(sources)
    ]
    postgres_signals.insert_many(signals, NOW_NS)
    for viewer in (*VIEWERS, Viewer("NSRC-MY", "NSRC-MY", True)):
        by_sql = {s.id for s, _ in postgres_signals.page(viewer, limit=100).signals}
        assert by_sql == {s.id for s in signals if s.visible_to(viewer)}, viewer


def test_added_stamps_keep_increasing_across_a_reopen_and_a_second_writer(
    postgres_url: str,
) -> None:
    one = PostgresSignalsStore(postgres_url).open()
    two = PostgresSignalsStore(postgres_url).open()
    try:
        one.insert_many([_signal(n) for n in range(3)], NOW_NS)
        # The second store's own memory is behind: the stamps on file decide.
        two.insert_many([_signal(n) for n in range(3, 6)], NOW_NS)
        one.insert(_signal(6), NOW_NS - 10**12)
    finally:
        one.close()
        two.close()
    again = PostgresSignalsStore(postgres_url).open()
    try:
        again.insert(_signal(7), 0)
        stamps = [added for _, added in again.page(VIEWERS[0], limit=100).signals]
    finally:
        again.close()
    assert len(stamps) == 8 and stamps == sorted(set(stamps))
    assert all(
        b - a == postgres_signals_module.ADDED_STEP_NS for a, b in itertools.pairwise(stamps)
    )


def test_a_bulk_import_is_written_in_bounded_transactions_and_counted_whole(
    postgres_signals: PostgresSignalsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches are cut by ``write_in_batches`` (shared with SQLite); each write checks them.
    monkeypatch.setattr(sqlite_signals_module, "IMPORT_BATCH_MAX", 7)
    monkeypatch.setattr(postgres_signals_module, "IMPORT_BATCH_MAX", 7)
    assert postgres_signals.insert_many((_signal(n) for n in range(30)), NOW_NS) == 30
    assert postgres_signals.insert_many((_signal(n) for n in range(30)), NOW_NS) == 0
    assert postgres_signals.count() == 30


def _story_of_recalls(recalls: SqliteRecalls | PostgresRecalls) -> list[Any]:
    """The same calls on ``recalls``, and everything it answered."""
    seen: list[Any] = []
    link = ReturnLink("UETR-1", "RET-1", "RTR-1", "PSPTHXX1", "FRAD", AT)
    seen.append(recalls.claim_return(link, None))
    seen.append(recalls.claim_return(replace(link, return_uetr="RET-2"), None))
    seen.append(recalls.claim_return(replace(link, return_uetr="RET-3"), "RET-9"))
    seen.append(recalls.claim_return(replace(link, return_uetr="RET-3", reason="AC04"), "RET-1"))
    seen.append(recalls.return_of("UETR-1"))
    seen.append(recalls.return_of("UETR-0"))
    case = RecallCase(
        creator="PSPSGXX1",
        case_id="CASE-1",
        cancellation_id="CXL-1",
        original_uetr="UETR-1",
        reason="FRAD",
        status=RecallStatus.PENDING,
        rejection_reason=None,
        detail="awaits the creditor agent",
        return_uetr=None,
        created_at=AT,
    )
    seen.append(recalls.save_case(case))
    seen.append(recalls.save_case(replace(case, detail="a resend")))
    # One pending case per payment: a second case gets the first.
    seen.append(recalls.save_case(replace(case, case_id="CASE-2")))
    seen.append(recalls.case("PSPSGXX1", "CASE-2"))
    seen.append(recalls.pending_case_of("UETR-1"))
    answered = replace(
        case,
        status=RecallStatus.REJECTED,
        rejection_reason="NOAS",
        detail="no answer",
        answered_by="PSPTHXX1",
        answered_at=AT + timedelta(seconds=30),
    )
    seen.append(recalls.answer_case(answered))
    seen.append(recalls.answer_case(replace(answered, rejection_reason="LEGL")))
    seen.append(recalls.case("PSPSGXX1", "CASE-1"))
    seen.append(recalls.pending_case_of("UETR-1"))
    # Answered at once (the sandbox's policy): saved as it is, accepted with its return.
    at_once = replace(
        case,
        case_id="CASE-3",
        status=RecallStatus.ACCEPTED,
        return_uetr="RET-3",
        answered_by="hub",
        answered_at=AT,
    )
    seen.append(recalls.save_case(at_once))
    seen.append(recalls.case("PSPSGXX9", "CASE-3"))
    return seen


def test_the_same_recall_calls_answer_the_same_on_sqlite_and_postgres(
    tmp_path: Path, postgres_recalls: PostgresRecalls
) -> None:
    sqlite_recalls = SqliteRecalls(tmp_path / "hub.db")
    try:
        on_sqlite = _story_of_recalls(sqlite_recalls)
    finally:
        sqlite_recalls.close()
    on_postgres = _story_of_recalls(postgres_recalls)
    assert on_sqlite[:4] == [True, False, False, True]
    assert on_postgres == on_sqlite
    # Times come back as the hub wrote them: aware, in UTC, to the microsecond.
    link = on_postgres[4]
    assert link.created_at == AT and link.created_at.tzinfo is UTC


def test_two_threads_each_get_their_own_postgres_connection_and_see_each_others_commits(
    postgres_recalls: PostgresRecalls,
) -> None:
    link = ReturnLink("UETR-1", "RET-1", "RTR-1", "PSPTHXX1", "FRAD", AT)
    found: list[ReturnLink | None] = []

    def other_thread() -> None:
        assert postgres_recalls.claim_return(link, None)

    assert postgres_recalls.return_of("UETR-1") is None
    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    found.append(postgres_recalls.return_of("UETR-1"))
    assert found == [link]
    # The ended thread's connection is closed when another thread opens one.
    assert postgres_recalls.connections_open == 2
    worker = threading.Thread(target=lambda: postgres_recalls.return_of("UETR-1"))
    worker.start()
    worker.join()
    assert postgres_recalls.connections_open == 2


def test_threads_beyond_the_bound_are_refused_and_a_closed_store_refuses_every_call(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_recalls_module, "THREAD_CONNECTIONS_MAX", 1)
    postgres_recalls = PostgresRecalls(postgres_url)  # Bounded when made.
    assert postgres_recalls.return_of("UETR-1") is None
    refused: list[BaseException] = []
    hold = threading.Event()

    def second_thread() -> None:
        try:
            postgres_recalls.return_of("UETR-1")
        except Unavailable as e:
            refused.append(e)
        hold.set()

    worker = threading.Thread(target=second_thread)
    worker.start()
    assert hold.wait(timeout=30)
    worker.join()
    assert [type(e) for e in refused] == [Unavailable]
    assert refused[0].reason == "recalls_threads_over_limit"
    postgres_recalls.close()
    assert postgres_recalls.connections_open == 0
    with pytest.raises(RecallsClosed):
        postgres_recalls.return_of("UETR-1")


def _terminate(url: str, application_name: str) -> None:
    with connection(url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (application_name,),
        )


def test_a_lost_connection_is_a_503_once_and_the_next_call_reconnects(
    postgres_url: str, postgres_recalls: PostgresRecalls, postgres_signals: PostgresSignalsStore
) -> None:
    link = ReturnLink("UETR-1", "RET-1", "RTR-1", "PSPTHXX1", "FRAD", AT)
    assert postgres_recalls.claim_return(link, None)
    postgres_signals.insert(_signal(1), NOW_NS)
    _terminate(postgres_url, "lintas-recalls")
    _terminate(postgres_url, "lintas-signals")
    with pytest.raises(StoreUnreachable) as lost:
        postgres_recalls.return_of("UETR-1")
    assert lost.value.http_status == 503
    with pytest.raises(StoreUnreachable):
        postgres_signals.count()
    assert postgres_recalls.return_of("UETR-1") == link
    assert postgres_signals.count() == 1


def test_text_with_nul_finds_nothing_and_is_refused_on_write_with_nothing_stored(
    postgres_recalls: PostgresRecalls, postgres_signals: PostgresSignalsStore
) -> None:
    assert postgres_recalls.return_of("UETR\x00") is None
    assert postgres_recalls.case("PSP\x00", "CASE") is None
    assert postgres_recalls.pending_case_of("\x00") is None
    link = ReturnLink("UETR-1", "RET-1", "RTR\x00", "PSPTHXX1", "FRAD", AT)
    with pytest.raises(InputInvalid) as refused:
        postgres_recalls.claim_return(link, None)
    assert refused.value.reason == "text_has_nul" and refused.value.field == "return_id"
    assert postgres_recalls.return_of("UETR-1") is None
    assert postgres_signals.get("id\x00") is None
    assert postgres_signals.on_target(Target(SignalType.URL, "x/\x00")) == []
    with pytest.raises(InputInvalid):
        postgres_signals.insert_many([_signal(1), _signal(2, description="a\x00b")], NOW_NS)
    assert postgres_signals.count() == 0
    # A cursor with NUL pages as SQLite does: after everything its text before NUL precedes.
    postgres_signals.insert_many([_signal(1), _signal(2)], NOW_NS)
    stamp = postgres_signals.page(VIEWERS[0], limit=1).signals[0][1]
    cursor = (stamp, "00000000-0000-4000-8000-000000000001\x00")
    assert [
        s.id[-1] for s, _ in postgres_signals.page(VIEWERS[0], after=cursor, limit=9).signals
    ] == ["2"]


def test_inserting_a_signal_id_twice_is_a_conflict_that_changes_nothing(
    postgres_signals: PostgresSignalsStore,
) -> None:
    postgres_signals.insert(_signal(1), NOW_NS)
    with pytest.raises(Conflict):
        postgres_signals.insert(_signal(1, confidence=5), NOW_NS)
    found = postgres_signals.get(_signal(1).id)
    assert found is not None and found.confidence == 80 and postgres_signals.count() == 1


# -- a hub on each store ----------------------------------------------------------------------


def test_recall_cases_and_signals_survive_a_restart_and_the_hub_closes_their_stores(
    kit: StoreKit,
) -> None:
    hub = kit.open_hub(recall_answering_psps=THAI_PSPS)
    try:
        original, _, _ = settled(hub)
        resolution = pending_recall(hub.iso, original, "CASE-R")
        hub.signals_store.insert(_signal(1), NOW_NS)
        assert hub.recalls.connections_open == 1
    finally:
        hub.close()
    assert hub.recalls.connections_open == 0
    with pytest.raises(RecallsClosed):
        hub.recalls.return_of(original.uetr)
    again = kit.open_hub(recall_answering_psps=THAI_PSPS)
    try:
        case = again.recalls.pending_case_of(original.uetr)
        assert case is not None and case.case_id == "CASE-R" and case.pending
        assert resolution.status.value == "PDCR"
        assert again.signals_store.count() == 1
    finally:
        again.close()
    if isinstance(kit, PostgresKit):
        with connection(kit.url) as conn:
            rows = conn.execute("SELECT case_id, status FROM recall_cases").fetchall()
        assert rows == [("CASE-R", "pending")]
        assert not kit.unused_db_path.exists()


def test_a_hub_on_postgres_never_names_a_sqlite_file(tmp_path: Path, postgres_url: str) -> None:
    config = HubConfig(
        db_url=postgres_url,
        db_path=tmp_path / "never.db",
        customers_per_country=CUSTOMERS_PER_COUNTRY_TEST,
    )
    hub = build_hub(config)
    try:
        assert isinstance(hub.recalls, PostgresRecalls)
        assert isinstance(hub.signals_store, PostgresSignalsStore)
        assert hub.recalls.return_of("UETR-1") is None and hub.signals_store.count() == 0
    finally:
        hub.close()
    assert list(tmp_path.iterdir()) == []
