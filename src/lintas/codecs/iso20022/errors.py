"""Typed errors of the ISO 20022 codecs (the tree is drawn in the package docstring).

Every error carries ``reason_code``: the ISO 20022 ``ExternalStatusReason1Code`` a gateway
replies with in a pacs.002 (``FF01`` for anything about the format of the message itself).
"""

from __future__ import annotations

from typing import Final

import msgspec

#: ExternalStatusReason1Code "invalid file format": the reply to any message we cannot read.
FORMAT_REASON_CODE: Final[str] = "FF01"


class SchemaProblem(msgspec.Struct, frozen=True, gc=False):
    """One finding against the XSD or the structure: where (XPath-like) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Iso20022Error(Exception):
    """Any refusal of an ISO 20022 message; catch this to refuse with ``reason_code``."""

    def __init__(self, message: str, *, reason_code: str = FORMAT_REASON_CODE) -> None:
        super().__init__(message)
        self.message = message
        self.reason_code = reason_code


class MessageTooLarge(Iso20022Error):
    """The payload is longer than ``MESSAGE_BYTES_MAX``; it was not parsed."""


class MalformedXml(Iso20022Error):
    """The bytes are not well-formed XML (truncated, bad encoding, stray markup)."""


class ForbiddenConstruct(Iso20022Error):
    """A DOCTYPE, an entity, or nesting deeper than ``DEPTH_MAX``: refused, never expanded."""


class UnknownMessage(Iso20022Error):
    """A namespace, root element or message version this gateway does not speak."""


class SchemaInvalid(Iso20022Error):
    """The message breaks its official XSD (or, on the fast path, its required structure)."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        assert problems, "a schema refusal must say what is wrong"
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"message breaks its schema: {shown}{more}")
        self.problems = tuple(problems)


class UsageRuleViolated(Iso20022Error):
    """The message is schema-valid but breaks a Lintas/Nexus usage rule."""

    def __init__(self, rule: str, message: str, *, reason_code: str = FORMAT_REASON_CODE) -> None:
        super().__init__(f"{rule}: {message}", reason_code=reason_code)
        #: A stable, sentence-like name of the rule (``uetr_is_required``).
        self.rule = rule
