"""Turn a name written in any of the region's scripts into comparable tokens and phonetic keys.

The pipeline, in order:
1. NFKC, strip parenthesised notes ("(birth name)").
2. Script-specific fixes before transliteration: Thai and Lao preposed vowels are moved after
   their consonant and Thai silent letters (with thanthakhat) dropped; Arabic "ال" is split off;
   Han runs become "surname givenname"; a few Burmese letters get their usual romanisation.
   Honorifics written in Thai, Lao, Khmer and Burmese script are removed here.
3. anyascii to ASCII, lower case, punctuation to spaces (apostrophes vanish: Ba'asyir = Baasyir).
4. Token rules: honorifics (Haji, Datuk, Tan Sri...), patronymic connectors (bin, binti, bte,
   b., ibn, a/l...), the Arabic article (al-, el-), and "Abdul"-style compounds are normalised,
   and every change is recorded so a hit can say why it matched.
5. A consonant-class key per token (vowels, h, w, y dropped; b/p, f/v, c/k/q, d/t, s/z/x,
   g/j grouped). Abjad scripts write few vowels, so the consonant key is what bridges Arabic
   script and Latin renderings ("mhmd" and "Mohammed" share the key "MT").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

# A payee name longer than this is not a name; refusing it bounds the work per screening.
NAME_CHARS_MAX = 300
TOKENS_MAX = 16
# Names reuse a small vocabulary of words, so per-word results are cached (bounded, pure).
KEY_CACHE_MAX = 65_536


class NameRefusedError(ValueError):
    """The text cannot be screened as a name (empty after normalisation, or too long)."""


HONORIFICS: frozenset[str] = frozenset(
    {
        # Malay and Indonesian: religious and royal/state titles and everyday address.
        "haji",
        "hj",
        "hjh",
        "hajjah",
        "hajah",
        "datuk",
        "dato",
        "datin",
        "tun",
        "tunku",
        "tengku",
        "engku",
        "encik",
        "en",
        "cik",
        "puan",
        "pn",
        "ustaz",
        "ustadz",
        "ustad",
        "ustazah",
        "pak",
        "bapak",
        "bpk",
        "ibu",
        "bu",
        "saudara",
        "sdr",
        "yb",
        "yab",
        "dr",
        "prof",
        "ir",
        "drs",
        # English and generic.
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "sir",
        "madam",
        "mdm",
        "dame",
        "lord",
        "rev",
        # Generational suffixes: lists add or leave out "Jr." freely.
        "jr",
        "jnr",
        "sr",
        "snr",
        # Military and police ranks that some lists and payers put before a name.
        "general",
        "gen",
        "colonel",
        "col",
        "major",
        "maj",
        "captain",
        "capt",
        "lieutenant",
        "lt",
        "sergeant",
        "sgt",
        "commander",
        "cmdr",
        # Arabic and South Asian religious titles used in the lists.
        "sheikh",
        "shaikh",
        "shaykh",
        "sheik",
        "mullah",
        "mulla",
        "maulavi",
        "maulvi",
        "mawlawi",
        "maulana",
        "mawlana",
        "mufti",
        "qari",
        "hafiz",
        "imam",
        "sayyid",
        "alhaj",
        "alhaji",
        # Thai, Lao, Khmer, Burmese, Vietnamese and Filipino address written in Latin letters.
        "khun",
        "nai",
        "nang",
        "nangsao",
        "thao",
        "lok",
        "loksrey",
        "u",
        "daw",
        "ko",
        "ba",
    }
)
# Titles that are also name parts elsewhere (Burmese "U", Vietnamese "Ba", Chinese "Lok"): only
# a title when they open the name.
HONORIFICS_FIRST_ONLY: frozenset[str] = frozenset(
    {"u", "ko", "ba", "lok", "nai", "nang", "khun", "thao", "daw", "en", "pak", "bu", "ibu"}
)
# Two-word titles: removed as a pair so that "Sri" alone (a real given name) survives.
HONORIFIC_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("tan", "sri"),
        ("puan", "sri"),
        ("dato", "sri"),
        ("dato", "seri"),
        ("datuk", "seri"),
        ("datuk", "sri"),
        ("toh", "puan"),
        ("yang", "mulia"),
        ("lok", "srey"),
        ("nang", "sao"),
    }
)
# Words that join a person to a parent. "b" is the Malaysian abbreviation "b." for bin.
CONNECTORS: frozenset[str] = frozenset(
    {"bin", "binti", "binte", "bte", "bt", "bint", "ibn", "abn", "bn", "b", "al", "anak"}
)
# Connectors that are also given names: only a connector between two other tokens.
CONNECTORS_INNER_ONLY: frozenset[str] = frozenset({"ben", "bn", "b", "al", "anak"})
# Arabic article and its sun-letter forms when written as a separate Latin token or prefix.
ARTICLES: frozenset[str] = frozenset(
    {"al", "el", "ul", "ur", "ud", "ad", "ash", "as", "at", "az", "ar", "an", "adh", "ath"}
)
# Abbreviations of Muhammad common in Malaysia, Indonesia and Pakistan.
MUHAMMAD_ABBREVIATIONS: frozenset[str] = frozenset(
    {"mohd", "muhd", "mhd", "moh", "muh", "md", "mohd.", "mod"}
)

_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SLASH_CONNECTOR = re.compile(r"\b(a\s*/\s*l|a\s*/\s*p|s\s*/\s*o|d\s*/\s*o)\b", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['`’‘ʼʻ´\u02bf\u02be]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_OLD_INDONESIAN = (("dj", "j"), ("tj", "c"), ("oe", "u"))
_VOWELS = frozenset("aeiou")
_DIGRAPHS = (
    ("kh", "k"),
    ("sh", "s"),
    ("th", "t"),
    ("dh", "d"),
    ("gh", "g"),
    ("ph", "f"),
    ("ch", "j"),
    ("zh", "z"),
)
# Longest spelling first so "abdurrahman" splits after "abdur", not after "abd".
_ABD_COMPOUND = re.compile(r"^(abdul|abdel|abdal|abdur|abdus|abdu|abdi|abd)(.{3,})$")
_DOUBLED_ABD = re.compile(r"^ab+d+")
_ABD_ALONE = frozenset({"abd", "abdul", "abdel", "abdal", "abdur", "abdus", "abdu", "abdil"})

# Thai and Lao vowels written before the consonant they follow in speech.
_PREPOSED_VOWELS = frozenset("เแโใไເແໂໃໄ")
_THAI_SILENT = "\u0e4c"  # thanthakhat: marks the letter before it as silent in Thai words.
_VOWEL_CARRIER = re.compile(r"(?:(?<=\s)|^)[\u0e2d\u0ead](?=[^\u0e01-\u0e2e\u0e81-\u0eae\s])()")
_SCRIPT_HONORIFICS: tuple[str, ...] = (
    # Longest first so "นางสาว" goes before "นาง".
    "นางสาว",
    "นาย",
    "นาง",
    "คุณ",
    "ด.ช.",
    "ด.ญ.",  # Thai
    "ທ້າວ",
    "ທ່ານ",
    "ນາງ",  # Lao
    "លោកស្រី",
    "អ្នកស្រី",
    "កញ្ញា",
    "លោក",  # Khmer
    "ဦး",
    "ဒေါ်",
    "ကို",  # Burmese
    "先生",
    "女士",
    "小姐",  # Chinese (these follow the name)
)
# Burmese medial ha after ရ/ယ is "sh" (ရှ in ဘာရှီ, Bashir), not "rh".
_BURMESE_DIGRAPHS = (("ရှ", "sh"), ("ယှ", "sh"))
_BURMESE_LETTERS = {"စ": "s", "ဆ": "s", "ဇ": "z", "ဈ": "z", "ဘ": "b", "ဗ": "b", "ည": "ny", "အ": "a"}
_LAO_LETTERS = {"ຊ": "s"}  # anyascii writes ຊ as "x" (Lao romanisation); names mean "s".
# Arabic letters that anyascii writes as two Latin letters (ث "th", خ "kh") are mapped to one
# first, so that the key never reads a t-h pair as the digraph "th" (طاهر is t-a-h-r, Tahir).
# ث, ذ, ض and ظ are read as t/d in Arabic and as s/z in Persian, Urdu and Pashto (ثاقب is
# Saqib, ضیا is Zia, ظاهر is Dahir or Zahir): they become "x", which the key writes as the
# class "D", equal to both T and S (see ``keys_equal``). No Arabic letter gives Latin "x".
_ARABIC_LETTERS = {
    "ث": "x",
    "ذ": "x",
    "ش": "s",
    "خ": "k",
    "غ": "g",
    "ض": "x",
    "ظ": "x",
    "ص": "s",
    "ط": "t",
    "ح": "h",
    "ق": "q",
    "ع": "",
    "ء": "",
    "ئ": "",
    "ؤ": "",
    "ة": "",
    "ى": "",
    "پ": "p",
    "چ": "j",
    "ژ": "z",
    "ک": "k",
    "گ": "g",
    "ﺁ": "a",
}
_HAN_DOTS = "·・•‧.．"
_ARABIC_ARTICLE = "ال"
_ABD_ARTICLE = "عبدال"
_ARABIC_INITIAL_VOWELS = frozenset("اأإآٱع")

_KEY_CLASSES = str.maketrans(
    {
        "b": "B",
        "p": "B",
        "f": "F",
        "v": "F",
        "c": "K",
        "k": "K",
        "q": "K",
        "g": "J",
        "j": "J",
        "d": "T",
        "t": "T",
        "s": "S",
        "z": "S",
        "x": "S",
        "l": "L",
        "r": "R",
        "m": "M",
        "n": "N",
        "h": "H",
        "a": None,
        "e": None,
        "i": None,
        "o": None,
        "u": None,
        "y": None,
        "w": None,
    }
)

_KEY_CLASSES.update(str.maketrans(dict.fromkeys("0123456789")))
# In Arabic script "x" stands for a letter read either way (see _ARABIC_LETTERS).
WILDCARD_CLASS = "D"
_ARABIC_KEY_CLASSES = {**_KEY_CLASSES, ord("x"): WILDCARD_CLASS}
# The same tables for ASCII bytes (tokens are ASCII after transliteration): bytes.translate is
# several times cheaper than str.translate with a dict, and keys are computed for every new word.
_KEY_BYTES_FROM = bytes(k for k, v in _KEY_CLASSES.items() if v is not None)
_KEY_BYTES = bytes.maketrans(
    _KEY_BYTES_FROM, "".join(str(_KEY_CLASSES[k]) for k in _KEY_BYTES_FROM).encode("ascii")
)
_ARABIC_KEY_BYTES = bytes.maketrans(
    _KEY_BYTES_FROM + b"x",
    "".join(str(_ARABIC_KEY_CLASSES[k]) for k in (*_KEY_BYTES_FROM, ord("x"))).encode("ascii"),
)
_KEY_BYTES_DROPPED = bytes(k for k, v in _KEY_CLASSES.items() if v is None)


def key_variants(key: str) -> tuple[str, ...]:
    """The readings of a key: a wildcard class "D" read as T, or as S."""
    if WILDCARD_CLASS not in key:
        return (key,)
    return (key.replace(WILDCARD_CLASS, "T"), key.replace(WILDCARD_CLASS, "S"))


def keys_equal(a: str, b: str) -> bool:
    """Equal keys, a wildcard class "D" being equal to both T and S."""
    if a == b:
        return True
    if len(a) != len(b) or (WILDCARD_CLASS not in a and WILDCARD_CLASS not in b):
        return False
    return all(
        x == y or (x == WILDCARD_CLASS and y in "TSD") or (y == WILDCARD_CLASS and x in "TS")
        for x, y in zip(a, b, strict=True)
    )


ROLE_NAME = "name"
ROLE_TITLE = "title"
ROLE_PATRONYM = "patronym"
# Han is lossy only when it transcribes a foreign name (parts joined by a middle dot); a
# Chinese person's name in Han maps exactly onto its pinyin.
LOSSY_SCRIPTS: frozenset[str] = frozenset(
    {"arabic", "thai", "lao", "khmer", "burmese", "han-transcription"}
)
_BROAD = str.maketrans({"J": "K", "R": "L", "F": "B", "H": None})
_BROAD_BYTES = bytes.maketrans(b"JRF", b"KLB")


@functools.lru_cache(maxsize=KEY_CACHE_MAX)
def broad_key(key: str) -> str:
    """A key with the distinctions that lossy scripts cannot write merged (g/k, r/l, f/p, h)."""
    if key.isascii():
        merged = key.encode("ascii").translate(_BROAD_BYTES, b"H").decode("ascii")
    else:
        merged = key.translate(_BROAD)
    out: list[str] = []
    for ch in merged:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)  # Collapsing in this loop is faster than groupby or a regex here.


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A name as comparable ASCII tokens, their phonetic keys, and what was removed and why."""

    original: str
    tokens: tuple[str, ...]
    keys: tuple[str, ...]
    # The role of each token: ROLE_NAME, ROLE_TITLE or ROLE_PATRONYM. Titles stay as tokens
    # rather than vanish ("Pak" is a Korean surname as well as an Indonesian title) so they may
    # align when the other side has them, and cost almost nothing when it does not. Words after
    # bin/binti/ibn/a/l name the father, which lists often leave out, so they count for less.
    roles: tuple[str, ...]
    notes: tuple[str, ...]
    scripts: frozenset[str]

    @property
    def compact(self) -> str:
        if ROLE_TITLE not in self.roles:
            return "".join(self.tokens)
        return "".join(t for t, r in zip(self.tokens, self.roles, strict=True) if r != ROLE_TITLE)

    @property
    def lossy(self) -> bool:
        """Written in a script that cannot spell Latin names exactly (no vowels in Arabic, no
        g/k or r/l distinction in some Brahmic scripts and Han), so keys decide, broadly."""
        return not self.scripts.isdisjoint(LOSSY_SCRIPTS)


