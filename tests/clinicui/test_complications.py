from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from mesosafe.audit.models import AuditEvent
from mesosafe.complications.models import Complication
from tests.pages_fixtures import Case, ClinicSite


def data(**changes: Any) -> dict[str, Any]:
    return {
        "onset_date": timezone.localdate().isoformat(),
        "grade": "2",
        "relatedness": "probably",
        "outcome": "recovering",
        **changes,
    }


def test_from_checkin_prefills_and_acknowledges(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}, {"code": "warmth"}])
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/?checkin={stored.id}"
    page = staff_client.get(url).content.decode()
    assert 'value="pus" id="id_symptom_codes_' in page and "checked" in page
    response = staff_client.post(url, data(suspected_infection="on", symptom_codes=["pus", "warmth"]))
    assert response.status_code == 302 and response["Location"] == f"/clinic/patients/{case.patient.id}/"
    complication = Complication.objects.get()
    assert complication.checkin_id == stored.id and complication.suspected_infection
    assert complication.symptom_codes == ["pus", "warmth"]
    stored.refresh_from_db()
    assert stored.reviewed_at is not None


def test_serious_needs_reason_and_keeps_input(case: Case, staff_client: Client) -> None:
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    response = staff_client.post(url, data(serious="on", action_taken="Started antibiotics"))
    page = response.content.decode()
    assert response.status_code == 400 and "needs its reason" in page
    assert "Started antibiotics" in page
    assert not Complication.objects.exists()


def test_onset_before_treatment_is_refused(case: Case, staff_client: Client) -> None:
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    response = staff_client.post(url, data(onset_date="2001-01-01"))
    assert response.status_code == 400 and "onset" in response.content.decode()


def test_other_clinic_is_404(case: Case, site_b: ClinicSite, client: Client) -> None:
    client.force_login(site_b.user)
    assert client.get(f"/clinic/treatments/{case.treatment.id}/complications/new/").status_code == 404


