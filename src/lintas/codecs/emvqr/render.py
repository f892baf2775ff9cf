"""Render a payload as a QR image with segno (pure: returns bytes/text, writes no file)."""

from __future__ import annotations

import io
from typing import Final

import segno

from lintas.codecs.emvqr.tlv import PAYLOAD_CHARS_MAX

#: Medium error correction is what SGQR, PromptPay and QRIS printed labels use; it
#: survives a scuffed sticker and keeps a 512-character code scannable.
ERROR_CORRECTION: Final = "m"
PNG_SCALE: Final = 8
QUIET_ZONE_MODULES: Final = 4


def _make(payload: str) -> segno.QRCode:
    if not payload or len(payload) > PAYLOAD_CHARS_MAX:
        raise ValueError(f"payload must be 1..{PAYLOAD_CHARS_MAX} characters")
    # boost_error=False: keep the level we chose so every label looks the same.
    return segno.make_qr(payload, error=ERROR_CORRECTION, boost_error=False, encoding="utf-8")


def render_png(payload: str) -> bytes:
    """The code as PNG bytes."""
    out = io.BytesIO()
    _make(payload).save(out, kind="png", scale=PNG_SCALE, border=QUIET_ZONE_MODULES)
    return out.getvalue()


def render_svg(payload: str) -> str:
    """The code as an SVG document."""
    out = io.BytesIO()
    _make(payload).save(out, kind="svg", scale=PNG_SCALE, border=QUIET_ZONE_MODULES, xmldecl=False)
    return out.getvalue().decode("utf-8")
