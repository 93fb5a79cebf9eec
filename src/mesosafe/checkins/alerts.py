"""Every urgent or emergency check-in is covered by a staff alert: queued with it (`store.insert`), queued
again by the alert itself while sending fails (`tasks.notify_escalation`), queued again when a retry finds
it stored without one (stored before alerts were written with the check-in, or its task row removed), and
queued again by the worker's sweep (`requeue_unsent`, on each heartbeat) when it has not gone out and
nothing will send it: its task failed without queueing a retry, or nobody could be e-mailed and now
somebody can."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Now
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn, CheckInQuerySet
from mesosafe.checkins.tasks import (
    NAMED,
    PENDING,
    URGENT_RANK,
    alert_recipients,
    alert_task,
    alert_tasks,
    for_treatment,
)
from mesosafe.clinics.models import Clinic
from mesosafe.lib.dbclock import db_now

log = logging.getLogger(__name__)

# The sweep and the clinic pages' warning look at unreviewed check-ins this recent: an older one was seen
# by nobody for a week, and an e-mail would not change that (its retries, if any, go on).
SWEEP_WINDOW = timedelta(days=7)
# An alert not sent this long after its check-in (beyond the grouping window) is late even if no attempt
# failed yet: its task never ran, or keeps running.
LATE = timedelta(minutes=10)


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
    alert_task(checkin.disposition_rank).enqueue(checkin.id)
    return True


def _unsent(now: datetime | None = None) -> CheckInQuerySet:
    """Recent unreviewed urgent and emergency check-ins that no alert e-mail has named. Without `now`, by the
    database's clock in the query: the clock `submitted_at` (`store.insert`) and alert tasks' claims are
    stamped by. Judged by a web server's clock ten minutes behind its peers, check-ins they stored counted as
    late minutes after their window; stamped by one, the failed attempts of their alerts went unseen."""
    return CheckIn.objects.filter(
        reviewed_at__isnull=True,
        disposition_rank__gte=URGENT_RANK,
        submitted_at__gte=(now or Now()) - SWEEP_WINDOW,
        alerted_at__isnull=True,
    )


def requeue_unsent(now: datetime | None = None) -> int:
    """Queue one alert for each treatment with unsent check-ins (`_unsent`) that no alert task is waiting
    for or running, when its clinic has someone to e-mail; how many. Safe to run beside anything: a second
    alert for one check-in finds it alerted and sends nothing."""
    # The check-ins first: one stored after this read has its task already.
    unsent = (
        _unsent(now)
        .order_by("-id")
        .values_list("treatment_id", "id", "treatment__patient__clinic_id", "disposition_rank")
    )
    first: dict[int, tuple[int, int]] = {}  # treatment: its first unsent check-in, its clinic
    rank: dict[int, int] = {}  # treatment: its most serious unsent check-in's rank (the alert's priority)
    for treatment, checkin, clinic, checkin_rank in unsent:
        first[treatment] = (checkin, clinic)
        rank[treatment] = max(rank.get(treatment, 0), checkin_rank)
    if not first:
        return 0
    named = CheckIn.objects.filter(id=OuterRef("checkin_id")).values("treatment_id")
    pending = alert_tasks(*PENDING).annotate(checkin_id=NAMED).annotate(treatment_id=Subquery(named))
    waiting = set(pending.values_list("treatment_id", flat=True))
    clinics = {clinic for _, clinic in first.values()}
    clinics = set(alert_recipients().filter(clinic_id__in=clinics).values_list("clinic_id", flat=True))
    due = sorted((c, t) for t, (c, clinic) in first.items() if t not in waiting and clinic in clinics)
    for checkin_id, treatment in due:
        alert_task(rank[treatment]).enqueue(checkin_id)
    if due:
        log.warning(
            "staff alert queued again for %d treatment(s) with check-ins not yet e-mailed (by check-in %s)",
            len(due),
            [checkin_id for checkin_id, _ in due],
        )
    return len(due)


def late_alerts(now: datetime | None = None) -> int:
    """Across every clinic, how many unsent check-ins (`_unsent`) are still unsent LATE after their grouping
    window, whatever the cause (a failing mail server, nobody to e-mail): a count for monitoring, naming no
    clinic."""
    late = (now or Now()) - (LATE + timedelta(seconds=settings.MESOSAFE_ALERT_GROUP_S))
    count: int = _unsent(now).filter(submitted_at__lt=late).count()
    return count


def unsent_for_want_of_recipients(clinic: Clinic, now: datetime | None = None) -> int | None:
    """How many of `clinic`'s unsent check-ins (`_unsent`) nobody could be e-mailed about, while it has no
    active staff with an e-mail address; None while it has one (they are being sent)."""
    if alert_recipients().filter(clinic=clinic).exists():
        return None
    count: int = _unsent(now).for_clinic(clinic).count()
    return count


@dataclass(frozen=True)
class Failure:
    """One failed attempt to send an alert: when it started and the exception's class path (its task row
    holds the traceback)."""

    at: datetime
    error: str
    task_id: str


@dataclass(frozen=True)
class FailingAlerts:
    """A clinic's unsent check-ins whose alert failed or is late: how many, the oldest one's time, the last
    failed attempt (None if none failed: late only) and the mail server's reply code in its error, if any."""

    count: int
    since: datetime
    last: Failure | None
    reply: int | None


