from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesosafe import explain
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
    # the call comes first, above the header (on the first screen at any text size)
    assert page.index('href="tel:998"') < page.index("<header") < page.index("<h1")
    assert page.index('id="call-emergency"') < page.index("Why")
    main = page[page.index('<main id="main">') :]
    assert "Get help sooner if" not in main  # nothing is sooner than an emergency


def test_a_fever_is_not_listed_as_a_reason_to_get_help_sooner(case: Case, client: Client) -> None:
    post(client, case, temperature_c="38.5", key="fever")
    page = client.get(case.url(f"checkin/{CheckIn.objects.get().id}/")).content.decode()
    watch = page[page.index('<section class="watch">') :]
    assert "Get help sooner if" in watch and "You have a fever" not in watch


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


def test_going_back_and_changing_the_answers_is_a_new_checkin(case: Case, client: Client) -> None:
    """The browser's back button keeps the form's key: the worse answers must not get the first verdict."""
    post(client, case, symptom("redness"), key="same")
    post(client, case, symptom("breathing_difficulty", "severe"), key="same")
    assert [c.disposition for c in CheckIn.objects.order_by("id")] == ["self_care", "emergency"]


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


# --- The emergency symptoms come first: a box above the form with the number to call ---------------------


def _emergency_codes() -> list[str]:
    """From the knowledge base, as the page does: symptoms an unconditional red flag makes an emergency."""
    kb = load()
    flagged = {
        c for f in kb.triage.red_flags if f.to.value == "emergency" and f.when.always for c in f.symptoms
    }
    return [code for code in kb.effects if code in flagged]


def _main(page: str) -> str:
    return page[page.index('<main id="main">') :]


def test_the_emergency_box_comes_before_the_form(case: Case, client: Client) -> None:
    codes = _emergency_codes()
    assert codes  # anaphylaxis: difficulty breathing, swelling of face, lips or throat
    main = _main(client.get(case.url("checkin/")).content.decode())
    box = main[main.index('class="emergency-first"') : main.index("</section>")]
    assert main.index('class="emergency-first"') < main.index("<form")
    for code in codes:
        assert f"<li>{load().effects[code].name.en}</li>" in box
    assert 'id="call-emergency-first" href="tel:998"' in box and '<span dir="ltr">998</span>' in box
    assert "Call first. You can fill in this form later." in box


def test_the_emergency_box_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    main = _main(client.get(case.url("checkin/")).content.decode())
    box = main[main.index('class="emergency-first"') : main.index("</section>")]
    for code in _emergency_codes():
        assert f"<li>{load().effects[code].name.ar}</li>" in box
    assert 'href="tel:998"' in box


# --- A ticked symptom needs its severity and trend: no answer is chosen for the patient -------------------


def test_severity_trend_and_spreading_start_unchosen(case: Case, client: Client) -> None:
    page = client.get(case.url("checkin/")).content.decode()
    checked = re.findall(r'name="(sev|trend|spread)_[a-z_]+" value="[a-z]+"[^>]*checked', page)
    assert checked == []


def test_a_symptom_without_severity_or_trend_is_an_error_naming_it(case: Case, client: Client) -> None:
    response = post(client, case, {"sym_redness": "on"}, {"sym_pain": "on", "sev_pain": "severe"})
    page = response.content.decode()
    redness, pain = load().effects["redness"].name.en, load().effects["pain"].name.en
    assert response.status_code == 400
    assert f"{redness}: please choose how bad it is." in page
    assert f"{redness}: please choose whether it is better, the same or worse." in page
    assert f"{pain}: please choose whether it is better, the same or worse." in page
    assert f"{pain}: please choose how bad it is." not in page
    assert f"{redness}: please say whether it is spreading." in page
    assert 'value="severe" id="id_sev_pain_2" checked' in page  # what was chosen is kept
    assert not CheckIn.objects.exists()


def test_an_emergency_symptom_is_sent_without_its_details(case: Case, client: Client) -> None:
    """Whatever their severity and trend, these make the check-in an emergency: asking would only delay."""
    code = _emergency_codes()[0]
    response = post(client, case, {f"sym_{code}": "on"}, {"sym_redness": "on"}, key="now")
    assert response.status_code == 302
    assert CheckIn.objects.get().disposition == "emergency"


