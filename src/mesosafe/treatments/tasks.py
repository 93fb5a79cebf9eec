"""Background work for treatments, run by `mesosafe worker`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mesosafe.audit.services import record
from mesosafe.treatments import emails
from mesosafe.treatments.models import RecallContact, ScheduledCheckin


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


@task()
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
