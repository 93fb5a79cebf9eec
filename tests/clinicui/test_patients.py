from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client, override_settings

from mesosafe.audit.models import AuditEvent
from mesosafe.patients.models import Patient
from mesosafe.patients.services import run_screening
from mesosafe.treatments.models import CheckinLink, Treatment
from tests.pages_fixtures import Case, ClinicSite, build_case


def test_search(site_a: ClinicSite, staff_client: Client) -> None:
    build_case(site_a, name="Amal Haddad")
    build_case(site_a, name="Noor Saleh")
    page = staff_client.get("/clinic/patients/", {"q": "noor"}).content.decode()
    assert "Noor Saleh" in page and "Amal Haddad" not in page
    assert "Amal Haddad" in staff_client.get("/clinic/patients/").content.decode()


def test_search_is_limited_to_own_clinic(
    site_a: ClinicSite, site_b: ClinicSite, staff_client: Client
) -> None:
    build_case(site_b, name="Bea Other")
    assert "Bea Other" not in staff_client.get("/clinic/patients/", {"q": "Bea"}).content.decode()


def test_timeline_has_screening_treatment_checkin_and_eligibility(case: Case, staff_client: Client) -> None:
    run_screening(case.patient, {"age": 36, "pregnant": True})
    case.checkin([{"code": "bruising", "severity": "moderate", "trend": "same"}])
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert "Treatment is not recommended" in page
    assert "NCTF 135HA" in page and '<span dir="ltr">LOT-A-001</span>' in page and "1 mm" in page
    assert "Aftercare plan and private link issued" in page
    assert "Bruising (how bad: Moderate, since yesterday: The same, spreading: no)" in page
    assert (
        'id="eligibility"' in page and "The latest check-in reports effects that must settle first." in page
    )
    assert AuditEvent.objects.filter(
        action="read", object_type="patient", patient_id=case.patient.id
    ).exists()


def test_other_clinics_patient_is_404(case: Case, site_b: ClinicSite, client: Client) -> None:
    client.force_login(site_b.user)
    assert client.get(f"/clinic/patients/{case.patient.id}/").status_code == 404
    assert client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").status_code == 404
    assert client.post(f"/clinic/treatments/{case.treatment.id}/link/").status_code == 404


def test_new_link_replaces_the_old_one(case: Case, staff_client: Client, client: Client) -> None:
    response = staff_client.post(f"/clinic/treatments/{case.treatment.id}/link/")
    page = response.content.decode()
    assert response.status_code == 200 and "shown only once" in page
    assert "no-store" in response["Cache-Control"]  # it holds the raw token
    assert client.get(case.url()).status_code == 404
    url = page.split('id="patient-link" type="text" readonly value="')[1].split('"')[0]
    assert client.get(url).status_code == 200


def test_stop_link_asks_first_then_the_holder_gets_410_with_the_clinics_phone(
    case: Case, staff_client: Client, client: Client
) -> None:
    stop = f"/clinic/treatments/{case.treatment.id}/link/stop/"
    assert (
        f'<a class="button danger stop" href="{stop}">'
        in staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    )
    question = staff_client.get(stop).content.decode()  # the confirmation: nothing is stopped yet
    assert "Stop the patient link?" in question and '<button type="submit" class="button danger">' in question
    assert client.get(case.url()).status_code == 200
    response = staff_client.post(stop, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "The patient link no longer works" in page
    assert stop not in page and "link revoked" in page
    gone = client.get(case.url())
    said = gone.content.decode()
    assert gone.status_code == 410 and "Clinic A" in said and 'href="tel:+971 4 000 0000"' in said
    assert client.get(case.url("checkin/")).status_code == 410
    unknown = client.get("/p/" + "x" * 43 + "/")
    assert unknown.status_code == 404 and "Clinic A" not in unknown.content.decode()
    assert AuditEvent.objects.filter(object_type="link", action="update", patient_id=case.patient.id).exists()


def test_open_complication_blocks_next_session(case: Case, staff_client: Client) -> None:
    from mesosafe.complications.models import Complication

    Complication.objects.create(
        treatment=case.treatment,
        onset_date=case.treatment.performed_at.date(),
        grade=2,
        relatedness="possibly",
        created_by=case.site.user,
    )
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert "1 open complication." in page and "Complication #" in page


def test_last_treatment_date_is_unambiguous(case: Case, staff_client: Client) -> None:
    Treatment.objects.filter(pk=case.treatment.pk).update(performed_at=datetime(2026, 3, 12, 8, tzinfo=UTC))
    page = staff_client.get("/clinic/patients/").content.decode()
    assert "<td>12 Mar 2026</td>" in page and "03/12/2026" not in page
    staff_client.cookies["django_language"] = "ar"
    assert "<td>12 مارس 2026</td>" in staff_client.get("/clinic/patients/").content.decode()


def test_unreviewed_escalation_blocks_next_session(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "fever"}])
    case.checkin([])
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    card = page[page.index('id="eligibility"') : page.index("</section>")]
    assert "1 escalated check-in not yet reviewed." in card


