from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a running `mesosafe worker` said it was alive (django-tasks-db's worker id)."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"
