"""Background work for treatments, run by `mesosafe worker`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.audit.services import record
from mesosafe.lib.dbclock import db_now
from mesosafe.lib.queueing import RECALL_EMAIL, REMINDER, retry_at
from mesosafe.treatments import emails
from mesosafe.treatments.models import RecallContact, ScheduledCheckin

log = logging.getLogger(__name__)

# A reminder that could not be sent is tried again (1 min, 2, 4 … 30) until a day past its time: later, its
# "it is day N since your treatment" is wrong, and the next check-in's reminder is near.
REMINDER_GIVE_UP = timedelta(days=1)


@task(priority=REMINDER)
def send_checkin_reminder(scheduled_id: int) -> bool:
    """Remind the patient of a due check-in, once, while their link is still usable. A failed send (the
    mail server down, refusing, or past the send deadline) logs an error and queues the reminder again
    (`lib.queueing.retry_delay`); this run is then FAILED with the error."""
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
    try:
        sent = emails.send_reminder(scheduled)
    except Exception as exc:
        _retry_reminder_later(scheduled, exc)
        raise
    ScheduledCheckin.objects.filter(id=scheduled_id).update(reminded_at=timezone.now())
    return sent


def _retry_reminder_later(scheduled: ScheduledCheckin, error: Exception) -> None:
    """Queue the failed reminder again after `retry_delay`, unless that is past REMINDER_GIVE_UP."""
    name = f"check-in reminder #{scheduled.id} ({type(error).__name__}: {error})"
    try:
        earlier = DBTaskResult.objects.filter(
            task_path=send_checkin_reminder.module_path,
            args_kwargs__args=[scheduled.id],
            status=TaskResultStatus.FAILED,
        ).count()  # this run is still RUNNING
        at = retry_at(earlier + 1)
        if at > scheduled.due_at + REMINDER_GIVE_UP:
            log.error("%s failed; not tried again: a day past its time", name)
            return
        send_checkin_reminder.using(run_after=at).enqueue(scheduled.id)
    except DatabaseError as exc:
        log.error("%s failed and could not be queued again (%s)", name, type(exc).__name__)
        return
    log.error(
        "%s failed (attempt %d); trying again at %s", name, earlier + 1, at.isoformat(timespec="seconds")
    )


def queue_reminders(schedule: list[ScheduledCheckin]) -> None:
    """Queue the reminder of each check-in of `schedule` still to come, in the caller's transaction. "To
    come" by the database's clock, the one `run_after` is claimed by: a web server whose clock ran ten
    minutes ahead took a reminder due in five minutes for one past and queued none (it was never sent)."""
    now = db_now()
    for scheduled in schedule:
        if scheduled.due_at > now:
            send_checkin_reminder.using(run_after=scheduled.due_at).enqueue(scheduled.id)


@task(priority=RECALL_EMAIL)
def send_recall_email(contact_id: int, request: int) -> bool:
    """Send the recall e-mail staff asked for as send number `request`: claimed first, so a task run twice
    (or an older one run late) e-mails nobody twice. The outcome is on the contact and audited."""
    claimed = RecallContact.objects.filter(id=contact_id, emails_sent__lt=request).update(emails_sent=request)
    if not claimed:
        return False
    contact = RecallContact.objects.select_related("patient__clinic", "treatment", "recall").get(
        id=contact_id
    )
    sent = emails.send_recall(contact)
    status = RecallContact.Email.SENT if sent else RecallContact.Email.FAILED
    with transaction.atomic():
        changes = {"email_status": status, **({"emailed_at": timezone.now()} if sent else {})}
        RecallContact.objects.filter(id=contact_id).update(**changes)
        record(
            contact.recall.clinic_id,
            None,
            "update",
            "recall_email",
            [contact_id],
            contact.patient_id,
            actor="system",
            detail={"recall": contact.recall_id, "request": request, "status": status},
        )
    return sent
