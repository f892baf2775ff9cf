"""EMVCo merchant-presented QR codes: decode, encode, JSON contract, rendering.

Errors::

    ValueError
     └── EmvQrEncodeError   a field cannot be put into a code (``reason``, ``message``)

Decoding never raises on bad input: it returns ``DecodedQr(valid=False, errors=...)``.
"""

from __future__ import annotations

from lintas.codecs.emvqr.decode import TOLERATED_IN_LENIENT, decode
from lintas.codecs.emvqr.encode import EmvQrEncodeError, encode, fields_from_text
from lintas.codecs.emvqr.json import to_json
from lintas.codecs.emvqr.model import (
    AdditionalData,
    AddressType,
    DecodedQr,
    Initiation,
    Merchant,
    MerchantAccount,
    QrIssue,
    Scheme,
    Tip,
)
from lintas.codecs.emvqr.render import render_png, render_svg

__all__ = [
    "TOLERATED_IN_LENIENT",
    "AdditionalData",
    "AddressType",
    "DecodedQr",
    "EmvQrEncodeError",
    "Initiation",
    "Merchant",
    "MerchantAccount",
    "QrIssue",
    "Scheme",
    "Tip",
    "decode",
    "encode",
    "fields_from_text",
    "render_png",
    "render_svg",
    "to_json",
]
