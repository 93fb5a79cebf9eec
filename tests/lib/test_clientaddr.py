"""The client address every per-address limit keys on: the TCP peer, or behind a trusted proxy the address
it recorded in X-Forwarded-For (review: behind the proxy every client shared the proxy's address)."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest
from django.test import RequestFactory

from mesosafe.lib.clientaddr import address_network, client_address, client_network

PROXY = "10.0.0.2"


def _address(peer: str, forwarded: str | None = None) -> str:
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **headers))


@pytest.fixture
def proxies(settings: Any) -> None:
    settings.MESOSAFE_TRUSTED_PROXIES = (ip_network("10.0.0.0/24"), ip_network("2001:db8::1/128"))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings: Any) -> None:
    assert settings.MESOSAFE_TRUSTED_PROXIES == ()
    assert _address(PROXY, "198.51.100.7") == PROXY


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own left-most entry is not believed
        (PROXY, "6.6.6.6,198.51.100.7, 10.0.0.3", "198.51.100.7"),  # through two trusted proxies
        ("192.0.2.1", "198.51.100.7", "192.0.2.1"),  # a peer that is no trusted proxy: the header is ignored
        (PROXY, None, PROXY),  # the proxy's own request (a health check)
        (PROXY, "10.0.0.9, 10.0.0.3", "10.0.0.9"),  # trusted all the way: the farthest hop
        (PROXY, "198.51.100.7, unknown", PROXY),  # nothing past an entry that is not an address
        (PROXY, "198.51.100.7, 203.0.113.5:4711", "203.0.113.5"),  # review: a proxy that adds the port
        (PROXY, "198.51.100.7:1, 10.0.0.3:8080", "198.51.100.7"),
        (PROXY, "[2001:DB8::7]:443", "2001:db8::7"),
        (PROXY, "[2001:db8::7]", "2001:db8::7"),
        (PROXY, "[::ffff:198.51.100.7]:443", "198.51.100.7"),
        (PROXY, "198.51.100.7, 203.0.113.5:port", PROXY),  # ports that are not
        (PROXY, "198.51.100.7, 203.0.113.5:", PROXY),
        (PROXY, "198.51.100.7, 203.0.113.5:65536", PROXY),
        (PROXY, "198.51.100.7, 203.0.113.5:4711:1", PROXY),
        (PROXY, "198.51.100.7, [203.0.113.5]:4711", PROXY),  # brackets only round IPv6
        (PROXY, "198.51.100.7, [2001:db8::7", PROXY),
        (PROXY, "198.51.100.7, [unknown]:80", PROXY),
        ("::ffff:10.0.0.2", "::ffff:198.51.100.7", "198.51.100.7"),  # IPv4 mapped into IPv6
        ("2001:db8::1", "2001:DB8:0::9", "2001:db8::9"),  # one spelling per address
    ],
)
def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_hop(
    proxies: None, peer: str, forwarded: str | None, client: str
) -> None:
    assert _address(peer, forwarded) == client


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("198.51.100.7", "198.51.100.7"),  # IPv4: the address itself
        ("::ffff:198.51.100.7", "198.51.100.7"),  # IPv4 mapped into IPv6 (a dual-stack socket's peer)
        ("::ffff:c633:6407", "198.51.100.7"),  # the same, spelt in hex
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # IPv6: its /64
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),  # the next /64 is another client
        ("::1", "::/64"),
        ("fe80::1%eth0", "fe80::/64"),  # a zone is not part of the network
        ("", ""),  # no peer (a test client): as it is
    ],
)
def test_a_limit_counts_an_ipv6_client_by_its_64(address: str, counted_as: str) -> None:
    assert address_network(address) == counted_as
    assert client_network(RequestFactory().get("/", REMOTE_ADDR=address)) == counted_as


def test_behind_a_trusted_proxy_the_forwarded_ipv6_client_is_counted_by_its_64(proxies: None) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="[2001:db8:5:6::beef]:443")
    assert client_network(request) == "2001:db8:5:6::/64"