def script_of(char: str) -> str | None:
    """The script of a letter, by code point block; None for ASCII and punctuation."""
    cp = ord(char)
    if cp < 0x80:
        return None
    if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF:
        return "arabic"
    if 0x0E00 <= cp <= 0x0E7F:
        return "thai"
    if 0x0E80 <= cp <= 0x0EFF:
        return "lao"
    if 0x1780 <= cp <= 0x17FF or 0x19E0 <= cp <= 0x19FF:
        return "khmer"
    if 0x1000 <= cp <= 0x109F or 0xAA60 <= cp <= 0xAA7F:
        return "burmese"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF:
        return "han"
    if 0x0400 <= cp <= 0x04FF:
        return "cyrillic"
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF:
        return "hangul"
    if 0x00C0 <= cp <= 0x024F or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    return None


def phonetic_key(token: str, *, digraphs: bool = True) -> str:
    """Consonant classes of an ASCII token with repeats collapsed ("mohammed" -> "MHMT").

    An "h" is kept where it is a consonant of its own (Hamid, Ahmad, Muhammad: Arabic writes it)
    and dropped where it only marks another consonant (kh, sh, th, dh, gh, ph, ch) or ends the
    word (the Arabic ta marbuta: Hamzah = Hamza). ``digraphs=False`` is for tokens read from
    Arabic script, where "x" stands for a letter read as t or s (see ``WILDCARD_CLASS``).
    """
    return latin_key(token) if digraphs else arabic_key(token)


