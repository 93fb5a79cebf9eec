from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from ipaddress import ip_network
from typing import Any

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.test import Client

from mesosafe.clinics.models import LoginCounter, Staff
from tests.concurrent import all_at_once
from tests.pages_fixtures import PASSWORD, ClinicSite

REDIS_URL = os.environ.get("MESOSAFE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_anonymous_is_sent_to_login(db: object, client: Client) -> None:
    response = client.get("/clinic/")
    assert response.status_code == 302 and response["Location"].startswith("/clinic/login/?next=/clinic/")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("/clinic/login/", "did not match"),
        ("/admin/login/", "Please enter the correct username and password"),
    ],
)
def test_wrong_password_shows_error(site_a: ClinicSite, client: Client, url: str, error: str) -> None:
    response = client.post(url, {"username": "alice", "password": "nope"})
    assert response.status_code == 200 and "Retry-After" not in response
    assert error in response.content.decode()


def test_login_lands_on_review_queue(site_a: ClinicSite, client: Client) -> None:
    response = client.post("/clinic/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/clinic/"
    assert "Review queue" in client.get("/clinic/").content.decode()


def test_user_without_staff_record_is_403(db: object, client: Client) -> None:
    client.force_login(User.objects.create_user("visitor", password=PASSWORD))
    assert client.get("/clinic/").status_code == 403


def test_login_page_in_arabic(db: object, client: Client) -> None:
    page = client.get("/clinic/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'lang="ar" dir="rtl"' in page and "دخول الموظفين" in page


@pytest.mark.parametrize("url", ["/clinic/login/", "/admin/login/"])
def test_failed_logins_are_throttled_even_for_the_right_password(
    site_a: ClinicSite, client: Client, url: str
) -> None:
    for _ in range(settings.MESOSAFE_LOGIN_ATTEMPTS):
        wrong = client.post(url, {"username": "alice", "password": "nope"})
        assert wrong.status_code == 200 and "Too many" not in wrong.content.decode()
    refused = client.post(url, {"username": " alice ", "password": PASSWORD})
    assert refused.status_code == 429 and refused["Retry-After"] == str(settings.MESOSAFE_LOGIN_WINDOW_S)
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    LoginCounter.objects.all().delete()  # the window ends
    assert client.post("/clinic/login/", {"username": "alice", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("url", ["/clinic/login/", "/admin/login/"])
@pytest.mark.parametrize("spelling", ["\uff41lice", "a\uff4cice", "\u1d43lice"])
def test_a_locked_account_stays_locked_under_any_spelling_that_logs_in_as_it(
    site_a: ClinicSite, client: Client, url: str, spelling: str
) -> None:
    """Review: 'ａlice' (full-width a) logs in as alice (Django's NFKC), but had counters of its own."""
    User.objects.filter(username="alice").update(is_staff=True)  # the admin lets her in too
    assert client.post("/clinic/login/", {"username": spelling, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.MESOSAFE_LOGIN_ATTEMPTS):
        client.post(url, {"username": "alice", "password": "nope"})
    assert client.post(url, {"username": spelling, "password": PASSWORD}).status_code == 429
    # authentication keeps the case, so another case is another account, checked (and not alice's)
    other = client.post("/clinic/login/", {"username": "ALICE", "password": PASSWORD})
    assert other.status_code == 200 and "did not match" in other.content.decode()


def test_one_address_cannot_lock_an_account_for_everyone(site_a: ClinicSite, client: Client) -> None:
    """Review: anyone knowing a username could lock it for 15 minutes; the attempts past an address's own lock
    are no longer counted for the account, so the lock from anywhere needs many addresses."""

    def login(password: str, address: str) -> int:
        form = {"username": "alice", "password": password}
        return client.post("/clinic/login/", form, REMOTE_ADDR=address).status_code

    for n in range(settings.MESOSAFE_LOGIN_ATTEMPTS * 3 + 5):
        login(f"x{n}", "192.0.2.66")
    assert login(PASSWORD, "192.0.2.66") == 429
    assert login(PASSWORD, "192.0.2.10") == 302  # the nurse, elsewhere


@pytest.fixture
def behind_proxy(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MESOSAFE_TRUSTED_PROXIES = (ip_network("10.0.0.2/32"),)
    monkeypatch.setattr("mesosafe.clinicui.login.ADDRESS_SLOT_S", 60, raising=False)  # no slot by chance


def _via_proxy(client: Client, client_address: str, username: str, password: str) -> Any:
    form = {"username": username, "password": password}
    return client.post("/clinic/login/", form, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address)


def test_behind_a_trusted_proxy_each_client_has_its_own_login_limits(
    site_a: ClinicSite, client: Client, behind_proxy: None
) -> None:
    """Review: behind the proxy every client had the proxy's address; 30 failures from anyone made the whole
    service check one login a second, and 10 on an account locked it from everywhere."""
    for n in range(settings.MESOSAFE_LOGIN_ATTEMPTS * 3 + 5):
        _via_proxy(client, "198.51.100.7", "alice" if n < 12 else f"nobody{n}", "wrong")
    assert _via_proxy(client, "198.51.100.7", "alice", PASSWORD).status_code == 429
    assert _via_proxy(client, "203.0.113.5", "alice", PASSWORD).status_code == 302
    client.logout()
    # the guesser's own left-most entry is not believed
    assert _via_proxy(client, "203.0.113.5, 198.51.100.7", "alice", PASSWORD).status_code == 429


def test_an_ipv6_guesser_changing_address_inside_its_64_is_still_locked_out(
    site_a: ClinicSite, client: Client
) -> None:
    """The account-from-one-address lock counts an IPv6 client by its /64: a new address in it for every
    guess (as any client holding a /64 can) is still the same address; another /64 is not."""
    for n in range(settings.MESOSAFE_LOGIN_ATTEMPTS):
        wrong = {"username": "alice", "password": "nope"}
        assert client.post("/clinic/login/", wrong, REMOTE_ADDR=f"2001:db8:7:8::{n + 1:x}").status_code == 200
    right = {"username": "alice", "password": PASSWORD}
    assert client.post("/clinic/login/", right, REMOTE_ADDR="2001:db8:7:8:ffff::1").status_code == 429
    assert client.post("/clinic/login/", right, REMOTE_ADDR="2001:db8:7:9::1").status_code == 302


def test_successful_logins_are_not_counted(site_a: ClinicSite, client: Client) -> None:
    for _ in range(settings.MESOSAFE_LOGIN_ATTEMPTS + 2):
        assert client.post("/clinic/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
        client.logout()


class CountingBackend(ModelBackend):
    """Django's backend, counting the password checks it is asked for (from every server thread)."""

    checks = 0
    lock = threading.Lock()

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kw: Any
    ) -> Any:
        with CountingBackend.lock:
            CountingBackend.checks += 1
        return super().authenticate(request, username=username, password=password, **kw)


@pytest.fixture(params=["database", "redis"])
def counter_store(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """Where login attempts are counted: the database, or Redis (its login keys removed after the test)."""
    settings.AUTHENTICATION_BACKENDS = ["tests.clinicui.test_login.CountingBackend"]
    CountingBackend.checks = 0
    if request.param == "database":
        yield request.param
        return
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        if os.environ.get("MESOSAFE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required at {REDIS_URL} (MESOSAFE_REQUIRE_SERVICES=1)")
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.MESOSAFE_REDIS_URL = REDIS_URL
    yield request.param
    for key in client.scan_iter("mesosafe:login:*"):
        client.delete(key)


def _login(base: str, username: str, password: str) -> requests.Response:
    session = requests.Session()
    page = session.get(f"{base}/clinic/login/", timeout=60).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    return session.post(f"{base}/clinic/login/", form, allow_redirects=False, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_a_parallel_burst_gets_no_more_password_checks_than_the_limit(
    live_server: Any, site_a: ClinicSite, counter_store: str
) -> None:
    limit = settings.MESOSAFE_LOGIN_ATTEMPTS
    answers = all_at_once(40, lambda n: _login(live_server.url, "alice", f"guess-{n}"))

    assert CountingBackend.checks == limit
    # past 30 from this address most are refused for the address, the others for the account
    assert sum(answer.status_code == 429 for answer in answers) == 40 - limit
    refused = _login(live_server.url, "alice", PASSWORD)  # the right password, after the burst
    assert refused.status_code == 429 and "Too many" in refused.text
    assert CountingBackend.checks == limit


@pytest.mark.django_db(transaction=True)
def test_failures_from_one_address_do_not_lock_out_another_staff_member(
    live_server: Any, site_a: ClinicSite, counter_store: str
) -> None:
    limit = settings.MESOSAFE_LOGIN_ATTEMPTS
    user = User.objects.create_user("nadia", password=PASSWORD)
    Staff.objects.create(user=user, clinic=site_a.clinic, role=Staff.Role.PRACTITIONER)
    for n in range(limit * 3 + 5):  # alice's and made-up accounts' failures, all from this office's address
        _login(live_server.url, "alice" if n < limit + 2 else f"nobody{n}", "wrong")
    assert _login(live_server.url, "alice", PASSWORD).status_code == 429  # alice is locked from here
    nadia = _login(live_server.url, "nadia", PASSWORD)  # nadia, same address, is not
    if nadia.status_code == 429:  # the address's attempt of this second went to alice's
        time.sleep(float(nadia.headers["Retry-After"]))
        nadia = _login(live_server.url, "nadia", PASSWORD)
    assert nadia.status_code == 302


def test_a_busy_address_is_refused_at_once_without_counting_made_up_accounts(
    site_a: ClinicSite, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of made-up usernames from one address: once past its limit, each attempt is answered at once
    (429, Retry-After) instead of waiting in a server thread, and adds no counter row of its own."""
    monkeypatch.setattr("mesosafe.clinicui.login.ADDRESS_SLOT_S", 60, raising=False)
    over = settings.MESOSAFE_LOGIN_ATTEMPTS * 3 + 1  # this one is the address's checked attempt of the window
    for n in range(over):
        client.post("/clinic/login/", {"username": f"made-up-{n}", "password": "x"})
    rows = LoginCounter.objects.count()
    started = time.monotonic()
    refused = [client.post("/clinic/login/", {"username": f"other-{n}", "password": "x"}) for n in range(3)]
    assert time.monotonic() - started < 0.5
    assert all(answer.status_code == 429 and answer["Retry-After"] == "60" for answer in refused)
    assert "Too many login attempts from this network" in refused[0].content.decode()
    assert LoginCounter.objects.count() == rows
