"""The private link: an unknown token is a plain 404; a stopped or expired one a 410 naming the clinic and its
phone, in the patient's language; the language follows the switch."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.lib.ratelimit import forget_local_counts
from mesosafe.treatments.services import revoke_link
from tests.pages_fixtures import Case


def test_unknown_token_is_404(db: object, client: Client) -> None:
    assert client.get("/p/not-a-real-token/").status_code == 404


def test_revoked_link_is_410_with_the_clinics_name_and_phone(case: Case, client: Client) -> None:
    revoke_link(case.treatment)
    response = client.get(case.url())
    page = response.content.decode()
    assert response.status_code == 410 and "This link no longer works" in page
    assert "Clinic A" in page and 'href="tel:+971 4 000 0000"' in page and "Amal" not in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("lang", "said"), [("en", "Your check-in was not sent"), ("ar", "لم تُرسَل متابعتك")])
def test_a_checkin_sent_to_a_link_stopped_meanwhile_says_it_was_not_sent(  # type: ignore[no-untyped-def]
    make_case, client: Client, lang: str, said: str
) -> None:
    """Review F11: the link stopped while the patient filled in the form; the page says plainly that the
    check-in was not sent, with the call first. Only a check-in sent says so."""
    case = make_case(lang=lang)
    revoke_link(case.treatment)
    form = {"step": "details", "idempotency_key": "k1", "symptoms": "pus", "temperature_c": "39"}
    response = client.post(case.url("checkin/"), form)
    page = response.content.decode()
    assert response.status_code == 410 and said in page and f'lang="{lang}"' in page
    assert page.index('href="tel:998"') < page.index("<header") and "Clinic A" in page
    assert not CheckIn.objects.exists()
    assert said not in client.get(case.url("checkin/")).content.decode()
    assert said not in client.post(case.url("screening/"), {}).content.decode()


def test_expired_link_is_410_in_the_patients_language(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    case.treatment.link.expires_at = timezone.now()
    case.treatment.link.save()
    response = client.get(case.url("faq/"))
    assert response.status_code == 410 and 'lang="ar" dir="rtl"' in response.content.decode()


def test_page_uses_patients_language_until_switched(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    page = client.get(case.url()).content.decode()
    assert 'lang="ar" dir="rtl"' in page
    assert "مرحبًا" in page
    switched = client.post("/i18n/setlang/", {"language": "en", "next": case.url()})
    assert switched.status_code == 302 and switched["Location"] == case.url()
    page = client.get(case.url()).content.decode()
    assert 'lang="en" dir="ltr"' in page and "Hello" in page


def test_english_patient_can_switch_to_arabic(case: Case, client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "ar", "next": case.url()})
    page = client.get(case.url("checkin/")).content.decode()
    assert 'dir="rtl"' in page and "كيف حال بشرتك اليوم؟" in page


def test_too_many_requests_is_429_not_500(case: Case, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MESOSAFE_PATIENT_RATE = 1
    codes = [client.get(case.url("faq/")).status_code for _ in range(5)]
    assert codes[0] == 200 and codes[-1] == 429


def test_an_emergency_is_sent_however_often_the_page_was_loaded(make_case, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Review F1: the link's page limit never refuses sending a check-in; its 429 page shows the clinic's
    emergency number first, in the patient's language."""
    settings.MESOSAFE_PATIENT_RATE = 2
    case = make_case(lang="ar")
    codes = [client.get(case.url("checkin/")).status_code for _ in range(7)]
    assert codes == [200] * 6 + [429]
    limited = client.get(case.url("checkin/"))
    page = limited.content.decode()
    assert limited.status_code == 429 and 'lang="ar" dir="rtl"' in page and "طلبات كثيرة جدًا" in page
    assert 'class="call-first"' in page and 'href="tel:998"' in page and "الاتصال برقم الطوارئ" in page
    assert "no-store" in limited["Cache-Control"]
    sent = client.post(
        case.url("checkin/"), {"step": "symptoms", "idempotency_key": "k1", "sym_breathing_difficulty": "on"}
    )
    assert sent.status_code == 302
    assert CheckIn.objects.get(treatment=case.treatment).disposition == "emergency"


def test_the_429_of_guessed_links_advises_calling_the_emergency_number(
    db: object, client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    forget_local_counts()
    settings.MESOSAFE_PATIENT_RATE = 1
    codes = [client.get(f"/p/guess-{n}/").status_code for n in range(3)]
    page = client.get("/p/guess-9/").content.decode()
    assert codes == [404, 429, 429] and "call your emergency number" in page and "tel:" not in page


def test_patient_pages_are_not_cached(case: Case, client: Client) -> None:
    cache_control = client.get(case.url()).headers["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_not_found_page_is_readable_in_arabic(db: object, client: Client) -> None:
    response = client.get("/p/unknown-token/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'dir="rtl"' in page and "الصفحة غير موجودة" in page


def test_guessing_links_from_one_address_is_limited_but_a_valid_link_is_not(  # type: ignore[no-untyped-def]
    make_case, client: Client, settings
) -> None:
    forget_local_counts()  # the failures of the tests before (tests/portal does not clear between tests)
    settings.MESOSAFE_PATIENT_RATE = 5
    first, second = make_case(), make_case()
    guesses = [client.get(f"/p/guess-{n}/").status_code for n in range(8)]
    assert guesses == [404] * 5 + [429] * 3
    revoke_link(first.treatment)
    assert client.get(first.url()).status_code == 429  # a stopped link is a failed lookup too
    # another patient behind the same carrier address opens a valid link, never limited by address
    assert [Client().get(second.url()).status_code for _ in range(5)] == [200] * 5
