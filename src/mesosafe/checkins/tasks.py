"""Background work for check-ins, run by `mesosafe worker`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import BigIntegerField, Max, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import TaskContext, task
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Staff
from mesosafe.knowledge import Disposition, Lang
from mesosafe.lib.dbclock import db_now
from mesosafe.lib.queueing import EMERGENCY_ALERT, URGENT_ALERT, retry_at

log = logging.getLogger(__name__)

# A grouped alert lists at most this many check-ins; the rest are counted and on the clinic's queue page
# (an e-mail listing thousands could pass a mail server's size limit and never go).
MOST_LISTED = 50


@task(takes_context=True, priority=URGENT_ALERT)
def notify_escalation(context: TaskContext, checkin_id: int, claimed_at: str = "") -> int:
    """Email the clinic's staff about the urgent or emergency check-ins of `checkin_id`'s treatment that no
    e-mail has named yet (one e-mail lists them all); returns how many were emailed.

    One task waits at most per treatment (`store.insert`), and whichever check-in queued it, it names every
    one not yet alerted. Alerts for one treatment are grouped: within MESOSAFE_ALERT_GROUP_S of its last
    alert, check-ins no more serious than those already alerted wait for the window's end.

    The check-ins are claimed (`alerted_at` set, and the claim noted in this task's own row as
    `claimed_at`) in a short transaction committed before the e-mail is sent, so no row lock is held while
    the mail server answers, and a second alert finds them claimed and sends nothing. A failed send releases
    the claim; a worker stopped mid-send leaves this task RUNNING with its claim, the stale-task sweep
    queues it again, and the new run sends the claimed ones again (never lost; at worst sent twice).

    A failure (the mail server down, refusing or silent past EMAIL_TIMEOUT) logs an error and queues the
    alert again (`retry_delay`), for as long as it fails; this run is then marked FAILED with the error.
    With nobody to e-mail nothing is claimed: an error is logged, the clinic pages say so, and the worker's
    sweep (`checkins.alerts.requeue_unsent`) sends the alert once a staff address is added."""
    task_id = str(context.task_result.id)
    try:
        return send_alert(checkin_id, task_id, claimed_at)
    except Exception as exc:
        priority = context.task_result.task.priority
        _retry_later(checkin_id, exc, _claim_of(task_id) or claimed_at, priority)
        raise


Alert = Task[..., int]  # a task taking the check-in's id


def alert_task(rank: int) -> Alert:
    """The alert task for check-ins up to `rank`, at its priority: every staff alert is queued through
    this (also as SQL by `store.insert`), ahead of reminders, recall e-mails and reports, emergencies
    first (`lib.queueing`)."""
    priority = EMERGENCY_ALERT if rank >= Disposition.EMERGENCY.rank else URGENT_ALERT
    return notify_escalation.using(priority=priority)


@dataclass(frozen=True)
class Claim:
    at: datetime
    checkins: list[CheckIn]
    recipients: list[str]


def send_alert(checkin_id: int, task_id: str = "", claimed_at: str = "") -> int:
    """`notify_escalation`'s work, for the task row `task_id` (noting its claim there) and, on a run again
    after a stop, its earlier claim `claimed_at`."""
    checkin = CheckIn.objects.select_related("treatment__patient__clinic").filter(id=checkin_id).first()
    if checkin is None:
        return 0  # erased
    again = datetime.fromisoformat(claimed_at) if claimed_at else None
    claim = _claim(checkin, task_id, again)
    if claim is None:
        return 0
    lang = Lang(checkin.treatment.patient.clinic.default_language)  # the clinic's staff read its language
    group = claim.checkins
    subject, message = alert(group[0], lang) if len(group) == 1 else grouped_alert(group, lang)
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=claim.recipients)
    except Exception:
        CheckIn.objects.filter(id__in=[c.id for c in group], alerted_at=claim.at).update(alerted_at=None)
        raise
    return len(claim.recipients)


def _claim(checkin: CheckIn, task_id: str, again: datetime | None) -> Claim | None:
    """Claim the treatment's check-ins not yet alerted (with `again`, also those that claim left unsent),
    unless they must wait for the grouping window or nobody can be e-mailed: None, nothing claimed."""
    now = db_now()  # the grouping window's end becomes a run_after, judged by the database's clock
    with transaction.atomic():
        group = _lock_unsent(checkin.treatment_id, again)
        resend = again is not None and any(c.alerted_at == again for c in group)
        if not group or (not resend and _held(checkin, group, now)):
            return None
        clinic = checkin.treatment.patient.clinic
        recipients = alert_recipients().filter(clinic=clinic).values_list("user__email", flat=True)
        if not recipients:
            log.error(
                "staff alert for check-in #%s not sent: clinic #%s has no active staff with an e-mail address"
                " (it goes out once one is added)",
                checkin.id,
                clinic.id,
            )
            CheckIn.objects.filter(id__in=[c.id for c in group]).update(alerted_at=None)
            return None
        CheckIn.objects.filter(id__in=[c.id for c in group]).update(alerted_at=now)
        claimed = {"args": [checkin.id], "kwargs": {"claimed_at": now.isoformat()}}
        if task_id:
            DBTaskResult.objects.filter(id=task_id).update(args_kwargs=claimed)
    return Claim(now, group, sorted(set(recipients)))


def _lock_unsent(treatment_id: int, again: datetime | None) -> list[CheckIn]:
    """The treatment's urgent and emergency check-ins not yet alerted (or claimed at `again`), locked.
    One statement locks them all in the review queue's time order, the order `acknowledge_many` uses:
    two alerts of one treatment wait for each other instead of each holding a row the other wants."""
    unsent = Q(alerted_at__isnull=True) | Q(alerted_at=again)
    checkins = CheckIn.objects.select_for_update().filter(unsent, treatment_id=treatment_id)
    return list(checkins.filter(disposition_rank__gte=URGENT_RANK).order_by("submitted_at", "id"))


def _held(checkin: CheckIn, group: list[CheckIn], now: datetime) -> bool:
    """Whether `group` waits for its treatment's grouping window; if so, an alert is queued for its end
    (unless one is queued by then already)."""
    until = _held_until(checkin.treatment_id, max(c.disposition_rank for c in group), now)
    if until is None:
        return False
    sooner = Q(run_after__lte=until) | Q(run_after=get_date_max())
    if not for_treatment(alert_tasks(TaskResultStatus.READY), checkin.treatment_id).filter(sooner).exists():
        rank = max(c.disposition_rank for c in group)
        alert_task(rank).using(run_after=until).enqueue(checkin.id)
    return True


URGENT_RANK = Disposition.URGENT.rank
PENDING = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
NAMED = Cast(KT("args_kwargs__args__0"), BigIntegerField())  # the check-in an alert task names


def alert_tasks(*statuses: str) -> QuerySet[DBTaskResult[..., Any]]:
    """The staff alert tasks (in `statuses`, if given)."""
    tasks = DBTaskResult.objects.filter(task_path=notify_escalation.module_path)
    return tasks.filter(status__in=statuses) if statuses else tasks


def for_treatment(
    tasks: QuerySet[DBTaskResult[..., Any]], treatment_id: int
) -> QuerySet[DBTaskResult[..., Any]]:
    """Those of the alert `tasks` that alert `treatment_id` (named by one of its check-ins)."""
    checkins = CheckIn.objects.filter(treatment_id=treatment_id).values("id")
    return tasks.annotate(checkin_id=NAMED).filter(checkin_id__in=checkins)


def alert_recipients() -> QuerySet[Staff]:
    """The staff an alert e-mails (filter by clinic): active users with an e-mail address."""
    return Staff.objects.filter(user__is_active=True).exclude(user__email="")


def _claim_of(task_id: str) -> str:
    """The claim this run noted in its task row, if it got that far ('' if not, or the database is away)."""
    try:
        row = DBTaskResult.objects.filter(id=task_id).values_list("args_kwargs", flat=True).first()
    except DatabaseError:
        return ""
    claimed: str = ((row or {}).get("kwargs") or {}).get("claimed_at", "")
    return claimed


def _retry_later(
    checkin_id: int, error: Exception, claimed_at: str = "", priority: int = URGENT_ALERT
) -> None:
    """Queue the failed alert of `checkin_id` again after `retry_delay`, at its `priority`, logging an
    error. The retry carries this run's claim, so it sends the claimed check-ins even if releasing the
    claim failed too. If even queueing fails (the database is away too), the worker's sweep queues it once
    the database is back."""
    try:
        earlier = DBTaskResult.objects.filter(
            task_path=notify_escalation.module_path,
            args_kwargs__args=[checkin_id],
            status=TaskResultStatus.FAILED,
        ).count()  # this run is still RUNNING
        at = retry_at(earlier + 1)
        notify_escalation.using(run_after=at, priority=priority).enqueue(checkin_id, claimed_at=claimed_at)
    except DatabaseError as exc:
        log.error(
            "staff alert for check-in #%s failed (%s: %s) and could not be queued again (%s); the worker's"
            " sweep queues it once the database answers",
            checkin_id,
            type(error).__name__,
            error,
            type(exc).__name__,
        )
        return
    log.error(
        "staff alert for check-in #%s failed (attempt %d: %s: %s); trying again at %s",
        checkin_id,
        earlier + 1,
        type(error).__name__,
        error,
        at.isoformat(timespec="seconds"),
    )


def _held_until(treatment_id: int, rank: int, now: datetime) -> datetime | None:
    """When an alert at `rank` may go, if it must wait for its treatment's grouping window; None: now."""
    window = timedelta(seconds=settings.MESOSAFE_ALERT_GROUP_S)
    recent = CheckIn.objects.filter(treatment_id=treatment_id, alerted_at__gt=now - window)
    last = recent.aggregate(at=Max("alerted_at"), rank=Max("disposition_rank"))
    if last["at"] is None or rank > last["rank"]:
        return None
    until: datetime = last["at"] + window
    return until


