"""The failed-lookup limit on patient links (API and pages) keys on the client address: behind a trusted
proxy, the one it recorded in X-Forwarded-For, not the proxy's own."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.service_fixtures import API, link_headers

PROXY = {"REMOTE_ADDR": "10.0.0.2"}


def _guess(client: Client, forwarded: str, n: int) -> int:
    """An unknown token, a new one each time (a token's own request count is not what is tested)."""
    headers = link_headers(f"guess-{n}-{forwarded}", HTTP_X_FORWARDED_FOR=forwarded, **PROXY)
    return client.get(f"{API}/patient/me", **headers).status_code


@override_settings(MESOSAFE_PATIENT_RATE=3, MESOSAFE_TRUSTED_PROXIES=(ip_network("10.0.0.0/24"),))
def test_behind_a_trusted_proxy_one_clients_failed_lookups_do_not_limit_another(
    db: Any, client: Client
) -> None:
    """Review: behind the proxy every client had its address, so one guesser got every patient 429."""
    assert [_guess(client, "198.51.100.7", n) for n in range(4)] == [404, 404, 404, 429]
    assert _guess(client, "203.0.113.5", 0) == 404
    other_page = client.get("/p/guess-pages/", HTTP_X_FORWARDED_FOR="203.0.113.5", **PROXY)
    assert other_page.status_code == 404
    guesser_page = client.get("/p/guess-pages/", HTTP_X_FORWARDED_FOR="198.51.100.7", **PROXY)
    assert guesser_page.status_code == 429  # the pages share the client's count


@pytest.mark.parametrize("trusted", [(), (ip_network("192.0.2.0/24"),)])
def test_an_untrusted_peer_cannot_choose_its_address_with_the_header(
    db: Any, client: Client, settings: Any, trusted: tuple[Any, ...]
) -> None:
    settings.MESOSAFE_PATIENT_RATE, settings.MESOSAFE_TRUSTED_PROXIES = 3, trusted
    statuses = [_guess(client, f"198.51.100.{n}", n) for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def _guess_from(client: Client, peer: str, n: int) -> int:
    headers = link_headers(f"guess-{n}-{peer}", REMOTE_ADDR=peer)
    return client.get(f"{API}/patient/me", **headers).status_code


@override_settings(MESOSAFE_PATIENT_RATE=3)
def test_an_ipv6_client_is_limited_by_its_64_whatever_address_in_it(db: Any, client: Client) -> None:
    """One client holds a whole /64: a new address in it for each guess still counts against the same
    limit (API and pages), and the next /64 is another client; IPv4 mapped into IPv6 is its IPv4 address."""
    guesses = [_guess_from(client, f"2001:db8:1:2::{n:x}", n) for n in range(1, 5)]
    assert guesses == [404, 404, 404, 429]
    assert client.get("/p/guess-v6/", REMOTE_ADDR="2001:db8:1:2:aaaa::1").status_code == 429
    assert _guess_from(client, "2001:db8:1:3::1", 0) == 404
    mapped = [
        _guess_from(client, peer, n) for n, peer in enumerate(["198.51.100.9", "::ffff:198.51.100.9"] * 2)
    ]
    assert mapped == [404, 404, 404, 429]
