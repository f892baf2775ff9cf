"""Payee verification: does the name the sender typed belong to the account's holder?

Answers as the EU verification-of-payee scheme (and ISO 20022 acmt.024) do:

- ``MTCH`` the names are the same once case, diacritics, word order, honorifics and script are
  set aside ("Tô Phương Thảo" = "to phuong thao"; "Surachai Thongkham" = "สุรชัย ทองคำ");
- ``CMTC`` close: a typo, a missing middle name or patronym ("Nur Aisyah" for "Nur Aisyah
  binti Rahman"), or a name that fits the masked registered name; the sender is shown the
  registered name *masked*, never in full;
- ``NMTC`` another name;
- ``NOAP`` a comparison is not possible (no account holder, or no usable name on one side).

Unlike sanctions screening, tokens missing on either side count against the match: a payee
check must tell "Nur Aisyah" from "Nur Aisyah binti Rahman", and a sanctions screen must not.
Pure: the matcher's normalisation and rapidfuzz, no I/O.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from anyascii import anyascii
from rapidfuzz.distance import Indel

from lintas.matching.normalise import (
    ROLE_NAME,
    ROLE_PATRONYM,
    ROLE_TITLE,
    NameRefusedError,
    NormalisedName,
    broad_key,
    normalise_name,
)

#: Scores (0-1) from which the names are the same (MTCH) or close (CMTC).
MATCH_SCORE_MIN: Final = 0.95
CLOSE_SCORE_MIN: Final = 0.75
#: Token similarity below which two tokens are different names, not a variant.
TOKEN_SIM_MIN: Final = 0.7
#: Equal consonant keys: same name across a script that cannot spell vowels exactly.
LOSSY_SAME_KEY_SIM: Final = 0.95
#: Equal consonant keys in the same (Latin) script with different spelling: a variant.
SAME_KEY_SIM: Final = 0.85
SAME_KEY_SPELLING_MIN: Final = 0.6
#: Whole-name comparison (word breaks differ: "Xuan Xiao" / "Xuanxiao") is discounted a little.
COMPACT_FACTOR: Final = 0.97
COMPACT_KEY_FACTOR: Final = 0.9
#: A name that fits the destination's masked name exactly is at least a close match.
MASK_FIT_SCORE: Final = CLOSE_SCORE_MIN
ROLE_WEIGHT: Final = {ROLE_NAME: 1.0, ROLE_PATRONYM: 0.5, ROLE_TITLE: 0.1}
#: Verifications remembered (bounded): a payee is checked at resolve and again in the payment.
VERIFY_CACHE_MAX: Final = 65_536
MASK_CHAR: Final = "*"


class VerificationResult(StrEnum):
    """The verification-of-payee answer codes."""

    MATCH = "MTCH"
    CLOSE_MATCH = "CMTC"
    NO_MATCH = "NMTC"
    NOT_POSSIBLE = "NOAP"


@dataclass(frozen=True, slots=True)
class Verification:
    """An answer, its score, what the sender may be shown, and why."""

    result: VerificationResult
    score: float
    #: The registered name, masked, shown to the sender on a close match (else None).
    name_shown: str | None
    explanation: tuple[str, ...]


def mask_name(name: str) -> str:
    """The first word, then each other word's initial and stars (one per hidden character)."""
    words = name.split()
    if not words:
        return ""
    return " ".join([words[0], *(w[0] + MASK_CHAR * max(1, len(w) - 1) for w in words[1:])])


def verify_payee(
    expected: str | None, registered: str | None, *, masked: str | None = None
) -> Verification:
    """Compare the name the sender ``expected`` with the ``registered`` holder's full name.

    ``masked`` is the destination's own masked form of the registered name (shown on CMTC and
    used as evidence when the scripts differ); without it the name is masked here.
    """
    return _verify(expected or "", registered or "", masked or "")


