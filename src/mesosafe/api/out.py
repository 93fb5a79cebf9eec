"""Model → response dict converters, one per response schema."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.clinics.models import Batch, Product, Staff
from mesosafe.complications.models import Complication
from mesosafe.patients.models import Patient, Screening
from mesosafe.treatments.models import CheckinLink, ScheduledCheckin, ScreeningLink, Treatment
from mesosafe.treatments.services import link_path


def staff(s: Staff) -> dict[str, Any]:
    return {
        "id": s.id,
        "username": s.user.get_username(),
        "role": s.role,
        "licence_number": s.licence_number,
        "licence_authority": s.licence_authority,
        "licence_expires": s.licence_expires,
    }


def product(p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "manufacturer": p.manufacturer,
        "ingredients": p.ingredients,
        "approval_reference": p.approval_reference,
    }


def batch(b: Batch) -> dict[str, Any]:
    return {
        "id": b.id,
        "product_id": b.product_id,
        "product": b.product.name,
        "lot_number": b.lot_number,
        "expires_on": b.expires_on,
        "multi_dose_vial": b.multi_dose_vial,
    }


def patient(p: Patient) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "date_of_birth": p.date_of_birth,
        "email": p.email,
        "phone": p.phone,
        "preferred_language": p.preferred_language,
        "created_at": p.created_at,
    }


def screening(s: Screening) -> dict[str, Any]:
    return {
        "id": s.id,
        "patient_id": s.patient_id,
        "answers": s.answers,
        "decision": s.decision,
        "defer_days": s.defer_days,
        "reasons": s.reasons,
        "kb_version": s.kb_version,
        "created_at": s.created_at,
        "entered_by_staff": s.created_by_id is not None,
    }


def scheduled(s: ScheduledCheckin) -> dict[str, Any]:
    return {"day": s.day, "due_at": s.due_at, "reminded_at": s.reminded_at}


def link(k: CheckinLink | ScreeningLink) -> dict[str, Any]:
    return {"expires_at": k.expires_at, "revoked_at": k.revoked_at, "usable": k.usable_at(timezone.now())}


def new_link(k: CheckinLink | ScreeningLink, token: str) -> dict[str, Any]:
    return {**link(k), "token": token, "link": link_path(token)}


def treatment(t: Treatment) -> dict[str, Any]:
    k = CheckinLink.objects.filter(treatment=t).first()
    return {
        "id": t.id,
        "patient_id": t.patient_id,
        "practitioner_id": t.practitioner_id,
        "performed_at": t.performed_at,
        "areas": t.areas,
        "technique": t.technique,
        "injection_depth": t.injection_depth,
        "anaesthetic": t.anaesthetic,
        "products": [
            {
                "batch_id": use.batch_id,
                "product": use.batch.product.name,
                "lot_number": use.batch.lot_number,
                "volume_ml": use.volume_ml,
                "concentration": use.concentration,
                "area": use.area,
            }
            for use in t.products.select_related("batch__product").order_by("id")
        ],
        "screening_id": t.screening_id,
        "screening_decision": t.screening.decision if t.screening else None,
        "override_reason": t.override_reason,
        "aftercare": t.aftercare,
        "schedule": [scheduled(s) for s in t.schedule.all()],
        "link": link(k) if k else None,
        "kb_version": t.kb_version,
    }


def checkin(c: CheckIn, photo_ids: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": c.id,
        "treatment_id": c.treatment_id,
        "submitted_at": c.submitted_at,
        "days_since_treatment": c.days_since_treatment,
        "answers": c.answers,
        "disposition": c.disposition,
        "reasons": c.reasons,
        "next_session_ok": c.next_session_ok,
        "kb_version": c.kb_version,
        "reviewed_at": c.reviewed_at,
        "review_note": c.review_note,
        "photo_ids": [p.id for p in c.photos.all()] if photo_ids is None else photo_ids,
    }


def photo(p: Photo) -> dict[str, Any]:
    return {"id": p.id, "checkin_id": p.checkin_id, "uploaded_at": p.uploaded_at}


def complication(c: Complication) -> dict[str, Any]:
    return {
        "id": c.id,
        "treatment_id": c.treatment_id,
        "checkin_id": c.checkin_id,
        "patient_id": c.treatment.patient_id,
        "onset_date": c.onset_date,
        "symptom_codes": c.symptom_codes,
        "grade": c.grade,
        "serious": c.serious,
        "serious_reason": c.serious_reason,
        "outcome": c.outcome,
        "outcome_date": c.outcome_date,
        "action_taken": c.action_taken,
        "relatedness": c.relatedness,
        "suspected_infection": c.suspected_infection,
        "reported_to_regulator": c.reported_to_regulator,
        "reported_on": c.reported_on,
        "created_at": c.created_at,
    }
