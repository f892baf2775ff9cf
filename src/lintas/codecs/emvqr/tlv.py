"""ID-length-value parsing of an EMVCo payload and of its templates.

Lengths are counted in characters (a Thai or Khmer merchant name counts one per
character, not per UTF-8 byte). Parsing never raises: it returns the fields it could
read and a reason when it had to stop.
"""

from __future__ import annotations

from typing import Final

import msgspec

#: EMVCo caps a payload at 512 characters; anything longer is not a QR we accept.
PAYLOAD_CHARS_MAX: Final[int] = 512
#: A data object is at most 99 characters (two-digit length), so a payload holds at
#: most 512 / 4 objects; the bound keeps a hostile payload from looping long.
FIELDS_PER_LEVEL_MAX: Final[int] = PAYLOAD_CHARS_MAX // 4
#: Templates nest at most twice in the region (VietQR: 38 -> 01 -> 00).
TEMPLATE_DEPTH_MAX: Final[int] = 3


class TlvError(msgspec.Struct, frozen=True, gc=False):
    """Why a run of ID-length-value data could not be read to its end."""

    code: str
    message: str


#: "00".."99" -> int; a dict lookup checks and converts in one step (hot path).
TWO_DIGITS: Final[dict[str, int]] = {f"{i:02d}": i for i in range(100)}
#: Every valid four-character header "IDLL" -> (id, 4 + length): one slice and one dict
#: lookup read and check an id and its length together (9,900 entries, built once).
HEADERS: Final[dict[str, tuple[str, int]]] = {
    f"{tag:02d}{length:02d}": (f"{tag:02d}", 4 + length)
    for tag in range(100)
    for length in range(1, 100)
}


def parse_tlv(text: str) -> tuple[list[tuple[str, str, int]], TlvError | None]:
    """Split ``text`` into ``(id, value, offset)`` triples, stopping at the first fault.

    The offset is where the data object starts, so the root parser can locate ``6304``.
    (``decode`` inlines this loop for the root; templates use ``parse_template``.)
    """
    fields: list[tuple[str, str, int]] = []
    append = fields.append
    two_digits = TWO_DIGITS
    n = len(text)
    pos = 0
    for _ in range(FIELDS_PER_LEVEL_MAX + 1):
        if pos == n:
            return fields, None
        if pos + 4 > n:
            return fields, truncated_error(n, pos)
        tag = text[pos : pos + 2]
        length = two_digits.get(text[pos + 2 : pos + 4], -1)
        if length <= 0 or tag not in two_digits:
            return fields, header_error(text, pos, tag)
        end = pos + 4 + length
        if end > n:
            return fields, past_end_error(n, pos, tag, length)
        append((tag, text[pos + 4 : end], pos))
        pos = end
    return fields, too_many_error()


def truncated_error(n: int, pos: int) -> TlvError:
    """Fewer than four characters left for an id and a length."""
    return TlvError(
        "tlv_truncated",
        f"data object at character {pos} is cut short: {n - pos} character(s) left, "
        "an id and a length need 4",
    )


def past_end_error(n: int, pos: int, tag: str, length: int) -> TlvError:
    """A length that runs past the end of the text."""
    return TlvError(
        "length_past_end",
        f"data object {tag} at character {pos} claims {length} character(s) but only "
        f"{n - pos - 4} remain",
    )


def too_many_error() -> TlvError:
    """More data objects than ``FIELDS_PER_LEVEL_MAX``."""
    return TlvError(
        "too_many_data_objects", f"more than {FIELDS_PER_LEVEL_MAX} data objects in one template"
    )


def header_error(text: str, pos: int, tag: str) -> TlvError:
    """Say precisely what is wrong with the id or length at ``pos`` (the slow path)."""
    length_text = text[pos + 2 : pos + 4]
    if tag not in TWO_DIGITS:
        return TlvError(
            "id_not_numeric", f"data object id {tag!r} at character {pos} is not two digits"
        )
    if length_text not in TWO_DIGITS:
        return TlvError(
            "length_not_numeric",
            f"length {length_text!r} of data object {tag} at character {pos} is not two digits",
        )
    # EMVCo requires a present data object to carry a value.
    return TlvError("length_zero", f"data object {tag} at character {pos} has length 00")


#: A template value has at most 99 characters and a data object at least 5, so a template
#: holds at most 19 data objects; the fast reading's loop is bounded by this.
TEMPLATE_FIELDS_MAX: Final[int] = 99 // 5
#: The loop counter of the fast template reading (built once: ``range`` is not free).
TEMPLATE_COUNTS: Final = range(TEMPLATE_FIELDS_MAX + 1)


def parse_template(text: str) -> tuple[dict[str, str], TlvError | None]:
    """The sub-tags of a template as a dict; a repeated sub-tag is a fault."""
    return parse_span(text, 0, len(text))


def parse_span(text: str, pos: int, end: int) -> tuple[dict[str, str], TlvError | None]:
    """The sub-tags of the template written in ``text[pos:end]``, read in place.

    The same reading as ``parse_tlv`` straight into a dict, on the decode hot path. The
    loop does the least per data object: one slice and one dict lookup read and check the
    id and length together (``HEADERS``), and the loop counter counts the data objects.
    Anything unusual (a bad header, a length past the end, a repeated sub-tag, more data
    objects than a template can hold) is re-read by ``_parse_template_exact``, which
    says precisely what is wrong (positions counted from the template's start): the fast
    path only ever answers for a clean template.
    """
    out: dict[str, str] = {}
    headers = HEADERS
    start = pos
    count = 0
    try:
        for count in TEMPLATE_COUNTS:  # noqa: B007 (read after the loop)
            if pos >= end:
                break
            tag, step = headers[text[pos : pos + 4]]
            stop = pos + step
            out[tag] = text[pos + 4 : stop]
            pos = stop
        else:
            return _parse_template_exact(text[start:end])
    except KeyError:
        return _parse_template_exact(text[start:end])
    # A length past the end leaves ``pos`` beyond ``end`` (and the slice may have read
    # into what follows); a repeated sub-tag leaves fewer keys than data objects.
    if pos != end or count != len(out):
        return _parse_template_exact(text[start:end])
    return out, None


def _parse_template_exact(text: str) -> tuple[dict[str, str], TlvError | None]:
    """The careful reading of a template: stop at the first fault and name it."""
    fields, error = parse_tlv(text)
    out: dict[str, str] = {}
    for tag, value, _ in fields:
        if tag in out:
            return out, TlvError("tag_duplicated", f"sub-tag {tag} appears twice in a template")
        out[tag] = value
    return out, error


def tlv(tag: str, value: str) -> str:
    """One data object; the caller has checked the value length (1..99 characters)."""
    assert len(tag) == 2 and tag.isdigit(), tag
    assert 1 <= len(value) <= 99, (tag, len(value))
    return f"{tag}{len(value):02d}{value}"
