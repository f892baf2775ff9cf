"""The /v1/qr routes: decode and encode EMVCo merchant-presented QR codes.

Auth: decoding is ``Auth.NONE``, a public utility like the reference routes: it is pure
computation over the text the caller sends, reads no participant's data and changes
nothing, and wallets may check a scanned code before the payer has a key. Encoding is
``Auth.SANDBOX``: a code names a payee, and in production merchants get their codes from
their PSP, not from the hub; in the sandbox it is a test tool.

A payload that cannot be read is still a decode result (200, ``valid: false``); a body
that is not JSON is a 400 and a body of the wrong shape a 422 (problem+json).
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from lintas.codecs.emvqr import (
    EmvQrEncodeError,
    decode,
    encode,
    fields_from_text,
    render_svg,
    to_json,
)
from lintas.domain.errors import InputInvalid
from lintas.entrypoints.api.http import Auth, Request, Response, Route

#: Scheme fields in one encode request at most.
ENCODE_FIELDS_MAX: Final = 32

DECODE_EXAMPLE: Final = (
    "curl -s -X POST $LINTAS_URL/v1/qr/decode -H 'content-type: application/json' "
    '-d \'{"payload": "00020101021229370016A000000677010111011300668123456785204000053037645406'
    '100.505802TH5902NA6007BANGKOK63041C10", "strict": true}\''
)
ENCODE_EXAMPLE: Final = (
    "curl -s -X POST $LINTAS_URL/v1/qr/encode -H 'content-type: application/json' "
    '-d \'{"scheme": "promptpay", "fields": {"mobile": "0812345678", "amount": "100.50"}}\''
)


class QrDecodeIn(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``POST /v1/qr/decode`` body."""

    payload: str
    strict: bool = False


class QrEncodeIn(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``POST /v1/qr/encode`` body: ``fields`` are ``encode``'s keyword fields."""

    scheme: str
    fields: dict[str, str | bool] = msgspec.field(default_factory=dict)
    svg: bool = True


class QrEncodeOut(msgspec.Struct, frozen=True):
    """``POST /v1/qr/encode`` answer (``svg`` is null when not asked for)."""

    payload: str
    svg: str | None


def build_qr_routes() -> list[Route]:
    """The /v1/qr routes (they need no hub: the codec is pure)."""

    async def qr_decode(request: Request) -> Response:
        # No length check here: an over-long payload is a decode result (payload_too_long),
        # and the app already bounds the body (BODY_BYTES_MAX).
        body: QrDecodeIn = request.json(QrDecodeIn)
        result: dict[str, Any] = to_json(decode(body.payload, strict=body.strict))
        return Response.json(result)

    async def qr_encode(request: Request) -> Response:
        body: QrEncodeIn = request.json(QrEncodeIn)
        if len(body.fields) > ENCODE_FIELDS_MAX:
            raise InputInvalid(
                "too_many_fields", f"at most {ENCODE_FIELDS_MAX} fields", field="fields"
            )
        try:
            payload = encode(body.scheme, **fields_from_text(body.fields))
        except EmvQrEncodeError as exc:
            where = "scheme" if exc.reason == "scheme_unknown" else "fields"
            raise InputInvalid(exc.reason, exc.message, field=where) from None
        return Response.json(QrEncodeOut(payload, render_svg(payload) if body.svg else None))

    return [
        Route(
            "POST",
            "/v1/qr/decode",
            qr_decode,
            "Decode a merchant QR code",
            "Reads an EMVCo merchant-presented payload of any ASEAN scheme (PromptPay, PayNow/"
            "SGQR, DuitNow, QRIS, VietQR, VNPAY, QR Ph, KHQR, Lao QR). Lenient by default: "
            "deviations real generators make are warnings; strict=true makes them errors. A "
            "code that cannot be read is still 200 with valid=false and precise errors.",
            DECODE_EXAMPLE,
            auth=Auth.NONE,
            request=QrDecodeIn,
            tag="qr",
        ),
        Route(
            "POST",
            "/v1/qr/encode",
            qr_encode,
            "Build a merchant QR code",
            "Builds a static (no amount) or dynamic code of a scheme (promptpay, paynow, "
            "duitnow, qris, vietqr, vnpay, qrph, khqr, laoqr; or template: any other "
            "merchant-account template by its guid and sub01..sub99) from its fields, and its "
            "SVG image. Fields as lintas.codecs.emvqr.encode takes them (tip_prompt, "
            "convenience_fee or convenience_fee_percentage add tags 55-57); times in ISO 8601.",
            ENCODE_EXAMPLE,
            auth=Auth.SANDBOX,
            request=QrEncodeIn,
            response=QrEncodeOut,
            tag="qr",
        ),
    ]
