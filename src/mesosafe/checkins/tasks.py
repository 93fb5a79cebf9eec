"""Background work for check-ins, run by `mesosafe worker`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Staff
from mesosafe.knowledge import Disposition, Lang

log = logging.getLogger(__name__)

# A failed alert is tried again after 1 min, 2, 4 … and then every 30 min for as long as it fails.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(minutes=30)


@task()
def notify_escalation(checkin_id: int) -> int:
    """Email the clinic's staff about an urgent or emergency check-in; returns how many were emailed.

    Alerts for one treatment are grouped: within MESOSAFE_ALERT_GROUP_S of its last alert, a check-in no more
    serious than those already alerted waits for the window's end, and one e-mail then lists every check-in
    not yet alerted. Marking them and sending happen in one transaction: a worker stopped before the commit
    leaves them to be sent again (never lost; at worst sent twice), and two runs for one check-in (a retry
    and the worker's sweep) take its row's lock in turn, so the second finds it alerted and sends nothing.

    A failure (the mail server down or refusing) rolls the marking back, logs an error and queues the alert
    again (`retry_delay`), for as long as it fails; this run is then marked FAILED with the error. With
    nobody to e-mail nothing is marked: an error is logged, the clinic pages say so, and the worker's sweep
    (`checkins.alerts.requeue_unsent`) sends the alert once a staff address is added."""
    try:
        return _notify(checkin_id)
    except Exception as exc:
        _retry_later(checkin_id, exc)
        raise


def _notify(checkin_id: int) -> int:
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update(of=("self",)).select_related("treatment__patient__clinic")
        first = checkin.filter(id=checkin_id).first()
        if first is None or first.alerted_at is not None:
            return 0  # named already by a grouped e-mail (or the check-in was erased)
        now = timezone.now()
        if (until := _held_until(first, now)) is not None:
            notify_escalation.using(run_after=until).enqueue(checkin_id)
            return 0
        clinic = first.treatment.patient.clinic
        recipients = sorted(
            set(alert_recipients().filter(clinic=clinic).values_list("user__email", flat=True))
        )
        if not recipients:
            log.error(
                "staff alert for check-in #%s not sent: clinic #%s has no active staff with an e-mail address"
                " (it goes out once one is added)",
                checkin_id,
                clinic.id,
            )
            return 0
        group = list(
            CheckIn.objects.select_for_update()
            .filter(
                treatment_id=first.treatment_id, alerted_at__isnull=True, disposition_rank__gte=URGENT_RANK
            )
            .order_by("submitted_at", "id")
        )
        CheckIn.objects.filter(id__in=[c.id for c in group]).update(alerted_at=now)
        lang = Lang(clinic.default_language)  # the clinic's staff read its language
        subject, message = alert(first, lang) if len(group) <= 1 else grouped_alert(group, lang)
        send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)
        return len(recipients)


URGENT_RANK = Disposition.URGENT.rank


def alert_recipients() -> QuerySet[Staff]:
    """The staff an alert e-mails (filter by clinic): active users with an e-mail address."""
    return Staff.objects.filter(user__is_active=True).exclude(user__email="")


def retry_delay(failures: int) -> timedelta:
    """How long after its `failures`-th failure (1, 2, …) an alert is tried again: 1 min doubling to 30."""
    delay: timedelta = min(FIRST_RETRY * 2 ** min(failures - 1, 16), LONGEST_RETRY)
    return delay


def _retry_later(checkin_id: int, error: Exception) -> None:
    """Queue the failed alert of `checkin_id` again after `retry_delay`, logging an error. If even that
    fails (the database is away too), the worker's sweep queues it once the database is back."""
    try:
        earlier = DBTaskResult.objects.filter(
            task_path=notify_escalation.module_path,
            args_kwargs__args=[checkin_id],
            status=TaskResultStatus.FAILED,
        ).count()  # this run is still RUNNING
        at = timezone.now() + retry_delay(earlier + 1)
        notify_escalation.using(run_after=at).enqueue(checkin_id)
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


def _held_until(checkin: CheckIn, now: datetime) -> datetime | None:
    """When `checkin`'s alert may go, if it must wait for its treatment's grouping window; None: now."""
    window = timedelta(seconds=settings.MESOSAFE_ALERT_GROUP_S)
    recent = CheckIn.objects.filter(treatment_id=checkin.treatment_id, alerted_at__gt=now - window)
    last = recent.aggregate(at=Max("alerted_at"), rank=Max("disposition_rank"))
    if last["at"] is None or checkin.disposition_rank > last["rank"]:
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
            for c in checkins
        ]
        intro = _(
            "A patient sent %(n)s check-ins triaged as urgent or emergency within a few minutes (treatment "
            "#%(treatment)s). Open each to see the answers and the reasons, and contact the patient:"
        ) % {"n": len(checkins), "treatment": first.treatment_id}
    return subject, intro + "\n\n" + "\n".join(lines) + "\n"


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