def grouped_alert(checkins: list[CheckIn], lang: Lang) -> tuple[str, str]:
    """One alert for several check-ins of a treatment, listing each with its level and page."""
    first = checkins[0]
    with translation.override(lang.value):
        subject = _("[mesosafe] %(n)s check-ins of treatment #%(treatment)s: %(level)s") % {
            "n": len(checkins),
            "treatment": first.treatment_id,
            "level": explain.label(max(checkins, key=lambda c: c.disposition_rank), lang),
        }
        lines = [
            _("Check-in #%(id)s: %(level)s (%(since)s)\n%(page)s")
            % {
                "id": c.id,
                "level": explain.label(c, lang),
                "since": since_treatment(c.days_since_treatment),
                "page": settings.MESOSAFE_BASE_URL + reverse("clinicui:checkin", args=[c.id]),
            }
            # past the cap, the worst and then the earliest are named: an emergency is never the one cut
            for c in sorted(checkins, key=lambda c: (-c.disposition_rank, c.id))[:MOST_LISTED]
        ]
        if len(checkins) > MOST_LISTED:
            lines.append(_more(len(checkins) - MOST_LISTED))
        intro = _(
            "A patient sent %(n)s check-ins triaged as urgent or emergency within a few minutes (treatment "
            "#%(treatment)s). Open each to see the answers and the reasons, and contact the patient:"
        ) % {"n": len(checkins), "treatment": first.treatment_id}
    return subject, intro + "\n\n" + "\n".join(lines) + "\n"


