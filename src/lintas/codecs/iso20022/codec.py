"""Bytes in, typed messages out, and back: the envelope, the registry, encode and decode.

How a message travels with its header: Lintas wraps the head.001 ``AppHdr`` and the
``Document`` in one element of its own, ``Envelope`` in ``ENVELOPE_NAMESPACE`` (the same
shape Nexus uses: one root, the header first, then the document, each in its own ISO
namespace). ISO 20022 defines no such wrapper, so the envelope itself has no XSD; its
shape is checked by hand and each part is validated against its own official XSD.
``decode`` also accepts a bare ``Document`` (no header) for peers that send the header on
another channel (an HTTP header, a queue attribute).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import msgspec
from lxml import etree

from lintas.codecs.iso20022 import (
    acmt,
    camt029,
    camt053,
    camt056,
    header,
    pacs002,
    pacs004,
    pacs008,
    pacs028,
)
from lintas.codecs.iso20022._xml import (
    SHAPES_MAX,
    XML_DECLARATION,
    Fields,
    Node,
    Part,
    Shape,
    local_name,
    namespace_of,
    parse_hardened,
    serialise,
)
from lintas.codecs.iso20022.errors import (
    Iso20022Error,
    SchemaInvalid,
    SchemaProblem,
    UnknownMessage,
    UsageRuleViolated,
)
from lintas.codecs.iso20022.header import AppHeader
from lintas.codecs.iso20022.models import (
    ACMT_023,
    ACMT_024,
    CAMT_029,
    CAMT_053,
    CAMT_056,
    HEAD_001,
    PACS_002,
    PACS_004,
    PACS_008,
    PACS_028,
    MessageId,
)
from lintas.codecs.iso20022.schema import problems_of

ENVELOPE_NAMESPACE: Final[str] = "urn:lintas:xsd:envelope.001.001.01"
ENVELOPE_TAG: Final[str] = f"{{{ENVELOPE_NAMESPACE}}}Envelope"
ISO_NAMESPACE_PREFIX: Final[str] = "urn:iso:std:iso:20022:tech:xsd:"
_HEADER_TAG: Final[str] = f"{{{header.NAMESPACE}}}AppHdr"

Message = (
    pacs008.CreditTransfer
    | pacs002.StatusReport
    | pacs004.PaymentReturn
    | pacs028.StatusRequest
    | acmt.VerificationRequest
    | acmt.VerificationReport
    | camt056.RecallRequest
    | camt029.RecallResolution
    | camt053.Statement
)


class MessageSpec(msgspec.Struct, frozen=True, gc=False):
    """How one supported message definition is named, written and read."""

    message_id: MessageId
    model: type[Any]
    build: Callable[[Any], etree._Element]
    read: Callable[[Fields], Any]
    #: Writes the same bytes as ``build`` as text, for messages encoded on a hot path.
    render: Callable[[Any], str] | None = None

    @property
    def namespace(self) -> str:
        return f"{ISO_NAMESPACE_PREFIX}{self.message_id}"


def _indexed(read: Callable[[Node], Any]) -> Callable[[Fields], Any]:
    """A reader that walks its part through an indexed ``Node`` (all but the hot pacs.008)."""

    def read_fields(fields: Fields) -> Any:
        return read(fields.node())

    return read_fields


SPECS: Final[tuple[MessageSpec, ...]] = (
    MessageSpec(PACS_008, pacs008.CreditTransfer, pacs008.build, pacs008.read),
    MessageSpec(
        PACS_002, pacs002.StatusReport, pacs002.build, _indexed(pacs002.read), pacs002.render
    ),
    MessageSpec(PACS_004, pacs004.PaymentReturn, pacs004.build, _indexed(pacs004.read)),
    MessageSpec(PACS_028, pacs028.StatusRequest, pacs028.build, _indexed(pacs028.read)),
    MessageSpec(
        ACMT_023, acmt.VerificationRequest, acmt.build_request, _indexed(acmt.read_request)
    ),
    MessageSpec(ACMT_024, acmt.VerificationReport, acmt.build_report, _indexed(acmt.read_report)),
    MessageSpec(CAMT_056, camt056.RecallRequest, camt056.build, _indexed(camt056.read)),
    MessageSpec(CAMT_029, camt029.RecallResolution, camt029.build, _indexed(camt029.read)),
    MessageSpec(CAMT_053, camt053.Statement, camt053.build, _indexed(camt053.read)),
)
_BY_NAMESPACE: Final = {spec.namespace: spec for spec in SPECS}
_BY_MODEL: Final = {spec.model: spec for spec in SPECS}
#: Every namespace a well-formed Lintas message may use.
KNOWN_NAMESPACES: Final = frozenset([ENVELOPE_NAMESPACE, header.NAMESPACE, *_BY_NAMESPACE])


class Envelope(msgspec.Struct, frozen=True, gc=False):
    """A message and the business application header it travels with (if any)."""

    message: Message
    header: AppHeader | None = None

    @property
    def message_id(self) -> MessageId:
        return _BY_MODEL[type(self.message)].message_id


class ValidationReport(msgspec.Struct, frozen=True, gc=False):
    """What ``validate`` found: which message, and every problem with its path."""

    message_id: MessageId | None
    problems: tuple[SchemaProblem, ...]
    reason_code: str | None

    @property
    def valid(self) -> bool:
        return not self.problems


def encode(envelope: Envelope) -> bytes:
    """The XML bytes of ``envelope``: an ``Envelope`` with ``AppHdr``, or a bare Document."""
    spec = _BY_MODEL[type(envelope.message)]
    if envelope.header is not None and envelope.header.message_definition_id != spec.message_id:
        raise UsageRuleViolated(
            "header_names_the_document",
            f"MsgDefIdr {envelope.header.message_definition_id} but the document is "
            f"{spec.message_id}",
        )
    if spec.render is not None:
        text = spec.render(envelope.message)
        if envelope.header is not None:
            text = (
                f'<Envelope xmlns="{ENVELOPE_NAMESPACE}">{header.render(envelope.header)}'
                f"{text}</Envelope>"
            )
        return (XML_DECLARATION + text).encode()
    document = spec.build(envelope.message)
    if envelope.header is None:
        return serialise(document)
    root = etree.Element(ENVELOPE_TAG, nsmap={None: ENVELOPE_NAMESPACE})  # type: ignore[dict-item]
    root.append(header.build(envelope.header))
    root.append(document)
    return serialise(root)


def _split(root: etree._Element) -> tuple[etree._Element | None, etree._Element, MessageSpec]:
    """The header (if any), the Document element, and which message it is."""
    if root.tag == ENVELOPE_TAG:
        children = list(root)
        if len(children) != 2 or children[0].tag != _HEADER_TAG:
            raise SchemaInvalid(
                [SchemaProblem("/Envelope", "an Envelope holds exactly AppHdr then Document")]
            )
        head: etree._Element | None = children[0]
        document = children[1]
        _check_envelope_content(root, children[0], document)
    else:
        head, document = None, root
    namespace = namespace_of(document)
    if local_name(document) != "Document" or namespace is None:
        raise UnknownMessage(f"expected an Envelope or a Document, found {document.tag!r}")
    spec = _BY_NAMESPACE.get(namespace)
    if spec is None:
        if namespace.startswith(ISO_NAMESPACE_PREFIX):
            raise UnknownMessage(
                f"{namespace.removeprefix(ISO_NAMESPACE_PREFIX)} is not a supported message "
                f"or version; supported: {', '.join(s.message_id for s in SPECS)}"
            )
        raise UnknownMessage(f"unknown namespace {namespace!r}")
    return head, document, spec


def _check_envelope_content(
    root: etree._Element, head: etree._Element, document: etree._Element
) -> None:
    """An Envelope carries no text of its own and no attributes (its shape is not enough)."""
    if (root.text or "").strip() or (head.tail or "").strip() or (document.tail or "").strip():
        raise SchemaInvalid([SchemaProblem("/Envelope", "text outside AppHdr and Document")])
    if root.attrib:
        raise SchemaInvalid([SchemaProblem("/Envelope", "the Envelope has no attributes")])


class _Layout(msgspec.Struct, frozen=True, gc=False):
    """What one shape of message is: which message, and where its parts are."""

    spec: MessageSpec
    head: Part | None
    document: Part


# Shape key -> layout, only for shapes that passed every structural check (see ``Shape``).
_layouts: dict[tuple[str, tuple[int, ...]], _Layout] = {}


def forget_shapes() -> None:
    """Forget every remembered message shape (for benchmarks and tests of the first read)."""
    _layouts.clear()


def _layout_of(root: etree._Element) -> tuple[list[etree._Element], _Layout]:
    """The message's elements in document order, and its layout, or its refusal.

    A shape seen before needs only the checks its key does not cover (the Envelope's text
    and attributes); a new one goes through every check, in the order ``_split`` and
    ``Shape.part`` make them, and is remembered only when it passed them all.
    """
    shape = Shape(root)
    elements = shape.elements
    known = None if shape.key is None else _layouts.get(shape.key)
    if known is not None:
        if known.head is not None:
            _check_envelope_content(
                root, elements[known.head.start], elements[known.document.start]
            )
        return elements, known
    head, _, spec = _split(root)
    # Parts refuse any element outside their namespace and nesting deeper than DEPTH_MAX,
    # so no foreign or hostile markup reaches the schema or the reader.
    if head is None:
        layout = _Layout(spec, None, shape.part(0, spec.namespace, 1))
    else:
        head_part = shape.part(1, header.NAMESPACE, 2)
        layout = _Layout(spec, head_part, shape.part(head_part.end, spec.namespace, 2))
    if shape.key is not None:
        if len(_layouts) >= SHAPES_MAX:
            _layouts.clear()
        _layouts[shape.key] = layout
    return elements, layout


def identify(xml: bytes) -> MessageId:
    """Which message ``xml`` carries (``"pacs.008.001.13"``), without validating it."""
    return _split(parse_hardened(xml))[2].message_id


def decode(xml: bytes, *, schema: bool = True, xsd_dir: Path | None = None) -> Envelope:
    """Parse, validate and read untrusted bytes, or raise a typed ``Iso20022Error``.

    ``schema=True`` validates the header and the document against their official XSDs
    before reading. ``schema=False`` is the hot path: the reader still refuses any missing
    required element, malformed identifier, amount or date, and every usage rule, but
    ignores elements Lintas does not read instead of refusing them.
    """
    # The layout checks the nesting depth as it goes; no separate pass is needed.
    root = parse_hardened(xml, check_depth=False)
    elements, layout = _layout_of(root)
    spec, head = layout.spec, layout.head
    head_fields = None if head is None else Fields(elements, head)
    document_fields = Fields(elements, layout.document)
    if schema:
        problems = [] if head_fields is None else problems_of(head_fields.root, HEAD_001, xsd_dir)
        problems += problems_of(document_fields.root, spec.message_id, xsd_dir)
        if problems:
            raise SchemaInvalid(problems)
    try:
        app_header = None if head_fields is None else header.read(head_fields)
        message = spec.read(document_fields)
    except Iso20022Error:
        raise
    except (ValueError, ArithmeticError) as error:
        # A value the reader cannot take (an unknown code, an impossible date) is a
        # refusal of the message, never a crash of the gateway.
        raise UsageRuleViolated("value_is_not_accepted", str(error)) from None
    if app_header is not None and app_header.message_definition_id != spec.message_id:
        raise UsageRuleViolated(
            "header_names_the_document",
            f"MsgDefIdr {app_header.message_definition_id} but the document is {spec.message_id}",
        )
    return Envelope(message=message, header=app_header)


def validate(xml: bytes, *, xsd_dir: Path | None = None) -> ValidationReport:
    """Every problem in ``xml`` (schema, structure or usage rule), never raising for them."""
    message_id: MessageId | None = None
    try:
        message_id = identify(xml)
        decode(xml, schema=True, xsd_dir=xsd_dir)
    except SchemaInvalid as error:
        return ValidationReport(message_id, error.problems, error.reason_code)
    except UsageRuleViolated as error:
        problem = SchemaProblem(f"usage rule {error.rule}", error.message)
        return ValidationReport(message_id, (problem,), error.reason_code)
    except Iso20022Error as error:
        problem = SchemaProblem("/", f"{type(error).__name__}: {error.message}")
        return ValidationReport(message_id, (problem,), error.reason_code)
    return ValidationReport(message_id, (), None)
