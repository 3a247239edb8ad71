"""The client address a request comes from, trusting ``X-Forwarded-For`` only from configured proxies."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

from bot.runtime import runtime_of

UNKNOWN = "unknown"
TOO_MANY_CONVERSATIONS_TEXT = ("Too many new conversations have been started from your network. Please wait a few "
                               "minutes and try again.")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_proxies(spec: str) -> tuple[Network, ...]:
    """``"10.0.0.0/8 127.0.0.1"`` → networks; raise ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec.split())


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(connection: HTTPConnection, trusted_proxies: str = "") -> str:
    """The address of whoever sent this request.

    The socket's peer, unless that peer is one of ``trusted_proxies``: then the right-most address in
    ``X-Forwarded-For`` that is not itself a trusted proxy (a client can prepend anything it likes, but not what
    the proxy appends).
    """
    peer = connection.client.host if connection.client else UNKNOWN
    proxies = parse_proxies(trusted_proxies)
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return UNKNOWN  # a garbled header: one shared bucket, not a free one per spelling
    return peer


def client_of(connection: HTTPConnection) -> str:
    """The client address of this request or socket, with the app's configured proxies."""
    return client_address(connection, runtime_of(connection).settings.trusted_proxies)
