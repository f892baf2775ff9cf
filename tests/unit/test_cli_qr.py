"""``lintas qr`` (run in-process with typer's runner) and the /v1/qr route handlers called
directly through a ``Router`` (no server: the routes need no hub)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from lintas.codecs.emvqr import decode, encode
from lintas.codecs.emvqr.crc import crc_hex
from lintas.domain.errors import InputInvalid, MalformedRequest
from lintas.entrypoints.api.http import Auth, Request, Response, Router
from lintas.entrypoints.api.routes_qr import build_qr_routes
from lintas.entrypoints.cli_qr import qr_app

PROMPTPAY = encode("promptpay", mobile="0812345678", amount="100.50")
runner = CliRunner()


def call(path: str, body: bytes) -> Response:
    """POST ``body`` to ``path`` through the router, as the app would."""
    found = Router(build_qr_routes()).match("POST", path)
    assert found is not None, path
    route, params = found
    request = Request("POST", path, params, {}, {}, body)

    async def handle() -> Response:
        return await route.handler(request)

    return asyncio.run(handle())


def test_decode_prints_the_json_contract_with_json() -> None:
    result = runner.invoke(qr_app, ["decode", PROMPTPAY, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["valid"] is True and data["currency"] == "THB" and data["amount"] == "100.50"
    assert data["accounts"][0]["scheme"] == "promptpay"


def test_decode_prints_a_summary_and_the_proxy_to_pay_without_json() -> None:
    result = runner.invoke(qr_app, ["decode", PROMPTPAY])
    assert result.exit_code == 0, result.output
    assert "valid:      yes" in result.output and "MOBILE +66812345678" in result.output


def test_decode_exits_1_and_names_the_error_when_the_code_is_not_valid() -> None:
    wrong = "0" if PROMPTPAY[-1] != "0" else "1"
    result = runner.invoke(qr_app, ["decode", PROMPTPAY[:-1] + wrong])
    assert result.exit_code == 1
    assert "crc_mismatch" in result.output


def test_decode_with_strict_turns_tolerated_deviations_into_errors() -> None:
    body = PROMPTPAY.replace("010212", "010211")[:-4]  # a static code that carries an amount
    static_with_amount = body + crc_hex(body)
    lenient = runner.invoke(qr_app, ["decode", static_with_amount])
    strict = runner.invoke(qr_app, ["decode", "--strict", static_with_amount])
    assert lenient.exit_code == 0 and "warning:" in lenient.output
    assert strict.exit_code == 1 and "error:    static_code_carries_amount" in strict.output


def test_encode_prints_a_payload_that_decodes_to_the_given_fields() -> None:
    result = runner.invoke(
        qr_app,
        [
            "encode",
            "--scheme",
            "vietqr",
            "-f",
            "bank_bin=970415",
            "-f",
            "account=0011001932418",
            "--amount",
            "120000",
            "--merchant-name",
            "PHO HANOI",
        ],
    )
    assert result.exit_code == 0, result.output
    qr = decode(result.output.strip(), strict=True)
    assert qr.valid and qr.merchant.name == "PHO HANOI" and qr.amount is not None
    assert qr.amount.format() == "120000"


def test_encode_writes_an_svg_or_a_png_when_asked(tmp_path: Path) -> None:
    svg, png = tmp_path / "code.svg", tmp_path / "code.png"
    args = ["encode", "--scheme", "paynow", "-f", "uen=201403121W", "-f", "editable=true"]
    assert runner.invoke(qr_app, [*args, "--svg", str(svg)]).exit_code == 0
    assert runner.invoke(qr_app, [*args, "--png", str(png)]).exit_code == 0
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_encode_refuses_a_bad_field_with_its_reason_and_exit_code_2() -> None:
    result = runner.invoke(
        qr_app, ["encode", "--scheme", "promptpay", "-f", "mobile=0812345678", "-f", "colour=red"]
    )
    assert result.exit_code == 2 and "field_unknown" in result.output


def test_every_qr_command_documents_an_example() -> None:
    for command in qr_app.registered_commands:
        assert command.callback is not None and "Example:" in (command.callback.__doc__ or "")


def test_the_decode_route_answers_the_json_contract() -> None:
    response = call("/v1/qr/decode", json.dumps({"payload": PROMPTPAY, "strict": True}).encode())
    data = json.loads(response.body)
    assert response.status == 200 and data["valid"] is True
    assert data["payableProxy"] == {"type": "MOBILE", "value": "+66812345678"}


def test_the_decode_route_answers_200_with_valid_false_for_an_unreadable_code() -> None:
    response = call("/v1/qr/decode", b'{"payload": "000201010"}')
    data = json.loads(response.body)
    assert response.status == 200 and data["valid"] is False
    assert data["errors"][0]["code"] == "tlv_truncated"


def test_the_decode_route_refuses_a_body_that_is_not_json_as_malformed() -> None:
    with pytest.raises(MalformedRequest) as caught:
        call("/v1/qr/decode", b"payload=0002")
    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    "body",
    [b'{"strict": true}', b'{"payload": 12}', b'{"payload": "x", "colour": "red"}'],
)
def test_the_decode_route_refuses_a_body_of_the_wrong_shape(body: bytes) -> None:
    with pytest.raises(InputInvalid) as caught:
        call("/v1/qr/decode", body)
    assert caught.value.http_status == 422 and caught.value.reason == "body_invalid"


def test_the_encode_route_answers_a_payload_and_its_svg() -> None:
    body = {
        "scheme": "khqr",
        "fields": {
            "account_id": "shop@bank",
            "currency": "USD",
            "amount": "1.25",
            "created_at": "2026-03-01T10:00:00+07:00",
            "expires_at": "2026-03-01T10:05:00+07:00",
        },
    }
    response = call("/v1/qr/encode", json.dumps(body).encode())
    data = msgspec.json.decode(response.body)
    assert response.status == 200 and data["svg"].lstrip().startswith("<svg")
    qr = decode(data["payload"], strict=True)
    assert qr.valid and qr.currency == "USD" and qr.expires_at is not None


def test_the_encode_route_turns_an_encoder_refusal_into_invalid_input() -> None:
    with pytest.raises(InputInvalid) as caught:
        call("/v1/qr/encode", b'{"scheme": "promptpay", "fields": {"mobile": "12"}}')
    assert caught.value.reason == "mobile_invalid" and caught.value.field == "fields"


def test_the_encode_route_refuses_an_unknown_scheme_on_the_scheme_field() -> None:
    with pytest.raises(InputInvalid) as caught:
        call("/v1/qr/encode", b'{"scheme": "upi", "fields": {}}')
    assert caught.value.reason == "scheme_unknown" and caught.value.field == "scheme"


def test_decoding_is_public_and_encoding_is_a_sandbox_tool() -> None:
    auth = {route.path: route.auth for route in build_qr_routes()}
    assert auth == {"/v1/qr/decode": Auth.NONE, "/v1/qr/encode": Auth.SANDBOX}


def test_encode_builds_a_code_that_asks_for_a_tip_and_decode_says_so() -> None:
    built = runner.invoke(
        qr_app,
        ["encode", "--scheme", "promptpay", "-f", "mobile=0812345678", "-f", "tip_prompt=true"],
    )
    assert built.exit_code == 0, built.output
    payload = built.output.strip()
    assert "550201" in payload
    shown = runner.invoke(qr_app, ["decode", payload])
    assert shown.exit_code == 0 and "tip/fee:    the payer is asked for a tip" in shown.output


def test_encode_builds_a_code_with_a_convenience_fee_in_its_json() -> None:
    built = runner.invoke(
        qr_app,
        ["encode", "--scheme", "qris", "-f", "nmid=ID1020021181745", "-f", "convenience_fee=1000"],
    )
    assert built.exit_code == 0, built.output
    data = json.loads(runner.invoke(qr_app, ["decode", "--json", built.output.strip()]).output)
    assert data["tip"] == {"indicator": "02", "fixedFee": "1000.00", "percentage": None}


def test_encode_builds_a_template_no_profile_reads_and_decode_shows_it_as_unknown() -> None:
    built = runner.invoke(
        qr_app,
        [
            "encode",
            "--scheme",
            "template",
            "-f",
            "country=MM",
            "-f",
            "guid=COM.EXAMPLE",
            "-f",
            "sub01=PSP1",
            "-f",
            "sub02=M1",
        ],
    )
    assert built.exit_code == 0, built.output
    data = json.loads(runner.invoke(qr_app, ["decode", "--json", built.output.strip()]).output)
    assert data["valid"] is True and data["currency"] == "MMK"
    assert data["accounts"] == [
        {
            "scheme": "unknown",
            "tag": "26",
            "guid": "COM.EXAMPLE",
            "proxy": None,
            "subtags": {"00": "COM.EXAMPLE", "01": "PSP1", "02": "M1"},
        }
    ]
    assert data["payableProxy"] is None


def test_the_encode_route_refuses_a_template_without_a_guid() -> None:
    body = {"scheme": "template", "fields": {"country": "BN", "sub02": "M1"}}
    with pytest.raises(InputInvalid) as caught:
        call("/v1/qr/encode", json.dumps(body).encode())
    assert caught.value.reason == "field_missing" and "guid" in caught.value.message
