from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from mesosafe.clinics.models import Clinic
from mesosafe.lib.choices import DECISIONS, LANGUAGES
from mesosafe.lib.tenancy import ClinicQuerySet


class PatientQuerySet(ClinicQuerySet["Patient"]):
    clinic_path = "clinic"


class Patient(models.Model):
    objects = PatientQuerySet.as_manager()
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    preferred_language = models.CharField(max_length=2, choices=LANGUAGES, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    # The API's Idempotency-Key the patient was added with, and a digest of what was sent (lib.idempotency)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"], name="one_patient_per_idempotency_key"
            ),
        )

    def __str__(self) -> str:
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "date_of_birth": self.date_of_birth,
            "email": self.email,
            "phone": self.phone,
            "preferred_language": self.preferred_language,
            "created_at": self.created_at,
        }


class ScreeningQuerySet(ClinicQuerySet["Screening"]):
    clinic_path = "patient__clinic"


class Screening(models.Model):
    objects = ScreeningQuerySet.as_manager()
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screenings")
    answers = models.JSONField()
    decision = models.CharField(max_length=30, choices=DECISIONS)
    defer_days = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list)
    # Every text shown about the answer, in each language (mesosafe.explain); null for older screenings
    explanation = models.JSONField(null=True, blank=True)
    kb_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    # null when the patient answered through their link
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ("-created_at", "-id")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "patient_id": self.patient_id,
            "answers": self.answers,
            "decision": self.decision,
            "defer_days": self.defer_days,
            "reasons": self.reasons,
            "kb_version": self.kb_version,
            "created_at": self.created_at,
            "entered_by_staff": self.created_by_id is not None,
        }
