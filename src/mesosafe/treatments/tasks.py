"""Background work for treatments, run by `mesosafe worker`."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from mesosafe.treatments import emails
from mesosafe.treatments.models import ScheduledCheckin


@task()
def send_checkin_reminder(scheduled_id: int) -> bool:
    """Remind the patient of a due check-in, once, while their link is still usable."""
    scheduled = (
        ScheduledCheckin.objects.select_related("treatment__patient__clinic", "treatment__link")
        .filter(id=scheduled_id, reminded_at__isnull=True)
        .first()
    )
    if scheduled is None:
        return False
    link = getattr(scheduled.treatment, "link", None)
    if link is None or not link.usable_at(timezone.now()):
        return False
    sent = emails.send_reminder(scheduled)
    ScheduledCheckin.objects.filter(id=scheduled_id).update(reminded_at=timezone.now())
    return sent