def failing_alerts(clinic: Clinic, now: datetime | None = None) -> FailingAlerts | None:
    """`clinic`'s unsent check-ins (`_unsent`) whose alert e-mail has failed: an attempt to send it failed
    (an alert task of its treatment that started after it was stored ended FAILED), or it is still unsent
    LATE after its grouping window. None if there are none, or while the clinic has nobody to e-mail
    (`unsent_for_want_of_recipients` says so)."""
    unsent = list(_unsent(now).for_clinic(clinic).values_list("treatment_id", "submitted_at"))
    if not unsent or not alert_recipients().filter(clinic=clinic).exists():
        return None
    now = now or db_now()
    failures = _failures({treatment for treatment, _ in unsent}, min(at for _, at in unsent))
    late = now - LATE - timedelta(seconds=settings.MESOSAFE_ALERT_GROUP_S)
    failing = [
        at for treatment, at in unsent if at < late or any(f.at >= at for f in failures.get(treatment, []))
    ]
    if not failing:
        return None
    last = max((f for found in failures.values() for f in found), key=lambda f: f.at, default=None)
    return FailingAlerts(len(failing), min(failing), last, reply_code(last) if last else None)


def alert_failures(checkin: CheckIn) -> list[Failure]:
    """The failed attempts to send `checkin`'s alert, oldest first: its treatment's alert tasks that
    started after it was stored and failed, while it has not been alerted."""
    if checkin.alerted_at is not None:
        return []
    return _failures({checkin.treatment_id}, checkin.submitted_at).get(checkin.treatment_id, [])


def _failures(treatments: set[int], since: datetime) -> dict[int, list[Failure]]:
    """The failed alert tasks of `treatments` that started at or after `since`, by treatment, oldest
    first; each is dated by its start (it tried to send what was unsent then)."""
    named = CheckIn.objects.filter(id=OuterRef("checkin_id")).values("treatment_id")
    failed = (
        alert_tasks(TaskResultStatus.FAILED)
        .filter(started_at__gte=since)
        .annotate(checkin_id=NAMED)
        .annotate(treatment_id=Subquery(named))
        .filter(treatment_id__in=treatments)
        .order_by("started_at")
        .values_list("treatment_id", "started_at", "exception_class_path", "id")
    )
    found: dict[int, list[Failure]] = {}
    for treatment, at, error, task_id in failed:
        if at is not None:  # always, by the filter
            found.setdefault(treatment, []).append(Failure(at, error, str(task_id)))
    return found


_REPLY = re.compile(r"\((\d{3}), b?['\"]")  # smtplib's (code, b'message') in the error's last line


def reply_code(failure: Failure) -> int | None:
    """The mail server's reply code (550 …) in the failure's error, if it carried one; never the error's
    text, which may name addresses."""
    traceback = DBTaskResult.objects.filter(id=failure.task_id).values_list("traceback", flat=True).first()
    lines = (traceback or "").strip().splitlines()
    match = _REPLY.search(lines[-1]) if lines else None
    return int(match.group(1)) if match else None
