"""Screen a name against sanctions entries: candidate blocking, then token alignment scoring.

Blocking (so a screening never compares against every entry):
- every name's token keys (consonant classes, see ``normalise``) are indexed, and so are the keys
  of adjacent token pairs joined ("Akhund Zada" also indexes the key of "akhundzada");
- every key of four classes or more is also indexed with each one of its classes deleted
  (SymSpell-style), so one typo in a key still finds the name; broad keys (g/k, r/l, f/p merged,
  h dropped) are indexed for queries in scripts that cannot write those distinctions;
- rare keys generate candidates; common keys (Muhammad, Abu, Nguyen) only add weight to them,
  by set intersection, so no query walks a long posting list in Python. Candidates that share
  too little of the query's weight are dropped and only the best ``CANDIDATES_SCORED_MAX``
  are scored.

Scoring aligns query tokens one-to-one with the candidate's tokens (order-free, so reordered
names match), each pair scored by edit similarity or, when the consonant keys are equal, a floor
that lets Arabic-script and Latin renderings meet. Tokens are weighted by rarity in the list so
that sharing "Mohammad Ali" with a listed name is weak evidence and sharing "Akhundzada" strong.

Where the time goes, and what keeps it down (every shortcut below leaves the hits, scores and
explanations exactly as a full computation would; tests check the bounds):
- a name new to the screener is normalised once (per-word work is cached per word); the merged
  postings of every indexed key are built when the list is loaded (small lists), the others on
  first use; names a late, common key brings in are not added when even every key left could
  not lift them to the evidence floor;
- a token pair is compared once per screener (a cache per query token); a quick test on the
  spellings, keys and lengths settles most pairs, lossy ones included, before the full
  comparison, and rapidfuzz's Indel distance is called rather than its normalised similarity;
- a candidate's listed tokens are compared heaviest first, and the candidate is dropped as soon
  as its covered weight plus what is left cannot reach the threshold.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter, mul
from typing import NamedTuple

from rapidfuzz.distance import Indel, Levenshtein

from lintas.matching.model import QUALITY_LOW, EntityType, SanctionsEntry
from lintas.matching.normalise import (
    ROLE_NAME,
    ROLE_PATRONYM,
    ROLE_TITLE,
    WILDCARD_CLASS,
    NameRefusedError,
    NormalisedName,
    broad_key,
    key_variants,
    keys_equal,
    latin_key,
    normalise_name,
    phonetic_key,
)

# Scores are 0-1. The constants below were set while building the evaluation set in
# bench/data/screening_eval.tsv, so its numbers are not a held-out estimate (the bench also
# reports a deterministic half split; see docs/benchmarks-screening.md).
DEFAULT_THRESHOLD = 0.80
LIMIT_MAX = 100
CANDIDATES_SCORED_MAX = 12
NAMES_PER_ENTRY_MAX = 500
# Weaker token pairs (Mohammad ~ Hamed, 0.62) are different names, not evidence.
TOKEN_SIM_MIN = 0.75
# Query tokens count more than listed ones: a payee name with extra words is less likely the
# listed person than a payee name that leaves out a listed middle name.
QUERY_COVER_SHARE = 0.6
SAME_KEY_SIM = 0.9
SAME_SHORT_KEY_SIM = 0.8
CLOSE_KEY_SIM = 0.75
LOSSY_CLOSE_KEY_SIM = 0.8
LOSSY_SAME_KEY_SIM = 0.95
LENGTH_RATIO_MIN = 0.7
FUZZY_KEY_BLOCK_WEIGHT = 0.6
LOW_QUALITY_FACTOR = 0.95
COUNTRY_BONUS = 0.03
COMPACT_FACTOR = 0.97
COMPACT_KEY_FACTOR = 0.9
ROLE_WEIGHT = {ROLE_NAME: 1.0, ROLE_TITLE: 0.05, ROLE_PATRONYM: 0.5}
SHORT_TOKEN_CHARS = 4
SAME_KEY_SPELLING_MIN = 0.7
WEIGHT_FLOOR = 0.2
WEIGHT_RARE_SHARE = 0.01
SIM_CACHE_MAX = 200_000
GENERATE_POSTING_LEN_MAX = 100
FALLBACK_POSTING_LEN_MAX = 400
RANK_POOL_FACTOR = 4
# Deleting a class from a shorter key leaves two classes, which half the list shares.
FUZZY_KEY_LEN_MIN = 4
POSTING_CACHE_MAX = 20_000
# Indexed keys (exact and broad) whose merged postings are built at load, at most.
PRECOMPUTED_KEYS_MAX = 50_000
FUZZY_POSTING_LEN_MAX = 256
EVIDENCE_SHARE_MIN = 0.4
EVIDENCE_OF_BEST_MIN = 0.6
INITIAL_SIM = 0.75
# Weight factors for father's names that do not align (see _patronym_weights).
PATRONYM_ABSENT_FACTOR = 0.5
PATRONYM_CONFLICT_FACTOR = 2.0
H_VARIANT_SIM = 0.85
NOT_SAME_SIM = 0.6
# Screening repeats payee names: their normalised form and weights are kept (bounded).
QUERY_CACHE_MAX = 20_000
# Names held in scaled postings (a key's names with one query weight applied), and key weights,
# kept at most.
SCALED_ENTRIES_MAX = 500_000
WEIGHT_CACHE_MAX = 65_536
DELETIONS_CACHE_MAX = 65_536


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed entry that the screened name resembles, with the reasons."""

    list_name: str
    entry_id: str
    matched_name: str
    score: float
    explanation: tuple[str, ...]


