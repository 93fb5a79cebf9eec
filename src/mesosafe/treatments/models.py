from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from mesosafe.clinics.models import Batch, Staff
from mesosafe.patients.models import Patient, Screening


class Treatment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatments")
    practitioner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="treatments")
    performed_at = models.DateTimeField()
    areas = models.JSONField(default=list)
    technique = models.CharField(max_length=120, blank=True)
    injection_depth = models.CharField(max_length=60, blank=True)
    anaesthetic = models.CharField(max_length=120, blank=True)
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.PROTECT)
    override_reason = models.TextField(blank=True)
    aftercare = models.JSONField(default=dict)
    kb_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-performed_at", "-id")


class ProductUse(models.Model):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="products")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="uses")
    concentration = models.CharField(max_length=60, blank=True)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    area = models.CharField(max_length=100, blank=True)


class CheckinLink(models.Model):
    treatment = models.OneToOneField(Treatment, on_delete=models.CASCADE, related_name="link")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(auto_now=True)

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


class ScreeningLink(models.Model):
    """A patient's pre-treatment link (one per patient): the screening questionnaire and FAQ, before any
    treatment exists. Same token rules as CheckinLink: random, stored only as sha256, expiring, revocable."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="screening_link")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(auto_now=True)

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


class ScheduledCheckin(models.Model):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="schedule")
    day = models.FloatField()
    due_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_at",)
        constraints = (models.UniqueConstraint(fields=["treatment", "day"], name="one_reminder_per_day"),)
