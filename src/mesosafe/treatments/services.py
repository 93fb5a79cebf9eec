"""Recording a treatment: checks, aftercare plan, check-in schedule, the patient's private link."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mesosafe.audit.services import record
from mesosafe.clinics.models import Batch, Staff
from mesosafe.engines import Treatment as TreatmentInput
from mesosafe.engines import aftercare
from mesosafe.engines.inputs import blank
from mesosafe.errors import Code, DomainError, conflict
from mesosafe.knowledge import Decision, Disposition
from mesosafe.lib.idempotency import Once
from mesosafe.lib.tokens import digest, new_token
from mesosafe.patients.models import Patient, Screening
from mesosafe.patients.services import NEEDS_OVERRIDE, gating_screening, needs_override, unanswered
from mesosafe.treatments import emails, lookup, tasks
from mesosafe.treatments.models import (
    CheckinLink,
    ProductUse,
    ScheduledCheckin,
    ScreeningLink,
    Treatment,
)
from mesosafe.treatments.schemas import TreatmentIn

log = logging.getLogger(__name__)
LINK_LIFETIME = timedelta(weeks=16)
# How long a pre-treatment (screening) link works: an operational choice, not clinical knowledge — long
# enough to cover the usual time from booking to the first session; staff can send a fresh one any time.
SCREENING_LINK_LIFETIME = timedelta(days=30)


def _practitioner(patient: Patient, data: TreatmentIn) -> Staff:
    practitioner = Staff.objects.filter(id=data.practitioner_id, clinic_id=patient.clinic_id).first()
    if practitioner is None or practitioner.role != Staff.Role.PRACTITIONER:
        raise DomainError("practitioner_id", "no practitioner with this id in your clinic")
    if not practitioner.licence_valid_on(patient.clinic.local_date(data.performed_at)):
        raise conflict(
            "practitioner_id", "the practitioner's licence is missing or expired on the treatment date"
        )
    return practitioner


def _batches(patient: Patient, data: TreatmentIn) -> dict[int, Batch]:
    ids = {line.batch_id for line in data.products}
    batches = Batch.objects.filter(id__in=ids, product__clinic_id=patient.clinic_id).in_bulk()
    for index, line in enumerate(data.products):
        batch = batches.get(line.batch_id)
        if batch is None:
            raise DomainError(("products", index, "batch_id"), "no batch with this id in your clinic")
        if batch.expires_on < patient.clinic.local_date(data.performed_at):
            raise conflict(
                ("products", index, "batch_id"), f"lot {batch.lot_number} expired on {batch.expires_on}"
            )
    return batches


UNREVIEWED = "unreviewed_checkin"  # the gate's DomainError kind, which the clinic pages say in their language
NOT_WITHOUT_REVIEW = [d.value for d in Disposition if d >= Disposition.URGENT]


def unreviewed_urgent(patient: Patient) -> list[tuple[int, str]]:
    """The patient's urgent or emergency check-ins nobody has reviewed yet, (id, level), oldest first. Read
    through the treatments' `checkins` relation: check-ins are a layer above treatments."""
    found = (
        Treatment.objects.filter(
            patient=patient,
            checkins__reviewed_at__isnull=True,
            checkins__disposition__in=NOT_WITHOUT_REVIEW,
        )
        .order_by("checkins__submitted_at", "checkins__id")
        .values_list("checkins__id", "checkins__disposition")
    )
    return list(found)


def _checkin_gate(patient: Patient, data: TreatmentIn) -> list[int]:
    """Like the screening gate: an unreviewed urgent or emergency check-in stops the recording unless an
    override reason is given; the answer is the ids recorded over."""
    waiting = unreviewed_urgent(patient)
    if waiting and blank(data.override_reason):
        named = ", ".join(f"#{checkin_id} ({level})" for checkin_id, level in waiting)
        which = (
            f"check-in {named} is not reviewed yet; review it"
            if len(waiting) == 1
            else (f"check-ins {named} are not reviewed yet; review them")
        )
        raise DomainError(
            "override_reason",
            f"{which} first, or give an override reason",
            Code.CONFLICT,
            kind=UNREVIEWED,
            context={"checkins": waiting},  # (id, level) pairs: the pages name the levels in their language
        )
    return [checkin_id for checkin_id, _ in waiting]


def _screening_refusal(screening: Screening) -> str:
    which = "the latest screening" if screening.created_by_id is None else "the clinic's latest screening"
    questions = unanswered(screening)
    if questions and Decision(screening.decision) not in NEEDS_OVERRIDE:
        return f"{which} left questions unanswered ({questions}): ask them first, or give an override reason"
    return f"{which} says '{screening.decision}'; recording needs an override reason"


