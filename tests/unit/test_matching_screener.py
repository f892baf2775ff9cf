"""Screening against a small in-memory list: hits, explanations, thresholds and filters."""

from __future__ import annotations

import pytest

from lintas.matching import (
    DEFAULT_THRESHOLD,
    Alias,
    Hit,
    NameRefusedError,
    NormalisedName,
    SanctionsEntry,
    Screener,
)

ENTRIES = (
    SanctionsEntry(
        "test",
        "P1",
        "USAMA MUHAMMED AWAD BIN LADIN",
        (Alias("Osama bin Laden", "good"),),
        "person",
        nationalities=("Saudi Arabia",),
        source_list="Test list",
    ),
    SanctionsEntry(
        "test",
        "P2",
        "AHMAD FAIZAL BIN HASSAN",
        (),
        "person",
        nationalities=("Malaysia",),
        source_list="Test list",
    ),
    SanctionsEntry("test", "P3", "Nguyễn Văn Thành", (), "person", source_list="Test list"),
    SanctionsEntry(
        "test",
        "P4",
        "Wang Jianguo",
        (Alias("Wang Kin Kwok", "low"),),
        "person",
        source_list="Test list",
    ),
    SanctionsEntry(
        "test", "O1", "AL-KAWTHAR MONEY EXCHANGE", (), "organisation", source_list="Test list"
    ),
    SanctionsEntry("test", "P5", "MOHAMMAD WALI", (), "person", source_list="Test list"),
)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(ENTRIES)


def top(screener: Screener, name: str, **kwargs: object) -> Hit:
    hits = screener.screen(name, **kwargs)  # type: ignore[arg-type]
    assert hits, f"no hit for {name!r}"
    return hits[0]


def test_an_exact_name_is_a_perfect_hit_with_the_list_and_entry(screener: Screener) -> None:
    hit = top(screener, "Ahmad Faizal bin Hassan")
    assert (hit.list_name, hit.entry_id, hit.score) == ("Test list", "P2", 1.0)


def test_a_typo_is_found_and_explained_as_a_typo(screener: Screener) -> None:
    hit = top(screener, "Ahmad Faizall bin Hassan")
    assert hit.entry_id == "P2"
    assert any("'faizall' ~ 'faizal' (typo" in why for why in hit.explanation)


def test_a_transliteration_variant_is_explained_as_the_same_sound(screener: Screener) -> None:
    hit = top(screener, "Usama bin Ladin")
    assert hit.entry_id == "P1"
    assert any("same sound" in why or "=" in why for why in hit.explanation)


def test_a_reordered_name_is_found_and_says_so(screener: Screener) -> None:
    hit = top(screener, "Hassan Ahmad Faizal")
    assert hit.entry_id == "P2"
    assert "reordered" in hit.explanation


def test_honorifics_are_ignored_and_the_explanation_names_them(screener: Screener) -> None:
    hit = top(screener, "Datuk Seri Haji Ahmad Faizal b. Hassan")
    assert hit.entry_id == "P2"
    assert "honorific 'haji' ignored" in hit.explanation


def test_thai_arabic_and_han_renderings_find_the_listed_person(screener: Screener) -> None:
    assert top(screener, "โอซามา บิน ลาเดน").entry_id == "P1"
    assert top(screener, "أسامة بن لادن").entry_id == "P1"
    assert top(screener, "王建国").entry_id == "P4"


def test_vietnamese_without_diacritics_matches_but_a_different_given_name_does_not(
    screener: Screener,
) -> None:
    assert top(screener, "NGUYEN VAN THANH").entry_id == "P3"
    assert screener.screen("Nguyen Van An") == []
    assert screener.screen("Nguyen Minh Tuan") == []


def test_a_namesake_with_a_different_given_name_is_not_a_hit(screener: Screener) -> None:
    assert screener.screen("Ahmad Fauzi bin Hassan") == []


def test_a_one_letter_different_short_name_is_not_a_hit(screener: Screener) -> None:
    assert screener.screen("Mohammad Ali") == []


def test_a_low_quality_alias_scores_below_an_exact_primary_name(screener: Screener) -> None:
    hit = top(screener, "Wang Kin Kwok", threshold=0.5)
    assert hit.score < 1.0
    assert "low-quality alias" in hit.explanation


