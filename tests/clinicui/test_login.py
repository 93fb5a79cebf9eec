from __future__ import annotations

from django.contrib.auth.models import User
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