def test_timeline_says_the_day_after_treatment_as_the_engine_counts_it(
    site_a: ClinicSite, staff_client: Client
) -> None:
    """17 hours after treatment is day 0 (no "since yesterday" asked), as on the patient's pages."""
    case = build_case(site_a, days_ago=17 / 24)
    stored = case.checkin([{"code": "pus"}])
    assert stored.days_since_treatment < 1
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    line = page[page.index(f"Check-in #{stored.id}</a>") :].split("</p>")[0]
    assert "day 0" in line and "day 1" not in line


def test_search_by_phone_typed_in_arabic_indic_digits(site_a: ClinicSite, staff_client: Client) -> None:
    build_case(site_a, name="Amal Haddad")  # +971500000001
    page = staff_client.get("/clinic/patients/", {"q": "+٩٧١٥٠٠٠٠٠٠٠١"}).content.decode()
    assert "Amal Haddad" in page and "No patients found." not in page
    assert 'value="+971500000001"' in page  # the search as it was run


def test_a_search_too_long_to_run_lists_nobody(site_a: ClinicSite, staff_client: Client) -> None:
    """A search longer than the field takes is an error, never every patient of the clinic."""
    build_case(site_a, name="Amal Haddad")
    response = staff_client.get("/clinic/patients/", {"q": "x" * 101})
    page = response.content.decode()
    assert "Amal Haddad" not in page
    assert "Ensure this value has at most 100 characters (it has 101)." in page
    assert 'aria-invalid="true"' in page and f'value="{"x" * 101}"' in page
    assert not AuditEvent.objects.filter(action="read", object_type="patient").exists()


def test_the_timeline_and_eligibility_show_the_patients_words_as_written(
    case: Case, staff_client: Client
) -> None:
    """The timeline's and the eligibility's symptom lists turned the patient's "٣" into "3" and left their
    words unmarked; they are quoted apart, dir="auto", digits as typed."""
    case.checkin([{"code": "something_else", "severity": "moderate", "description": "حكة منذ ٣ أيام"}])
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    shown = '<q dir="auto" class="own-words">حكة منذ ٣ أيام</q>'
    assert page.count(shown) == 2  # the check-in in the timeline, and the effects that must settle first
    assert "حكة منذ 3 أيام" not in page


@pytest.mark.django_db(transaction=True)  # the e-mail goes after the commit, before the page is made
def test_the_new_link_page_says_when_its_e_mail_did_not_go(case: Case, staff_client: Client) -> None:
    Patient.objects.filter(id=case.patient.id).update(email="amal@example.com")
    with override_settings(EMAIL_BACKEND="tests.checkins.test_tasks.RefusingBackend"):
        page = staff_client.post(f"/clinic/treatments/{case.treatment.id}/link/").content.decode()
        screening = staff_client.post(f"/clinic/patients/{case.patient.id}/screening-link/").content.decode()
    failed = "the e-mail to the patient could not be sent: give them the link now"
    assert failed in page and "It has been emailed" not in page and 'id="patient-link"' in page
    assert failed in screening
    page = staff_client.post(f"/clinic/treatments/{case.treatment.id}/link/").content.decode()
    assert failed not in page and "It has been emailed" in page


@pytest.mark.parametrize(
    ("emailed", "shown", "not_shown"),
    [
        (True, "emailed to", "could not be sent"),
        (False, "the e-mail could not be sent", "emailed to"),
        (None, None, "emailed to"),  # no address, or a link made before the link recorded it: claims nothing
    ],
)
def test_the_timeline_says_what_became_of_the_links_e_mail(
    case: Case, staff_client: Client, emailed: bool | None, shown: str | None, not_shown: str
) -> None:
    """It said "emailed to" whenever the patient had an address, also when the e-mail had failed."""
    Patient.objects.filter(id=case.patient.id).update(email="amal@example.com")
    CheckinLink.objects.filter(treatment=case.treatment).update(emailed=emailed)
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert "Aftercare plan and private link issued" in page and not_shown not in page
    assert shown is None or shown in page
