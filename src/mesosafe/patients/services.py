"""Screening before treatment: run the engine, store its decision."""

from __future__ import annotations

from typing import Any

from mesosafe import explain
from mesosafe.engines import Intake, parse
from mesosafe.knowledge import Decision, Lang
from mesosafe.patients.models import Patient, Screening

NEEDS_OVERRIDE = {Decision.DEFER, Decision.CLINICIAN_REVIEW, Decision.DO_NOT_TREAT}


def run_screening(patient: Patient, answers: Any, by: Any = None) -> Screening:
    """Validate the answers (InputError names the field), screen, store. `by` is the staff user or None."""
    intake = parse(Intake, answers)
    result, explanation = explain.screen(intake, Lang(patient.preferred_language))
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


def needs_override(screening: Screening | None) -> bool:
    return screening is not None and Decision(screening.decision) in NEEDS_OVERRIDE
