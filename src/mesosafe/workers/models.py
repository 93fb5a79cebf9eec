from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a running `mesosafe worker` said it was alive (django-tasks-db's worker id)."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    # where it runs, for people to read
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(null=True, blank=True)
    # the process table `pid` belongs to (boot and PID namespace): a worker starting where it can see that
    # table takes back at once the tasks of one whose process is gone (kill -9, out of memory) instead of
    # waiting for it to count as dead. Not the host name: containers share one, each with its own pid 1.
    pid_space = models.CharField(max_length=100, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.worker_id} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"