@functools.lru_cache(maxsize=KEY_CACHE_MAX)
def latin_key(token: str) -> str:
    """``phonetic_key(token)``, cached per token (names reuse a small vocabulary)."""
    # Every pair replaced below holds a "j" (dj, tj) or is "oe"; every digraph holds an "h".
    if "j" in token or "oe" in token:
        for old, new in _OLD_INDONESIAN:
            token = token.replace(old, new)
    if "h" in token:
        for old, new in _DIGRAPHS:
            token = token.replace(old, new)
    return _classes(token, _KEY_CLASSES, _KEY_BYTES)


@functools.lru_cache(maxsize=KEY_CACHE_MAX)
def arabic_key(token: str) -> str:
    """``phonetic_key(token, digraphs=False)``, cached per token."""
    return _classes(token, _ARABIC_KEY_CLASSES, _ARABIC_KEY_BYTES)


def _classes(token: str, table: dict[int, str | None], table_bytes: bytes) -> str:
    if len(token) > 2 and token[-1] == "h" and token[-2] in _VOWELS:
        token = token[:-1]  # Arabic ta marbuta (Hamzah = Hamza), but Vietnamese "Anh" keeps it.
    # Digits are dropped by the table; a leading vowel is kept as "V": it separates Ahmad from
    # Hamid and Ali from Li, and Arabic script keeps it too (a word-initial alif or ain is read
    # as "a", see _fix_arabic).
    out: list[str] = ["V"] if token[:1] in _VOWELS else []
    if token.isascii():
        classes = token.encode("ascii").translate(table_bytes, _KEY_BYTES_DROPPED).decode("ascii")
    else:
        classes = token.translate(table)
    for ch in classes:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _fix_thai_lao(text: str) -> str:
    chars = list(text)
    out: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch == _THAI_SILENT:
            # Keep the letter under a thanthakhat: in a foreign name (อุมาร์, Umar) it is the
            # source spelling, which is what the Latin rendering on a list keeps too.
            i += 1
            continue
        if ch in _PREPOSED_VOWELS and i + 1 < len(chars) and chars[i + 1].isalpha():
            # Written before the consonant, spoken after it: เด is "de", not "ed".
            out.append(chars[i + 1])
            out.append(ch)
            i += 2
            continue
        out.append(ch)
        i += 1
    # A word-initial อ/ອ before a vowel only carries that vowel (อุมา is "uma", not "ouma").
    fixed = "".join(out)
    return _VOWEL_CARRIER.sub(lambda m: m.group(1), fixed)


