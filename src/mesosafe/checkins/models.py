from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from mesosafe.lib.choices import DISPOSITIONS
from mesosafe.lib.tenancy import ClinicQuerySet
from mesosafe.treatments.models import CheckinLink, Treatment


class CheckInQuerySet(ClinicQuerySet["CheckIn"]):
    clinic_path = "treatment__patient__clinic"


class CheckIn(models.Model):
    objects = CheckInQuerySet.as_manager()
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="checkins")
    # No index of its own: the unique (link, idempotency_key) index starts with it
    link = models.ForeignKey(
        CheckinLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed where set (Meta): a new check-in adds no index entry for it
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    # When a staff alert e-mail named this check-in (urgent and emergency ones; checkins.tasks)
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-submitted_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["link", "idempotency_key"], name="one_checkin_per_idempotency_key"
            ),
        )
        indexes = (
            models.Index(fields=["reviewed_at", "disposition_rank", "submitted_at"]),
            models.Index(
                fields=["reviewed_by"], condition=Q(reviewed_by__isnull=False), name="checkin_reviewed_by"
            ),
        )

    def to_dict(self, photo_ids: list[int] | None = None) -> dict[str, Any]:
        """`photo_ids` when known without a query (a check-in just stored has none)."""
        return {
            "id": self.id,
            "treatment_id": self.treatment_id,
            "submitted_at": self.submitted_at,
            "days_since_treatment": self.days_since_treatment,
            "answers": self.answers,
            "disposition": self.disposition,
            "reasons": self.reasons,
            "next_session_ok": self.next_session_ok,
            "kb_version": self.kb_version,
            "reviewed_at": self.reviewed_at,
            "review_note": self.review_note,
            "photo_ids": [p.id for p in self.photos.all()] if photo_ids is None else photo_ids,
        }


def photo_path(photo: Photo, filename: str) -> str:
    return f"checkins/{photo.checkin_id}/{filename}"


class PhotoQuerySet(ClinicQuerySet["Photo"]):
    clinic_path = "checkin__treatment__patient__clinic"


class Photo(models.Model):
    objects = PhotoQuerySet.as_manager()
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "checkin_id": self.checkin_id, "uploaded_at": self.uploaded_at}
