"""Recording a treatment: checks, aftercare plan, check-in schedule, the patient's private link."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mesosafe.clinics.models import Batch, Staff
from mesosafe.engines import Treatment as TreatmentInput
from mesosafe.engines import aftercare
from mesosafe.lib.problems import Problem, conflict, field_problem
from mesosafe.lib.tokens import digest, new_token
from mesosafe.patients.models import Patient
from mesosafe.patients.services import latest_screening, needs_override
from mesosafe.treatments import lookup
from mesosafe.treatments.models import CheckinLink, ProductUse, ScheduledCheckin, ScreeningLink, Treatment

log = logging.getLogger(__name__)
LINK_LIFETIME = timedelta(weeks=16)
# How long a pre-treatment (screening) link works: an operational choice, not clinical knowledge — long
# enough to cover the usual time from booking to the first session; staff can send a fresh one any time.
SCREENING_LINK_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class ProductLine:
    batch_id: int
    volume_ml: Decimal
    concentration: str = ""
    area: str = ""


@dataclass(frozen=True)
class TreatmentRecord:
    practitioner_id: int
    performed_at: datetime
    areas: list[str] = field(default_factory=list)
    technique: str = ""
    injection_depth: str = ""
    anaesthetic: str = ""
    products: list[ProductLine] = field(default_factory=list)
    override_reason: str = ""


def link_path(token: str) -> str:
    return f"/p/{token}/"


def link_url(token: str, request: HttpRequest | None = None) -> str:
    """The patient's link: whole when MESOSAFE_BASE_URL is set; otherwise as `request` reached this server
    (a page showing it), or the bare path (an email sent by the worker, which has no request)."""
    url = settings.MESOSAFE_BASE_URL + link_path(token)
    return request.build_absolute_uri(url) if request is not None and not url.startswith("http") else url


def _practitioner(patient: Patient, record: TreatmentRecord) -> Staff:
    practitioner = Staff.objects.filter(id=record.practitioner_id, clinic_id=patient.clinic_id).first()
    if practitioner is None or practitioner.role != Staff.Role.PRACTITIONER:
        raise field_problem("practitioner_id", "no practitioner with this id in your clinic")
    if not practitioner.licence_valid_on(patient.clinic.local_date(record.performed_at)):
        raise conflict(
            "practitioner_id", "the practitioner's licence is missing or expired on the treatment date"
        )
    return practitioner


def _batches(patient: Patient, record: TreatmentRecord) -> dict[int, Batch]:
    ids = {line.batch_id for line in record.products}
    batches = Batch.objects.filter(id__in=ids, product__clinic_id=patient.clinic_id).in_bulk()
    for index, line in enumerate(record.products):
        batch = batches.get(line.batch_id)
        if batch is None:
            raise field_problem(f"products[{index}].batch_id", "no batch with this id in your clinic")
        if batch.expires_on < patient.clinic.local_date(record.performed_at):
            raise conflict(
                f"products[{index}].batch_id", f"lot {batch.lot_number} expired on {batch.expires_on}"
            )
    return batches


def record_treatment(patient: Patient, record: TreatmentRecord, by: Any) -> tuple[Treatment, str]:
    """Store the treatment with its plan, schedule and link; returns it and the link token (shown once)."""
    if record.performed_at > timezone.now() + timedelta(hours=1):
        raise field_problem("performed_at", "a treatment cannot be recorded in the future")
    practitioner = _practitioner(patient, record)
    batches = _batches(patient, record)
    screening = latest_screening(patient)
    if needs_override(screening) and not record.override_reason.strip():
        assert screening is not None
        raise conflict(
            "override_reason",
            f"the latest screening says '{screening.decision}'; recording needs an override reason",
        )
    plan = aftercare(
        TreatmentInput(treated_at=record.performed_at, areas=record.areas, time_zone=patient.clinic.time_zone)
    )
    token = new_token()
    with transaction.atomic():
        treatment = Treatment.objects.create(
            patient=patient,
            practitioner=practitioner,
            performed_at=record.performed_at,
            areas=record.areas,
            technique=record.technique,
            injection_depth=record.injection_depth,
            anaesthetic=record.anaesthetic,
            screening=screening,
            override_reason=record.override_reason.strip(),
            aftercare=plan.model_dump(mode="json"),
            kb_version=plan.kb_version,
            created_by=by,
        )
        ProductUse.objects.bulk_create(
            ProductUse(
                treatment=treatment,
                batch=batches[line.batch_id],
                concentration=line.concentration,
                volume_ml=line.volume_ml,
                area=line.area,
            )
            for line in record.products
        )
        CheckinLink.objects.create(
            treatment=treatment, token_hash=digest(token), expires_at=record.performed_at + LINK_LIFETIME
        )
        schedule = ScheduledCheckin.objects.bulk_create(
            ScheduledCheckin(treatment=treatment, day=due.day, due_at=due.due_at) for due in plan.checkins
        )
        transaction.on_commit(lambda: _after_recording(treatment, token, schedule))
    return treatment, token


def _after_recording(treatment: Treatment, token: str, schedule: list[ScheduledCheckin]) -> None:
    from mesosafe.treatments import emails, tasks

    emails.send_aftercare(treatment, token)
    now = timezone.now()
    for scheduled in schedule:
        if scheduled.due_at > now:
            tasks.send_checkin_reminder.using(run_after=scheduled.due_at).enqueue(scheduled.id)


def revoke_link(treatment: Treatment) -> None:
    CheckinLink.objects.filter(treatment=treatment, revoked_at__isnull=True).update(revoked_at=timezone.now())


def reissue_link(treatment: Treatment) -> str:
    """A new token replaces the old one (which stops working) and is emailed to the patient."""
    from mesosafe.treatments import emails

    token = new_token()
    CheckinLink.objects.update_or_create(
        treatment=treatment,
        defaults={
            "token_hash": digest(token),
            "revoked_at": None,
            "expires_at": max(treatment.performed_at, timezone.now()) + LINK_LIFETIME,
        },
    )
    transaction.on_commit(lambda: emails.send_aftercare(treatment, token))
    return token


def link_for_token(token: str) -> CheckinLink | None:
    """The usable link for this token, or None if unknown, expired or revoked (indistinguishable)."""
    if not token or len(token) > 200:
        return None
    link = lookup.checkin_link(digest(token))
    if link is None:
        return None
    return link if link.usable_at(timezone.now()) else None


def issue_screening_link(patient: Patient) -> tuple[ScreeningLink, str]:
    """A fresh pre-treatment link for the patient (any previous one stops working), emailed; shown once."""
    from mesosafe.treatments import emails

    token = new_token()
    link, _ = ScreeningLink.objects.update_or_create(
        patient=patient,
        defaults={
            "token_hash": digest(token),
            "revoked_at": None,
            "expires_at": timezone.now() + SCREENING_LINK_LIFETIME,
        },
    )
    transaction.on_commit(lambda: emails.send_screening_link(patient, token))
    return link, token


def revoke_screening_link(patient: Patient) -> ScreeningLink | None:
    ScreeningLink.objects.filter(patient=patient, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return ScreeningLink.objects.filter(patient=patient).first()


def any_link_for_token(token: str) -> CheckinLink | ScreeningLink | None:
    """A usable treatment link, else a usable pre-treatment link, else None (unknown, expired, revoked)."""
    link = link_for_token(token)
    if link is not None or not token or len(token) > 200:
        return link
    screening_link = (
        ScreeningLink.objects.select_related("patient__clinic").filter(token_hash=digest(token)).first()
    )
    if screening_link is None or not screening_link.usable_at(timezone.now()):
        return None
    return screening_link


def plan_due(treatment: Treatment) -> list[ScheduledCheckin]:
    return list(treatment.schedule.filter(due_at__gte=timezone.now() - timedelta(days=1)))


def ensure_clinic(patient: Patient, clinic_id: int) -> None:
    if patient.clinic_id != clinic_id:
        raise Problem(404)
