from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from tests.pages_fixtures import PASSWORD, ClinicSite


def test_anonymous_is_sent_to_login(db: object, client: Client) -> None:
    response = client.get("/clinic/")
    assert response.status_code == 302 and response["Location"].startswith("/clinic/login/?next=/clinic/")


def test_wrong_password_shows_error(site_a: ClinicSite, client: Client) -> None:
    response = client.post("/clinic/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


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
    cache.clear()
    for _ in range(settings.MESOSAFE_LOGIN_ATTEMPTS):
        assert "Too many" not in client.post(url, {"username": "alice", "password": "nope"}).content.decode()
    refused = client.post(url, {"username": "Alice ", "password": PASSWORD})
    assert refused.status_code == 200 and "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()  # the window ends
    assert client.post("/clinic/login/", {"username": "alice", "password": PASSWORD}).status_code == 302


def test_successful_logins_are_not_counted(site_a: ClinicSite, client: Client) -> None:
    cache.clear()
    for _ in range(settings.MESOSAFE_LOGIN_ATTEMPTS + 2):
        assert client.post("/clinic/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
        client.logout()
