from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from mesosafe.clinics.models import Batch, Clinic, Staff
from mesosafe.lib.tenancy import ClinicQuerySet
from mesosafe.patients.models import Patient, Screening


class TreatmentQuerySet(ClinicQuerySet["Treatment"]):
    clinic_path = "patient__clinic"


class Treatment(models.Model):
    objects = TreatmentQuerySet.as_manager()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatments")
    practitioner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="treatments")
    performed_at = models.DateTimeField()
    areas = models.JSONField(default=list)
    technique = models.CharField(max_length=120, blank=True)
    injection_depth = models.CharField(max_length=60, blank=True)
    anaesthetic = models.CharField(max_length=120, blank=True)
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.PROTECT)
    override_reason = models.TextField(blank=True)
    # the unreviewed urgent or emergency check-ins the treatment was recorded despite (with override_reason)
    overridden_checkin_ids = models.JSONField(default=list, blank=True)
    aftercare = models.JSONField(default=dict)
    kb_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The API's Idempotency-Key the treatment was recorded with, the clinic it is unique in (the patient's,
    # set only with a key), and a digest of what was sent (lib.idempotency). No index of its own: the unique
    # (idempotency_clinic, idempotency_key) index starts with it.
    idempotency_clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-performed_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["idempotency_clinic", "idempotency_key"], name="one_treatment_per_idempotency_key"
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        link = CheckinLink.objects.filter(treatment=self).first()
        return {
            "id": self.id,
            "patient_id": self.patient_id,
            "practitioner_id": self.practitioner_id,
            "performed_at": self.performed_at,
            "areas": self.areas,
            "technique": self.technique,
            "injection_depth": self.injection_depth,
            "anaesthetic": self.anaesthetic,
            "products": [
                use.to_dict() for use in self.products.select_related("batch__product").order_by("id")
            ],
            "screening_id": self.screening_id,
            "screening_decision": self.screening.decision if self.screening else None,
            "override_reason": self.override_reason,
            "overridden_checkin_ids": self.overridden_checkin_ids,
            "aftercare": self.aftercare,
            "schedule": [scheduled.to_dict() for scheduled in self.schedule.all()],
            "link": link.to_dict() if link else None,
            "kb_version": self.kb_version,
        }


class ProductUse(models.Model):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="products")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="uses")
    concentration = models.CharField(max_length=60, blank=True)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    area = models.CharField(max_length=100, blank=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "product": self.batch.product.name,
            "lot_number": self.batch.lot_number,
            "volume_ml": self.volume_ml,
            "concentration": self.concentration,
            "area": self.area,
        }


class PatientLink(models.Model):
    """A patient's private link: a random token stored only as its sha256, expiring, revocable."""

    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(auto_now=True)
    # whether the e-mail carrying this token went: None when none was tried (no address) or its outcome was
    # never recorded; False tells the staff to give the patient the link themselves
    emailed = models.BooleanField(null=True, default=None)

    class Meta:
        abstract = True

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at

    def to_dict(self, token: str | None = None) -> dict[str, Any]:
        """The link's state; with the token it was just issued with (shown once), the token and its path."""
        state = {
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "usable": self.usable_at(timezone.now()),
            "emailed": self.emailed,
        }
        return state if token is None else {**state, "token": token, "link": link_path(token)}


def link_path(token: str) -> str:
    return f"/p/{token}/"


class CheckinLink(PatientLink):
    """A treatment's link: aftercare, check-ins, recovery."""

    treatment = models.OneToOneField(Treatment, on_delete=models.CASCADE, related_name="link")


class ScreeningLink(PatientLink):
    """A patient's pre-treatment link (one per patient): the screening questionnaire and FAQ, before any
    treatment exists."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="screening_link")


class ScheduledCheckinQuerySet(ClinicQuerySet["ScheduledCheckin"]):
    clinic_path = "treatment__patient__clinic"


class ScheduledCheckin(models.Model):
    objects = ScheduledCheckinQuerySet.as_manager()
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="schedule")
    day = models.FloatField()
    due_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_at",)
        constraints = (models.UniqueConstraint(fields=["treatment", "day"], name="one_reminder_per_day"),)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "due_at": self.due_at, "reminded_at": self.reminded_at}


class RecallQuerySet(ClinicQuerySet["Recall"]):
    clinic_path = "clinic"


class Recall(models.Model):
    """A batch recall: a clinic contacting everyone who received a lot (one recall per lot and clinic, the
    lot matched as `lot_batches` matches it), started by a staff member for a reason kept in the record."""

    objects = RecallQuerySet.as_manager()
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="recalls")
    lot_number = models.CharField(max_length=64)  # as recorded on the lot
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(Lower("lot_number"), "clinic", name="one_recall_per_lot_and_clinic"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lot_number": self.lot_number,
            "reason": self.reason,
            "created_by": self.created_by_id,
            "created_at": self.created_at,
        }


class RecallContactQuerySet(ClinicQuerySet["RecallContact"]):
    clinic_path = "recall__clinic"


class RecallContact(models.Model):
    """One patient of a recall: the recall e-mail (asked for, sent) and whether staff reached them, how,
    who and when."""

    objects = RecallContactQuerySet.as_manager()

    class Method(models.TextChoices):
        EMAIL = "email"  # the patient answered the recall e-mail
        PHONE = "phone"
        IN_PERSON = "in_person"

    class Email(models.TextChoices):
        NOT_SENT = "not_sent"
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"
        NO_ADDRESS = "no_address"

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="contacts")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(
        Treatment, on_delete=models.PROTECT, related_name="+"
    )  # the latest with the lot
    email_status = models.CharField(max_length=12, choices=Email.choices, default=Email.NOT_SENT)
    # Sends staff asked for, and sends the worker made: a task sends only while it is ahead of the sends
    # made, so a task run twice e-mails once; "send again" asks for one more.
    email_requests = models.PositiveIntegerField(default=0)
    emails_sent = models.PositiveIntegerField(default=0)
    email_task_id = models.CharField(max_length=64, blank=True)
    email_requested_at = models.DateTimeField(null=True, blank=True)  # the latest send asked (or asked again)
    emailed_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("id",)
        constraints = (models.UniqueConstraint(fields=["recall", "patient"], name="one_contact_per_patient"),)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "recall_id": self.recall_id,
            "patient_id": self.patient_id,
            "treatment_id": self.treatment_id,
            "email_status": self.email_status,
            "email_requested_at": self.email_requested_at,
            "emailed_at": self.emailed_at,
            "contacted_at": self.contacted_at,
            "contacted_by": self.contacted_by_id,
            "method": self.method,
            "note": self.note,
        }