def record_treatment(
    patient: Patient, data: TreatmentIn, by: Any, idempotency_key: str | None = None
) -> tuple[Treatment, str]:
    """Store the treatment with its plan, schedule and link, audited as `by`'s (a staff user); returns it
    and the link token (shown once). A refusal is a DomainError naming the field.

    With `idempotency_key` (the API's header) the treatment the patient's clinic recorded under that key
    from the same request is the answer, with the token "" (it was shown once, in the first answer, and
    e-mailed): nothing is stored, sent or queued again, and the checks are not run again (a lot that expired
    since does not refuse the retry). The key with another request is KeyReused (`lib.idempotency`)."""
    sent = {"patient_id": patient.id, **data.model_dump(mode="json")}
    once = Once(
        Treatment.objects.filter(idempotency_clinic_id=patient.clinic_id), idempotency_key, sent, "treatment"
    )
    return once.run(lambda: _record(patient, data, by, once), lambda earlier: (earlier, ""))


def _record(patient: Patient, data: TreatmentIn, by: Any, once: Once[Treatment]) -> tuple[Treatment, str]:
    if data.performed_at > timezone.now() + timedelta(hours=1):
        raise DomainError("performed_at", "a treatment cannot be recorded in the future")
    practitioner = _practitioner(patient, data)
    batches = _batches(patient, data)
    screening = gating_screening(patient)
    if needs_override(screening) and blank(data.override_reason):
        assert screening is not None
        raise conflict("override_reason", _screening_refusal(screening))
    overridden = _checkin_gate(patient, data)
    plan = aftercare(
        TreatmentInput(treated_at=data.performed_at, areas=data.areas, time_zone=patient.clinic.time_zone)
    )
    token = new_token()
    with transaction.atomic():
        treatment = Treatment.objects.create(
            patient=patient,
            practitioner=practitioner,
            performed_at=data.performed_at,
            areas=data.areas,
            technique=data.technique,
            injection_depth=data.injection_depth,
            anaesthetic=data.anaesthetic,
            screening=screening,
            override_reason=data.override_reason.strip(),
            overridden_checkin_ids=overridden,
            aftercare=plan.model_dump(mode="json"),
            kb_version=plan.kb_version,
            created_by=by,
            idempotency_clinic_id=patient.clinic_id if once.key else None,
            **once.fields(),
        )
        ProductUse.objects.bulk_create(
            ProductUse(
                treatment=treatment,
                batch=batches[line.batch_id],
                concentration=line.concentration,
                volume_ml=line.volume_ml,
                area=line.area,
            )
            for line in data.products
        )
        link = CheckinLink.objects.create(
            treatment=treatment, token_hash=digest(token), expires_at=data.performed_at + LINK_LIFETIME
        )
        schedule = ScheduledCheckin.objects.bulk_create(
            ScheduledCheckin(treatment=treatment, day=due.day, due_at=due.due_at) for due in plan.checkins
        )
        audit(patient.clinic_id, by, "create", "treatment", treatment.id, patient.id, overrides(treatment))
        # The reminders are rows of this database: queued with the treatment, they cannot be lost to a
        # failed e-mail or a database blip after the commit.
        tasks.queue_reminders(schedule)
        _email_after_commit(link, patient, lambda: emails.send_aftercare(treatment, token))
    return treatment, token


def _email_after_commit(
    link: CheckinLink | ScreeningLink, patient: Patient, send: Callable[[], bool]
) -> None:
    """Send an e-mail carrying a link token once the link is committed, in this request.

    Not a task: only the token's hash is stored, so the worker could never write the link. Not a thread
    either: a thread would need its own database connection and would die unseen with its server process
    (a gunicorn restart), losing the only e-mail of the token. The wait is bounded instead: every SMTP send
    ends within MESOSAFE_EMAIL_DEADLINE (`lib.smtp`), a failure is logged and the token is in the response
    (staff can reissue the link), and nothing else (the reminders) waits for the e-mail. The outcome is
    noted on the link (`emailed`), so the staff see the e-mail did not go and give the patient the link."""

    def note(sent: bool | None) -> None:
        link.emailed = sent
        type(link).objects.filter(id=link.id, token_hash=link.token_hash).update(emailed=sent)

    def send_and_note() -> None:
        if not patient.email:
            note(None)
            return
        try:
            sent = send()
        except Exception:
            # not only an OSError: a misconfigured EMAIL_HOST fails with a UnicodeError. Noted as not sent, so
            # the staff are told to give the link; raised on to on_commit, which logs it
            note(False)
            raise
        note(sent)

    transaction.on_commit(send_and_note, robust=True)  # committed: the response and its token must still go


