"""Every urgent or emergency check-in is covered by a staff alert: queued with it (`store.insert`), and
queued again when a retry finds it stored without one (stored before alerts were written with the
check-in, or its task row removed)."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import notify_escalation


def alert_queued(checkin: CheckIn) -> bool:
    """Whether a staff alert task names `checkin` (waiting, running or done)."""
    tasks = DBTaskResult.objects.filter(task_path=notify_escalation.module_path)
    return tasks.filter(args_kwargs__args=[checkin.id]).exists()


def ensure_alert(checkin: CheckIn) -> bool:
    """Queue the staff alert for `checkin` unless one is queued already; True if this call queued it."""
    if alert_queued(checkin):
        return False
    notify_escalation.enqueue(checkin.id)
    return True
