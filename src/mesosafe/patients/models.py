from __future__ import annotations

from django.conf import settings
from django.db import models

from mesosafe.clinics.models import Clinic
from mesosafe.lib.choices import DECISIONS, LANGUAGES


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    preferred_language = models.CharField(max_length=2, choices=LANGUAGES, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Screening(models.Model):
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