def _fix_han(text: str) -> str:
    """Han names: dots separate foreign-name parts; a bare 2-4 character run is surname + given."""
    has_dots = any(d in text for d in _HAN_DOTS)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        syllables = [anyascii(c) for c in run]
        if not has_dots and 2 <= len(run) <= 4:
            out.append(" " + syllables[0] + " " + "".join(syllables[1:]) + " ")
        else:
            out.append(" " + "".join(syllables) + " ")
        run.clear()

    for ch in text:
        if script_of(ch) == "han":
            run.append(ch)
        else:
            flush()
            out.append(" " if ch in _HAN_DOTS else ch)
    flush()
    return "".join(out)


def _fix_arabic(text: str, notes: list[str]) -> str:
    words = text.split()
    out: list[str] = []
    for word in words:
        if word.startswith(_ABD_ARTICLE) and len(word) > len(_ABD_ARTICLE) + 1:
            # عبدالغفار is عبد + الغفار written as one word: split it so the article goes.
            out.append("abd")
            word = word[len("عبد") :]
        if word.startswith(_ARABIC_ARTICLE) and len(word) > 3:
            notes.append("article 'al' ignored")
            word = word[len(_ARABIC_ARTICLE) :]
            if word in ("له", "لّه"):
                word = "allah"  # الله: the article belongs to the word; Latin writes "Allah".
        if word[:1] in _ARABIC_INITIAL_VOWELS:
            # Word-initial alif, hamza-alif and ain are spoken as a vowel that anyascii drops;
            # Latin renderings begin with it (Ahmad, Usama, Umar, Abd).
            word = "a" + word[1:]
        out.append(word)
    return " ".join(out)


