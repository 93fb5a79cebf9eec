"""Every urgent or emergency check-in is covered by a staff alert: queued with it (`store.insert`), queued
again by the alert itself while sending fails (`tasks.notify_escalation`), queued again when a retry finds
it stored without one (stored before alerts were written with the check-in, or its task row removed), and
queued again by the worker's sweep (`requeue_unsent`, on each heartbeat) when it has not gone out and
nothing will send it: its task failed without queueing a retry, or nobody could be e-mailed and now
somebody can."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from mesosafe.checkins.models import CheckIn, CheckInQuerySet
from mesosafe.checkins.tasks import (
    NAMED,
    PENDING,
    URGENT_RANK,
    alert_recipients,
    alert_tasks,
    for_treatment,
    notify_escalation,
)
from mesosafe.clinics.models import Clinic

log = logging.getLogger(__name__)

# The sweep and the clinic pages' warning look at unreviewed check-ins this recent: an older one was seen
# by nobody for a week, and an e-mail would not change that (its retries, if any, go on).
SWEEP_WINDOW = timedelta(days=7)


def alert_queued(checkin: CheckIn) -> bool:
    """Whether `checkin` is covered by a staff alert: an e-mail named it, a task names it (waiting, running
    or done; a failed one does not count: it queued its own retry, or it is lost), or a task of its
    treatment waits or runs (it alerts every check-in of the treatment not yet alerted)."""
    if CheckIn.objects.filter(id=checkin.id, alerted_at__isnull=False).exists():
        return True
    named = alert_tasks().exclude(status=TaskResultStatus.FAILED).filter(args_kwargs__args=[checkin.id])
    return named.exists() or for_treatment(alert_tasks(*PENDING), checkin.treatment_id).exists()


def ensure_alert(checkin: CheckIn) -> bool:
    """Queue the staff alert for `checkin` unless one is queued already; True if this call queued it."""
    if alert_queued(checkin):
        return False
    notify_escalation.enqueue(checkin.id)
    return True


def _unsent(now: datetime) -> CheckInQuerySet:
    """Recent unreviewed urgent and emergency check-ins that no alert e-mail has named."""
    return CheckIn.objects.filter(
        reviewed_at__isnull=True,
        disposition_rank__gte=URGENT_RANK,
        submitted_at__gte=now - SWEEP_WINDOW,
        alerted_at__isnull=True,
    )


def requeue_unsent(now: datetime | None = None) -> int:
    """Queue one alert for each treatment with unsent check-ins (`_unsent`) that no alert task is waiting
    for or running, when its clinic has someone to e-mail; how many. Safe to run beside anything: a second
    alert for one check-in finds it alerted and sends nothing."""
    now = now or timezone.now()
    # The check-ins first: one stored after this read has its task already.
    unsent = _unsent(now).order_by("-id").values_list("treatment_id", "id", "treatment__patient__clinic_id")
    first = {treatment: (checkin, clinic) for treatment, checkin, clinic in unsent}
    if not first:
        return 0
    named = CheckIn.objects.filter(id=OuterRef("checkin_id")).values("treatment_id")
    pending = alert_tasks(*PENDING).annotate(checkin_id=NAMED).annotate(treatment_id=Subquery(named))
    waiting = set(pending.values_list("treatment_id", flat=True))
    clinics = {clinic for _, clinic in first.values()}
    clinics = set(alert_recipients().filter(clinic_id__in=clinics).values_list("clinic_id", flat=True))
    due = sorted(c for t, (c, clinic) in first.items() if t not in waiting and clinic in clinics)
    for checkin_id in due:
        notify_escalation.enqueue(checkin_id)
    if due:
        log.warning(
            "staff alert queued again for %d treatment(s) with check-ins not yet e-mailed (by check-in %s)",
            len(due),
            due,
        )
    return len(due)


def unsent_for_want_of_recipients(clinic: Clinic, now: datetime | None = None) -> int | None:
    """How many of `clinic`'s unsent check-ins (`_unsent`) nobody could be e-mailed about, while it has no
    active staff with an e-mail address; None while it has one (they are being sent)."""
    if alert_recipients().filter(clinic=clinic).exists():
        return None
    count: int = _unsent(now or timezone.now()).for_clinic(clinic).count()
    return count
