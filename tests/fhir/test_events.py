"""A complication in FHIR says what its ICSR says: the same seriousness criteria, and a fatal outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from mesosafe.checkins.services import submit
from mesosafe.complications.icsr import case
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.e2b.codes import Seriousness
from mesosafe.fhir.bundle import checked, patient_bundle
from mesosafe.fhir.events import SERIOUSNESS
from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from tests.service_fixtures import Site


def _fatal(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> tuple[Complication, dict[str, Any]]:
    patient = make_patient(site)
    treatment, _ = make_treatment(site, patient, days_ago=10)
    today = timezone.localdate()
    data = ComplicationIn(
        onset_date=today - timedelta(days=3),
        grade=5,
        relatedness="possibly",
        symptom_codes=["swelling", "fever"],
        serious=True,
        serious_reason="hospitalisation",
        outcome="fatal",
        outcome_date=today - timedelta(days=1),
    )
    complication = create(treatment, data, by=site.staff.user)
    return complication, patient_bundle(patient, load())


def _of(made: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in made["entry"] if e["resource"]["resourceType"] == kind]


def test_a_fatal_case_has_the_icsr_seriousness_criteria(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication, made = _fatal(site, make_patient, make_treatment)
    (event,) = _of(made, "AdverseEvent")
    criteria = {criterion for reaction in case(complication).reactions for criterion in reaction.seriousness}
    assert criteria == {Seriousness.DEATH, Seriousness.HOSPITALISATION}
    assert (
        [c["code"] for c in event["seriousness"]["coding"]]
        == [
            "SeriousResultsInDeath",
            "SeriousResultsInHospitalization",
        ]
        == [SERIOUSNESS[c][0] for c in Seriousness if c in criteria]
    )
    assert event["outcome"]["coding"][0]["code"] == "fatal"
    assert checked(event) == event


def test_a_fatal_outcomes_conditions_are_not_active_and_abate_on_the_outcome_date(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication, made = _fatal(site, make_patient, make_treatment)
    conditions = _of(made, "Condition")
    assert len(conditions) == 2
    for condition in conditions:
        assert condition["clinicalStatus"]["coding"][0]["code"] == "inactive"
        assert condition["abatementDateTime"] == complication.outcome_date.isoformat()
        assert checked(condition) == condition


def test_something_else_carries_the_patients_words(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A complication recorded from a 'something else' check-in read "Something else" in its Condition and
    AdverseEvent, as its ICSR did: what it was is the patient's words, so the Condition's text and the event
    say them (the coding stays the code, its display the name)."""
    patient = make_patient(site, lang="ar")
    treatment, _ = make_treatment(site, patient, days_ago=3)
    checkin, _ = submit(
        treatment.link,
        {"symptoms": [{"code": "something_else", "severity": "moderate", "description": "صداع منذ ٣ أيام"}]},
    )
    data = ComplicationIn(onset_date=timezone.localdate(), grade=2, relatedness="possibly")
    create(treatment, data, by=site.staff.user, checkin=checkin)
    made = patient_bundle(patient, load())
    checked(made)
    (condition,) = _of(made, "Condition")
    assert condition["code"]["text"] == "صداع منذ ٣ أيام"
    assert condition["code"]["coding"][0]["code"] == "something_else"
    (event,) = _of(made, "AdverseEvent")
    assert event["event"]["text"] == "شيء آخر: صداع منذ ٣ أيام"


def test_something_else_recorded_by_staff_carries_their_words(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Without a check-in, the words staff recorded for 'something else' are what the Condition says."""
    patient = make_patient(site)
    treatment, _ = make_treatment(site, patient, days_ago=3)
    data = ComplicationIn(
        onset_date=timezone.localdate(),
        grade=2,
        relatedness="possibly",
        symptom_codes=["something_else"],
        description="a hard lump under the chin",
    )
    create(treatment, data, by=site.staff.user)
    made = patient_bundle(patient, load())
    (condition,) = _of(made, "Condition")
    assert condition["code"]["text"] == "a hard lump under the chin"