# A listed token as scoring reads it, computed once when the list is indexed: its negated
# position (so alignment pairs sort in C), the token, its key, its vowel-folded spelling, its
# spelling without marking h, (token, key) for the rows of lossy pairs, and its weight.
_Position = tuple[int, str, str, str, str, tuple[str, str], float]
# A query token likewise, computed once per query: negated position, token, key, folded, no h.
_QueryToken = tuple[int, str, str, str, str]


@dataclass(frozen=True, slots=True)
class _Name:
    """A listed name with everything scoring needs that does not depend on the query."""

    entry_index: int
    text: str
    quality: str | None
    norm: NormalisedName
    weights: tuple[float, ...]
    weight_total: float
    compact: str
    low_quality: bool
    positions: tuple[_Position, ...]
    # The same, heaviest first (scoring bounds a candidate as it goes, see ``_score``).
    by_weight: tuple[_Position, ...]
    lossy: bool
    has_patronym: bool
    # The broad key of the joined keys (for the spacing comparison of lossy names).
    broad_joined: str
    token_count: int


def _indexed_name(
    entry_index: int,
    text: str,
    quality: str | None,
    norm: NormalisedName,
    weights: tuple[float, ...],
) -> _Name:
    low = quality is not None and quality.casefold() in QUALITY_LOW
    positions = tuple(
        (-j, t, k, *_spellings(t), (t, k), w)
        for j, (t, k, w) in enumerate(zip(norm.tokens, norm.keys, weights, strict=True))
    )
    return _Name(
        entry_index,
        text,
        quality,
        norm,
        weights,
        sum(weights),
        norm.compact,
        low,
        positions,
        tuple(sorted(positions, key=lambda p: -p[6])),
        norm.lossy,
        ROLE_PATRONYM in norm.roles,
        broad_key("".join(norm.keys)),
        len(norm.tokens),
    )


class _Scored(NamedTuple):
    score: float
    aligned: list[tuple[float, int, int, str]]
    used_q: set[int]
    used_c: set[int]
    spacing: bool


_Lookups = tuple[tuple[str, float], ...]


class _Query(NamedTuple):
    """A normalised query with what every screening of it needs (cached per name, bounded)."""

    norm: NormalisedName
    weights: tuple[float, ...]
    lookups: _Lookups
    tokens: tuple[_QueryToken, ...]
    # sum(weights), or 1.0 for a query whose every token weighs nothing.
    total: float
    compact: str
    # The keys joined (their broad key is computed, and cached, only for lossy pairs).
    joined_keys: str
    lossy: bool
    has_patronym: bool
    token_count: int


# What a query token and a listed token give: (similarity, how) when they align at
# TOKEN_SIM_MIN or more, else None. Kept per query token (see ``Screener._query_sims``).
_Pair = tuple[float, str] | None
_PairCache = dict[object, _Pair]
_QuerySims = list[tuple[int, str, str, str, str, _PairCache]]
# Per screening: for a listed token (or (token, key) when lossy), the query tokens it aligns
# with, as (similarity, -query position, how). Most rows are empty.
_Rows = dict[object, tuple[tuple[float, int, str], ...]]
_EXACT: tuple[float, str] = (1.0, "exact")
_UNSEEN: tuple[float, str] = (-1.0, "unseen")  # A sentinel, compared by identity.
_CANDIDATE_COVER_SHARE = 1 - QUERY_COVER_SHARE
# How far below the threshold a bound must be before a candidate is left unscored.
_BOUND_SLACK = 1e-9


_Merged = tuple[dict[int, float], float, str]


def _posting_len(merged: _Merged) -> int:
    return len(merged[0])


@functools.lru_cache(maxsize=DELETIONS_CACHE_MAX)
def _deletions(key: str) -> tuple[str, ...]:
    return tuple(key[:i] + key[i + 1 :] for i in range(len(key)))


_COUNTRY_CODES: dict[str, tuple[str, ...]] = {
    "bn": ("brunei",),
    "kh": ("cambodia",),
    "id": ("indonesia",),
    "la": ("lao", "laos"),
    "my": ("malaysia",),
    "mm": ("myanmar", "burma"),
    "ph": ("philippines",),
    "sg": ("singapore",),
    "th": ("thailand",),
    "tl": ("timor",),
    "vn": ("viet nam", "vietnam"),
    "cn": ("china",),
    "in": ("india",),
    "pk": ("pakistan",),
    "af": ("afghanistan",),
    "iq": ("iraq",),
    "ir": ("iran",),
    "sy": ("syria",),
    "sa": ("saudi arabia",),
    "ye": ("yemen",),
    "so": ("somalia",),
    "ly": ("libya",),
    "kp": ("korea, democratic", "dprk", "democratic people"),
    "kr": ("republic of korea",),
    "ru": ("russia",),
    "ae": ("united arab emirates",),
    "eg": ("egypt",),
    "jo": ("jordan",),
    "tn": ("tunisia",),
    "dz": ("algeria",),
    "ma": ("morocco",),
    "lb": ("lebanon",),
    "ku": ("kuwait",),
    "qa": ("qatar",),
    "bh": ("bahrain",),
    "tr": ("turkey", "türkiye"),
    "gb": ("united kingdom",),
    "us": ("united states",),
    "au": ("australia",),
}


def _country_terms(country: str) -> tuple[str, ...]:
    c = country.strip().casefold()
    return _COUNTRY_CODES.get(c, (c,))


