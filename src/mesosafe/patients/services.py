"""Patients of a clinic, and their screening before treatment (the engine's decision, stored)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mesosafe import explain
from mesosafe.audit.services import record
from mesosafe.clinics.models import Staff
from mesosafe.engines import Intake, parse
from mesosafe.knowledge import Decision, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.lib.idempotency import Once
from mesosafe.patients.models import Patient, Screening
from mesosafe.patients.schemas import PatientIn

NEEDS_OVERRIDE = {Decision.DEFER, Decision.CLINICIAN_REVIEW, Decision.DO_NOT_TREAT}


def create_patient(staff: Staff, data: PatientIn) -> Patient:
    """A patient of the staff member's clinic (in the clinic's language unless one is given), audited."""
    return add_patient(staff, data)[0]


def add_patient(staff: Staff, data: PatientIn, idempotency_key: str | None = None) -> tuple[Patient, bool]:
    """`create_patient`, once per idempotency key (the API's header): (patient, created). The patient the
    clinic added under `idempotency_key` from the same details is the answer (created False) and nothing is
    stored; the key with other details is KeyReused (`lib.idempotency`)."""
    once = Once(
        Patient.objects.for_clinic(staff.clinic_id), idempotency_key, data.model_dump(mode="json"), "patient"
    )
    return once.run(lambda: (_create(staff, data, once), True), lambda earlier: (earlier, False))


def _create(staff: Staff, data: PatientIn, once: Once[Patient]) -> Patient:
    values = data.model_dump()
    values["preferred_language"] = values["preferred_language"] or staff.clinic.default_language
    with transaction.atomic():
        patient = Patient.objects.create(clinic_id=staff.clinic_id, **values, **once.fields())
        record(staff.clinic_id, staff.user, "create", "patient", [patient.id], patient.id)
    return patient


def update_patient(staff: Staff, patient: Patient, changes: dict[str, Any]) -> Patient:
    """Change some of a patient's details; the whole record is checked by the same rules as a new one
    (DomainError names the field). Audited when something changed."""
    current = {name: getattr(patient, name) for name in PatientIn.model_fields}
    checked = parse(PatientIn, current | changes)
    changed = [name for name in changes if getattr(checked, name) != current[name]]
    if changed:
        for name in changed:
            setattr(patient, name, getattr(checked, name))
        with transaction.atomic():
            patient.save(update_fields=changed)
            record(staff.clinic_id, staff.user, "update", "patient", [patient.id], patient.id)
    return patient


def run_screening(patient: Patient, answers: Any, by: Any = None) -> Screening:
    """Validate the answers (DomainError names the field), screen, store, audit. `by` is the staff user, or
    None when the patient answered through their link."""
    intake = parse(Intake, answers)
    result, explanation = explain.screen(intake, Lang(patient.preferred_language))
    with transaction.atomic():
        screening = _store_screening(patient, intake, result, explanation, by)
        actor = "staff" if by is not None else "patient"
        record(patient.clinic_id, by, "create", "screening", [screening.id], patient.id, actor)
    return screening


def _store_screening(patient: Patient, intake: Intake, result: Any, explanation: Any, by: Any) -> Screening:
    return Screening.objects.create(
        patient=patient,
        answers=intake.model_dump(mode="json"),
        decision=result.decision.value,
        defer_days=result.defer_days,
        reasons=[reason.model_dump(mode="json") for reason in result.reasons],
        explanation=explanation,
        kb_version=result.kb_version,
        created_by=by,
    )


def latest_screening(patient: Patient) -> Screening | None:
    return patient.screenings.order_by("-created_at", "-id").first()


def gating_screening(patient: Patient) -> Screening | None:
    """The screening that decides whether a treatment needs an override reason: the latest one, unless the
    patient answered it themselves and the clinic's own latest screening decided something stricter. A
    patient's later answers can add a restriction but never lift one that staff recorded; a new screening
    by staff can."""
    latest = latest_screening(patient)
    if latest is None or latest.created_by_id is not None:
        return latest
    by_staff = patient.screenings.filter(created_by__isnull=False).order_by("-created_at", "-id").first()
    if by_staff is not None and Decision(by_staff.decision) > Decision(latest.decision):
        return by_staff
    return latest


def needs_override(screening: Screening | None) -> bool:
    """A treatment over this screening needs a reason: it decided defer or stricter, or questions were left
    unanswered (its answer tells the patient the clinic must ask them first)."""
    if screening is None:
        return False
    return Decision(screening.decision) in NEEDS_OVERRIDE or bool(unanswered(screening))


def unanswered(screening: Screening) -> str:
    """The questions the screening left unanswered, as its stored reason lists them; "" if none."""
    rules = {rule.id for rule in load_kb().screening.rules if rule.kind == "not_asked"}
    return next((str(r.get("detail") or "") for r in screening.reasons if r.get("rule") in rules), "")
