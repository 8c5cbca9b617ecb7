"""The client address behind proxies (verify/http/clientip.py): the rightmost untrusted hop, and only when
the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress

import pytest

from registry.config import SettingsError
from tests.support import make_settings
from verify.http.clientip import TrustedProxies, parse_address, parse_forwarded

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))


def xff(value: str) -> list[tuple[bytes, bytes]]:
    return [(b"x-forwarded-for", value.encode())]


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert TrustedProxies(()).client("127.0.0.1", xff("203.0.113.9")) == "127.0.0.1"


def test_an_untrusted_peer_cannot_name_another_client() -> None:
    proxies = TrustedProxies(PROXIES)
    assert proxies.client("198.51.100.7", xff("203.0.113.9, 10.0.0.2")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("header", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("1.1.1.1, 203.0.113.9", "203.0.113.9"),  # the client's own claim on the left counts for nothing
        ("1.1.1.1, 203.0.113.9, 10.9.9.9", "203.0.113.9"),  # a second proxy of ours is skipped
        ("10.1.1.1, 10.2.2.2", "10.1.1.1"),  # all ours: the leftmost is as far as anyone knows
        ("garbage, 203.0.113.9:4711", "203.0.113.9"),
        ("203.0.113.9, unknown", "10.0.0.1"),  # not an address: the proxy that reported it
        ("", "10.0.0.1"),
        ("2001:db8::5, 2001:db8:ffff::1", "2001:db8::5"),
    ],
)
def test_the_rightmost_untrusted_hop_is_the_client(header: str, client: str) -> None:
    assert TrustedProxies(PROXIES).client("10.0.0.1", xff(header)) == client


def test_several_header_lines_are_one_list_in_order() -> None:
    headers = [(b"x-forwarded-for", b"1.1.1.1"), (b"x-forwarded-for", b"203.0.113.9, 10.0.0.3")]
    assert TrustedProxies(PROXIES).client("10.0.0.1", headers) == "203.0.113.9"


def test_only_the_configured_header_is_read() -> None:
    """A proxy that writes X-Forwarded-For passes a client's own Forwarded header on untouched."""
    headers = [(b"forwarded", b"for=203.0.113.66"), (b"x-forwarded-for", b"203.0.113.9")]
    assert TrustedProxies(PROXIES).client("10.0.0.1", headers) == "203.0.113.9"
    assert TrustedProxies(PROXIES, "forwarded").client("10.0.0.1", headers) == "203.0.113.66"


def test_forwarded_hops() -> None:
    value = 'for=192.0.2.43;proto=http, for="[2001:db8:cafe::17]:4711", for=unknown, by=10.0.0.1, for="_hidden"'
    assert parse_forwarded(value) == [
        ipaddress.ip_address("192.0.2.43"),
        ipaddress.ip_address("2001:db8:cafe::17"),
        None,
        None,
        None,
    ]


def test_an_ipv4_mapped_peer_is_its_ipv4_address() -> None:
    assert TrustedProxies(PROXIES).client("::ffff:10.0.0.1", xff("203.0.113.9")) == "203.0.113.9"


@pytest.mark.parametrize("text", ["", "[::1", "1.2.3", "a:b", "300.1.1.1", "::1]"])
def test_non_addresses(text: str) -> None:
    assert parse_address(text) is None


@pytest.mark.parametrize("value", ["10.0.0.0/33", "10.0.0.1/8", "proxy.local", "10.0.0.0/8;192.168.0.0/16"])
def test_a_bad_trusted_proxies_setting_stops_start_up_naming_it(value: str) -> None:
    with pytest.raises(SettingsError, match="CERTREG_TRUSTED_PROXIES"):
        make_settings(trusted_proxies=value)


def test_trusted_proxies_setting() -> None:
    settings = make_settings(trusted_proxies=" 10.0.0.0/8, 2001:db8::/32 ,")
    assert settings.server.trusted_networks() == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    with pytest.raises(SettingsError, match="CERTREG_PROXY_HEADER"):
        make_settings(proxy_header="x-real-ip")