# Compound endings that Arabic and Persian script write as a separate word (-ullah = الله,
# -uddin = الدين, -zada = زاده); splitting them lets both renderings align word by word.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ullah", "allah"),
    ("ollah", "allah"),
    ("allah", "allah"),
    ("ulla", "allah"),
    ("uddin", "din"),
    ("uddeen", "din"),
    ("eddine", "din"),
    ("eddin", "din"),
    ("addin", "din"),
    ("iddin", "din"),
    ("zadah", "zada"),
    ("zadeh", "zada"),
    ("zada", "zada"),
)
# "lh" and "llh": Arabic script without vowels (عبدلله).
_ALLAH = frozenset({"lah", "llah", "allah", "ullah", "ulla", "ollah", "ullo", "lh", "llh"})


def _split_abd(token: str) -> list[str]:
    """'abdurrahman' -> ['abd', 'rahman']: the article inside Abd-compounds is spelled many ways."""
    if token.startswith("ab") and len(token) > 3 and (token[2] == "b" or token[3] == "d"):
        token = _DOUBLED_ABD.sub("abd", token)  # A doubled letter ("abbdul") is a typo.
    if token in _ABD_ALONE:
        return ["abd"]
    m = _ABD_COMPOUND.match(token)
    if m is None:
        return [token]
    rest = m.group(2)
    if len(rest) >= 2 and rest[0] == rest[1]:
        rest = rest[1:]  # Sun-letter assimilation doubles the consonant: abdu-rrahman.
    if rest.startswith(("al", "el", "ul")) and len(rest) > 4:
        rest = rest[2:]
    return ["abd", "allah" if rest in _ALLAH else rest]


