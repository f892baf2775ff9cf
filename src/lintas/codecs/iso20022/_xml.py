"""Hardened XML parsing, and the small reader/writer helpers every message module uses.

The parser never resolves entities, never touches the network, never loads a DTD and
refuses any DOCTYPE outright, so billion-laughs and external-entity payloads are refused
before they can cost anything. Size and depth have named limits.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Final

from lxml import etree

from lintas.codecs.iso20022.errors import (
    ForbiddenConstruct,
    MalformedXml,
    MessageTooLarge,
    SchemaInvalid,
    SchemaProblem,
    UnknownMessage,
    UsageRuleViolated,
)
from lintas.domain.money import (
    AMOUNT_MINOR_MAX,
    CURRENCY_EXPONENTS,
    CurrencyCode,
    Money,
    MoneyError,
    parse_amount,
)

#: The largest message accepted, checked before any parsing work is done.
MESSAGE_BYTES_MAX: Final[int] = 256 * 1024
#: The deepest element nesting accepted. The deepest path Lintas writes (a camt.053
#: entry's UETR inside an envelope) is 10 levels; the official schemas allow ~20.
DEPTH_MAX: Final[int] = 32
#: libxml2 refuses nesting beyond 256 on its own; our limit must be the one that bites.
assert DEPTH_MAX < 256

UETR_PATTERN: Final = re.compile(
    r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}"
)
BIC_PATTERN: Final = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
#: BICs found well-formed already, remembered because the same few participants' BICs are
#: in every message; forgotten wholesale when full.
_BICS_SEEN: Final[set[str]] = set()
BICS_SEEN_MAX: Final[int] = 4096
_RATE_PATTERN: Final = re.compile(r"[0-9]{1,11}(?:\.[0-9]{1,10})?")
# Control characters (other than tab and newline) cannot round-trip through XML text.
_TEXT_FORBIDDEN: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_local = threading.local()
# One XPath evaluated in C: true when any element sits deeper than DEPTH_MAX.
_TOO_DEEP: Final = etree.XPath("boolean(" + "/*" * (DEPTH_MAX + 1) + ")")


def is_bic(value: str) -> bool:
    """Whether ``value`` is a BICFI (``BIC_PATTERN``)."""
    if value in _BICS_SEEN:
        return True
    if BIC_PATTERN.fullmatch(value) is None:
        return False
    if len(_BICS_SEEN) >= BICS_SEEN_MAX:
        _BICS_SEEN.clear()
    _BICS_SEEN.add(value)
    return True


def are_bics(values: tuple[str | None, ...]) -> bool:
    """Whether every one of ``values`` is a BICFI already seen; False says "check each"."""
    return _BICS_SEEN.issuperset(values)


def _parser() -> etree.XMLParser:
    # lxml parser objects must not be shared between threads: one per thread.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_hardened(xml: bytes, *, check_depth: bool = True) -> etree._Element:
    """Parse untrusted bytes into an element tree, or raise a typed ``Iso20022Error``.

    ``check_depth=False`` is for callers that index every element right after parsing:
    ``Shape.part`` refuses nesting deeper than ``DEPTH_MAX`` as it works out the paths, so
    the separate depth query would only repeat that work.
    """
    if not isinstance(xml, bytes | bytearray):
        raise MalformedXml(f"an XML message must be bytes, not {type(xml).__name__}")
    if len(xml) > MESSAGE_BYTES_MAX:
        raise MessageTooLarge(
            f"message is {len(xml)} bytes; the limit is {MESSAGE_BYTES_MAX} bytes"
        )
    # Refuse a declaration before parsing so that no entity table is ever built. One scan
    # for "<!" finds both; only a message that has one (a comment, CDATA) is scanned again.
    if b"<!" in xml and (b"<!DOCTYPE" in xml or b"<!ENTITY" in xml):
        raise ForbiddenConstruct("DOCTYPE and entity declarations are refused")
    try:
        root = etree.fromstring(xml if type(xml) is bytes else bytes(xml), _parser())
    except etree.XMLSyntaxError as error:
        raise MalformedXml(f"not well-formed XML: {error}") from None
    except (ValueError, LookupError) as error:  # e.g. an unknown declared encoding.
        raise MalformedXml(f"not readable XML: {error}") from None
    if root is None:
        raise MalformedXml("empty document")
    # The pre-scan above covers UTF-8 (and every ASCII-compatible encoding); a DOCTYPE in
    # another encoding (UTF-16, UTF-7...) is caught here. Without a DTD there can be no
    # entity declaration, and an undeclared reference is already a syntax error, so no
    # entity node can reach the tree: no separate search for them is needed.
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ForbiddenConstruct("DOCTYPE and entity declarations are refused")
    if check_depth and _TOO_DEEP(root):
        raise ForbiddenConstruct(f"elements nest deeper than {DEPTH_MAX} levels")
    return root


def local_name(element: etree._Element) -> str:
    """The tag of ``element`` without its namespace."""
    tag = element.tag
    assert isinstance(tag, str)
    return tag.rsplit("}", 1)[-1]


def namespace_of(element: etree._Element) -> str | None:
    """The namespace URI of ``element``, or ``None``."""
    tag = element.tag
    assert isinstance(tag, str)
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


#: Elements one message may hold; far above what a 256 KiB message of ours contains.
ELEMENTS_MAX: Final[int] = 20_000
#: Messages with at most this many elements have their shape remembered (see ``Shape``); a
#: pacs.008 with its AppHdr has about 90.
SHAPE_ELEMENTS_MAX: Final[int] = 256
#: Shapes remembered at most; the memory is forgotten wholesale when it is full. A shape
#: holds its key (the tags, ~70 bytes each), paths and positions: at most ~70 KB, so the
#: memory stays under ~20 MB however many shapes senders use.
SHAPES_MAX: Final[int] = 256
#: Distinct tuples of keys one part is read with, at most (readers use a few constants).
PLANS_MAX: Final[int] = 64

_TAG: Final = attrgetter("tag")


class Node:
    """An element and its path of local names inside one message part (``A/B#1/C``).

    The first of several same-named siblings is ``B``, the next ``B#1`` and so on, so a
    lookup below any node is one dictionary access rather than a tree search: lxml's
    ``find`` costs microseconds per call, which dominated reading a message. ``index``
    maps every path of the part to its element; ``counts`` holds, for the paths of
    repeated siblings only, how many there are.
    """

    __slots__ = ("counts", "element", "index", "key")

    def __init__(
        self,
        index: dict[str, etree._Element],
        counts: dict[str, int],
        key: str,
        element: etree._Element,
    ):
        self.index = index
        self.counts = counts
        self.key = key
        self.element = element


class Part:
    """Where one part of a message (its ``AppHdr`` or its ``Document``) sits in the list of
    the message's elements in document order, and the path of each of its elements."""

    __slots__ = ("counts", "end", "paths", "plans", "positions", "start")

    def __init__(self, start: int, end: int, paths: tuple[str, ...], counts: dict[str, int]):
        self.start = start
        self.end = end
        self.paths = paths
        self.counts = counts
        #: Path -> position in the message's element list.
        self.positions = {path: start + i for i, path in enumerate(paths)}
        #: Keys -> their positions (-1: absent), for the few key tuples readers use.
        self.plans: dict[tuple[str, ...], tuple[int, ...]] = {}

    def node(self, elements: list[etree._Element]) -> Node:
        """The part of this message (``elements``, in document order) as an indexed ``Node``."""
        part = elements[self.start : self.end]
        return Node(dict(zip(self.paths, part, strict=True)), self.counts, "", part[0])

    def plan(self, keys: tuple[str, ...]) -> tuple[int, ...]:
        """Where each of ``keys`` is (-1 where absent), worked out once per shape."""
        found = self.plans.get(keys)
        if found is None:
            # Bounded: readers pass only their own constant tuples of keys.
            assert len(self.plans) < PLANS_MAX, "readers pass constant tuples of keys"
            positions = self.positions
            found = self.plans[keys] = tuple(positions.get(key, -1) for key in keys)
        return found


class Fields:
    """One part of one message, its elements found by path (``A/B#1/C``, see ``Node``).

    A reader that knows the paths it needs asks for them all at once (``texts``): the
    positions are worked out once per shape of message, so reading a value is a list
    lookup. Readers that walk a message ask for the indexed ``Node`` instead.
    """

    __slots__ = ("elements", "part")

    def __init__(self, elements: list[etree._Element], part: Part) -> None:
        self.elements = elements
        self.part = part

    @property
    def root(self) -> etree._Element:
        return self.elements[self.part.start]

    def node(self) -> Node:
        return self.part.node(self.elements)

    def __contains__(self, key: str) -> bool:
        return key in self.part.positions

    def element(self, key: str) -> etree._Element | None:
        at = self.part.positions.get(key)
        return None if at is None else self.elements[at]

    def count(self, key: str) -> int:
        """How many same-named siblings sit at ``key``."""
        return self.part.counts.get(key, 1) if key in self.part.positions else 0

    def texts(self, keys: tuple[str, ...]) -> list[str | None]:
        """The text at each of ``keys`` (``None`` where absent); an empty element is refused."""
        elements = self.elements
        found = [None if at < 0 else elements[at].text or "" for at in self.part.plan(keys)]
        if "" in found:
            empty = keys[found.index("")]
            raise SchemaInvalid([SchemaProblem(f"/{empty}", "empty element")])
        return found

    def money(self, key: str) -> Money | None:
        """The amount at ``key``, ``None`` when absent."""
        at = self.part.positions.get(key)
        return None if at is None else read_money(self.elements[at])


class Shape:
    """A message's elements in document order, their tags and child counts.

    Together, the tags in document order and each element's number of children fix the tree
    exactly. Messages of one kind share a handful of shapes, so what a shape means (where its
    parts are, their paths, and that it passed every structural check) is worked out once and
    remembered under ``key``: reading a message then costs one C-level pass over its elements.
    """

    __slots__ = ("children", "elements", "key", "tags")

    def __init__(self, root: etree._Element) -> None:
        elements = list(root.iter())
        if len(elements) > ELEMENTS_MAX:
            raise ForbiddenConstruct(f"more than {ELEMENTS_MAX} elements")
        self.elements = elements
        self.tags: list[object] = list(map(_TAG, elements))
        self.children = tuple(map(len, elements))
        #: None: not to be remembered (too large, or holding a non-element node).
        self.key: tuple[str, tuple[int, ...]] | None = None
        if len(elements) <= SHAPE_ELEMENTS_MAX:
            try:
                self.key = ("\n".join(self.tags), self.children)  # type: ignore[arg-type]
            except TypeError:  # A comment or processing instruction: never in a parsed message.
                self.key = None

    def part(self, start: int, namespace: str, depth: int) -> Part:
        """The part rooted at ``elements[start]`` (which sits at ``depth``, the root being 1).

        Refuses any element outside ``namespace`` and nesting deeper than ``DEPTH_MAX``
        (checked first, so a deep hostile tree is always refused as such).
        """
        children = self.children
        end, remaining = start + 1, children[start]
        while remaining:  # Preorder: each element read brings its own children to read.
            remaining += children[end] - 1
            end += 1
        paths, counts = _learn(self.tags[start:end], children[start:end], namespace, depth)
        return Part(start, end, paths, counts)


def _learn(
    tags: list[object], children: tuple[int, ...], namespace: str, depth: int
) -> tuple[tuple[str, ...], dict[str, int]]:
    """The paths of a part given in preorder, or the refusal of the part."""
    prefix = f"{{{namespace}}}"
    cut = len(prefix)
    paths = [""]
    seen: dict[str, int] = {}
    ancestors: list[tuple[str, int]] = []
    base, remaining = "", children[0]
    foreign: object = None
    for tag, count in zip(tags[1:], children[1:], strict=True):
        while not remaining:
            base, remaining = ancestors.pop()
        remaining -= 1
        if depth + len(ancestors) + 1 > DEPTH_MAX:
            raise ForbiddenConstruct(f"elements nest deeper than {DEPTH_MAX} levels")
        if isinstance(tag, str) and tag.startswith(prefix):
            path = base + tag[cut:]
        elif isinstance(tag, str) and _in_supplementary_data(base) and _is_extension(tag):
            # Lintas's own supplementary data: the path names it ``lnts:<local name>``.
            path = f"{base}{EXTENSION_PREFIX}{tag.rsplit('}', 1)[1]}"
        else:
            # Keep walking: a deeper refusal takes precedence over this one.
            foreign = tag if foreign is None else foreign
            path = f"{base}?"
        repeats = seen.get(path, 0)
        seen[path] = repeats + 1
        if repeats:
            path = f"{path}#{repeats}"
        paths.append(path)
        if count:
            ancestors.append((base, remaining))
            base, remaining = f"{path}/", count
    if foreign is not None:
        raise UnknownMessage(f"element {foreign!r} is outside the namespace {namespace}")
    return tuple(paths), {path: n for path, n in seen.items() if n > 1}


#: The namespace of the supplementary data Lintas writes (``SplmtryData/Envlp``), the only
#: elements outside a message's own namespace that a message may hold, and only there.
EXTENSION_NAMESPACE: Final[str] = "urn:lintas:xsd:supplementary.001.001.01"
#: How paths name the elements of ``EXTENSION_NAMESPACE`` (``.../Envlp/lnts:RtrLk``).
EXTENSION_PREFIX: Final[str] = "lnts:"
_SUPPLEMENTARY: Final = re.compile(r"(?:^|/)SplmtryData(?:#[0-9]+)?/Envlp/")


def _in_supplementary_data(base: str) -> bool:
    return "Envlp/" in base and _SUPPLEMENTARY.search(base) is not None


def _is_extension(tag: str) -> bool:
    return tag.startswith(f"{{{EXTENSION_NAMESPACE}}}")


def _where(node: Node, rel: str) -> str:
    return f"/{node.key}/{rel}" if node.key else f"/{rel}"


def _missing(node: Node, rel: str) -> SchemaInvalid:
    return SchemaInvalid([SchemaProblem(_where(node, rel), "required element missing")])


class Reader:
    """Reads typed values out of an indexed message part (paths are local names)."""

    __slots__ = ()

    def find(self, node: Node, rel: str) -> Node | None:
        key = f"{node.key}/{rel}" if node.key else rel
        found = node.index.get(key)
        return None if found is None else Node(node.index, node.counts, key, found)

    def need(self, node: Node, rel: str) -> Node:
        found = self.find(node, rel)
        if found is None:
            raise _missing(node, rel)
        return found

    def all(self, node: Node, rel: str) -> list[Node]:
        key = f"{node.key}/{rel}" if node.key else rel
        index = node.index
        first = index.get(key)
        if first is None:
            return []
        found = [Node(index, node.counts, key, first)]
        for i in range(1, node.counts.get(key, 1)):
            other = f"{key}#{i}"
            found.append(Node(index, node.counts, other, index[other]))
        return found

    def text(self, node: Node, rel: str) -> str | None:
        key = f"{node.key}/{rel}" if node.key else rel
        found = node.index.get(key)
        if found is None:
            return None
        value = found.text
        if not value:
            raise SchemaInvalid([SchemaProblem(_where(node, rel), "empty element")])
        return value

    def need_text(self, node: Node, rel: str) -> str:
        value = self.text(node, rel)
        if value is None:
            raise _missing(node, rel)
        return value

    def bic(self, node: Node, rel: str) -> str | None:
        value = self.text(node, rel)
        if value is not None and not is_bic(value):
            raise SchemaInvalid([SchemaProblem(_where(node, rel), f"{value!r} is not a BIC")])
        return value

    def need_bic(self, node: Node, rel: str) -> str:
        value = self.bic(node, rel)
        if value is None:
            raise _missing(node, rel)
        return value

    def money(self, node: Node, rel: str) -> Money | None:
        found = self.find(node, rel)
        return None if found is None else read_money(found.element)

    def required(self, node: Node, rel: str, rule: str, where: str) -> str:
        """The text at ``rel``, which the usage rule ``rule`` requires (named ``where``)."""
        value = self.text(node, rel)
        if value is None:
            raise UsageRuleViolated(rule, where)
        return value

    def required_money(self, node: Node, rel: str, rule: str, where: str) -> Money:
        """The amount at ``rel``, which the usage rule ``rule`` requires (named ``where``)."""
        value = self.money(node, rel)
        if value is None:
            raise UsageRuleViolated(rule, where)
        return value

    def need_money(self, node: Node, rel: str) -> Money:
        return read_money(self.need(node, rel).element)

    def moment(self, node: Node, rel: str) -> datetime | None:
        value = self.text(node, rel)
        return None if value is None else read_datetime(value)

    def need_moment(self, node: Node, rel: str) -> datetime:
        return read_datetime(self.need_text(node, rel))

    def day(self, node: Node, rel: str) -> date | None:
        value = self.text(node, rel)
        return None if value is None else read_date(value)

    def uetr(self, node: Node, rel: str) -> str | None:
        value = self.text(node, rel)
        if value is not None and UETR_PATTERN.fullmatch(value) is None:
            raise SchemaInvalid([SchemaProblem(_where(node, rel), "not a UUIDv4")])
        return value

    def texts(self, node: Node, rel: str, limit: int) -> tuple[str, ...]:
        found = self.all(node, rel)
        if len(found) > limit:
            raise UsageRuleViolated(
                "too_many_repetitions", f"{rel} appears {len(found)} times; at most {limit}"
            )
        return tuple(_text_of(f) for f in found)


def _text_of(node: Node) -> str:
    value = node.element.text
    if not value:
        raise SchemaInvalid([SchemaProblem(f"/{node.key}", "empty element")])
    return value


def readable_path(part: etree._Element, xpath: str) -> str:
    """An XSD error's ``/*/*[2]/*`` path as local names (``/Document/X/Y[2]``)."""
    steps = xpath.strip("/").split("/")
    if not steps or steps[0] != "*":
        return xpath
    node = part
    names = [local_name(part)]
    for step in steps[1:]:
        match = _STEP.fullmatch(step)
        if match is None:
            return xpath
        position = int(match.group(1) or "1")
        children = [c for c in node if isinstance(c.tag, str)]
        if position > len(children):
            return xpath
        node = children[position - 1]
        same = [c for c in children if c.tag == node.tag]
        name = local_name(node)
        names.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
    return "/" + "/".join(names)


_STEP: Final = re.compile(r"\*(?:\[([0-9]+)\])?")


#: Per served currency: its exponent, 10 to that power, and its code as a ``CurrencyCode``.
_SCALES: Final[dict[str, tuple[int, int, CurrencyCode]]] = {
    code: (exponent, 10**exponent, CurrencyCode(code))
    for code, exponent in CURRENCY_EXPONENTS.items()
}
#: Digits before the decimal point that ``parse_amount`` takes (``[1-9][0-9]{0,17}``).
_UNITS_DIGITS_MAX: Final[int] = 18


def read_money(element: etree._Element) -> Money:
    """An amount element (``<X Ccy="SGD">10.00</X>``) as ``Money``.

    A plain amount (ASCII digits, at most the currency's decimals, no leading zero) is
    converted here; anything else goes through ``parse_amount``, which gives the exact value
    or the domain's precise refusal. Both agree on every plain amount (a unit test checks).
    """
    code = element.get("Ccy")
    scale = None if code is None else _SCALES.get(code)
    if scale is None:
        raise UsageRuleViolated(
            "currency_is_not_served", f"currency {code!r} is not served", reason_code="AM03"
        )
    text = element.text or ""
    units, dot, fraction = text.partition(".")
    exponent, factor, served = scale
    if (
        units.isascii()
        and units.isdigit()
        and len(units) <= _UNITS_DIGITS_MAX
        and (units[0] != "0" or units == "0")
        and (not dot or (fraction.isascii() and fraction.isdigit() and len(fraction) <= exponent))
    ):
        minor = int(units + fraction.ljust(exponent, "0")) if dot else int(units) * factor
        if minor <= AMOUNT_MINOR_MAX:
            return Money(minor, served)
    assert code is not None
    try:
        return parse_amount(text, code)
    except MoneyError as error:
        raise UsageRuleViolated(error.reason, error.message, reason_code="AM12") from None


def read_datetime(value: str) -> datetime:
    """An ISODateTime that carries its UTC offset (a local time is ambiguous: refused)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageRuleViolated("date_time_is_malformed", f"{value!r}") from None
    if parsed.utcoffset() is None:
        raise UsageRuleViolated("date_time_needs_an_offset", f"{value!r} has no UTC offset")
    return parsed


def read_date(value: str) -> date:
    """An ISODate (``2026-01-31``)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageRuleViolated("date_is_malformed", f"{value!r}") from None


def read_rate(value: str) -> Decimal:
    """A BaseOneRate as an exact, positive decimal."""
    if _RATE_PATTERN.fullmatch(value) is None:
        raise UsageRuleViolated("exchange_rate_is_malformed", f"{value!r}")
    rate = Decimal(value)
    if rate <= 0:
        raise UsageRuleViolated("exchange_rate_is_malformed", f"{value!r}")
    return rate


def format_datetime(value: datetime) -> str:
    assert value.utcoffset() is not None, "Lintas only writes date-times with an offset"
    return value.isoformat()


def format_rate(value: Decimal) -> str:
    assert value > 0, value
    return format(value, "f")


def check_text(name: str, value: str, length_max: int) -> None:
    """Refuse, before writing, text the schema or XML itself would refuse."""
    if 0 < len(value) <= length_max and value.isprintable():
        return  # Every message's every text: the common case, decided at once.
    if not 1 <= len(value) <= length_max:
        raise UsageRuleViolated(
            "text_length_out_of_range", f"{name} must be 1..{length_max} characters"
        )
    # A printable string has none of the forbidden characters (they are all control,
    # surrogate or unassigned code points); only the others need the pattern search.
    if _TEXT_FORBIDDEN.search(value) is not None:
        raise UsageRuleViolated("text_has_control_characters", f"{name} has control characters")


class Writer:
    """Writes one message's elements (all in one namespace)."""

    __slots__ = ("ns",)

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def root(self, tag: str) -> etree._Element:
        # lxml spells the default namespace with a None prefix; the stubs only allow str.
        return etree.Element(f"{{{self.ns}}}{tag}", nsmap={None: self.ns})  # type: ignore[dict-item]

    def sub(self, parent: etree._Element, rel: str, text: str | None = None) -> etree._Element:
        """Append the chain of elements ``rel`` ("A/B/C") and set the last one's text."""
        node = parent
        for step in rel.split("/"):
            node = etree.SubElement(node, f"{{{self.ns}}}{step}")
        if text is not None:
            node.text = text
        return node

    def opt(self, parent: etree._Element, rel: str, text: str | None) -> None:
        if text is not None:
            self.sub(parent, rel, text)

    def money(self, parent: etree._Element, rel: str, amount: Money) -> None:
        node = self.sub(parent, rel, amount.format())
        node.set("Ccy", amount.currency)

    def texts(self, parent: etree._Element, rel: str, values: Iterable[str]) -> None:
        for value in values:
            self.sub(parent, rel, value)


def escape_text(value: str) -> str:
    """Text content escaped as lxml (libxml2) writes it: ``&``, ``<`` and ``>``.

    The models refuse, before writing, every character libxml2 would write otherwise (the
    control characters, ``\r`` among them), so these three are all there is to escape.
    """
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


#: What ``serialise`` writes before the root element.
XML_DECLARATION: Final[str] = "<?xml version='1.0' encoding='UTF-8'?>\n"


def serialise(root: etree._Element) -> bytes:
    """The canonical bytes Lintas sends: UTF-8, declaration, no pretty-printing."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