def overrides(treatment: Treatment) -> dict[str, Any] | None:
    """The gates a treatment was recorded over, for its audit row."""
    if not treatment.override_reason:
        return None
    screening = treatment.screening.decision if treatment.screening else None
    return {
        "override_reason": treatment.override_reason,
        "screening_decision": screening,
        "unreviewed_checkin_ids": treatment.overridden_checkin_ids,
    }


def audit(
    clinic_id: int,
    by: Any,
    action: str,
    kind: str,
    object_id: int,
    patient_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    """A change by a staff user, or by the system when `by` is None (the demo, a test)."""
    actor = "staff" if by is not None else "system"
    record(clinic_id, by, action, kind, [object_id], patient_id, actor, detail=detail)


def revoke_link(treatment: Treatment, by: Any = None) -> CheckinLink:
    """Stop the treatment's link now (audited); the link as it stands."""
    with transaction.atomic():
        CheckinLink.objects.filter(treatment=treatment, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit(treatment.patient.clinic_id, by, "update", "link", treatment.id, treatment.patient_id)
    return CheckinLink.objects.get(treatment=treatment)


def reissue_link(treatment: Treatment, by: Any = None) -> str:
    """A new token replaces the old one (which stops working) and is emailed to the patient; audited."""
    token = new_token()
    with transaction.atomic():
        link, _ = CheckinLink.objects.update_or_create(
            treatment=treatment,
            defaults={
                "token_hash": digest(token),
                "revoked_at": None,
                "expires_at": max(treatment.performed_at, timezone.now()) + LINK_LIFETIME,
                "emailed": None,
            },
        )
        treatment.link = link  # the caller's answer shows this link, and whether its e-mail went
        audit(treatment.patient.clinic_id, by, "update", "link", treatment.id, treatment.patient_id)
        _email_after_commit(link, treatment.patient, lambda: emails.send_aftercare(treatment, token))
    return token


def link_for_token(token: str) -> CheckinLink | None:
    """The usable link for this token, or None if unknown, expired or revoked (indistinguishable)."""
    if not token or len(token) > 200:
        return None
    link = lookup.checkin_link(digest(token))
    if link is None:
        return None
    return link if link.usable_at(timezone.now()) else None


def issue_screening_link(patient: Patient, by: Any = None) -> tuple[ScreeningLink, str]:
    """A fresh pre-treatment link for the patient (any previous one stops working), emailed; shown once.
    Audited."""
    token = new_token()
    with transaction.atomic():
        link, _ = ScreeningLink.objects.update_or_create(
            patient=patient,
            defaults={
                "token_hash": digest(token),
                "revoked_at": None,
                "expires_at": timezone.now() + SCREENING_LINK_LIFETIME,
                "emailed": None,
            },
        )
        audit(patient.clinic_id, by, "create", "screening_link", link.id, patient.id)
        _email_after_commit(link, patient, lambda: emails.send_screening_link(patient, token))
    return link, token


def revoke_screening_link(patient: Patient, by: Any = None) -> ScreeningLink | None:
    """Stop the patient's pre-treatment link now (audited); None if they never had one."""
    with transaction.atomic():
        ScreeningLink.objects.filter(patient=patient, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        link = ScreeningLink.objects.filter(patient=patient).first()
        if link is not None:
            audit(patient.clinic_id, by, "update", "screening_link", link.id, patient.id)
    return link


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


def stopped_link(token: str) -> Patient | None:
    """The patient of a link that exists but no longer works (stopped or expired), else None: its holder is
    told whom to call. A 256-bit token tells a guesser nothing; an unknown one stays unknown."""
    if not token or len(token) > 200:
        return None
    hashed = digest(token)
    now = timezone.now()
    link = CheckinLink.objects.select_related("treatment__patient__clinic").filter(token_hash=hashed).first()
    if link is not None:
        return None if link.usable_at(now) else link.treatment.patient
    screening = ScreeningLink.objects.select_related("patient__clinic").filter(token_hash=hashed).first()
    return screening.patient if screening is not None and not screening.usable_at(now) else None


def plan_due(treatment: Treatment) -> list[ScheduledCheckin]:
    return list(treatment.schedule.filter(due_at__gte=timezone.now() - timedelta(days=1)))
