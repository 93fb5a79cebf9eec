from __future__ import annotations

from django.conf import settings
from django.db import models

from mesosafe.lib.choices import DISPOSITIONS
from mesosafe.treatments.models import CheckinLink, Treatment


class CheckIn(models.Model):
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="checkins")
    link = models.ForeignKey(CheckinLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    submitted_at = models.DateTimeField()
    days_since_treatment = models.FloatField()
    answers = models.JSONField()
    disposition = models.CharField(max_length=20, choices=DISPOSITIONS)
    # Disposition.rank, stored so the review queue sorts in SQL (emergency first)
    disposition_rank = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    # Every text shown about the answer, in each language (mesosafe.explain); null for older check-ins
    explanation = models.JSONField(null=True, blank=True)
    next_session_ok = models.BooleanField()
    kb_version = models.CharField(max_length=40)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ("-submitted_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["link", "idempotency_key"], name="one_checkin_per_idempotency_key"
            ),
        )
        indexes = (models.Index(fields=["reviewed_at", "disposition_rank", "submitted_at"]),)


def photo_path(photo: Photo, filename: str) -> str:
    return f"checkins/{photo.checkin_id}/{filename}"


class Photo(models.Model):
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)