def _more(n: int) -> str:
    """The grouped alert's last line past MOST_LISTED, in the active language."""
    return ngettext(
        "… and %(n)s more check-in: see the queue:\n%(page)s",
        "… and %(n)s more check-ins: see the queue:\n%(page)s",
        n,
    ) % {"n": n, "page": settings.MESOSAFE_BASE_URL + reverse("clinicui:queue")}


def alert(checkin: CheckIn, lang: Lang) -> tuple[str, str]:
    """The staff alert's subject and text, in `lang`."""
    page = settings.MESOSAFE_BASE_URL + reverse("clinicui:checkin", args=[checkin.id])
    level = explain.label(checkin, lang)
    with translation.override(lang.value):
        subject = _("[mesosafe] Check-in #%(id)s: %(level)s") % {"id": checkin.id, "level": level}
        message = _(
            "A patient's check-in was triaged as: %(level)s (treatment #%(treatment)s, %(since)s).\n"
            "Open the check-in to see the answers and the reasons, and contact the patient:\n%(page)s\n"
        ) % {
            "level": level,
            "treatment": checkin.treatment_id,
            "since": since_treatment(checkin.days_since_treatment),
            "page": page,
        }
    return subject, message


def since_treatment(days: float) -> str:
    """'5 hours after treatment', '1 day after treatment', '3 days after treatment'."""
    if days < 1:
        hours = round(days * 24)
        return ngettext("%(n)s hour after treatment", "%(n)s hours after treatment", hours) % {"n": hours}
    whole = int(days)
    return ngettext("%(n)s day after treatment", "%(n)s days after treatment", whole) % {"n": whole}
