"""Whatever staff post to the patient, treatment and complication forms (recording or correcting one), to
acknowledge a queue card, or to return a check-in to the queue, the answer is a page, never a 500."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesosafe.checkins.services import acknowledge
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.forms import (
    ComplicationForm,
    PatientContactForm,
    PatientForm,
    ReopenForm,
    TreatmentForm,
    seen,
)
from mesosafe.complications.schemas import ComplicationIn, ComplicationPatch
from mesosafe.complications.services import create
from tests.pages_fixtures import Case

VALUES = st.one_of(
    st.sampled_from(
        [
            "1",
            "2",
            "999999",
            "-1",
            "",
            "on",
            "1.5",
            "1e309",
            "NaN",
            "2020-02-30",
            "0001-01-01",
            "9999-12-31T23:59",
            "2024-01-01T10:00",
            "2024-01-01",
            "unknown",
            "recovered",
            "possibly",
            "ar",
            "1899-12-31",
            "a@b.c",
            "+٩٧١ ٥٠",
            "2024-01-01T10:00:00+00:00",
        ]
    ),
    st.text(max_size=20),
)
TREATMENT_FIELDS = list(TreatmentForm(staff=Staff()).fields)
COMPLICATION_FIELDS = list(ComplicationForm().fields)
EDIT_FIELDS = list(ComplicationPatch.model_fields)
PATIENT_FIELDS = list(PatientForm().fields)
REOPEN_FIELDS = list(ReopenForm().fields)
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(data=st.dictionaries(st.sampled_from(TREATMENT_FIELDS), VALUES, max_size=12))
def test_treatment_post(case: Case, staff_client: Client, data: dict[str, str]) -> None:
    response = staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", data)
    assert response.status_code in (200, 400)


@SLOW
@given(data=st.dictionaries(st.sampled_from(COMPLICATION_FIELDS), VALUES, max_size=12))
def test_complication_post(case: Case, staff_client: Client, data: dict[str, str]) -> None:
    response = staff_client.post(f"/clinic/treatments/{case.treatment.id}/complications/new/", data)
    assert response.status_code in (302, 400)


@SLOW
@given(data=st.dictionaries(st.sampled_from(EDIT_FIELDS), VALUES, max_size=12))
def test_complication_edit_post(case: Case, staff_client: Client, data: dict[str, str]) -> None:
    recorded = create(
        case.treatment,
        ComplicationIn(
            onset_date=timezone.localdate(),
            grade=2,
            relatedness="possibly",
            symptom_codes=["something_else"],
            description="a lump",  # "something else" recorded without a check-in says what it was
        ),
        by=case.site.user,
    )
    sent = {
        **data,
        "seen": seen(recorded, ComplicationPatch.model_fields),
    }  # from the page as it is (else 409: opened before a change)
    response = staff_client.post(f"/clinic/complications/{recorded.id}/edit/", sent)
    assert response.status_code in (302, 400)


@SLOW
@given(data=st.dictionaries(st.sampled_from(PATIENT_FIELDS), VALUES, max_size=6))
def test_patient_post(case: Case, staff_client: Client, data: dict[str, str]) -> None:
    assert staff_client.post("/clinic/patients/new/", data).status_code in (302, 400)
    sent = {**data, "seen": seen(case.patient, PatientContactForm.Meta.fields)}  # from the page as it is
    assert staff_client.post(f"/clinic/patients/{case.patient.id}/edit/", sent).status_code in (302, 400)


@SLOW
@given(data=st.dictionaries(st.sampled_from(REOPEN_FIELDS), VALUES, max_size=2))
def test_reopen_post(case: Case, staff_client: Client, data: dict[str, str]) -> None:
    checkin = case.checkin([{"code": "pus"}])
    acknowledge(checkin, case.site.user, "")
    assert staff_client.post(f"/clinic/checkins/{checkin.id}/reopen/", data).status_code in (302, 400)


@SLOW
@given(
    ids=st.lists(VALUES, max_size=4),
    note=VALUES,
    htmx=st.booleans(),
)
def test_acknowledge_card_post(
    case: Case, staff_client: Client, ids: list[str], note: str, htmx: bool
) -> None:
    case.checkin([{"code": "pus"}])
    data = {f"t{case.treatment.id}-checkin": ids, f"t{case.treatment.id}-note": note}
    headers = {"HX-Request": "true"} if htmx else {}
    response = staff_client.post(
        f"/clinic/treatments/{case.treatment.id}/acknowledge/", data, headers=headers
    )
    assert response.status_code in (200, 302)
