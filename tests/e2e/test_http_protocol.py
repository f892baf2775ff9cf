"""HTTP/1.1 as clients speak it, byte for byte, against a served hub (``http_protocol``)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from lintas.entrypoints.api.http import BODY_BYTES_MAX
from lintas.entrypoints.http_protocol import PIPELINED_MAX
from lintas.entrypoints.server import ServerThread

TIMEOUT_S = 30.0


def _connect(server: ServerThread) -> socket.socket:
    url = urlsplit(server.url)
    assert url.hostname is not None and url.port is not None
    return socket.create_connection((url.hostname, url.port), timeout=TIMEOUT_S)


class _Reader:
    """Reads whole answers (status, headers, body by content-length) off one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def head(self) -> tuple[int, dict[str, str]]:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"connection closed mid-answer: {self.buffer!r}"
        raw, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    def answer(self, *, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
        status, headers = self.head()
        length = 0 if head_only else int(headers["content-length"])
        while len(self.buffer) < length:
            assert self._fill(), "connection closed mid-body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        """True once the server has closed the connection (and sent nothing more)."""
        return not self.buffer and not self._fill()


def _get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nhost: hub\r\n{extra}\r\n".encode()


def _post(path: str, body: bytes, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nhost: hub\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


@pytest.fixture
def conn(server: ServerThread) -> Iterator[_Reader]:
    with _connect(server) as sock:
        yield _Reader(sock)


def test_one_connection_carries_many_requests(conn: _Reader) -> None:
    for _ in range(3):
        conn.sock.sendall(_get("/healthz"))
        status, headers, body = conn.answer()
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert "date" in headers and "connection" not in headers


def test_pipelined_requests_are_answered_in_the_order_they_were_sent(conn: _Reader) -> None:
    conn.sock.sendall(_get("/v1/countries") + _get("/healthz") + _get("/v1/nowhere"))
    first, second, third = conn.answer(), conn.answer(), conn.answer()
    assert first[0] == 200 and isinstance(json.loads(first[2]), list | dict)
    assert (second[0], json.loads(second[2])) == (200, {"status": "ok"})
    assert third[0] == 404 and json.loads(third[2])["reason"] == "route_unknown"


def test_many_more_pipelined_requests_than_the_bound_are_all_answered_in_order(
    conn: _Reader,
) -> None:
    # Beyond PIPELINED_MAX waiting requests the server stops reading the socket (the client
    # is slowed by TCP, not refused), and reads on as it answers: nothing is lost or reordered.
    count = 5 * PIPELINED_MAX
    paths = [("/healthz", "/v1/nowhere")[i % 2] for i in range(count)]
    half = count // 2  # The second half arrives while the server may have stopped reading.
    conn.sock.sendall(b"".join(_get(p) for p in paths[:half]))
    time.sleep(0.05)
    conn.sock.sendall(b"".join(_get(p) for p in paths[half:]))
    statuses = [conn.answer()[0] for _ in paths]
    assert statuses == [200 if p == "/healthz" else 404 for p in paths]
    conn.sock.sendall(_get("/healthz"))
    assert conn.answer()[0] == 200


def test_expect_100_continue_is_answered_before_the_body_is_sent(conn: _Reader) -> None:
    body = json.dumps({"country": "SG", "addressType": "MOBL", "value": "+6500000000"}).encode()
    head = _post("/v1/addressing/resolve", b"", "expect: 100-continue\r\n")
    conn.sock.sendall(head.replace(b"content-length: 0", f"content-length: {len(body)}".encode()))
    status, _ = conn.head()
    assert status == 100
    conn.sock.sendall(body)
    status, headers, answer = conn.answer()
    # No key was sent: the hub read the body and answered the request, as a refusal.
    assert status == 401 and headers["content-type"] == "application/problem+json"
    assert json.loads(answer)["reason"] == "api_key_missing"


def test_an_http_1_0_request_is_answered_then_the_connection_closed(conn: _Reader) -> None:
    conn.sock.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
    status, headers, _ = conn.answer()
    assert status == 200 and headers["connection"] == "close"
    assert conn.closed()


def test_connection_close_closes_after_the_answer(conn: _Reader) -> None:
    conn.sock.sendall(_get("/healthz", "connection: close\r\n"))
    status, headers, _ = conn.answer()
    assert status == 200 and headers["connection"] == "close"
    assert conn.closed()


def test_a_head_answer_has_a_length_and_no_body(conn: _Reader) -> None:
    conn.sock.sendall(b"HEAD /healthz HTTP/1.1\r\nhost: hub\r\n\r\n")
    status, headers, _ = conn.answer(head_only=True)
    assert int(headers["content-length"]) > 0
    assert status == 404  # No route answers HEAD; the answer is still well formed.
    # Nothing of a body follows: the next answer on the connection starts cleanly.
    conn.sock.sendall(_get("/healthz"))
    assert conn.answer()[0] == 200


def test_a_body_declared_over_the_bound_is_refused_unread_and_the_connection_closed(
    conn: _Reader,
) -> None:
    conn.sock.sendall(
        b"POST /v1/payments HTTP/1.1\r\nhost: hub\r\ncontent-type: application/json\r\n"
        + f"content-length: {BODY_BYTES_MAX + 1}\r\n\r\n".encode()
    )
    status, headers, body = conn.answer()
    assert status == 413 and headers["connection"] == "close"
    assert json.loads(body)["reason"] == "body_too_large"
    assert conn.closed()


def test_a_chunked_body_over_the_bound_is_refused(conn: _Reader) -> None:
    chunk = b"x" * 65536
    conn.sock.sendall(
        b"POST /v1/payments HTTP/1.1\r\nhost: hub\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    status = None
    try:
        for _ in range(BODY_BYTES_MAX // len(chunk) + 2):
            conn.sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # The hub stopped reading once the bound was passed, as it should.
    status, _, body = conn.answer()
    assert status == 413 and json.loads(body)["reason"] == "body_too_large"
    assert conn.closed()


def test_a_chunked_body_within_the_bound_is_read_whole(conn: _Reader) -> None:
    body = json.dumps({"country": "SG", "addressType": "MOBL", "value": "+6500000000"}).encode()
    half = len(body) // 2
    conn.sock.sendall(
        b"POST /v1/addressing/resolve HTTP/1.1\r\nhost: hub\r\ntransfer-encoding: chunked\r\n"
        b"\r\n"
        + b"%x\r\n" % half
        + body[:half]
        + b"\r\n"
        + b"%x\r\n" % (len(body) - half)
        + body[half:]
        + b"\r\n0\r\n\r\n"
    )
    status, _, answer = conn.answer()
    assert status == 401 and json.loads(answer)["reason"] == "api_key_missing"


def test_a_request_that_is_not_http_gets_400_and_the_connection_closed(conn: _Reader) -> None:
    conn.sock.sendall(b"HELLO THERE\r\n\r\n")
    status, _, _ = conn.answer()
    assert status == 400
    assert conn.closed()


def test_a_percent_encoded_path_is_decoded_before_routing(conn: _Reader) -> None:
    conn.sock.sendall(_get("/v1/countries/%53G/address-types"))
    status, _, body = conn.answer()
    assert status == 200 and json.loads(body)


def test_a_bug_while_answering_closes_the_connection_instead_of_leaving_it_waiting(
    server: ServerThread, conn: _Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> object:
        raise RuntimeError("a bug in the answer path")

    monkeypatch.setattr(server.app, "respond", broken)
    conn.sock.sendall(_get("/healthz"))
    assert conn.closed()
