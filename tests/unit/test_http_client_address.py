"""Which address the hub takes for a client (per-client limits use it)."""

from __future__ import annotations

from lintas.entrypoints.http_protocol import client_address

LOCAL = frozenset({"127.0.0.1", "::1"})


def test_a_direct_client_is_its_peer_address_whatever_it_forwards() -> None:
    assert client_address("203.0.113.7", b"198.51.100.1", LOCAL) == "203.0.113.7"


def test_a_client_behind_a_trusted_proxy_is_the_address_the_proxy_forwards() -> None:
    assert client_address("127.0.0.1", b"198.51.100.1", LOCAL) == "198.51.100.1"


def test_the_nearest_untrusted_hop_wins_so_a_client_cannot_claim_an_address() -> None:
    # The client wrote the first hop itself; the trusted proxy appended the real one.
    forwarded = b"10.0.0.1, 198.51.100.1, 127.0.0.1"
    assert client_address("127.0.0.1", forwarded, LOCAL) == "198.51.100.1"


def test_without_a_forwarded_header_the_proxy_is_the_client() -> None:
    assert client_address("127.0.0.1", None, LOCAL) == "127.0.0.1"


def test_with_no_trusted_proxy_the_header_is_ignored() -> None:
    assert client_address("127.0.0.1", b"198.51.100.1", frozenset()) == "127.0.0.1"


def test_an_unknown_peer_stays_unknown() -> None:
    assert client_address(None, b"198.51.100.1", LOCAL) is None
