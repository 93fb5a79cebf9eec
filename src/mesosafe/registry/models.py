from __future__ import annotations

from django.conf import settings
from django.db import models


class RegistryReport(models.Model):
    """A registry safety report across all clinics, written as files into the data folder."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        DONE = "done"
        FAILED = "failed"

    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    treatments = models.PositiveIntegerField(default=0)
    infections = models.PositiveIntegerField(default=0)
    outliers = models.PositiveIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)
    # CUSUM unit-windows tested; 0 means "0 alerts" says nothing about clusters (all within the warm-up)
    tested_windows = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        permissions = (("view_registry", "Can see safety reports across all clinics"),)

    def __str__(self) -> str:
        return f"registry report {self.pk} ({self.status})"
