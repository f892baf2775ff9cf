"""Scam signals in the domain: one canonical form per target, TLP 2.0 visibility, the public
check's languages, and the rate limiter's bound."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from lintas.domain.errors import Forbidden, InputInvalid, Refused
from lintas.domain.signals import (
    PUBLIC,
    VALUE_LENGTH_MAX,
    AbuseType,
    Hints,
    Signal,
    SignalStatus,
    SignalType,
    Source,
    Target,
    Tlp,
    Viewer,
    change_status,
    check_times,
    normalise,
    signal_type,
    summarise,
    visible_to,
)
from lintas.entrypoints.api.routes_signals import TokenBuckets
from lintas.ports.directory import Participant, Role
from lintas.sandbox.region import build_region
from lintas.services.signals import (
    CHECK_LANGUAGES,
    SignalsService,
    check_language,
    organisation_of,
    public_check,
    viewer_of,
)

REGION = build_region(2026, 10)
TH_MOBILE = REGION.country("TH").address_type("MOBILE")
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_a_thai_number_written_two_ways_is_one_phone_number() -> None:
    international = normalise(SignalType.PHONE, "+66 81-234-5678")
    national = normalise(SignalType.PHONE, "0812345678", Hints(mobile=TH_MOBILE))
    assert international == national == Target(SignalType.PHONE, "+66812345678")


def test_a_national_number_without_a_country_is_refused_with_its_reason() -> None:
    with pytest.raises(InputInvalid) as e:
        normalise(SignalType.PHONE, "0812345678")
    assert e.value.reason == "phone_number_needs_a_country"


def test_an_account_is_named_with_its_bank_and_loses_its_separators() -> None:
    a = normalise(SignalType.ACCOUNT, "gngbinbb:1234-5678 90")
    b = normalise(SignalType.ACCOUNT, "1234567890", Hints(bank="GNGBINBBXXX"))
    assert a == b == Target(SignalType.ACCOUNT, "GNGBINBB:1234567890")


def test_a_url_loses_scheme_host_case_and_defanging_but_keeps_the_case_of_its_path() -> None:
    a = normalise(SignalType.URL, "HTTPS://Bit.LY/AbC?x=1#frag")
    b = normalise(SignalType.URL, "hxxp://bit[.]ly/AbC?x=1")
    assert a == b == Target(SignalType.URL, "bit.ly/AbC?x=1")
    assert normalise(SignalType.URL, "https://bank.example@evil.example/").value == "evil.example"


def test_an_internationalised_domain_is_lowercased_and_punycoded() -> None:
    assert normalise(SignalType.DOMAIN, "ธนาคาร.ไทย").value == "xn--42c3bd5b5db.xn--o3cw4h"
    assert normalise(SignalType.DOMAIN, "Bücher.Example.").value == "xn--bcher-kva.example"


def test_an_email_is_lowercased() -> None:
    assert normalise(SignalType.EMAIL, "Refund@Bank-Help.Example").value == (
        "refund@bank-help.example"
    )


def test_wallets_are_read_per_chain() -> None:
    eth = normalise(SignalType.WALLET, "ETH:0x52908400098527886E0F7030069857D2E4169EE7")
    assert eth.value == "ETH:0x52908400098527886e0f7030069857d2e4169ee7"
    assert normalise(SignalType.WALLET, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", Hints(chain="trx"))
    btc = normalise(SignalType.WALLET, "BTC:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert btc.value == "BTC:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


@pytest.mark.parametrize(
    ("kind", "value", "hints", "reason"),
    [
        (SignalType.PHONE, "+66 12", Hints(), "phone_value_malformed"),
        (SignalType.ACCOUNT, "12345678", Hints(), "account_needs_a_bank"),
        (SignalType.ACCOUNT, "12", Hints(bank="GNGBINBB"), "account_value_malformed"),
        (SignalType.URL, "ftp://x.example", Hints(), "url_value_malformed"),
        (SignalType.DOMAIN, "localhost", Hints(), "domain_value_malformed"),
        (SignalType.EMAIL, "no-at-sign", Hints(), "email_value_malformed"),
        (
            SignalType.WALLET,
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
            Hints(chain="TRX"),
            "wallet_value_malformed",
        ),
        (SignalType.WALLET, "0x12", Hints(chain="DOGE"), "chain_unknown"),
        (SignalType.QR, "<script>", Hints(), "qr_value_malformed"),
        (SignalType.PROXY, "S1234567D", Hints(), "proxy_needs_a_country_and_type"),
        (SignalType.PHONE, "6" * (VALUE_LENGTH_MAX + 1), Hints(), "phone_value_malformed"),
        (SignalType.EMAIL, "   ", Hints(), "signal_value_missing"),
        (SignalType.ACCOUNT, "12345678", Hints(bank="NOT A BIC"), "bank_malformed"),
        (SignalType.DOMAIN, "a" * 250 + ".example", Hints(), "domain_value_malformed"),
        (SignalType.DOMAIN, "scam..example", Hints(), "domain_value_malformed"),
        (SignalType.URL, "http://scam.example/a b", Hints(), "url_value_malformed"),
        (SignalType.URL, "http://scam.example:99999/", Hints(), "url_value_malformed"),
        (
            SignalType.EMAIL,
            "x" * 64 + "@" + ".".join(["a" * 60] * 4) + ".example",
            Hints(),
            "email_value_malformed",
        ),
        (
            SignalType.WALLET,
            "0x52908400098527886E0F7030069857D2E4169EE7",
            Hints(),
            "wallet_needs_a_chain",
        ),
        (SignalType.WALLET, "ETH:0x12", Hints(), "wallet_value_malformed"),
        (
            SignalType.WALLET,
            "LTC:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            Hints(),
            "wallet_value_malformed",
        ),
        (
            SignalType.WALLET,
            "BTC:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            Hints(),
            "wallet_value_malformed",
        ),
        (SignalType.WALLET, "SOL:abc", Hints(), "wallet_value_malformed"),
    ],
)
def test_a_malformed_value_is_refused_with_a_typed_reason(
    kind: SignalType, value: str, hints: Hints, reason: str
) -> None:
    with pytest.raises(InputInvalid) as e:
        normalise(kind, value, hints)
    assert e.value.reason == reason


def test_an_unknown_signal_type_is_refused() -> None:
    with pytest.raises(InputInvalid) as e:
        signal_type("carrier-pigeon")
    assert e.value.reason == "signal_type_unknown"


SOURCE = Viewer("KSKBTHBK", "KSKB", True)
COLLEAGUE = Viewer("KSKBMYKL", "KSKB", True)  # Same bank group (institution code), other BIC.
OTHER_PSP = Viewer("MRLNSGSG", "MRLN", True)
CENTRE = Viewer("OPERATOR", "OPERATOR", True)
FXP = Viewer("ANDMSGSG", "ANDMSGSG", False)

#: Who sees a signal reported by SOURCE, per marking: the table TLP 2.0 asks for.
EXPECTED = {
    Tlp.RED: {"source"},
    Tlp.AMBER_STRICT: {"source", "colleague"},
    Tlp.AMBER: {"source", "colleague", "other_psp", "centre"},
    Tlp.GREEN: {"source", "colleague", "other_psp", "centre", "fxp"},
    Tlp.CLEAR: {"source", "colleague", "other_psp", "centre", "fxp", "public"},
}


@pytest.mark.parametrize("tlp", list(Tlp))
def test_each_kind_of_participant_sees_exactly_what_tlp_allows(tlp: Tlp) -> None:
    viewers = {
        "source": SOURCE,
        "colleague": COLLEAGUE,
        "other_psp": OTHER_PSP,
        "centre": CENTRE,
        "fxp": FXP,
        "public": PUBLIC,
    }
    seen = {name for name, v in viewers.items() if visible_to(tlp, "KSKBTHBK", "KSKB", v)}
    assert seen == EXPECTED[tlp]


def _signal(
    tlp: Tlp,
    *,
    status: SignalStatus = SignalStatus.ACTIVE,
    org: str = "KSKB",
    days_left: int = 30,
    sid: str = "00000000-0000-4000-8000-000000000001",
) -> Signal:
    return Signal(
        id=sid,
        target=Target(SignalType.PHONE, "+66812345678"),
        abuse=AbuseType.JOB_SCAM,
        confidence=80,
        source=Source(f"{org}THBK", org, "TH"),
        tlp=tlp,
        status=status,
        first_seen=NOW - timedelta(days=3),
        last_seen=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=days_left),
        created_at=NOW,
        modified_at=NOW,
    )


def test_a_lookup_counts_only_active_unexpired_visible_reports_and_distinct_sources() -> None:
    target = Target(SignalType.PHONE, "+66812345678")
    signals = [
        _signal(Tlp.AMBER, sid="00000000-0000-4000-8000-000000000001"),
        _signal(Tlp.AMBER, org="BBBB", sid="00000000-0000-4000-8000-000000000002"),
        _signal(Tlp.AMBER, org="BBBB", sid="00000000-0000-4000-8000-000000000003"),
        _signal(Tlp.RED, org="CCCC", sid="00000000-0000-4000-8000-000000000004"),
        _signal(
            Tlp.AMBER, status=SignalStatus.WITHDRAWN, sid="00000000-0000-4000-8000-000000000005"
        ),
        _signal(Tlp.AMBER, days_left=-1, sid="00000000-0000-4000-8000-000000000006"),
    ]
    summary = summarise(target, signals, OTHER_PSP, NOW)
    assert (summary.active_reports, summary.sources) == (3, 2)
    assert summary.first_seen == NOW - timedelta(days=3)
    assert summarise(target, signals, PUBLIC, NOW).active_reports == 0


def test_a_withdrawn_signal_cannot_be_changed_again() -> None:
    withdrawn = change_status(_signal(Tlp.AMBER), SignalStatus.WITHDRAWN, NOW)
    with pytest.raises(Refused) as e:
        change_status(withdrawn, SignalStatus.ACTIVE, NOW)
    assert e.value.reason == "signal_is_withdrawn"


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        ("th", None, "th"),
        (None, "tl-PH,en;q=0.5", "fil"),
        (None, "fr-FR, zh-CN;q=0.8, ms;q=0.9", "ms"),
        (None, "de", "en"),
        ("xx", "vi-VN", "vi"),
    ],
)
def test_the_answer_language_comes_from_lang_then_accept_language_then_english(
    lang: str | None, accept: str | None, expected: str
) -> None:
    assert check_language(lang, accept) == expected


SCRIPTS = {"th": "THAI", "km": "KHMER", "lo": "LAO", "my": "MYANMAR", "zh": "CJK"}


@pytest.mark.parametrize("language", CHECK_LANGUAGES)
@pytest.mark.parametrize("reported", [True, False])
def test_every_language_answers_in_its_own_script_without_naming_anyone(
    language: str, reported: bool
) -> None:
    signals = [_signal(Tlp.CLEAR)] if reported else []
    summary = summarise(Target(SignalType.PHONE, "+66812345678"), signals, PUBLIC, NOW)
    answer = public_check(summary, language)
    assert answer.reported is reported and answer.headline and answer.advice
    script = SCRIPTS.get(language)
    letters = [c for c in answer.headline + answer.advice if c.isalpha()]
    if script is not None:
        assert all(unicodedata.name(c).startswith(script) for c in letters), language
    else:
        assert all(c.isascii() or unicodedata.name(c).startswith("LATIN") for c in letters)
    assert "KSKB" not in repr(answer)


def test_the_rate_limiter_slows_a_client_down_and_never_remembers_more_than_its_bound() -> None:
    now = [0.0]
    buckets = TokenBuckets(burst=3, rate_per_s=1.0, clients_max=100, now_s=lambda: now[0])
    assert [buckets.take("198.51.100.7") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("198.51.100.7") > 0
    now[0] += 1.0
    assert buckets.take("198.51.100.7") == 0.0
    for i in range(1000):
        buckets.take(f"203.0.113.{i}")
    assert len(buckets) == 100


def test_an_anti_scam_centre_reports_as_itself_and_reads_as_a_member_of_the_exchange() -> None:
    centre = Participant("NSRC-MY", Role.SCAM_CENTRE, "MY")
    assert SignalsService.source_of(centre) == Source("NSRC-MY", "NSRC-MY", "MY")
    assert organisation_of(centre) == "NSRC-MY"
    assert viewer_of(centre) == Viewer("NSRC-MY", "NSRC-MY", True)


def test_an_fx_provider_still_may_not_report_a_signal() -> None:
    with pytest.raises(Forbidden):
        SignalsService.source_of(Participant("ANDMSGSG", Role.FXP))


@pytest.mark.parametrize(
    ("first", "last", "expires", "reason"),
    [
        (
            NOW + timedelta(hours=1),
            NOW + timedelta(hours=1),
            NOW + timedelta(days=1),
            "signal_seen_in_the_future",
        ),
        (
            NOW - timedelta(days=1),
            NOW + timedelta(hours=1),
            NOW + timedelta(days=1),
            "signal_seen_in_the_future",
        ),
        (
            NOW - timedelta(days=1),
            NOW - timedelta(days=2),
            NOW + timedelta(days=1),
            "last_seen_before_first_seen",
        ),
        (
            NOW - timedelta(days=1),
            NOW,
            NOW - timedelta(days=1),
            "signal_expires_before_it_was_seen",
        ),
        (NOW - timedelta(days=1), NOW, NOW + timedelta(days=3 * 365), "signal_expiry_too_far"),
    ],
)
def test_sightings_in_the_future_out_of_order_or_expiring_out_of_range_are_refused(
    first: datetime, last: datetime, expires: datetime, reason: str
) -> None:
    with pytest.raises(InputInvalid) as e:
        check_times(first, last, expires, NOW)
    assert e.value.reason == reason


def test_a_reporters_clock_a_few_minutes_ahead_is_tolerated() -> None:
    check_times(
        NOW + timedelta(minutes=4), NOW + timedelta(minutes=4), NOW + timedelta(days=1), NOW
    )
