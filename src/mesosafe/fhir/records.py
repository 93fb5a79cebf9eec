"""Which records become which resources: one patient's (for a Bundle) or a clinic's (for a bulk export),
read with a fixed number of queries however many patients there are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Batch, Clinic, Staff
from mesosafe.complications.models import Complication
from mesosafe.fhir import answers, care, events, people
from mesosafe.knowledge import KnowledgeBase
from mesosafe.patients.models import Patient, Screening
from mesosafe.treatments.models import ProductUse, Treatment

Resource = dict[str, Any]


def patients_of(clinic: Clinic, since: datetime | None = None) -> QuerySet[Patient]:
    patients = Patient.objects.filter(clinic=clinic)
    if since is not None:
        patients = patients.filter(
            Q(created_at__gte=since)
            | Q(treatments__performed_at__gte=since)
            | Q(treatments__checkins__submitted_at__gte=since)
            | Q(treatments__complications__created_at__gte=since)
            | Q(screenings__created_at__gte=since)
        ).distinct()
    return with_records(patients, since).order_by("id")


def with_records(patients: QuerySet[Patient], since: datetime | None) -> QuerySet[Patient]:
    def after(field: str) -> dict[str, datetime]:
        return {f"{field}__gte": since} if since else {}

    complications = Complication.objects.filter(**after("created_at")).select_related("created_by__staff")
    return patients.select_related("clinic").prefetch_related(  # type: ignore[type-var]  # the models' own managers confuse django-stubs
        Prefetch("screenings", Screening.objects.filter(**after("created_at")).order_by("id")),
        Prefetch(
            "treatments",
            Treatment.objects.order_by("id").prefetch_related(
                Prefetch("products", ProductUse.objects.order_by("id")),
                Prefetch("checkins", CheckIn.objects.filter(**after("submitted_at")).order_by("id")),
                Prefetch("complications", complications.order_by("id")),
            ),
        ),
    )


def clinic_resources(clinic: Clinic, staff: list[Staff], batches: list[Batch]) -> Iterator[Resource]:
    yield people.organization(clinic)
    for member in staff:
        yield people.practitioner(member)
        yield people.practitioner_role(member)
    for batch in batches:
        yield care.medication(batch)


def patient_resources(
    patient: Patient, kb: KnowledgeBase, since: datetime | None = None
) -> Iterator[Resource]:
    """The patient and their records (those made since `since` when given)."""
    yield people.patient(patient)
    for screening in patient.screenings.all():
        yield answers.screening_response(screening, patient)
        yield answers.screening_observation(screening, patient, kb)
    for treatment in patient.treatments.all():
        treatment.patient = patient  # already loaded: no query per treatment
        if since is None or treatment.performed_at >= since:
            yield care.procedure(treatment)
            for line in treatment.products.all():
                yield care.administration(line, treatment)
        for checkin in treatment.checkins.all():
            yield answers.checkin_response(checkin, patient, kb)
            yield answers.triage_observation(checkin, patient, kb)
        for complication in treatment.complications.all():
            complication.treatment = treatment
            yield events.adverse_event(complication, kb, recorder_id(complication))
            yield from events.conditions(complication, kb)


def recorder_id(complication: Complication) -> int | None:
    staff = getattr(complication.created_by, "staff", None)
    return staff.id if isinstance(staff, Staff) else None


def staff_of(clinic: Clinic) -> list[Staff]:
    return list(Staff.objects.filter(clinic=clinic).select_related("user").order_by("id"))


def batches_of(clinic: Clinic) -> list[Batch]:
    return list(Batch.objects.filter(product__clinic=clinic).select_related("product").order_by("id"))