def test_the_threshold_can_be_set_per_call(screener: Screener) -> None:
    partial = "Usama Laden Smith"
    default_hits = screener.screen(partial)
    loose_hits = screener.screen(partial, threshold=0.5)
    assert not default_hits or default_hits[0].score >= DEFAULT_THRESHOLD
    assert loose_hits and loose_hits[0].entry_id == "P1"
    assert screener.screen("Ahmad Faizal bin Hassan", threshold=1.0)[0].score == 1.0


def test_entity_type_excludes_the_other_type(screener: Screener) -> None:
    assert top(screener, "Al Kawthar Money Exchange").entry_id == "O1"
    assert screener.screen("Al Kawthar Money Exchange", entity_type="person") == []


def test_a_matching_country_adds_a_note_but_a_different_country_excludes_nothing(
    screener: Screener,
) -> None:
    with_country = top(screener, "Ahmad Faizal bin Hassan", country="MY")
    assert any("country 'MY' agrees" in why for why in with_country.explanation)
    assert top(screener, "Ahmad Faizal bin Hassan", country="TH").entry_id == "P2"


def test_hits_are_best_first_and_limited(screener: Screener) -> None:
    hits = screener.screen("Ahmad Hassan", threshold=0.1, limit=2)
    assert len(hits) <= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_an_unscreenable_name_is_refused(screener: Screener) -> None:
    with pytest.raises(NameRefusedError):
        screener.screen("   ")


def test_screening_does_not_score_every_entry() -> None:
    many = [
        SanctionsEntry("t", f"E{i}", f"Coined{i} Surname{i}", (), "person") for i in range(2_000)
    ]
    screener = Screener(many)
    assert len(screener._candidates(*_query(screener, "Coined7 Surname7"))) < 20
    assert screener.screen("Coined7 Surname7")[0].entry_id == "E7"


def _query(screener: Screener, name: str) -> tuple[NormalisedName, tuple[float, ...]]:
    from lintas.matching import normalise_name

    q = normalise_name(name)
    return q, screener._weights(q)


def score(a: str, b: str) -> float:
    return Screener(ENTRIES).compare(a, b)[0]


def test_chinese_given_names_one_syllable_apart_are_different_names() -> None:
    assert score("Chen Zhiming", "Chen Zhiqiang") < DEFAULT_THRESHOLD
    assert score("Liu Xiaoming", "Liu Xiaodong") < DEFAULT_THRESHOLD


def test_vietnamese_finals_ng_and_nh_make_different_names() -> None:
    assert score("Nguyen Van Thang", "Nguyen Van Thanh") < DEFAULT_THRESHOLD


def test_two_different_fathers_names_count_against_a_match() -> None:
    assert score("Ahmad Faizal bin Hussein", "Ahmad Faizal bin Hassan") < DEFAULT_THRESHOLD


def test_a_fathers_name_the_list_leaves_out_costs_little() -> None:
    assert score("Tuah Febriwansyah bin Arif Hasrudin", "TUAH FEBRIWANSYAH") >= DEFAULT_THRESHOLD


def test_korean_romanisations_of_one_name_match_but_dang_and_tang_do_not() -> None:
    assert score("Jang Pom Su", "JANG BOM SU") >= DEFAULT_THRESHOLD
    assert score("Ri Che-son", "RI JE-SON") >= DEFAULT_THRESHOLD
    assert score("Dang Van Minh", "Tang Van Minh") < DEFAULT_THRESHOLD


def test_persian_readings_of_arabic_letters_match_their_latin_spelling() -> None:
    assert score("احمد ضیا آغا", "AHMAD ZIA AGHA") >= DEFAULT_THRESHOLD
    assert score("نور محمد ثاقب", "NOOR MOHAMMAD SAQIB") >= DEFAULT_THRESHOLD


def test_screening_a_repeated_name_gives_the_same_hits_as_the_first_time() -> None:
    fresh = Screener(ENTRIES)
    first = fresh.screen("Osama bin Ladin")
    assert first
    assert fresh.screen("Osama bin Ladin") == first
    assert fresh.screen("Osama bin Ladin", entity_type="organisation") == []


