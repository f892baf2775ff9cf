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
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz.distance import Indel, Levenshtein

from lintas.matching.model import QUALITY_LOW, EntityType, SanctionsEntry
from lintas.matching.normalise import (
    ROLE_NAME,
    ROLE_PATRONYM,
    ROLE_TITLE,
    NameRefusedError,
    NormalisedName,
    broad_key,
    key_variants,
    keys_equal,
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


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed entry that the screened name resembles, with the reasons."""

    list_name: str
    entry_id: str
    matched_name: str
    score: float
    explanation: tuple[str, ...]


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
    # (position, token) pairs, the lossy flag, whether a father's name is marked, and the
    # broad key of the joined keys (for the spacing comparison of lossy names).
    positions: tuple[tuple[int, str], ...]
    lossy: bool
    has_patronym: bool
    broad_joined: str


def _indexed_name(
    entry_index: int,
    text: str,
    quality: str | None,
    norm: NormalisedName,
    weights: tuple[float, ...],
) -> _Name:
    low = quality is not None and quality.casefold() in QUALITY_LOW
    return _Name(
        entry_index,
        text,
        quality,
        norm,
        weights,
        sum(weights),
        norm.compact,
        low,
        tuple(enumerate(norm.tokens)),
        norm.lossy,
        ROLE_PATRONYM in norm.roles,
        broad_key("".join(norm.keys)),
    )


class _Scored(NamedTuple):
    score: float
    aligned: list[tuple[float, int, int, str]]
    used_q: set[int]
    used_c: set[int]
    spacing: bool


# Per query: for a listed token (and the pair's lossy flag), the query tokens it aligns with at
# TOKEN_SIM_MIN or more, as (similarity, -query position, how). Most rows are empty.
_Rows = dict[tuple[str, bool], tuple[tuple[float, int, str], ...]]
_NO_ALIGNMENT = (0.0, "different")
_Lookups = tuple[tuple[str, float], ...]
_Query = tuple[NormalisedName, tuple[float, ...], _Lookups]


def _posting_len(pw: tuple[dict[int, float], float]) -> int:
    return len(pw[0])


def _deletions(key: str) -> list[str]:
    return [key[:i] + key[i + 1 :] for i in range(len(key))]


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
        self._sim_cache: dict[tuple[str, str, bool], tuple[float, str]] = {}
        self._posting_cache: dict[str, dict[int, float]] = {}
        self._query_cache: dict[str, _Query] = {}

    @property
    def name_count(self) -> int:
        """How many distinct names (primary and aliases) are indexed."""
        return len(self._names)

    def _weights(self, norm: NormalisedName) -> tuple[float, ...]:
        return tuple(
            self._weight(key) * ROLE_WEIGHT[role]
            for key, role in zip(norm.keys, norm.roles, strict=True)
        )

    def _weight(self, key: str) -> float:
        if not key:
            return WEIGHT_FLOOR
        df = self._df.get(key, 0)
        idf = math.log((self._name_count + 1) / (df + 1))
        return max(WEIGHT_FLOOR, min(1.0, idf / math.log(1 / WEIGHT_RARE_SHARE)))

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
        query, query_weights, lookups = self._query(name)
        country_terms = _country_terms(country) if country else ()
        best: dict[int, Hit] = {}
        rows: _Rows = {}
        query_compact = query.compact
        for name_id in self._candidates(query, query_weights, lookups):
            candidate = self._names[name_id]
            entry = self.entries[candidate.entry_index]
            if entity_type is not None and entry.entity_type != entity_type:
                continue
            scored = self._score(query, query_weights, candidate, rows, query_compact)
            score = scored.score
            country_agrees = False
            if country_terms and score > 0.0:
                places = " ".join(entry.nationalities + entry.places_of_birth).casefold()
                if any(term in places for term in country_terms):
                    score = min(1.0, score + COUNTRY_BONUS)
                    country_agrees = True
            if score < cut:
                continue
            previous = best.get(candidate.entry_index)
            if previous is None or score > previous.score:
                why = self._explain(query, candidate, scored)
                if country_agrees:
                    why = (*why, f"country '{country}' agrees with the entry")
                best[candidate.entry_index] = Hit(
                    entry.source_list, entry.entry_id, candidate.text, round(score, 4), why
                )
        hits = sorted(best.values(), key=lambda h: (-h.score, h.entry_id))
        return hits[:limit]

    def _query(self, name: str) -> _Query:
        """The normalised query, its weights and index lookups, cached per name (bounded)."""
        cached = self._query_cache.get(name)
        if cached is not None:
            return cached
        query = normalise_name(name)  # Refusals raise, and are not cached.
        weights = self._weights(query)
        result = (query, weights, self._lookups(query, weights))
        if len(self._query_cache) >= QUERY_CACHE_MAX:
            self._query_cache.clear()
        self._query_cache[name] = result
        return result

    def compare(self, query: str, listed_name: str) -> tuple[float, tuple[str, ...]]:
        """Score one name against one listed name with this list's token weights (no blocking)."""
        q = normalise_name(query)
        c = normalise_name(listed_name)
        qw = self._weights(q)
        cw = self._weights(c)
        return self._compare(q, qw, _indexed_name(-1, listed_name, None, c, cw))

    def _postings(self, key: str) -> dict[int, float]:
        """Names carrying ``key`` (factor 1) or a key one class away (a smaller factor).

        Names repeat their words, so the same keys come back query after query; the merged
        postings are kept in a bounded cache instead of being merged again each time.
        """
        cached = self._posting_cache.get(key)
        if cached is not None:
            return cached
        if key.startswith("~"):
            # A broad key ("~" prefix), looked up for names in scripts that blur consonants.
            found = dict.fromkeys(self._broad.get(key, ()), FUZZY_KEY_BLOCK_WEIGHT)
            self._posting_cache[key] = found
            return found
        exact = self._exact.get(key, ())
        found = dict.fromkeys(exact, 1.0)
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
        if len(self._posting_cache) >= POSTING_CACHE_MAX:
            self._posting_cache.clear()
        self._posting_cache[key] = found
        return found

    @staticmethod
    def _lookups(query: NormalisedName, weights: tuple[float, ...]) -> _Lookups:
        """The keys a query looks up in the index, each with the weight it carries."""
        named = [
            (t, k, w)
            for t, k, w, r in zip(query.tokens, query.keys, weights, query.roles, strict=True)
            if r != ROLE_TITLE
        ]
        lookups: list[tuple[str, float]] = [
            (v, w) for _, k, w in named if k for v in key_variants(k)
        ]
        for (a, _, w1), (b, _, w2) in itertools.pairwise(named):
            lookups.append((phonetic_key(a + b), max(w1, w2)))
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
        postings_of = self._postings
        merged = [(p, w) for k, w in lookups if (p := postings_of(k))]
        if not merged:
            return []
        merged.sort(key=_posting_len)
        generators = [pw for pw in merged if len(pw[0]) <= GENERATE_POSTING_LEN_MAX]
        if not generators and len(merged[0][0]) <= FALLBACK_POSTING_LEN_MAX:
            generators = merged[:1]  # No rare word: the least common one still generates.
        evidence: dict[int, float]
        if generators:
            first, first_weight = generators[0]
            evidence = {name_id: first_weight * f for name_id, f in first.items()}
            for postings, weight in generators[1:]:
                # Names new to the evidence keep the posting order; the others add up.
                new = {n: weight * f for n, f in postings.items() if n not in evidence}
                for name_id in evidence.keys() & postings.keys():
                    evidence[name_id] += weight * postings[name_id]
                evidence.update(new)
        else:
            # Only common words ("Nguyen Van Long", "Muhammad Ali"): the names that carry the
            # two least common of them (a C-level set intersection), or the least common alone.
            first = merged[0][0]
            seeds = first.keys() & merged[1][0].keys() if len(merged) > 1 else first.keys()
            evidence = dict.fromkeys(seeds, 0.0)
            generators = []
        generating = {id(g) for g, _ in generators}
        for postings, weight in merged:
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

        pool = heapq.nlargest(
            RANK_POOL_FACTOR * CANDIDATES_SCORED_MAX, kept, key=evidence.__getitem__
        )
        return heapq.nlargest(CANDIDATES_SCORED_MAX, pool, key=rank)

    def _token_sim(self, q: str, qk: str, c: str, ck: str, lossy: bool) -> tuple[float, str]:
        cached = self._sim_cache.get((q, c, lossy))
        if cached is not None:
            return cached
        if lossy or _may_align(q, qk, c, ck):
            result = _token_similarity(q, qk, c, ck, lossy)
        else:
            result = _NO_ALIGNMENT
        if len(self._sim_cache) >= SIM_CACHE_MAX:
            self._sim_cache.clear()  # Bounded: a cache that grows forever is a leak.
        self._sim_cache[(q, c, lossy)] = result
        return result

    def _compare(
        self, query: NormalisedName, query_weights: tuple[float, ...], candidate: _Name
    ) -> tuple[float, tuple[str, ...]]:
        scored = self._score(query, query_weights, candidate, {}, query.compact)
        return scored.score, self._explain(query, candidate, scored)

    def _row(
        self, query: NormalisedName, ct: str, ck: str, lossy: bool
    ) -> tuple[tuple[float, int, str], ...]:
        """The query tokens that listed token ``ct`` aligns with (see ``_Rows``)."""
        row: list[tuple[float, int, str]] = []
        cache = self._sim_cache
        for i, (qt, qk) in enumerate(zip(query.tokens, query.keys, strict=True)):
            cached = cache.get((qt, ct, lossy))
            sim, how = cached if cached else self._token_sim(qt, qk, ct, ck, lossy)
            if sim >= TOKEN_SIM_MIN:
                row.append((sim, -i, how))
        return tuple(row)

    def _score(
        self,
        query: NormalisedName,
        query_weights: tuple[float, ...],
        candidate: _Name,
        rows: _Rows,
        query_compact: str,
    ) -> _Scored:
        """The score alone; explanations are built only for the hits (see ``_explain``).

        ``rows`` holds this query's token rows across candidates: names share tokens, so each
        listed token is compared with the query once per screening.
        """
        c = candidate.norm
        lossy = query.lossy or candidate.lossy
        pairs: list[tuple[float, int, int, str]] = []
        for j, ct in candidate.positions:
            row = rows.get((ct, lossy))
            if row is None:
                row = rows[(ct, lossy)] = self._row(query, ct, c.keys[j], lossy)
            for sim, neg_i, how in row:
                pairs.append((sim, neg_i, -j, how))
        # Best pairs first, ties to the earliest tokens (hence the negated positions, which
        # let the tuples sort in C without a key function).
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
        q_weights, c_weights = query_weights, candidate.weights
        c_total = candidate.weight_total
        if candidate.has_patronym or ROLE_PATRONYM in query.roles:
            q_weights, c_weights = _patronym_weights(query, q_weights, used_q, c, c_weights, used_c)
            c_total = sum(c_weights)
        query_total = sum(q_weights) or 1.0
        cover_q = sum(s * q_weights[i] for s, i, _, _ in aligned) / query_total
        cover_c = sum(s * c_weights[j] for s, _, j, _ in aligned) / (c_total or 1.0)
        score = QUERY_COVER_SHARE * cover_q + (1 - QUERY_COVER_SHARE) * cover_c
        # Joined spelling only where word breaks differ ("Akhund Zada", "Xi Jin Ping"): with the
        # same number of words the token alignment already says everything, with weights.
        spacing = False
        if len(query.tokens) != len(c.tokens):
            compact = Indel.normalized_similarity(query_compact, candidate.compact)
            compact *= COMPACT_FACTOR
            if lossy:
                keys = Indel.normalized_similarity(
                    broad_key("".join(query.keys)), candidate.broad_joined
                )
                compact = max(compact, keys * COMPACT_KEY_FACTOR)
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
            for sim, i, j, how in sorted(scored.aligned, key=lambda p: p[1]):
                qt, ct = query.tokens[i], c.tokens[j]
                if how == "exact":
                    why.append(f"token '{qt}' = '{ct}'")
                else:
                    why.append(f"token '{qt}' ~ '{ct}' ({how}, {sim:.2f})")
            order = [j for _, _, j in sorted((i, s, j) for s, i, j, _ in scored.aligned)]
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
_H_MARKED = frozenset("cstkpgdz")


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _fold_vowels(token: str) -> str:
    for old, new in _VOWEL_FOLDS:
        token = token.replace(old, new)
    return token


@functools.lru_cache(maxsize=SIM_CACHE_MAX)
def _drop_marking_h(token: str) -> str:
    """'chun' -> 'cun': an h that only marks the consonant before it (ch, sh, th, kh...)."""
    return "".join(
        ch for i, ch in enumerate(token) if not (ch == "h" and i and token[i - 1] in _H_MARKED)
    )


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


def _sound_len(token: str) -> int:
    return len(_drop_marking_h(token))


def _may_align(q: str, qk: str, c: str, ck: str) -> bool:
    """False only when ``_token_similarity`` (not lossy) is sure to be below TOKEN_SIM_MIN.

    A cheap test in C first: most token pairs a screening meets are plainly different words,
    and the full comparison costs ten times more. It mirrors every way that function can reach
    the minimum: spelling (raw or vowel-folded), the marking-h floor, equal or one-apart keys,
    an initial. Only for pairs that are not lossy (their keys have no wildcard class).
    """
    if len(q) == 1 or Indel.normalized_similarity(q, c) >= TOKEN_SIM_MIN:
        return True
    # Keys written without the wildcard class (which only Arabic script, always lossy, has):
    # equal keys are at distance 0.
    if Indel.distance(qk, ck, score_cutoff=1) <= 1:
        return True
    fq, fc = _fold_vowels(q), _fold_vowels(c)
    if (fq != q or fc != c) and Indel.normalized_similarity(fq, fc) >= TOKEN_SIM_MIN:
        return True
    return _drop_marking_h(q) == _drop_marking_h(c)


def _token_similarity(q: str, qk: str, c: str, ck: str, lossy: bool) -> tuple[float, str]:
    """How alike two tokens are (0-1) and why: spelling, equal or close consonant keys."""
    if q == c:
        return (1.0, "exact")
    spelling = Indel.normalized_similarity(q, c)
    fq, fc = _fold_vowels(q), _fold_vowels(c)
    if fq != q or fc != c:
        spelling = max(spelling, Indel.normalized_similarity(fq, fc))
    sim = spelling
    short = max(len(q), len(c)) <= SHORT_TOKEN_CHARS
    if short:
        # In a short name one letter is a different name (An/Anh, Kiem/Kiet, Ali/Wali).
        sim = max(0.0, 1.0 - 2.0 * (1.0 - sim))
    how = "typo" if sim >= 0.8 else "spelling"
    if not lossy:
        if _syllable_apart(q, c) or _final_ng_nh(q, c):
            return (min(sim, NOT_SAME_SIM), "different syllable")
        if _drop_marking_h(q) == _drop_marking_h(c) and sim < H_VARIANT_SIM:
            return (H_VARIANT_SIM, "spelling")  # Chun/Cun, Sheikh/Shaikh, Che/Je keys.
    # Keys decide only between tokens of similar length: "Ming" and "Minghui" share a broad key
    # but are different given names. Lossy scripts write no vowels: their keys are compared.
    ql, cl = _sound_len(q), _sound_len(c)
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
