from __future__ import annotations

import uuid

from django.db import models


class Job(models.Model):
    """One enqueued task of the Django tasks framework, waiting for, running in, or done by `db_worker`."""

    class Status(models.TextChoices):
        READY = "READY"
        RUNNING = "RUNNING"
        FAILED = "FAILED"
        SUCCESSFUL = "SUCCESSFUL"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_path = models.CharField(max_length=300)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    queue_name = models.CharField(max_length=100, default="default")
    priority = models.SmallIntegerField(default=0)
    run_after = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READY)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    return_value = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = (models.Index(fields=["status", "queue_name", "run_after"]),)

    def __str__(self) -> str:
        return f"{self.task_path} {self.status}"
