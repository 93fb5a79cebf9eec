"""Adding a patient and changing their contact details from the clinic pages (views/patient_edit.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from mesosafe.audit.models import AuditEvent
from mesosafe.clinicui.forms import PatientContactForm, seen
from mesosafe.patients.models import Patient
from tests.pages_fixtures import Case, ClinicSite

NEW = "/clinic/patients/new/"


def sent(patient: Patient, **fields: Any) -> dict[str, Any]:
    """The contact form's `fields` sent from the page as it shows `patient` now (its digest)."""
    return {**fields, "seen": seen(Patient.objects.get(pk=patient.pk), PatientContactForm.Meta.fields)}


def details(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Huda Mansour",
        "date_of_birth": "1988-04-21",
        "email": "huda@example.test",
        "phone": "+971 50 123 4567",
        "preferred_language": "ar",
        **changes,
    }


def test_patients_page_links_to_the_new_patient_form(site_a: ClinicSite, staff_client: Client) -> None:
    page = staff_client.get("/clinic/patients/").content.decode()
    assert f'href="{NEW}"' in page and "New patient" in page


def test_form_starts_in_the_clinics_language(site_a: ClinicSite, staff_client: Client) -> None:
    site_a.clinic.default_language = "ar"
    site_a.clinic.save()
    page = staff_client.get(NEW).content.decode()
    for name in ("name", "date_of_birth", "email", "phone", "preferred_language"):
        assert f'name="{name}"' in page, name
    assert 'type="date"' in page and 'inputmode="tel"' in page
    assert re.search(r'<input type="radio" name="preferred_language" value="ar"[^>]* checked>', page)


def test_new_patient_is_created_in_the_staff_members_clinic(site_a: ClinicSite, staff_client: Client) -> None:
    response = staff_client.post(NEW, details())
    patient = Patient.objects.get(name="Huda Mansour")
    assert response.status_code == 302 and response["Location"] == f"/clinic/patients/{patient.id}/"
    assert patient.clinic_id == site_a.clinic.id
    assert (patient.date_of_birth, patient.email, patient.phone, patient.preferred_language) == (
        date(1988, 4, 21),
        "huda@example.test",
        "+971 50 123 4567",
        "ar",
    )
    event = AuditEvent.objects.get(action="create", object_type="patient")
    assert event.object_id == str(patient.id) and event.patient_id == patient.id
    page = staff_client.get(response["Location"]).content.decode()
    assert "Patient added." in page and "Huda Mansour" in page