def normalise_name(raw: str) -> NormalisedName:
    """Normalise one name; raises NameRefusedError for empty or oversized input."""
    if len(raw) > NAME_CHARS_MAX:
        raise NameRefusedError(f"name_too_long: {len(raw)} characters, at most {NAME_CHARS_MAX}")
    notes: list[str] = []
    # ASCII is already NFKC and needs no script handling: the common case skips that work.
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    if "(" in text or "[" in text:
        text = _PARENTHESES.sub(" ", text)
    scripts = (
        frozenset()
        if text.isascii()
        else frozenset(s for s in map(script_of, text) if s is not None)
    )
    for honorific in () if not scripts else _SCRIPT_HONORIFICS:
        if honorific in text:
            text = text.replace(honorific, " ")
            notes.append(f"honorific '{anyascii(honorific).lower()}' ignored")
    if "thai" in scripts or "lao" in scripts:
        text = _fix_thai_lao(text)
    if "burmese" in scripts:
        for old, new in _BURMESE_DIGRAPHS:
            text = text.replace(old, new)
        text = "".join(_BURMESE_LETTERS.get(ch, ch) for ch in text)
    if "lao" in scripts:
        text = "".join(_LAO_LETTERS.get(ch, ch) for ch in text)
    if "arabic" in scripts:
        text = _fix_arabic(text, notes)
        text = "".join(_ARABIC_LETTERS.get(ch, ch) for ch in text)
    if "han" in scripts:
        if any(d in text for d in _HAN_DOTS):
            scripts = scripts | {"han-transcription"}
        text = _fix_han(text)
    if "/" in text:
        text = _SLASH_CONNECTOR.sub(" al ", text)  # a/l, s/o...: a connector between names.
    ascii_text = (text if text.isascii() else anyascii(text)).lower()
    ascii_text = _APOSTROPHES.sub("", ascii_text)
    words = list(filter(None, _NON_ALNUM.split(ascii_text)))
    marked = _token_rules(words, notes)
    if not marked:
        raise NameRefusedError("name_is_empty: nothing left to compare after normalisation")
    tokens, roles = zip(*marked, strict=True)
    if ROLE_NAME not in roles and ROLE_PATRONYM not in roles:
        # Only titles ("Haji", "Pak"): then they are the name.
        roles = (ROLE_NAME,) * len(tokens)
    tokens, roles = tokens[:TOKENS_MAX], roles[:TOKENS_MAX]
    keys = tuple(map(arabic_key if "arabic" in scripts else latin_key, tokens))
    return NormalisedName(raw, tokens, keys, roles, tuple(notes), scripts)


