"""The client's address behind reverse proxies: what the rate limits key on.

A ``Forwarded`` or ``X-Forwarded-For`` header is only words a peer sends; anybody can send them. So they are
believed only when the TCP peer is one of the operator's proxies (``CERTREG_TRUSTED_PROXIES``), and then only
as far as the proxies vouch for them: the chain ``header hops + peer`` is read from the right, every trusted
proxy is skipped, and the first address that is *not* a trusted proxy is the client (the rightmost untrusted
hop). Everything to its left was written by that client and proves nothing. A hop that is not an address
(``unknown``, an obfuscated ``_name``, garbage) ends the walk at the proxy that reported it: that proxy is the
last address anyone trustworthy vouched for.

Without trusted proxies (the default) the peer's address is the client, whatever the headers say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Final

from registry.config import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: More hops than any real proxy chain; a longer header is cut to its rightmost entries (the ones that count).
MAX_HOPS: Final = 32


class TrustedProxies:
    """Resolves the client address of one request from its peer and proxy headers."""

    def __init__(self, networks: Sequence[IPNetwork], header: str = "x-forwarded-for") -> None:
        self.networks = tuple(networks)
        self.header = header.lower().encode("latin-1")
        self._parse = parse_forwarded if self.header == b"forwarded" else parse_x_forwarded_for

    @property
    def enabled(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str) -> bool:
        parsed = parse_address(address)
        return parsed is not None and self._trusted(parsed)

    def client(self, peer: str, headers: Iterable[tuple[bytes, bytes]]) -> str:
        """The client address of a request whose TCP peer is ``peer`` (as the server reported it)."""
        if not self.networks:
            return peer
        peer_address = parse_address(peer)
        if peer_address is None or not self._trusted(peer_address):
            return peer
        values = [value.decode("latin-1") for name, value in headers if name == self.header]
        if not values:
            return peer
        hops = self._parse(",".join(values))[-MAX_HOPS:]
        client = str(peer_address)
        for hop in reversed(hops):
            if hop is None:  # not an address: the proxy to its right is the last one vouched for
                return client
            client = str(hop)
            if not self._trusted(hop):
                return client
        return client  # every hop is a proxy of ours: the leftmost is as far as anyone knows

    def _trusted(self, address: IPAddress) -> bool:
        return _in_networks(address, self.networks)


@lru_cache(maxsize=4096)
def _in_networks(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a header hop or a server's peer: bare, ``v4:port``, ``[v6]`` or ``[v6]:port``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # v4 with a port (a v6 address has at least two colons)
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_x_forwarded_for(value: str) -> list[IPAddress | None]:
    """The hops of ``X-Forwarded-For: client, proxy1, proxy2`` (None for a hop that is not an address)."""
    return [parse_address(part) for part in value.split(",")]


def parse_forwarded(value: str) -> list[IPAddress | None]:
    """The ``for=`` hops of RFC 7239 ``Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::1]:80"``.

    An element without ``for=`` is a hop of unknown address (None), like ``for=unknown``.
    """
    hops: list[IPAddress | None] = []
    for element in _split_quoted(value, ","):
        address: IPAddress | None = None
        for pair in _split_quoted(element, ";"):
            name, _, token = pair.partition("=")
            if name.strip().lower() == "for":
                address = parse_address(token)
        hops.append(address)
    return hops


def _split_quoted(value: str, separator: str) -> list[str]:
    """``value`` split at ``separator`` outside double quotes (a quoted IPv6 hop holds colons, not commas, but
    a quoted string may hold anything)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