@functools.lru_cache(maxsize=VERIFY_CACHE_MAX)
def _verify(expected: str, registered: str, masked: str) -> Verification:
    if not registered.strip():
        return Verification(VerificationResult.NOT_POSSIBLE, 0.0, None, ("no registered name",))
    if not expected.strip():
        return Verification(VerificationResult.NOT_POSSIBLE, 0.0, None, ("no name to compare",))
    try:
        q = normalise_name(expected)
        c = normalise_name(registered)
    except NameRefusedError as e:
        return Verification(VerificationResult.NOT_POSSIBLE, 0.0, None, (f"name refused: {e}",))
    score, why = _score(q, c)
    shown_mask = masked or mask_name(registered)
    if score < MASK_FIT_SCORE and _fits_mask(expected, shown_mask):
        score = MASK_FIT_SCORE
        why = (*why, f"fits the masked registered name '{shown_mask}'")
    score = round(score, 4)
    why = (*why, f"score {score:.2f}")
    if score >= MATCH_SCORE_MIN:
        return Verification(VerificationResult.MATCH, score, None, why)
    if score >= CLOSE_SCORE_MIN:
        return Verification(VerificationResult.CLOSE_MATCH, score, shown_mask, why)
    return Verification(VerificationResult.NO_MATCH, score, None, why)


def _token_sim(qt: str, qk: str, ct: str, ck: str, lossy: bool) -> tuple[float, str]:
    if qt == ct:
        return 1.0, "exact"
    spelling = Indel.normalized_similarity(qt, ct)
    if qk and qk == ck:
        if lossy:
            return max(spelling, LOSSY_SAME_KEY_SIM), "same sound across scripts"
        if spelling >= SAME_KEY_SPELLING_MIN:
            return max(spelling, SAME_KEY_SIM), "same sound"
    if lossy and qk and ck and broad_key(qk) == broad_key(ck):
        return max(spelling, SAME_KEY_SIM), "close sound across scripts"
    return spelling, "typo" if spelling >= 0.8 else "spelling"


def _score(q: NormalisedName, c: NormalisedName) -> tuple[float, tuple[str, ...]]:
    lossy = q.lossy or c.lossy
    pairs: list[tuple[float, int, int, str]] = []
    for i, (qt, qk) in enumerate(zip(q.tokens, q.keys, strict=True)):
        for j, (ct, ck) in enumerate(zip(c.tokens, c.keys, strict=True)):
            sim, how = _token_sim(qt, qk, ct, ck, lossy)
            if sim >= TOKEN_SIM_MIN:
                pairs.append((sim, -i, -j, how))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    why: list[str] = []
    covered = 0.0
    for sim, neg_i, neg_j, how in pairs:
        i, j = -neg_i, -neg_j
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        w = ROLE_WEIGHT[q.roles[i]] + ROLE_WEIGHT[c.roles[j]]
        covered += sim * w
        qt, ct = q.tokens[i], c.tokens[j]
        why.append(f"'{qt}' = '{ct}'" if how == "exact" else f"'{qt}' ~ '{ct}' ({how}, {sim:.2f})")
    total = sum(ROLE_WEIGHT[r] for r in q.roles) + sum(ROLE_WEIGHT[r] for r in c.roles)
    score = covered / (total or 1.0)
    missing_q = [t for i, t in enumerate(q.tokens) if i not in used_q]
    missing_c = [t for j, t in enumerate(c.tokens) if j not in used_c]
    if missing_q:
        why.append("not in the registered name: " + ", ".join(missing_q))
    if missing_c:
        why.append("missing from the given name: " + ", ".join(missing_c))
    if len(q.tokens) != len(c.tokens) or (missing_q and missing_c):
        # Word breaks differ ("Xuan Xiao" / "Xuanxiao", Burmese written without spaces).
        compact = Indel.normalized_similarity(q.compact, c.compact) * COMPACT_FACTOR
        if lossy:
            keys = Indel.normalized_similarity(
                broad_key("".join(q.keys)), broad_key("".join(c.keys))
            )
            compact = max(compact, keys * COMPACT_KEY_FACTOR)
        if compact > score:
            score = compact
            why = [f"whole name '{q.compact}' ~ '{c.compact}' ({compact:.2f})"]
    return min(1.0, score), tuple(why)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return anyascii(plain).casefold()


def _fits_mask(expected: str, masked: str) -> bool:
    """True when ``expected`` has the masked name's first word, and each other word its
    initial and length ("Goh Xuan Xiao" fits "Goh X*** X***")."""
    given, shown = _fold(expected).split(), masked.split()
    if len(given) != len(shown) or len(shown) < 2:
        return False
    if given[0] != _fold(shown[0]):
        return False
    for g, s in zip(given[1:], shown[1:], strict=True):
        if not s.endswith(MASK_CHAR) or len(g) != len(s) or g[0] != _fold(s[0]):
            return False
    return True