class Screener:
    """An in-memory index of sanctions entries, built once at start, then read-only."""

    def __init__(
        self, entries: Iterable[SanctionsEntry], *, threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        assert 0.0 < threshold <= 1.0, threshold
        self.threshold = threshold
        self.entries: tuple[SanctionsEntry, ...] = tuple(entries)
        normalised: list[tuple[int, str, str | None, NormalisedName]] = []
        for index, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            for text, quality in entry.names()[:NAMES_PER_ENTRY_MAX]:
                try:
                    norm = normalise_name(text)
                except NameRefusedError:
                    continue  # A blank alias (the UN list has many) names nothing.
                if norm.tokens in seen:
                    continue  # "Abu Bakar Baasyir" and "ABU BAKAR BA'ASYIR" are one name.
                seen.add(norm.tokens)
                normalised.append((index, text, quality, norm))
        document_frequency: dict[str, int] = {}
        for _, _, _, norm in normalised:
            for key in set(norm.keys):
                document_frequency[key] = document_frequency.get(key, 0) + 1
        self._name_count = max(1, len(normalised))
        self._df = document_frequency
        self._weight_cache: dict[str, float] = {}
        self._names: list[_Name] = []
        self._exact: dict[str, list[int]] = {}
        self._broad: dict[str, list[int]] = {}
        self._fuzzy: dict[str, list[int]] = {}
        for index, text, quality, norm in normalised:
            weights = self._weights(norm)
            name_id = len(self._names)
            self._names.append(_indexed_name(index, text, quality, norm, weights))
            for key in self._block_keys(norm):
                self._exact.setdefault(key, []).append(name_id)
                self._broad.setdefault("~" + broad_key(key), []).append(name_id)
                if len(key) >= FUZZY_KEY_LEN_MIN:
                    for variant in {key, *_deletions(key)}:
                        self._fuzzy.setdefault(variant, []).append(name_id)
        for postings in self._fuzzy.values():
            postings[:] = sorted(set(postings))
        # Caches, each bounded: token pairs per query token, merged and scaled postings, and
        # normalised queries per name.
        self._sims: dict[tuple[str, str, bool], _PairCache] = {}
        self._sim_count = 0
        self._posting_cache: dict[str, dict[int, float]] = {}
        # The merged postings of every indexed key, when the index is small enough for them to
        # be built at load (the UN list: about 9,000 keys) rather than in the first screenings.
        self._indexed_postings: dict[str, dict[int, float]] = {}
        if len(self._exact) + len(self._broad) <= PRECOMPUTED_KEYS_MAX:
            for key in itertools.chain(self._exact, self._broad):
                self._indexed_postings[key] = self._merge(key)
        self._scaled_cache: dict[tuple[str, float], dict[int, float]] = {}
        self._scaled_entries = 0
        self._query_cache: dict[str, _Query] = {}

    @property
    def name_count(self) -> int:
        """How many distinct names (primary and aliases) are indexed."""
        return len(self._names)

    def _weights(self, norm: NormalisedName) -> tuple[float, ...]:
        return tuple(
            map(mul, map(self._weight, norm.keys), map(ROLE_WEIGHT.__getitem__, norm.roles))
        )

    def _weight(self, key: str) -> float:
        cached = self._weight_cache.get(key)
        if cached is not None:
            return cached
        if not key:
            return WEIGHT_FLOOR
        df = self._df.get(key, 0)
        idf = math.log((self._name_count + 1) / (df + 1))
        weight = max(WEIGHT_FLOOR, min(1.0, idf / math.log(1 / WEIGHT_RARE_SHARE)))
        if len(self._weight_cache) >= WEIGHT_CACHE_MAX:
            self._weight_cache.clear()
        self._weight_cache[key] = weight
        return weight

    @staticmethod
    def _block_keys(norm: NormalisedName) -> set[str]:
        # Titles are not blocked on: "Haji" would make every Haji a candidate.
        tokens = [t for t, r in zip(norm.tokens, norm.roles, strict=True) if r != ROLE_TITLE]
        keys = {
            v
            for k, r in zip(norm.keys, norm.roles, strict=True)
            if r != ROLE_TITLE
            for v in key_variants(k)
        } | {phonetic_key(t) for t in tokens}
        for a, b in itertools.pairwise(tokens):
            keys.add(phonetic_key(a + b))
        return keys - {""}

    def screen(
        self,
        name: str,
        *,
        country: str | None = None,
        entity_type: EntityType | str | None = None,
        threshold: float | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        """Entries whose names score at least ``threshold`` against ``name``, best first.

        ``country`` (ISO code or name) never excludes an entry, since a listed person can pay
        from anywhere; a nationality or birthplace that agrees adds a small bonus and a note.
        ``entity_type`` ("person" or "organisation") excludes entries of the other type.
        Raises NameRefusedError for an empty or oversized name.
        """
        cut = self.threshold if threshold is None else threshold
        assert 0.0 <= cut <= 1.0, cut
        assert 1 <= limit <= LIMIT_MAX, limit
        query = self._query(name)
        country_terms = _country_terms(country) if country else ()
        # The score a candidate needs before the country bonus; a hair lower, so that rounding
        # in a bound never drops a hit.
        need = cut - (COUNTRY_BONUS if country_terms else 0.0) - _BOUND_SLACK
        best: dict[int, Hit] = {}
        if self._sim_count >= SIM_CACHE_MAX:
            self._sims = {}  # Bounded: a cache that grows forever is a leak.
            self._sim_count = 0
        # Rows and query-token caches for pairs that are lossy and for pairs that are not.
        rows: tuple[_Rows, _Rows] = ({}, {})
        sims: list[_QuerySims | None] = [None, None]
        names, entries = self._names, self.entries
        for name_id in self._candidates(query.norm, query.weights, query.lookups):
            candidate = names[name_id]
            if (
                entity_type is not None
                and entries[candidate.entry_index].entity_type != entity_type
            ):
                continue
            lossy = query.lossy or candidate.lossy
            query_sims = sims[lossy]
            if query_sims is None:
                query_sims = sims[lossy] = self._query_sims(query, lossy)
            scored = self._score(query, candidate, rows[lossy], query_sims, lossy, need)
            if scored is None:
                continue  # It cannot reach the threshold (see ``_score``).
            score = scored.score
            country_agrees = False
            if country_terms and score > 0.0:
                entry = entries[candidate.entry_index]
                places = " ".join(entry.nationalities + entry.places_of_birth).casefold()
                if any(term in places for term in country_terms):
                    score = min(1.0, score + COUNTRY_BONUS)
                    country_agrees = True
            if score < cut:
                continue
            previous = best.get(candidate.entry_index)
            if previous is None or score > previous.score:
                entry = entries[candidate.entry_index]
                why = self._explain(query.norm, candidate, scored)
                if country_agrees:
                    why = (*why, f"country '{country}' agrees with the entry")
                best[candidate.entry_index] = Hit(
                    entry.source_list, entry.entry_id, candidate.text, round(score, 4), why
                )
        hits = sorted(best.values(), key=lambda h: (-h.score, h.entry_id))
        return hits[:limit]

    def _query(self, name: str) -> _Query:
        """The normalised query and what its screenings need, cached per name (bounded)."""
        cached = self._query_cache.get(name)
        if cached is not None:
            return cached
        result = self._prepare(normalise_name(name))  # Refusals raise, and are not cached.
        if len(self._query_cache) >= QUERY_CACHE_MAX:
            self._query_cache.clear()
        self._query_cache[name] = result
        return result

    def _prepare(self, query: NormalisedName) -> _Query:
        weights = self._weights(query)
        tokens = tuple(
            (-i, t, k, *_spellings(t))
            for i, (t, k) in enumerate(zip(query.tokens, query.keys, strict=True))
        )
        return _Query(
            query,
            weights,
            self._lookups(query, weights),
            tokens,
            sum(weights) or 1.0,
            query.compact,
            "".join(query.keys),
            query.lossy,
            ROLE_PATRONYM in query.roles,
            len(query.tokens),
        )

    def _query_sims(self, query: _Query, lossy: bool) -> _QuerySims:
        """Each query token with its cache of pairs: names reuse a small vocabulary, so a
        query token meets the same listed tokens screening after screening."""
        out: _QuerySims = []
        sims = self._sims
        for neg_i, qt, qk, qf, qd in query.tokens:
            cache = sims.get((qt, qk, lossy))
            if cache is None:
                cache = sims[(qt, qk, lossy)] = {}
            out.append((neg_i, qt, qk, qf, qd, cache))
        return out

    def compare(self, query: str, listed_name: str) -> tuple[float, tuple[str, ...]]:
        """Score one name against one listed name with this list's token weights (no blocking)."""
        q = self._prepare(normalise_name(query))
        c = normalise_name(listed_name)
        candidate = _indexed_name(-1, listed_name, None, c, self._weights(c))
        lossy = q.lossy or candidate.lossy
        scored = self._score(q, candidate, {}, self._query_sims(q, lossy), lossy, 0.0)
        assert scored is not None, "a score is always given when nothing is needed"
        return scored.score, self._explain(q.norm, candidate, scored)

    def _postings(self, key: str) -> dict[int, float]:
        """Names carrying ``key`` (factor 1) or a key one class away (a smaller factor).

        Names repeat their words, so the same keys come back query after query; the merged
        postings are kept in a bounded cache instead of being merged again each time.
        """
        found = self._indexed_postings.get(key)
        if found is not None:
            return found
        found = self._posting_cache.get(key)
        if found is not None:
            return found
        found = self._merge(key)
        if len(self._posting_cache) >= POSTING_CACHE_MAX:
            self._posting_cache.clear()
        self._posting_cache[key] = found
        return found

    def _merge(self, key: str) -> dict[int, float]:
        """The merged postings of ``key`` (see ``_postings``)."""
        if key.startswith("~"):
            # A broad key ("~" prefix), looked up for names in scripts that blur consonants.
            return dict.fromkeys(self._broad.get(key, ()), FUZZY_KEY_BLOCK_WEIGHT)
        exact = self._exact.get(key, ())
        if len(key) >= FUZZY_KEY_LEN_MIN:
            fuzzy = self._fuzzy
            lists = [
                postings
                for postings in (fuzzy.get(v, ()) for v in (key, *_deletions(key)))
                # A key this common after a deletion says nothing about a typo.
                if len(postings) <= FUZZY_POSTING_LEN_MAX
            ]
            if lists:
                # Exact names first at factor 1, then the others in the order found (C loops).
                found = dict.fromkeys(itertools.chain(exact, *lists), FUZZY_KEY_BLOCK_WEIGHT)
                found.update(dict.fromkeys(exact, 1.0))
                return found
        return dict.fromkeys(exact, 1.0)

    def _scaled(self, postings: dict[int, float], weight: float, key: str) -> dict[int, float]:
        """``postings`` with ``weight`` applied: a key's weight barely varies between queries,
        so the products are kept rather than recomputed name by name in every screening."""
        cached = self._scaled_cache.get((key, weight))
        if cached is not None:
            return cached
        scaled = {name_id: weight * f for name_id, f in postings.items()}
        self._scaled_entries += len(scaled)
        if self._scaled_entries > SCALED_ENTRIES_MAX:
            self._scaled_cache.clear()  # Bounded by names held, not by postings.
            self._scaled_entries = len(scaled)
        self._scaled_cache[(key, weight)] = scaled
        return scaled

    @staticmethod
    def _lookups(query: NormalisedName, weights: tuple[float, ...]) -> _Lookups:
        """The keys a query looks up in the index, each with the weight it carries."""
        named = [
            (t, k, w)
            for t, k, w, r in zip(query.tokens, query.keys, weights, query.roles, strict=True)
            if r != ROLE_TITLE
        ]
        lookups: list[tuple[str, float]] = []
        for _, k, w in named:
            if WILDCARD_CLASS in k:
                lookups.extend((v, w) for v in key_variants(k))
            elif k:
                lookups.append((k, w))
        for (a, _, w1), (b, _, w2) in itertools.pairwise(named):
            lookups.append((latin_key(a + b), w1 if w1 >= w2 else w2))
        if query.lossy:
            lookups.extend(
                ("~" + broad_key(v), w) for _, k, w in named if len(k) >= 2 for v in key_variants(k)
            )
        return tuple(lookups)

    def _candidates(
        self, query: NormalisedName, weights: tuple[float, ...], lookups: _Lookups | None = None
    ) -> list[int]:
        if lookups is None:
            lookups = self._lookups(query, weights)
        if not lookups:
            return []
        # Rare keys generate candidates; common keys (Muhammad, Abu, Nguyen) only add weight to
        # candidates already found, so a query never walks a posting list of thousands.
        indexed, cache = self._indexed_postings, self._posting_cache
        merged: list[_Merged] = []
        for key, weight in lookups:
            postings = indexed.get(key)
            if postings is None:
                postings = cache.get(key)
                if postings is None:
                    postings = self._postings(key)
            if postings:
                merged.append((postings, weight, key))
        if not merged:
            return []
        merged.sort(key=_posting_len)
        generators = [m for m in merged if len(m[0]) <= GENERATE_POSTING_LEN_MAX]
        if not generators and len(merged[0][0]) <= FALLBACK_POSTING_LEN_MAX:
            generators = merged[:1]  # No rare word: the least common one still generates.
        evidence: dict[int, float]
        if generators:
            # Names keep the order in which a generator first brings them (the rarest key
            # first); evidence adds weight * factor over the keys that reach each name.
            # A name that a key brings in late can gain at most the weight of that key and of
            # every key after it; when even that stays below the floor already certain (the
            # share of the query, or a share of the best evidence so far), it is not added:
            # it could never be kept. Names already in still gain that key's weight.
            floor_min = EVIDENCE_SHARE_MIN * (sum(weights) or 1.0)
            reach = sum(m[1] for m in merged)
            evidence = {}
            best = 0.0
            for postings, weight, key in generators:
                scaled = self._scaled(postings, weight, key)
                if reach < floor_min or reach < EVIDENCE_OF_BEST_MIN * best:
                    for name_id in evidence.keys() & scaled.keys():
                        evidence[name_id] += scaled[name_id]
                elif evidence:
                    for name_id, value in scaled.items():
                        if name_id in evidence:
                            evidence[name_id] += value
                        else:
                            evidence[name_id] = value
                else:
                    evidence = dict(scaled)
                reach -= weight
                if best == 0.0 and evidence:
                    # The rarest key's names set a first bound on the best evidence (checked once:
                    # taking the maximum again after every key costs more than it saves).
                    best = max(evidence.values())
        else:
            # Only common words ("Nguyen Van Long", "Muhammad Ali"): the names that carry the
            # two least common of them (a C-level set intersection), or the least common alone.
            first = merged[0][0]
            seeds = first.keys() & merged[1][0].keys() if len(merged) > 1 else first.keys()
            evidence = dict.fromkeys(seeds, 0.0)
            generators = []
        generating = {id(g[0]) for g in generators}
        for postings, weight, _ in merged:
            if id(postings) in generating:
                continue
            for name_id in evidence.keys() & postings.keys():
                evidence[name_id] += weight * postings[name_id]
        if not evidence:
            return []
        # A name that shares little of the query's weight cannot reach a threshold that needs
        # most of the query to align; scoring it would only cost time.
        total = sum(weights) or 1.0
        floor = max(EVIDENCE_SHARE_MIN * total, EVIDENCE_OF_BEST_MIN * max(evidence.values()))
        kept = [name_id for name_id, e in evidence.items() if e >= floor]
        if len(kept) <= CANDIDATES_SCORED_MAX:
            return kept
        names = self._names

        def rank(name_id: int) -> float:
            # Among names sharing the same query words, the one those words cover best first:
            # "Abdur Rehman" before "Abdul Rahman Agha Muhammad".
            e = evidence[name_id]
            return e * (1.0 + min(1.0, e / (names[name_id].weight_total or 1.0)))

        # sorted(..., reverse=True)[:n] is heapq.nlargest(n, ...), ties in the same order, in C.
        pool = sorted(kept, key=evidence.__getitem__, reverse=True)[
            : RANK_POOL_FACTOR * CANDIDATES_SCORED_MAX
        ]
        return sorted(pool, key=rank, reverse=True)[:CANDIDATES_SCORED_MAX]

    def _row(
        self,
        query_sims: _QuerySims,
        position: _Position,
        row_key: object,
        lossy: bool,
    ) -> tuple[tuple[float, int, str], ...]:
        """The query tokens that a listed token aligns with (see ``_Rows``)."""
        _, ct, ck, cf, cd, _, _ = position
        row: list[tuple[float, int, str]] = []
        for neg_i, qt, qk, qf, qd, cache in query_sims:
            found = cache.get(row_key, _UNSEEN)
            if found is _UNSEEN:
                # Every token pair a screening meets for the first time comes through here:
                # exact, else the quick test, else the full comparison.
                if qt == ct:
                    found = _EXACT
                elif (
                    _quick_align_lossy(qt, qk, qf, ct, ck, cf)
                    if lossy
                    else _quick_align(qt, qk, qf, qd, ct, ck, cf, cd)
                ):
                    found = _similarity(qt, qk, qf, qd, ct, ck, cf, cd, lossy)
                    if found[0] < TOKEN_SIM_MIN:
                        found = None
                else:
                    found = None
                cache[row_key] = found
                self._sim_count += 1
            if found is not None:
                row.append((found[0], neg_i, found[1]))
        if len(row) > 1:
            row.sort(reverse=True)  # Best first: scoring bounds a candidate with row[0].
        return tuple(row)

    def _score(
        self,
        query: _Query,
        candidate: _Name,
        rows: _Rows,
        query_sims: _QuerySims,
        lossy: bool,
        need: float,
    ) -> _Scored | None:
        """The score alone; explanations are built only for the hits (see ``_explain``).

        ``rows`` holds this query's token rows across candidates: names share tokens, so each
        listed token is compared with the query once per screening. None when the score is
        sure to stay below ``need`` (before the low-quality factor): most candidates share a
        word or two with the query and no more, and their alignment need not be worked out.
        """
        key_at = 5 if lossy else 1
        compact = 0.0
        if query.token_count != candidate.token_count:
            # Joined spelling only where word breaks differ ("Akhund Zada", "Xi Jin Ping"): with
            # the same number of words the token alignment already says everything.
            compact = _indel_similarity(query.compact, candidate.compact) * COMPACT_FACTOR
            if lossy:
                keys = _indel_similarity(broad_key(query.joined_keys), candidate.broad_joined)
                compact = max(compact, keys * COMPACT_KEY_FACTOR)
        # The listed weight the alignment must cover for the score to reach ``need``, taking
        # the query side at its best (1): listed tokens are compared heaviest first, and the
        # candidate is dropped as soon as what is covered plus what is left falls short.
        # Father's names change the weights with the alignment (see _patronym_weights), so
        # the bound is only taken without them.
        limit = -1.0
        if need > 0.0 and not (candidate.has_patronym or query.has_patronym):
            factor = LOW_QUALITY_FACTOR if candidate.low_quality else 1.0
            if compact * factor < need:
                limit = (
                    (need / factor - QUERY_COVER_SHARE)
                    / _CANDIDATE_COVER_SHARE
                    * (candidate.weight_total or 1.0)
                )
        pairs: list[tuple[float, int, int, str]] = []
        covered_max = 0.0
        left = candidate.weight_total
        for position in candidate.by_weight:
            row_key = position[key_at]
            row = rows.get(row_key)
            if row is None:
                row = rows[row_key] = self._row(query_sims, position, row_key, lossy)
            if row:
                neg_j = position[0]
                covered_max += position[6] * row[0][0]
                for sim, neg_i, how in row:
                    pairs.append((sim, neg_i, neg_j, how))
            left -= position[6]
            if covered_max + left < limit:
                return None
        # Best pairs first, ties to the earliest tokens (hence the negated positions, which
        # let the tuples sort in C without a key function).
        if len(pairs) > 1:
            pairs.sort(reverse=True)
        used_q: set[int] = set()
        used_c: set[int] = set()
        aligned: list[tuple[float, int, int, str]] = []
        for sim, neg_i, neg_j, how in pairs:
            i, j = -neg_i, -neg_j
            if i in used_q or j in used_c:
                continue
            used_q.add(i)
            used_c.add(j)
            aligned.append((sim, i, j, how))
        q_weights, c_weights = query.weights, candidate.weights
        query_total, c_total = query.total, candidate.weight_total
        if candidate.has_patronym or query.has_patronym:
            q_weights, c_weights = _patronym_weights(
                query.norm, q_weights, used_q, candidate.norm, c_weights, used_c
            )
            query_total = sum(q_weights) or 1.0
            c_total = sum(c_weights)
        covered_q = covered_c = 0.0
        for sim, i, j, _ in aligned:
            covered_q += sim * q_weights[i]
            covered_c += sim * c_weights[j]
        score = QUERY_COVER_SHARE * (covered_q / query_total) + _CANDIDATE_COVER_SHARE * (
            covered_c / (c_total or 1.0)
        )
        spacing = False
        if compact > score and compact >= TOKEN_SIM_MIN:
            score, spacing = compact, True
        if candidate.low_quality:
            score *= LOW_QUALITY_FACTOR
        return _Scored(score, aligned, used_q, used_c, spacing)

    @staticmethod
    def _explain(query: NormalisedName, candidate: _Name, scored: _Scored) -> tuple[str, ...]:
        c = candidate.norm
        why: list[str] = [
            f"name '{candidate.text}'" + (f" ({candidate.quality})" if candidate.quality else "")
        ]
        if scored.spacing:
            why.append(f"spacing differs: '{' '.join(query.tokens)}' ~ '{' '.join(c.tokens)}'")
        else:
            # Each query token is aligned at most once: its position orders the pairs fully.
            by_query = sorted(scored.aligned, key=itemgetter(1))
            for sim, i, j, how in by_query:
                qt, ct = query.tokens[i], c.tokens[j]
                if how == "exact":
                    why.append(f"token '{qt}' = '{ct}'")
                else:
                    why.append(f"token '{qt}' ~ '{ct}' ({how}, {sim:.2f})")
            order = [j for _, _, j, _ in by_query]
            if any(a > b for a, b in itertools.pairwise(order)):
                why.append("reordered")
            for i, qt in enumerate(query.tokens):
                if i not in scored.used_q:
                    why.append(f"query token '{qt}' not in the listed name")
            missing = [ct for j, ct in enumerate(c.tokens) if j not in scored.used_c]
            if missing:
                why.append("listed tokens missing (partial name): " + ", ".join(missing))
        if candidate.low_quality:
            why.append("low-quality alias")
        why.extend(query.notes)
        why.append(f"score {scored.score:.2f}")
        return tuple(why)


def _patronym_weights(
    query: NormalisedName,
    q_weights: tuple[float, ...],
    used_q: set[int],
    cand: NormalisedName,
    c_weights: tuple[float, ...],
    used_c: set[int],
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Father's names that one side leaves out count for little; two that disagree (bin Hussein,
    bin Hassan) count in full against the match: they name two different fathers."""
    q_open = [i for i, r in enumerate(query.roles) if r == ROLE_PATRONYM and i not in used_q]
    c_open = [j for j, r in enumerate(cand.roles) if r == ROLE_PATRONYM and j not in used_c]
    q_has = ROLE_PATRONYM in query.roles
    c_has = ROLE_PATRONYM in cand.roles
    if q_has and c_has:
        qf = cf = PATRONYM_CONFLICT_FACTOR
    elif len(used_c) == len(cand.roles) or len(used_q) == len(query.roles):
        # The other side has no word left that could be this father's name.
        qf = cf = PATRONYM_ABSENT_FACTOR
    else:
        return q_weights, c_weights
    qw, cw = list(q_weights), list(c_weights)
    for i in q_open:
        qw[i] *= qf
    for j in c_open:
        cw[j] *= cf
    return tuple(qw), tuple(cw)


# Spellings of one sound that transliterations swap (Roodi/Rudi, Slaiwah/Slewa, Beenah/Binah):
# folded before a second spelling comparison, never for keys.
_VOWEL_FOLDS = (
    ("oo", "u"),
    ("ou", "u"),
    ("ee", "i"),
    ("ai", "e"),
    ("ay", "e"),
    ("ey", "e"),
    ("ei", "e"),
    ("ie", "i"),
    ("sy", "sh"),
)  # Indonesian sy is sh (Rosyid).


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _fold_vowels(token: str) -> str:
    for old, new in _VOWEL_FOLDS:
        token = token.replace(old, new)
    return token


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _drop_marking_h(token: str) -> str:
    """'chun' -> 'cun': an h that only marks the consonant before it (ch, sh, th, kh...)."""
    return _MARKING_H.sub("", token) if "h" in token else token


_MARKING_H = re.compile(r"(?<=[cstkpgdz])h")


# Pinyin syllables, longest finals first. A Chinese given name is a choice of syllables, so two
# given names one whole syllable apart (Zhiming, Zhiqiang) are different names, not a typo.
_PINYIN = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ao|an|ei|en|er|ia|ie|in|iu"
    r"|ou|ua|ue|ui|un|uo|a|e|i|o|u|v)"
)


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _pinyin_syllables(token: str) -> tuple[str, ...] | None:
    """The syllables of a token that reads as pinyin (greedy, longest first), else None."""
    out: list[str] = []
    i = 0
    while i < len(token):
        m = _PINYIN.match(token, i)
        if m is None:
            return None
        end = m.end()
        # Prefer leaving a consonant to start the next syllable: "zhenhua" is zhen-hua.
        if end < len(token) and token[end - 1] in "ng" and token[end] in "aeiou":
            alt = _PINYIN.match(token, i, end - 1)
            if alt is not None and alt.end() == end - 1:
                end -= 1
        out.append(token[i:end])
        i = end
    return tuple(out)


def _syllable_apart(q: str, c: str) -> bool:
    """Two pinyin given names with a whole syllable different (Zhiming and Zhiqiang)."""
    qs, cs = _pinyin_syllables(q), _pinyin_syllables(c)
    if qs is None or cs is None or len(qs) != len(cs) or len(qs) < 2:
        return False
    return any(Levenshtein.distance(a, b) > 1 for a, b in zip(qs, cs, strict=True))


_VOICING = str.maketrans({"p": "b", "k": "g"})


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _voicing_fold(token: str) -> str:
    """Korean and Chinese romanisations swap p/b, k/g and ch/j (Pak/Bak, Che/Je); other letter
    pairs that share a key make different names (Dang/Tang, Hassan/Hussein)."""
    return token.replace("ch", "j").translate(_VOICING)


def _consonants(token: str) -> str:
    return "".join(ch for ch in token if ch not in "aeiouy")


# Spelling similarity (1 - Indel distance / total length) is at least TOKEN_SIM_MIN exactly when
# the distance is at most this share of the total length (checked in the tests).
_SPELLING_DISTANCE_SHARE = 1.0 - TOKEN_SIM_MIN


def _indel_similarity(a: str, b: str) -> float:
    """rapidfuzz's ``Indel.normalized_similarity`` (the same float), from ``Indel.distance``,
    which is about three times cheaper to call."""
    total = len(a) + len(b)
    return 1.0 - Indel.distance(a, b) / total if total else 1.0


def _may_align(q: str, qk: str, c: str, ck: str) -> bool:
    """False only when ``_token_similarity`` (not lossy) is sure to be below TOKEN_SIM_MIN."""
    return _quick_align(q, qk, *_spellings(q), c, ck, *_spellings(c))


def _quick_align(q: str, qk: str, qf: str, qd: str, c: str, ck: str, cf: str, cd: str) -> bool:
    """``_may_align`` on tokens whose folded (``qf``) and h-less (``qd``) spellings are known.

    Most token pairs a screening meets are plainly different words, and the full comparison
    costs ten times more. This mirrors every way that function can reach the minimum: an
    initial, the marking-h floor, equal or one-apart keys, spelling (raw or vowel-folded).
    Only for pairs that are not lossy (their keys have no wildcard class, which only Arabic
    script, always lossy, has). One flat function: a call costs as much as a comparison here.
    """
    if len(q) == 1 or qd == cd or qk == ck:
        return True
    # Keys one class apart (Indel distance 1): one is the other less one class.
    lqk, lck = len(qk), len(ck)
    if (lqk == lck + 1 and ck in _deletions(qk)) or (lck == lqk + 1 and qk in _deletions(ck)):
        return True
    # Spelling: the distance is at least the difference in length, so most pairs are settled
    # without calling rapidfuzz.
    limit = _SPELLING_DISTANCE_SHARE * (len(q) + len(c))
    if abs(len(q) - len(c)) <= limit and Indel.distance(q, c) <= limit:
        return True
    if qf == q and cf == c:
        return False
    limit = _SPELLING_DISTANCE_SHARE * (len(qf) + len(cf))
    return abs(len(qf) - len(cf)) <= limit and Indel.distance(qf, cf) <= limit


def _spelling_close(a: str, b: str) -> bool:
    """``_indel_similarity(a, b) >= TOKEN_SIM_MIN``, without the call when the lengths alone
    rule it out (the distance is at least the difference in length)."""
    limit = _SPELLING_DISTANCE_SHARE * (len(a) + len(b))
    return abs(len(a) - len(b)) <= limit and Indel.distance(a, b) <= limit


def _quick_align_lossy(q: str, qk: str, qf: str, c: str, ck: str, cf: str) -> bool:
    """False only when ``_token_similarity`` (lossy) is sure to be below TOKEN_SIM_MIN.

    For a lossy pair that function reaches the minimum by spelling (raw or vowel-folded),
    by equal keys, by broad keys at most one edit apart, or by an initial; nothing else.
    """
    return (
        len(q) == 1
        or (bool(qk) and keys_equal(qk, ck))
        or _spelling_close(q, c)
        or ((qf != q or cf != c) and _spelling_close(qf, cf))
        or any(
            Levenshtein.distance(a, b, score_cutoff=1) <= 1
            for a in _broad_variants(qk)
            for b in _broad_variants(ck)
        )
    )


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _broad_variants(key: str) -> tuple[str, ...]:
    return tuple(broad_key(v) for v in key_variants(key))


def _token_similarity(q: str, qk: str, c: str, ck: str, lossy: bool) -> tuple[float, str]:
    """How alike two tokens are (0-1) and why: spelling, equal or close consonant keys."""
    return _similarity(q, qk, *_spellings(q), c, ck, *_spellings(c), lossy)


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _spellings(token: str) -> tuple[str, str]:
    """A token's vowel-folded spelling and its spelling without marking h."""
    return _fold_vowels(token), _drop_marking_h(token)


def _similarity(
    q: str, qk: str, fq: str, qd: str, c: str, ck: str, fc: str, cd: str, lossy: bool
) -> tuple[float, str]:
    """``_token_similarity`` on tokens whose folded and h-less spellings are known."""
    if q == c:
        return (1.0, "exact")
    spelling = _indel_similarity(q, c)
    if fq != q or fc != c:
        spelling = max(spelling, _indel_similarity(fq, fc))
    sim = spelling
    short = max(len(q), len(c)) <= SHORT_TOKEN_CHARS
    if short:
        # In a short name one letter is a different name (An/Anh, Kiem/Kiet, Ali/Wali).
        sim = max(0.0, 1.0 - 2.0 * (1.0 - sim))
    how = "typo" if sim >= 0.8 else "spelling"
    if not lossy:
        if _syllable_apart(q, c) or _final_ng_nh(q, c):
            return (min(sim, NOT_SAME_SIM), "different syllable")
        if qd == cd and sim < H_VARIANT_SIM:
            return (H_VARIANT_SIM, "spelling")  # Chun/Cun, Sheikh/Shaikh, Che/Je keys.
    # Keys decide only between tokens of similar length: "Ming" and "Minghui" share a broad key
    # but are different given names. Lossy scripts write no vowels: their keys are compared.
    ql, cl = len(qd), len(cd)
    similar_length = min(ql, cl) >= LENGTH_RATIO_MIN * max(ql, cl)
    # Without vowels a lossy token is short: its key length says more. Two-class keys are
    # shared by too many names (Khawla and Nur) to be compared that way for closeness.
    close_min = 2
    if lossy and not similar_length:
        ql, cl = len(broad_key(qk)), len(broad_key(ck))
        similar_length = min(ql, cl) >= LENGTH_RATIO_MIN * max(ql, cl)
        close_min = 3
    same_key_sim = LOSSY_SAME_KEY_SIM if lossy else SAME_KEY_SIM
    if qk and keys_equal(qk, ck) and (lossy or similar_length):
        # Equal keys mean the same name only when the spellings are close (Osama/Usama)
        # or one side cannot spell vowels; Hassan and Hussein share a key.
        voicing = _voicing_fold(q) == _voicing_fold(c)
        if short and not lossy and not voicing and _consonants(q) != _consonants(c):
            pass  # One consonant apart in a short name is another name (Dang/Tang).
        elif lossy or spelling >= SAME_KEY_SPELLING_MIN or voicing:
            floor = same_key_sim if len(qk) >= 2 else SAME_SHORT_KEY_SIM
            if floor > sim:
                sim, how = floor, "same sound"
    elif lossy and qk and ck and similar_length:
        pairs = [(broad_key(a), broad_key(b)) for a in key_variants(qk) for b in key_variants(ck)]
        if any(qb == cb and len(qb) >= 1 for qb, cb in pairs):
            floor = same_key_sim if ql >= 2 else SAME_SHORT_KEY_SIM
            if floor > sim:
                sim, how = floor, "same sound"
        elif (
            min(ql, cl) >= close_min
            and min(Levenshtein.distance(qb, cb) for qb, cb in pairs) <= 1
            and sim < LOSSY_CLOSE_KEY_SIM
        ):
            sim, how = LOSSY_CLOSE_KEY_SIM, "close sound"
    elif len(q) == 1 and c.startswith(q):
        sim, how = INITIAL_SIM, "initial"
    elif (
        len(qk) >= 3
        and len(ck) >= 3
        and sim < CLOSE_KEY_SIM
        and similar_length
        and Indel.distance(qk, ck) == 1
    ):
        # One consonant class apart (a typo inside a transliteration) keeps some credit.
        sim, how = CLOSE_KEY_SIM, "close sound"
    return (sim, how)


def _final_ng_nh(q: str, c: str) -> bool:
    """Vietnamese finals -ng and -nh make different names (Thang and Thanh)."""
    return (
        len(q) == len(c) and len(q) >= 3 and q[:-2] == c[:-2] and {q[-2:], c[-2:]} == {"ng", "nh"}
    )
