"""The server's transport wrapper: an answer's writes go out as one send, in order."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from lintas.entrypoints.server import _CoalescingTransport


class FakeTransport:
    """Records what would have been sent (the socket is outside what is tested here)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.sent.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


def _wrapped(loop: asyncio.AbstractEventLoop) -> tuple[FakeTransport, _CoalescingTransport]:
    raw = FakeTransport()
    return raw, _CoalescingTransport(cast(asyncio.Transport, raw), loop)


def test_the_head_and_body_of_an_answer_go_out_as_one_send_on_the_next_turn() -> None:
    async def scenario() -> list[bytes]:
        raw, transport = _wrapped(asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(memoryview(b"{}"))
        assert raw.sent == []  # Nothing yet: the answer is still being written.
        await asyncio.sleep(0)
        return raw.sent

    sent = asyncio.run(scenario())
    assert sent == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]


def test_a_close_sends_what_was_written_first_and_other_calls_reach_the_transport() -> None:
    async def scenario() -> FakeTransport:
        raw, transport = _wrapped(asyncio.get_running_loop())
        transport.write(b"last answer")
        transport.close()
        assert transport.is_closing()
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
        await asyncio.sleep(0)  # The scheduled flush finds nothing left and sends nothing.
        return raw

    raw = asyncio.run(scenario())
    assert raw.sent == [b"last answer"] and raw.closed
