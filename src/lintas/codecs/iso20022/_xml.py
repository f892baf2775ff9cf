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
from lintas.domain.money import CURRENCY_EXPONENTS, Money, MoneyError, parse_amount

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
_RATE_PATTERN: Final = re.compile(r"[0-9]{1,11}(?:\.[0-9]{1,10})?")
# Control characters (other than tab and newline) cannot round-trip through XML text.
_TEXT_FORBIDDEN: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_local = threading.local()
# One XPath evaluated in C: true when any element sits deeper than DEPTH_MAX.
_TOO_DEEP: Final = etree.XPath("boolean(" + "/*" * (DEPTH_MAX + 1) + ")")


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
    ``index_part`` refuses nesting deeper than ``DEPTH_MAX`` during its one pass, so the
    separate depth query would only repeat that work.
    """
    if not isinstance(xml, bytes | bytearray):
        raise MalformedXml(f"an XML message must be bytes, not {type(xml).__name__}")
    if len(xml) > MESSAGE_BYTES_MAX:
        raise MessageTooLarge(
            f"message is {len(xml)} bytes; the limit is {MESSAGE_BYTES_MAX} bytes"
        )
    # Refuse a declaration before parsing so that no entity table is ever built.
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
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
#: Parts with at most this many elements have their shape remembered (see ``index_part``).
SHAPE_ELEMENTS_MAX: Final[int] = 512
#: Shapes remembered at most; the memory is forgotten wholesale when it is full.
SHAPES_MAX: Final[int] = 1024

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


_Shape = tuple[tuple[str, ...], dict[str, int]]
# (namespace, depth of the part, preorder tags, child counts) -> (paths, repeat counts)
_shapes: dict[tuple[str, int, str, tuple[int, ...]], _Shape] = {}


def index_part(part: etree._Element, namespace: str, depth: int = 1) -> Node:
    """Index every element under ``part`` (which sits at ``depth``, the root being 1).

    Refuses any element outside ``namespace``, more than ``ELEMENTS_MAX`` elements, and
    nesting deeper than ``DEPTH_MAX`` (checked first, so a deep hostile tree is always
    refused as such).

    The tags in document order and each element's number of children determine the tree
    exactly. Messages of one kind mostly share a handful of shapes, so the paths of a
    shape (and its verdict) are computed once and remembered: indexing a part is then one
    C-level pass over its elements and one dictionary build. Only shapes that passed every
    check are remembered, and only small ones, so the memory stays bounded.
    """
    elements = list(part.iter())
    if len(elements) > ELEMENTS_MAX:
        raise ForbiddenConstruct(f"more than {ELEMENTS_MAX} elements")
    tags = list(map(_TAG, elements))
    children = tuple(map(len, elements))
    try:
        signature = "\n".join(tags)
    except TypeError:  # A comment or processing instruction: never in a parsed message.
        shape = _learn(tags, children, namespace, depth)
    else:
        key = (namespace, depth, signature, children)
        found = _shapes.get(key)
        if found is None:
            shape = _learn(tags, children, namespace, depth)
            if len(elements) <= SHAPE_ELEMENTS_MAX:
                if len(_shapes) >= SHAPES_MAX:
                    _shapes.clear()
                _shapes[key] = shape
        else:
            shape = found
    paths, counts = shape
    return Node(dict(zip(paths, elements, strict=True)), counts, "", part)


def _learn(tags: list[object], children: tuple[int, ...], namespace: str, depth: int) -> _Shape:
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
        if value is not None and BIC_PATTERN.fullmatch(value) is None:
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


# Reading by absolute path: a message reader that knows its paths skips the Node objects.


def text_at(index: dict[str, etree._Element], key: str) -> str | None:
    """The text of the element at ``key`` (a path from the part), ``None`` when absent."""
    element = index.get(key)
    if element is None:
        return None
    value = element.text
    if not value:
        raise SchemaInvalid([SchemaProblem(f"/{key}", "empty element")])
    return value


def need_text_at(index: dict[str, etree._Element], key: str) -> str:
    """The text at ``key``; a missing element is refused."""
    value = text_at(index, key)
    if value is None:
        raise SchemaInvalid([SchemaProblem(f"/{key}", "required element missing")])
    return value


def bic_at(index: dict[str, etree._Element], key: str) -> str | None:
    """The BIC at ``key``, ``None`` when absent; a malformed BIC is refused."""
    value = text_at(index, key)
    if value is not None and BIC_PATTERN.fullmatch(value) is None:
        raise SchemaInvalid([SchemaProblem(f"/{key}", f"{value!r} is not a BIC")])
    return value


def money_at(index: dict[str, etree._Element], key: str) -> Money | None:
    """The amount at ``key``, ``None`` when absent."""
    element = index.get(key)
    return None if element is None else read_money(element)


def count_at(node: Node, key: str) -> int:
    """How many same-named siblings sit at ``key``."""
    return node.counts.get(key, 1) if key in node.index else 0


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


def read_money(element: etree._Element) -> Money:
    """An amount element (``<X Ccy="SGD">10.00</X>``) as ``Money``."""
    code = element.get("Ccy")
    if code is None or code not in CURRENCY_EXPONENTS:
        raise UsageRuleViolated(
            "currency_is_not_served", f"currency {code!r} is not served", reason_code="AM03"
        )
    try:
        return parse_amount(element.text or "", code)
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
    if _RATE_PATTERN.fullmatch(value) is None or Decimal(value) <= 0:
        raise UsageRuleViolated("exchange_rate_is_malformed", f"{value!r}")
    return Decimal(value)


def format_datetime(value: datetime) -> str:
    assert value.utcoffset() is not None, "Lintas only writes date-times with an offset"
    return value.isoformat()


def format_rate(value: Decimal) -> str:
    assert value > 0, value
    return format(value, "f")


def check_text(name: str, value: str, length_max: int) -> None:
    """Refuse, before writing, text the schema or XML itself would refuse."""
    if not 1 <= len(value) <= length_max:
        raise UsageRuleViolated(
            "text_length_out_of_range", f"{name} must be 1..{length_max} characters"
        )
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
