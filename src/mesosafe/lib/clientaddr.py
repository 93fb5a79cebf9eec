"""The client's address, which every per-address limit keys on: the TCP peer, or, when the peer is one of the
proxies in MESOSAFE_TRUSTED_PROXIES, the address those proxies recorded in X-Forwarded-For. Behind a proxy
the peer is the proxy for everyone, so a limit on it would be one limit for all clients. A limit counts an
IPv6 client by its /64 (`client_network`): one client usually holds a whole /64 and could change address
inside it at every request."""

from __future__ import annotations

import re
from ipaddress import IPv6Address, IPv6Network, ip_address
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

# An entry with the port some proxies add: 203.0.113.7:51234, [2001:db8::1]:443, or [2001:db8::1] alone. A
# bare IPv6 address takes no port: its last group could be one.
_WITH_PORT = re.compile(r"(?:(?P<v4>[\d.]+)|\[(?P<v6>[\da-f.]*:[\da-f:.]*)\])(?::(?P<port>\d{1,5}))?", re.I)
MAX_PORT = 65535
# The IPv6 network one client is counted by: a /64 is what one home, phone or server is usually given (RFC
# 6177; SLAAC and privacy addresses change only the last 64 bits)
IPV6_CLIENT_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The peer, or the right-most X-Forwarded-For entry that is not a trusted proxy. Each trusted proxy
    appends the address it was connected from, so the entries left of that one are whatever the client sent
    and are never believed; when every hop is a trusted proxy, the farthest one."""
    address: str = request.META.get("REMOTE_ADDR", "")
    hops = iter(_forwarded_for(request))
    while _trusted(address) and (hop := next(hops, None)) is not None:
        address = hop
    return address


def client_network(request: HttpRequest) -> str:
    """What a per-address limit counts the request under: `client_address`, an IPv4 address (one mapped into
    IPv6, ::ffff:a.b.c.d, as that IPv4 address) as it is, an IPv6 address as its /64 network
    ("2001:db8:1:2::/64"). A peer that is not an address (none given) is kept as it is."""
    return address_network(client_address(request))


def address_network(address: str) -> str:
    if (normal := _normal(address)) is None:
        return address
    parsed = ip_address(normal)
    if isinstance(parsed, IPv6Address):
        return str(IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return normal


def _forwarded_for(request: HttpRequest) -> list[str]:
    """X-Forwarded-For's addresses, nearest first, normalised, without a port. The walk stops at an entry
    that is not an address: no proxy of ours wrote it, and nothing beyond it can be traced."""
    hops: list[str] = []
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if (address := _hop(entry.strip())) is None:
            break
        hops.append(address)
    return hops


def _hop(entry: str) -> str | None:
    if (match := _WITH_PORT.fullmatch(entry)) is None:
        return _normal(entry)
    if int(match["port"] or 0) > MAX_PORT:
        return None
    return _normal(match["v4"] or match["v6"])


def _normal(text: str) -> str | None:
    """One spelling per address (an IPv4 address mapped into IPv6 as IPv4), or None for a non-address."""
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def _trusted(address: str) -> bool:
    proxies = settings.MESOSAFE_TRUSTED_PROXIES
    if not proxies or (normal := _normal(address)) is None:
        return False
    peer = ip_address(normal)
    return any(peer in network for network in proxies)