def test_form_reads_and_acknowledgement_are_audited(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/?checkin={stored.id}"
    staff_client.get(url)
    reads = AuditEvent.objects.filter(action="read", patient_id=case.patient.id)
    assert {(e.object_type, e.object_id) for e in reads} >= {
        ("treatment", str(case.treatment.id)),
        ("checkin", str(stored.id)),
    }
    staff_client.post(url, data(symptom_codes=["pus"]))
    assert AuditEvent.objects.filter(
        action="update", object_type="checkin", object_id=str(stored.id)
    ).exists()


def test_odd_checkin_parameters_are_ignored(case: Case, staff_client: Client) -> None:
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    for odd in ("²", "٣", "9" * 30, "-1", "1.5"):
        assert staff_client.get(url, {"checkin": odd}).status_code == 200, odd


def test_the_services_refusals_are_said_in_the_pages_language(case: Case, staff_client: Client) -> None:
    """They were the service's English, lowercase, on the Arabic page too."""
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    staff_client.cookies["django_language"] = "ar"
    serious = "A death, or a grade 4 or 5 complication, is serious: tick Serious and say why."
    for changes, sentence in (
        ({"onset_date": "2001-01-01"}, "The onset cannot come before the treatment."),
        ({"outcome": "fatal"}, serious),
        ({"grade": "5"}, serious),
    ):
        page = staff_client.post(url, data(**changes)).content.decode()
        with translation.override("ar"):
            assert gettext(sentence) != sentence and gettext(sentence) in page, changes
        assert "cannot come before the treatment" not in page and "mark it serious" not in page
    assert not Complication.objects.exists()


def test_grade_and_relatedness_start_empty(case: Case, staff_client: Client) -> None:
    """Their first option (grade 1, "Not related") was chosen for the nurse who chose neither."""
    page = staff_client.get(f"/clinic/treatments/{case.treatment.id}/complications/new/").content.decode()
    for name in ("grade", "relatedness"):
        select = page.split(f'<select name="{name}"')[1].split("</select>")[0]
        assert '<option value="" selected>Choose…</option>' in select, name
        assert select.count("selected") == 1, name


def test_an_empty_submit_names_grade_and_relatedness_and_keeps_the_input(
    case: Case, staff_client: Client
) -> None:
    stored = case.checkin([{"code": "breathing_difficulty"}])
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/?checkin={stored.id}"
    typed = {"symptom_codes": ["breathing_difficulty"], "action_taken": "Called 998 🚑"}
    sent = data(grade="", relatedness="", **typed)
    response = staff_client.post(url, sent)
    page = response.content.decode()
    assert response.status_code == 400 and 'id="errors"' in page
    assert '<a href="#id_grade">Grade (1 mild – 5 death) — Choose the grade.</a>' in page
    assert (
        '<a href="#id_relatedness">Related to the treatment? — Choose how likely the treatment caused it.</a>'
        in page
    )
    assert "Called 998 🚑" in page
    assert re.search(r'value="breathing_difficulty" id="id_symptom_codes_\d+" checked>', page)
    assert not Complication.objects.exists()
    stored.refresh_from_db()
    assert stored.reviewed_at is None


def test_from_a_checkin_the_form_shows_what_the_patient_reported(case: Case, staff_client: Client) -> None:
    """The form recorded from a check-in (and audited reading it) but showed only its number: staff ticking
    "Something else" could not see what it was. Its answers are shown, the patient's words as written."""
    stored = case.checkin(
        [{"code": "something_else", "severity": "moderate", "description": "حكة منذ ٣ أيام"}]
    )
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/?checkin={stored.id}"
    page = staff_client.get(url).content.decode()
    assert 'as written: <q dir="auto" class="own-words">حكة منذ ٣ أيام</q>' in page


def test_something_else_without_a_checkin_has_a_words_field_shown_on_the_patient_page(
    case: Case, staff_client: Client
) -> None:
    """The patient's 'What is it?' had no counterpart for staff: their record said only "Something else"."""
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    assert 'name="description"' in staff_client.get(url).content.decode()
    words = 'a hard lump <b>"under"</b> the chin'
    sent = staff_client.post(url, data(symptom_codes=["something_else"], description=words))
    assert sent.status_code == 302
    assert Complication.objects.get().description == words
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    shown = "a hard lump &lt;b&gt;&quot;under&quot;&lt;/b&gt; the chin"  # escaped, as written
    assert f'<q dir="auto" class="own-words">{shown}</q>' in page


def test_words_that_a_patient_could_not_send_are_a_field_error(case: Case, staff_client: Client) -> None:
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    for words in ("x" * 201, "a\x07bell"):
        refused = staff_client.post(url, data(symptom_codes=["something_else"], description=words))
        assert refused.status_code == 400 and 'id="id_description"' in refused.content.decode()
        assert 'aria-invalid="true"' in refused.content.decode()
    alone = staff_client.post(url, data(symptom_codes=["pain"], description="a lump"))
    assert alone.status_code == 400 and "Tick “Something else” for these words" in alone.content.decode()
    assert not Complication.objects.exists()


def test_staff_words_beside_the_patients_own_are_a_field_error_in_the_pages_language(
    case: Case, staff_client: Client
) -> None:
    """From a check-in whose 'something else' has the patient's words, the form's words were stored and
    never shown nor reported (the patient's win): a field error on them, in English and Arabic."""
    stored = case.checkin(
        [{"code": "something_else", "severity": "moderate", "description": "حكة منذ ٣ أيام"}]
    )
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/?checkin={stored.id}"
    sent = data(symptom_codes=["something_else"], description="itching")
    sentence = "The patient's own words are kept; the check-in already says what this symptom was"
    for lang in ("en", "ar"):
        staff_client.cookies["django_language"] = lang
        refused = staff_client.post(url, sent)
        page = refused.content.decode()
        assert refused.status_code == 400 and 'id="id_description"' in page
        with translation.override(lang):
            said = gettext(
                "The patient's own words are kept; the check-in already says what this symptom was, and words"
                " here would be neither shown nor reported: leave this empty (a note can go under Action"
                " taken)."
            )
        assert said.startswith(sentence) if lang == "en" else said != "" and not said.startswith(sentence)
        assert said.replace("'", "&#x27;") in page
        assert re.search(r'<input type="text" name="description"[^>]*aria-invalid="true"', page)
    assert not Complication.objects.exists()
    stored.refresh_from_db()
    assert stored.reviewed_at is None
    assert staff_client.post(url, data(symptom_codes=["something_else"])).status_code == 302
    assert Complication.objects.get().own_words() == {"something_else": "حكة منذ ٣ أيام"}


def test_something_else_without_a_checkin_needs_its_words_a_field_error_in_the_pages_language(
    case: Case, staff_client: Client
) -> None:
    """Ticked without a check-in and without words, "something else" was recorded saying nothing of what it
    was (the API refuses it too): a field error on the words, in English and Arabic."""
    url = f"/clinic/treatments/{case.treatment.id}/complications/new/"
    for lang in ("en", "ar"):
        staff_client.cookies["django_language"] = lang
        refused = staff_client.post(url, data(symptom_codes=["something_else"], description="  "))
        page = refused.content.decode()
        with translation.override(lang):
            said = gettext("Say what “Something else” was: no check-in says it.")
        assert refused.status_code == 400 and said in page
        assert lang == "en" or not said.startswith("Say what")
        assert re.search(r'<input type="text" name="description"[^>]*aria-invalid="true"', page)
    assert not Complication.objects.exists()