# --- Temperature: a plain message in °C, with the conversion of what looks like °F -----------------------


def test_a_fahrenheit_temperature_gets_its_celsius(case: Case, client: Client) -> None:
    response = post(client, case, temperature_c="101")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter your temperature in °C, for example 38.2. 101 °F is 38.3 °C." in page
    assert "less than or equal" not in page
    assert 'value="101"' in page  # not converted for the patient
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("typed", ["55", "20", "abc", "38.25"])
def test_other_bad_temperatures_get_the_plain_message(case: Case, client: Client, typed: str) -> None:
    page = post(client, case, temperature_c=typed).content.decode()
    assert "Enter your temperature in °C, for example 38.2." in page
    assert "°F is" not in page
    assert "Ensure" not in page and "Enter a number" not in page


def test_the_temperature_message_in_arabic_has_arabic_digits(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    page = post(client, case, temperature_c="١٠١").content.decode()
    error = page[page.index('id="id_temperature_c_error"') :]
    error = error[: error.index("</p>")]
    assert "١٠١" in error and "٣٨٫٣" in error  # whatever the catalogue calls the units
    assert "101 °F" not in page and "38.3" not in page


# --- The error summary names each field with an error and links to it -------------------------------------


def test_the_error_summary_links_to_each_field(case: Case, client: Client) -> None:
    page = post(client, case, {"sym_redness": "on"}, temperature_c="101").content.decode()
    main = _main(page)
    start = main.index('<section class="alert"')
    summary = main[start : main.index("</section>", start)]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == [
        "id_sev_redness_0",
        "id_trend_redness_0",
        "id_spread_redness_0",
        "id_temperature_c",
    ]
    assert links[3][1].startswith("Temperature (°C), if you measured it — Enter your temperature in °C")
    for target, _ in links:
        assert f'id="{target}"' in page
    assert 'tabindex="-1"' in summary and "mesosafe/js/error_summary.js" in page
    assert start < main.index("<form") and "data-error-summary" in summary


def test_chosen_photos_must_be_chosen_again_after_an_error(case: Case, client: Client) -> None:
    page = post(client, case, symptom("bruising"), temperature_c="101", photo=_jpeg("a.jpg")).content.decode()
    field = page[page.index('<label for="id_photo">') : page.rindex("</form>")]
    assert 'id="photo-again"' in field and "Your photos were not kept: please choose them again." in field
    assert 'aria-describedby="photo-help photo-status photo-again"' in field
    assert not Photo.objects.exists()
    without = post(client, case, symptom("bruising"), temperature_c="101").content.decode()
    assert "photo-again" not in without


# --- The result says whether the clinic knows --------------------------------------------------------------

ALERTED = "Your clinic has been alerted about this check-in. Do not wait for them to call you back."
IN_THE_LIST = "Your clinic will see this check-in in its review list. Please still call them."


@pytest.mark.parametrize(
    ("symptoms", "level", "said"),
    [
        ([{"code": "breathing_difficulty"}], "emergency", ALERTED),
        ([{"code": "pus"}], "urgent", ALERTED),
        ([{"code": "redness", "trend": "worse"}], "contact_clinic", IN_THE_LIST),
        ([{"code": "redness"}], "self_care", None),
    ],
)
def test_the_result_says_whether_the_clinic_knows(
    case: Case, client: Client, symptoms: list[dict[str, Any]], level: str, said: str | None
) -> None:
    stored = case.checkin(symptoms)
    assert stored.disposition == level
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    verdict = page[page.index('<section class="verdict') : page.index("</section>")]
    if said is None:
        assert ALERTED not in page and IN_THE_LIST not in page
    else:
        assert said in verdict


def test_the_result_is_shown_from_what_was_stored(
    case: Case, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = case.checkin([{"code": "redness", "severity": "mild"}])

    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("an engine ran to show a stored answer")

    monkeypatch.setattr(explain, "run_triage", no_engine)
    for page in (f"checkin/{stored.id}/", "", "recovery/"):
        assert client.get(case.url(page)).status_code == 200, page
    result = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert stored.kb_version in result and stored.explanation["label"]["en"] in result