def test_the_quick_token_test_never_rejects_a_pair_that_would_align() -> None:
    from lintas.matching.normalise import phonetic_key
    from lintas.matching.screener import TOKEN_SIM_MIN, _may_align, _token_similarity

    text = (
        "muhammad mohammed mohamad muhammed ahmad ahmed hamid hamed usama osama laden ladin "
        "sheikh shaikh chun cun che je pak bak dang tang minh min thanh thang hassan hussein "
        "husain roodi rudi slaiwah slewa beenah binah rosyid rashid zhiming zhiqiang ali wali "
        "an anh kiem kiet a m abd abdul rahman rehman akhundzada zada jin ping xi li lee "
        "nguyen nguyn siti sitti aisyah aishah nkunda nkundabatware tikriti takriti"
    )
    words = text.split()
    for q in words:
        for c in words:
            sim, _ = _token_similarity(q, phonetic_key(q), c, phonetic_key(c), False)
            if sim >= TOKEN_SIM_MIN:
                assert _may_align(q, phonetic_key(q), c, phonetic_key(c)), (q, c, sim)


def test_the_quick_lossy_token_test_never_rejects_a_pair_that_would_align() -> None:
    from lintas.matching.normalise import normalise_name
    from lintas.matching.screener import (
        TOKEN_SIM_MIN,
        _quick_align_lossy,
        _spellings,
        _token_similarity,
    )

    names = (
        "محمد عمر أسامة بن لادن عبد الرحمن ظاهر ثاقب ضیا",
        "สุรชัย ทองคำ อุมาร์ ฮัสซัน",
        "Muhammad Omar Usama Laden Abdul Rahman Dahir Tahir Saqib Zia Surachai Thongkham",
        "Mohammed Umar Osama Ladin Abdurrahman Zahir Thaqib Dia Hassan Hussein Khalid",
    )
    tokens: set[tuple[str, str]] = set()
    for name in names:
        normalised = normalise_name(name)
        tokens.update(zip(normalised.tokens, normalised.keys, strict=True))
    for q, qk in tokens:
        qf, _ = _spellings(q)
        for c, ck in tokens:
            cf, _ = _spellings(c)
            if _token_similarity(q, qk, c, ck, True)[0] >= TOKEN_SIM_MIN:
                assert _quick_align_lossy(q, qk, qf, c, ck, cf), (q, qk, c, ck)


@pytest.mark.parametrize("cut", [0.5, 0.7, 0.8, 0.9])
def test_a_candidate_left_unscored_could_not_have_reached_the_threshold(cut: float) -> None:
    screener = Screener(ENTRIES)
    queries = (
        "Osama bin Laden",
        "Ahmad Faizal",
        "Faizal bin Hassan Ahmad",
        "Nguyen Van Thanh",
        "Wang Jian",
        "Kawthar Exchange",
        "Mohammad Ali Wali",
        "أسامة بن لادن",
    )
    for name in queries:
        query = screener._query(name)
        for name_id in screener._candidates(query.norm, query.weights, query.lookups):
            candidate = screener._names[name_id]
            lossy = query.lossy or candidate.lossy
            sims = screener._query_sims(query, lossy)
            exact = screener._score(query, candidate, {}, sims, lossy, 0.0)
            bounded = screener._score(query, candidate, {}, sims, lossy, cut)
            assert exact is not None
            if bounded is None:
                assert exact.score < cut, (name, candidate.text)
            else:
                assert bounded.score == exact.score


def test_spelling_similarity_from_the_distance_is_rapidfuzz_s_own_and_its_cut_is_exact() -> None:
    import random

    from rapidfuzz.distance import Indel

    from lintas.matching.screener import (
        _SPELLING_DISTANCE_SHARE,
        TOKEN_SIM_MIN,
        _indel_similarity,
    )

    rng = random.Random(5)
    for _ in range(20_000):
        a = "".join(rng.choice("abdhikmnostu") for _ in range(rng.randint(0, 14)))
        b = "".join(rng.choice("abdhikmnostu") for _ in range(rng.randint(0, 14)))
        similarity = _indel_similarity(a, b)
        assert similarity == Indel.normalized_similarity(a, b)
        close = Indel.distance(a, b) <= _SPELLING_DISTANCE_SHARE * (len(a) + len(b))
        assert close == (similarity >= TOKEN_SIM_MIN), (a, b)