@functools.lru_cache(maxsize=KEY_CACHE_MAX)
def _split_suffix(token: str) -> tuple[str, ...]:
    """'habibullah' -> ['habib', 'allah']: Arabic script writes these compounds as two words."""
    for suffix, word in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return (token[: -len(suffix)], word)
    return (token,)


@functools.lru_cache(maxsize=KEY_CACHE_MAX)
def _word_parts(word: str) -> tuple[str, ...]:
    """A plain word split into its Abd- and suffix parts ('abdurrahman' -> 'abd', 'rahman')."""
    return tuple(p for part in _split_abd(word) for p in _split_suffix(part))


# Words some rule of ``_token_rules`` treats specially; every other word is only split.
_SPECIAL_WORDS: frozenset[str] = frozenset(
    HONORIFICS
    | CONNECTORS
    | ARTICLES
    | MUHAMMAD_ABBREVIATIONS
    | _ALLAH
    | {"ben"}
    | {first for first, _ in HONORIFIC_PAIRS}
)


def _token_rules(words: list[str], notes: list[str]) -> list[tuple[str, str]]:
    """Tokens with their roles; connectors and articles removed."""
    out: list[tuple[str, str]] = []
    role = ROLE_NAME
    i = 0
    n = len(words)
    while i < n:
        w = words[i]
        if w not in _SPECIAL_WORDS:
            # Most words are none of the special ones below: their parts are cached per word.
            parts = _word_parts(w)
            if len(parts) == 1:
                out.append((parts[0], role))
            else:
                out.extend((p, role) for p in parts)
            i += 1
            continue
        if i + 1 < n and (w, words[i + 1]) in HONORIFIC_PAIRS and n > 2:
            notes.append(f"honorific '{w} {words[i + 1]}' ignored")
            out.extend([(w, ROLE_TITLE), (words[i + 1], ROLE_TITLE)])
            i += 2
            continue
        if w in HONORIFICS and n > 1 and not (w in HONORIFICS_FIRST_ONLY and out):
            notes.append(f"honorific '{w}' ignored")
            out.append((w, ROLE_TITLE))
            i += 1
            continue
        inner = 0 < i < n - 1
        if w in CONNECTORS and (inner or w not in CONNECTORS_INNER_ONLY) and n > 1:
            if w in ARTICLES:
                notes.append(f"article '{w}' ignored")
            else:
                notes.append(f"connector '{w}' ignored")
                role = ROLE_PATRONYM
            i += 1
            continue
        if w == "ben" and inner:
            notes.append("connector 'ben' ignored")
            role = ROLE_PATRONYM
            i += 1
            continue
        if w in ARTICLES and i < n - 1 and n > 1 and w not in {"as", "at", "an"}:
            notes.append(f"article '{w}' ignored")
            i += 1
            continue
        if w in MUHAMMAD_ABBREVIATIONS:
            notes.append(f"'{w}' read as 'muhammad'")
            out.append(("muhammad", role))
            i += 1
            continue
        if w in _ALLAH and out:
            out.append(("allah", role))  # "Abd Ullah", "Abdul Lah": one god, many spellings.
            i += 1
            continue
        for part in _split_abd(w):
            out.extend((p, role) for p in _split_suffix(part))
        i += 1
    return out