def test_errors_name_the_field_and_keep_the_input(site_a: ClinicSite, staff_client: Client) -> None:
    response = staff_client.post(NEW, details(email="not-an-email", name=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email_error"' in page and 'id="id_name_error"' in page
    assert (
        'value="not-an-email"' in page and 'value="+971 50 123 4567"' in page and 'value="1988-04-21"' in page
    )
    assert not Patient.objects.exists() and not AuditEvent.objects.filter(action="create").exists()


def test_every_field_error_is_shown_at_once(site_a: ClinicSite, staff_client: Client) -> None:
    """The phone (checked by the API's rules) was named only once the date and the email were right."""
    sent = details(date_of_birth="2030-01-01", email="not-an-email", phone="abc")
    page = staff_client.post(NEW, sent).content.decode()
    for name in ("date_of_birth", "email", "phone"):
        assert f'<a href="#id_{name}">' in page and f'id="id_{name}_error"' in page, name
    assert "Phone — Write the phone number with digits, spaces and + ( ) - . only." in page
    assert 'value="abc"' in page and 'value="not-an-email"' in page and 'value="2030-01-01"' in page
    assert not Patient.objects.exists()


def test_a_name_by_the_apis_rule_is_named_with_the_other_errors(
    site_a: ClinicSite, staff_client: Client
) -> None:
    page = staff_client.post(NEW, details(name="Huda \u202eMansour", phone="abc")).content.decode()
    assert '<a href="#id_name">' in page and '<a href="#id_phone">' in page
    assert not Patient.objects.exists()


def test_future_birth_date_is_a_field_error(site_a: ClinicSite, staff_client: Client) -> None:
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    page = staff_client.post(NEW, details(date_of_birth=tomorrow)).content.decode()
    assert 'id="id_date_of_birth_error"' in page and "cannot be in the future" in page
    assert not Patient.objects.exists()


def test_the_apis_rules_apply(site_a: ClinicSite, staff_client: Client) -> None:
    """The API refuses a birth date before 1900 (api.schemas.PatientIn); so do the pages, on that field."""
    response = staff_client.post(NEW, details(date_of_birth="1850-01-01"))
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_date_of_birth_error"' in page and "1900" in page
    assert not Patient.objects.exists()


def test_bad_input_is_a_form_error(site_a: ClinicSite, staff_client: Client) -> None:
    for changes in (
        {"name": "a\x00b"},
        {"name": "x" * 201},
        {"phone": "1" * 41},
        {"preferred_language": "fr"},
        {"date_of_birth": "2020-02-30"},
        {"date_of_birth": "yesterday"},
    ):
        assert staff_client.post(NEW, details(**changes)).status_code == 400, changes
    assert not Patient.objects.exists()


def test_arabic_digits_in_the_phone_are_stored_as_western(site_a: ClinicSite, staff_client: Client) -> None:
    staff_client.post(NEW, details(phone="+٩٧١ ٥٠ ١٢٣ ٤٥٦٧"))
    assert Patient.objects.get().phone == "+971 50 123 4567"


def test_arabic_form(site_a: ClinicSite, staff_client: Client) -> None:
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get(NEW).content.decode()
    assert 'lang="ar" dir="rtl"' in page and "الهاتف" in page and "العربية" in page


def test_needs_login(site_a: ClinicSite, client: Client) -> None:
    response = client.post(NEW, details())
    assert response.status_code == 302 and "/clinic/login/" in response["Location"]
    assert not Patient.objects.exists()


# --- contact details ---


def test_patient_page_links_to_the_contact_form(case: Case, staff_client: Client) -> None:
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert f'href="/clinic/patients/{case.patient.id}/edit/"' in page
    assert "Preferred language" in page and '<span lang="en">English</span>' in page


def test_contact_form_shows_the_current_details(case: Case, staff_client: Client) -> None:
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/edit/").content.decode()
    assert (
        'value="+971500000001"' in page and 'name="name"' not in page and 'name="date_of_birth"' not in page
    )
    assert AuditEvent.objects.filter(
        action="read", object_type="patient", patient_id=case.patient.id
    ).exists()


def test_change_contact_details(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/edit/"
    response = staff_client.post(
        url,
        sent(
            case.patient,
            email="amal@example.test",
            phone="+971 55 000 0000",
            preferred_language="ar",
            name="Someone Else",  # not a field of this form: ignored
        ),
    )
    assert response.status_code == 302 and response["Location"] == f"/clinic/patients/{case.patient.id}/"
    case.patient.refresh_from_db()
    assert (case.patient.email, case.patient.phone, case.patient.preferred_language, case.patient.name) == (
        "amal@example.test",
        "+971 55 000 0000",
        "ar",
        "Amal",
    )
    event = AuditEvent.objects.get(action="update", object_type="patient")
    assert event.patient_id == case.patient.id
    assert "Contact details saved." in staff_client.get(response["Location"]).content.decode()


def test_invalid_contact_details_are_not_saved(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/edit/"
    response = staff_client.post(
        url, sent(case.patient, email="nope", phone="+971 55", preferred_language="en")
    )
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_email_error"' in page and 'value="nope"' in page
    case.patient.refresh_from_db()
    assert case.patient.email == "" and case.patient.phone == "+971500000001"
    assert not AuditEvent.objects.filter(action="update").exists()


def test_contact_form_shows_every_error_at_once(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/edit/"
    response = staff_client.post(url, sent(case.patient, email="nope", phone="abc", preferred_language="en"))
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_email">' in page and '<a href="#id_phone">' in page
    case.patient.refresh_from_db()
    assert case.patient.phone == "+971500000001"


def test_unchanged_details_are_not_an_update(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/edit/"
    staff_client.post(url, sent(case.patient, email="", phone="+971500000001", preferred_language="en"))
    assert not AuditEvent.objects.filter(action="update").exists()


def test_other_clinics_patient_cannot_be_changed(case: Case, site_b: ClinicSite, client: Client) -> None:
    client.force_login(site_b.user)
    url = f"/clinic/patients/{case.patient.id}/edit/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "x@example.test", "preferred_language": "en"}).status_code == 404
    case.patient.refresh_from_db()
    assert case.patient.email == ""


def test_the_form_sent_twice_adds_one_patient(site_a: ClinicSite, staff_client: Client) -> None:
    page = staff_client.get("/clinic/patients/new/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    sent = {**details(), "form_token": token.group(1)}
    first = staff_client.post("/clinic/patients/new/", sent)
    second = staff_client.post("/clinic/patients/new/", sent, follow=True)  # a double click, a reload
    patient = Patient.objects.get()
    assert first["Location"] == f"/clinic/patients/{patient.id}/"
    assert second.redirect_chain == [(f"/clinic/patients/{patient.id}/", 302)]
    assert "This form was already sent; nothing new was created." in second.content.decode()
    refused = staff_client.post("/clinic/patients/new/", {**details(email="x@"), "form_token": "fresh"})
    assert 'name="form_token" value="fresh"' in refused.content.decode()  # unspent: kept for the retry


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"])
def test_a_name_with_a_text_direction_control_is_refused(
    site_a: ClinicSite, staff_client: Client, control: str
) -> None:
    response = staff_client.post(NEW, details(name=f"Ali {control}evil"))
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_name_error"' in page
    assert "Remove the invisible text-direction characters" in page
    assert not Patient.objects.exists()


def test_a_name_over_the_limit_is_an_error_not_a_cut(site_a: ClinicSite, staff_client: Client) -> None:
    response = staff_client.post(NEW, details(name="A" * 201))
    assert response.status_code == 400 and 'id="id_name_error"' in response.content.decode()
    assert not Patient.objects.exists()
    assert staff_client.post(NEW, details(name="A" * 200)).status_code == 302
    assert Patient.objects.get().name == "A" * 200


def test_a_form_opened_before_another_change_does_not_undo_it(case: Case, staff_client: Client) -> None:
    """Staff A opens the form; staff B changes the phone; A saves a new e-mail only. Every field is sent, so
    A's form would have put B's phone back: refused, 409, the form as the record now is, in the page's
    language; sent again from that page, A's change is saved and B's kept."""
    url = f"/clinic/patients/{case.patient.id}/edit/"
    opened = sent(case.patient, email="", phone="+971500000001", preferred_language="en")
    Patient.objects.filter(pk=case.patient.pk).update(
        phone="+971 55 999 9999"
    )  # B, by another page or the API
    staff_client.cookies["django_language"] = "ar"
    refused = staff_client.post(url, {**opened, "email": "amal@example.test"})
    sentence = (
        "Someone else changed these contact details after this page was opened, so nothing was saved."
        " The form now shows them as they are: make your change again."
    )
    with translation.override("ar"):
        said = gettext(sentence)
    page = refused.content.decode()
    assert refused.status_code == 409 and said != sentence and said in page
    assert 'value="+971 55 999 9999"' in page
    case.patient.refresh_from_db()
    assert (case.patient.email, case.patient.phone) == ("", "+971 55 999 9999")
    assert not AuditEvent.objects.filter(action="update").exists()
    again = sent(case.patient, email="amal@example.test", phone="+971 55 999 9999", preferred_language="en")
    assert staff_client.post(url, again).status_code == 302
    case.patient.refresh_from_db()
    assert (case.patient.email, case.patient.phone) == ("amal@example.test", "+971 55 999 9999")
    assert staff_client.post(url, {"email": "x@example.test"}).status_code == 409  # no digest


def test_a_double_click_on_the_contact_form_saves_once(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/edit/"
    form = sent(case.patient, email="amal@example.test", phone="+971500000001", preferred_language="en")
    assert staff_client.post(url, form).status_code == 302
    assert staff_client.post(url, form).status_code == 302  # the record as it sends it: nothing to refuse
    assert AuditEvent.objects.filter(action="update", object_type="patient").count() == 1
