from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from mesosafe.lib.tenancy import ClinicQuerySet


class AuditEventQuerySet(ClinicQuerySet["AuditEvent"]):
    clinic_path = "clinic"


class AuditEvent(models.Model):
    """One read or change of a patient's data: who (staff, or the patient by link), what, when."""

    objects = AuditEventQuerySet.as_manager()

    class Action(models.TextChoices):
        READ = "read"
        CREATE = "create"
        UPDATE = "update"

    at = models.DateTimeField(auto_now_add=True)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    # indexed where set (Meta): the patient's own events, most of them, add no index entry for it
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    actor = models.CharField(max_length=20, default="staff")  # staff | patient | system | operator (CLI)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # What a change cannot show by itself, e.g. why an acknowledged check-in was returned to the queue
    detail = models.JSONField(null=True, blank=True)
    # The HTTP method of the request it was made in (GET, HEAD, POST …); empty for what no request made (the
    # CLI, the workers). The database's default too, for a row a process started before it was added writes.
    method = models.CharField(max_length=16, blank=True, default="", db_default="")

    class Meta:
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=["user"], condition=Q(user__isnull=False), name="audit_staff_user"),)
