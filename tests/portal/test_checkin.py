from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.checkins.photos import MAX_PER_CHECKIN
from mesosafe.knowledge import load
from tests.pages_fixtures import Case
from tests.photo_samples import has_gps, jpeg_with_gps


def symptom(code: str, severity: str = "mild", trend: str = "same", spreading: str = "no") -> dict[str, str]:
    return {f"sym_{code}": "on", f"sev_{code}": severity, f"trend_{code}": trend, f"spread_{code}": spreading}


def post(client: Client, case: Case, *symptoms: dict[str, str], key: str = "k1", **extra: Any) -> Any:
    data: dict[str, Any] = {"idempotency_key": key, **extra}
    for s in symptoms:
        data.update(s)
    return client.post(case.url("checkin/"), data)


def test_form_lists_symptoms_by_name_with_description(case: Case, client: Client) -> None:
    page = client.get(case.url("checkin/")).content.decode()
    for effect in load().effects.values():
        assert effect.name.en in page
    assert load().effects["bruising"].description.en.replace("'", "&#x27;") in page
    assert 'name="idempotency_key"' in page and 'enctype="multipart/form-data"' in page


def test_no_symptoms_is_self_care(case: Case, client: Client) -> None:
    response = post(client, case)
    stored = CheckIn.objects.get()
    assert response.status_code == 302 and response["Location"] == case.url(f"checkin/{stored.id}/")
    assert stored.disposition == "self_care"


def test_expected_redness_says_what_to_expect_and_until_when(case: Case, client: Client) -> None:
    page = client.post(case.url("checkin/"), {"idempotency_key": "a", **symptom("redness")}, follow=True)
    text = page.content.decode()
    assert "What to expect" in text and "Expected to settle by" in text
    assert "Get help sooner if" in text
    for line in [f.watch_for.en for f in load().triage.red_flags][:2]:
        assert line.replace("'", "&#x27;") in text


def test_emergency_leads_with_the_emergency_number(case: Case, client: Client) -> None:
    text = post(client, case, symptom("breathing_difficulty", "severe"), key="e").content.decode()
    assert text == ""  # redirect
    stored = CheckIn.objects.get()
    assert stored.disposition == "emergency"
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    main = page[page.index('<main id="main">') :]
    assert main.index('href="tel:998"') < main.index("<h1")
    assert main.index('id="call-emergency"') < main.index("Why")


def test_urgent_shows_clinic_phone_and_seek_care_today(case: Case, client: Client) -> None:
    post(client, case, symptom("redness", "moderate", "worse", "yes"), key="u")
    stored = CheckIn.objects.get()
    assert stored.disposition == "urgent"
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert 'id="call-clinic" href="tel:+971 4 000 0000"' in page
    assert "seek medical care today" in page


def test_measured_fever_is_urgent(case: Case, client: Client) -> None:
    post(client, case, temperature_c="38.5", key="f")
    assert CheckIn.objects.get().disposition == "urgent"


@pytest.mark.parametrize("typed", ["٣٨٫٥", "38,5", "۳۸.۵"])
def test_a_fever_typed_on_an_arabic_keyboard_is_read(case: Case, client: Client, typed: str) -> None:
    post(client, case, temperature_c=typed, key="f")
    stored = CheckIn.objects.get()
    assert stored.answers["temperature_c"] == 38.5
    assert stored.disposition == "urgent"


def test_bad_temperature_keeps_the_answers(case: Case, client: Client) -> None:
    response = post(client, case, symptom("swelling", "moderate"), temperature_c="55")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'name="sym_swelling" id="id_sym_swelling" checked' in page
    assert 'value="moderate" id="id_sev_swelling_1" checked' in page or 'value="moderate"' in page
    assert 'value="55"' in page
    assert not CheckIn.objects.exists()


def test_bad_photo_keeps_the_answers_and_stores_nothing(case: Case, client: Client) -> None:
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, case, symptom("bruising"), photo=bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "not a photo we can read" in page
    assert 'name="sym_bruising" id="id_sym_bruising" checked' in page
    assert not CheckIn.objects.exists()


def test_photo_is_stored_without_exif(case: Case, client: Client) -> None:
    photo = SimpleUploadedFile("skin.jpg", jpeg_with_gps(), content_type="image/jpeg")
    post(client, case, symptom("bruising"), photo=photo, key="p")
    stored = Photo.objects.get()
    with stored.image.open("rb") as handle:
        assert not has_gps(handle.read())
    page = client.get(case.url(f"checkin/{stored.checkin_id}/")).content.decode()
    assert f"/p/{case.token}/photos/{stored.id}" in page


def _jpeg(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


def test_several_photos_are_stored_and_shown(case: Case, client: Client) -> None:
    post(client, case, symptom("redness"), photo=[_jpeg("a.jpg"), _jpeg("b.jpg")], key="two")
    stored = CheckIn.objects.get()
    ids = sorted(stored.photos.values_list("id", flat=True))
    assert len(ids) == 2
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert all(f"/p/{case.token}/photos/{i}" in page for i in ids)


def test_more_than_five_photos_is_a_form_error(case: Case, client: Client) -> None:
    assert MAX_PER_CHECKIN == 5  # the form's texts, in both languages, say 5
    response = post(client, case, symptom("redness"), photo=[_jpeg(f"{n}.jpg") for n in range(6)])
    assert response.status_code == 400
    assert "at most 5 photos" in response.content.decode()
    assert not CheckIn.objects.exists() and not Photo.objects.exists()


def test_one_bad_photo_among_good_ones_stores_nothing(case: Case, client: Client) -> None:
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, case, symptom("redness"), photo=[_jpeg("a.jpg"), bad])
    assert response.status_code == 400 and "not a photo we can read" in response.content.decode()
    assert not CheckIn.objects.exists() and not Photo.objects.exists()


def test_same_key_twice_stores_one_checkin(case: Case, client: Client) -> None:
    first = post(client, case, symptom("itching"), key="same")
    second = post(client, case, symptom("itching"), key="same")
    assert CheckIn.objects.count() == 1 and first["Location"] == second["Location"]


def test_checkin_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    post(client, case, symptom("redness"), key="ar")
    stored = CheckIn.objects.get()
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert 'lang="ar" dir="rtl"' in page
    assert "ما المتوقع" in page and load().effects["redness"].name.ar in page


def test_reasons_follow_the_page_language(case: Case, client: Client) -> None:
    post(client, case, symptom("redness", "moderate", "worse", "yes"), key="lang")
    stored = CheckIn.objects.get()
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert load().effects["redness"].name.ar in page


def test_another_links_checkin_is_404(case: Case, make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    stored = case.checkin([{"code": "redness"}])
    other = make_case(name="Other")
    assert client.get(other.url(f"checkin/{stored.id}/")).status_code == 404
