"""The client address: the socket's peer, or what a configured proxy says the client was."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from bot.client import UNKNOWN, client_address


def request(peer: str, forwarded: list[str] | None = None) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded or []]
    return Request({"type": "http", "client": (peer, 50000), "headers": headers, "method": "GET", "path": "/"})


def test_without_proxies_the_peer_is_the_client_whatever_the_headers_say() -> None:
    assert client_address(request("203.0.113.5", ["10.1.1.1"])) == "203.0.113.5"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address(request("203.0.113.5", ["10.1.1.1"]), "127.0.0.1") == "203.0.113.5"


def test_a_trusted_proxy_names_the_client_and_what_the_client_prepended_is_ignored() -> None:
    assert client_address(request("127.0.0.1", ["6.6.6.6, 198.51.100.20"]), "127.0.0.1") == "198.51.100.20"
    assert client_address(request("127.0.0.1", ["6.6.6.6", "198.51.100.20"]), "127.0.0.1") == "198.51.100.20"


def test_a_chain_of_trusted_proxies_is_walked_back_to_the_client() -> None:
    chain = request("10.0.0.2", ["198.51.100.20, 10.0.0.9"])
    assert client_address(chain, "10.0.0.0/8") == "198.51.100.20"


@pytest.mark.parametrize("header", ["not-an-address", "198.51.100.20, <script>"])
def test_a_garbled_header_from_the_proxy_gives_one_shared_unknown_client(header: str) -> None:
    assert client_address(request("127.0.0.1", [header]), "127.0.0.1") == UNKNOWN


def test_a_proxy_that_sends_no_header_is_the_client() -> None:
    assert client_address(request("127.0.0.1"), "127.0.0.1") == "127.0.0.1"
