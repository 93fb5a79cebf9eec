"""Acting on a batch recall: start it (with its reason), e-mail each recipient once in their language, e-mail
one again when staff choose to, mark each as reached (how, by whom, when) or undo that with the reason, and
say who is still not reached.
Every change writes its audit row in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mesosafe.audit.services import record
from mesosafe.clinics.models import Clinic
from mesosafe.clinics.services import lot_batches
from mesosafe.errors import Code, DomainError
from mesosafe.patients.models import Patient
from mesosafe.treatments import tasks
from mesosafe.treatments.models import Recall, RecallContact
from mesosafe.treatments.recall import Recipient, batch_recipients
from mesosafe.treatments.schemas import NOTE_MAX, REASON_MAX

Email = RecallContact.Email
# A send still queued this long after it was asked is taken as stuck (its task was never queued, or no worker
# ran it): staff may send it again. A worker sends within seconds, and one that stopped has its tasks
# requeued by the others within 2 minutes (workers/stale.py).
RESEND_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Standing:
    """A recipient patient (their latest treatment with the lot) and where the recall stands with them."""

    recipient: Recipient
    contact: RecallContact | None

    @property
    def reached(self) -> bool:
        return self.contact is not None and self.contact.contacted_at is not None

    @property
    def emailed(self) -> bool:
        return self.contact is not None and self.contact.email_requests > 0

    @property
    def needs_call(self) -> bool:
        return not self.recipient.email

    @property
    def stuck(self) -> bool:
        """The recall e-mail is queued, asked RESEND_AFTER ago or more, and still not sent."""
        c = self.contact
        if c is None or c.email_status != Email.QUEUED:
            return False
        return c.email_requested_at is None or c.email_requested_at <= timezone.now() - RESEND_AFTER

    @property
    def can_send_again(self) -> bool:
        """Staff may e-mail the patient again: after a send that went out or failed, or one stuck queued."""
        if self.needs_call or self.contact is None:
            return False
        return self.contact.email_status in (Email.SENT, Email.FAILED) or self.stuck

    def to_dict(self) -> dict[str, Any]:
        """The recipient row with where the recall stands with them (the API's standing of one patient)."""
        c = self.contact
        return {
            **self.recipient.to_dict(),
            "reached": self.reached,
            "emailed": self.emailed,
            "needs_call": self.needs_call,
            "email_status": c.email_status if c else Email.NOT_SENT,
            "email_requested_at": c.email_requested_at if c else None,
            "emailed_at": c.emailed_at if c else None,
            "email_stuck": self.stuck,
            "can_send_again": self.can_send_again,
            "contacted_at": c.contacted_at if c else None,
            "contacted_by": c.contacted_by_id if c else None,
            "method": c.method if c else "",
            "note": c.note if c else "",
        }


@dataclass(frozen=True)
class RecallState:
    recall: Recall | None
    reached: list[Standing]
    not_reached: list[Standing]

    @property
    def to_email(self) -> int:
        """Patients not reached who have an address and were never e-mailed."""
        return sum(1 for s in self.not_reached if not s.needs_call and not s.emailed)

    @property
    def to_call(self) -> int:
        return sum(1 for s in self.not_reached if s.needs_call)

    def counts(self) -> dict[str, Any]:
        """The recall and its counts, without any patient's data."""
        return {
            "recall": self.recall.to_dict() if self.recall is not None else None,
            "reached": len(self.reached),
            "not_reached": len(self.not_reached),
            "to_email": self.to_email,
            "to_call": self.to_call,
        }


def find_recall(clinic: Clinic, lot: str) -> Recall | None:
    return (
        Recall.objects.for_clinic(clinic)
        .select_related("created_by")
        .filter(lot_number__iexact=lot.strip())
        .first()
    )


def per_patient(recipients: list[Recipient]) -> list[Recipient]:
    """One recipient row per patient: their latest treatment with the lot (the rows come newest first)."""
    seen: dict[int, Recipient] = {}
    for row in recipients:
        seen.setdefault(row.patient_id, row)
    return list(seen.values())


def recall_state(clinic: Clinic, lot: str, recipients: list[Recipient]) -> RecallState:
    """Where the lot's recall stands with each recipient patient; nothing is written."""
    recall = find_recall(clinic, lot)
    contacts: dict[int, RecallContact] = {}
    if recall is not None:
        found = RecallContact.objects.for_clinic(clinic).filter(recall=recall).select_related("contacted_by")
        contacts = {c.patient_id: c for c in found}
    rows = [Standing(r, contacts.get(r.patient_id)) for r in per_patient(recipients)]
    return RecallState(recall, [s for s in rows if s.reached], [s for s in rows if not s.reached])


def _recipients(clinic: Clinic, lot: str) -> list[Recipient]:
    if not lot.strip() or not lot_batches(clinic, lot).exists():
        raise DomainError("lot", "this clinic has no such lot", kind="no_lot")
    rows = per_patient(batch_recipients(clinic, lot))
    if not rows:
        raise DomainError("lot", "no patient received this lot", Code.CONFLICT, kind="no_recipients")
    return rows


def _at_most(field: str, text: str, limit: int) -> None:
    """Refuse `text` longer than `limit` characters, naming the field (the forms show the limit)."""
    if len(text) > limit:
        raise DomainError(
            field, f"use at most {limit} characters", kind="string_too_long", context={"max_length": limit}
        )


def _recall(clinic: Clinic, lot: str, reason: str, by: Any) -> tuple[Recall, bool]:
    """The lot's recall, started now (audited) if it is not yet; starting needs a reason. True when this
    call started it."""
    recall = find_recall(clinic, lot)
    if recall is not None:
        return recall, False
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "give the reason for the recall", kind="no_reason")
    _at_most("reason", reason, REASON_MAX)
    recorded = lot_batches(clinic, lot).values_list("lot_number", flat=True).first() or lot.strip()
    try:
        with transaction.atomic():
            recall = Recall.objects.create(clinic=clinic, lot_number=recorded, reason=reason, created_by=by)
    except IntegrityError:  # started by someone else meanwhile
        found = find_recall(clinic, lot)
        assert found is not None
        return found, False
    record(clinic.id, by, "create", "recall", [recall.id], detail={"lot": recorded, "reason": reason})
    return recall, True


def _contacts(recall: Recall, recipients: list[Recipient]) -> dict[int, RecallContact]:
    """Each recipient's contact row, made for the ones who have none yet (treated since, or new)."""
    RecallContact.objects.bulk_create(
        (
            RecallContact(recall=recall, patient_id=r.patient_id, treatment_id=r.treatment_id)
            for r in recipients
        ),
        ignore_conflicts=True,
    )
    found = (
        RecallContact.objects.for_clinic(recall.clinic_id)
        .filter(recall=recall)
        .select_related("patient", "recall")
    )
    return {c.patient_id: c for c in found}


def _queue(contact: RecallContact, by: Any, again: bool) -> bool:
    """Ask for one more send to this contact (only the first, unless `again`), audited, and queue the task
    once the transaction commits. False when there is nothing to send.

    Again, while the last send asked is still waiting for a task to take it (its task was never queued, or
    no worker ran it), that same send is queued once more rather than a new one: a task sends only the send
    number it carries and only while no task has taken it, so however many tasks carry it, one e-mail goes."""
    if not contact.patient.email:
        RecallContact.objects.filter(pk=contact.pk).update(email_status=Email.NO_ADDRESS)
        return False
    asked = RecallContact.objects.filter(pk=contact.pk)
    now = timezone.now()
    waiting = asked.filter(email_status=Email.QUEUED, emails_sent__lt=F("email_requests"))
    requeued = again and bool(waiting.update(email_requested_at=now))
    if not requeued:
        if (
            again
            and asked.filter(email_status=Email.QUEUED, email_requested_at__gt=now - RESEND_AFTER).exists()
        ):
            raise DomainError(
                "patient",
                "the recall e-mail is being sent: try again later",
                Code.CONFLICT,
                kind="being_sent",
            )
        if not again:
            asked = asked.filter(email_requests=0)
        changes = {"email_requests": F("email_requests") + 1, "email_status": Email.QUEUED}
        if not asked.update(**changes, email_requested_at=now):
            return False  # queued by someone else meanwhile
    request = RecallContact.objects.values_list("email_requests", flat=True).get(pk=contact.pk)
    record(
        contact.recall.clinic_id,
        by,
        "create",
        "recall_email",
        [contact.id],
        contact.patient_id,
        detail={"recall": contact.recall_id, "again": again, "request": request, "requeued": requeued},
    )
    # robust: when the task cannot be queued (the change is committed by then), the contact stays queued and
    # the page offers "Send again" once RESEND_AFTER has passed
    transaction.on_commit(lambda: _enqueue(contact.id, request), robust=True)
    return True


def _enqueue(contact_id: int, request: int) -> None:
    result = tasks.send_recall_email.enqueue(contact_id, request)
    RecallContact.objects.filter(pk=contact_id).update(email_task_id=str(result.id)[:64])


def send_recall(clinic: Clinic, lot: str, by: Any, reason: str = "") -> tuple[Recall, int]:
    """Start the lot's recall if need be and e-mail every recipient not yet e-mailed nor reached, each in
    their language; patients without an address are marked for a phone call. Returns the recall and how many
    e-mails were queued. Sending twice e-mails nobody twice."""
    return _send(clinic, lot, by, reason, start=None)


def start_recall(clinic: Clinic, lot: str, by: Any, reason: str) -> tuple[Recall, int]:
    """`send_recall` that must start the recall: refused when the lot's recall is already started, so a
    reason given is never dropped unsaid (the API's start; the page offers starting only before)."""
    return _send(clinic, lot, by, reason, start=True)


def email_recipients(clinic: Clinic, lot: str, by: Any) -> tuple[Recall, int]:
    """`send_recall` of a recall already started: e-mail the recipients not yet e-mailed nor reached."""
    return _send(clinic, lot, by, "", start=False)


def _send(clinic: Clinic, lot: str, by: Any, reason: str, start: bool | None) -> tuple[Recall, int]:
    """`start`: True, the recall must be started by this call; False, it must be started already; None,
    either."""
    with transaction.atomic():
        recipients = _recipients(clinic, lot)
        if start is False and find_recall(clinic, lot) is None:
            raise DomainError("lot", "start the recall first", Code.CONFLICT, kind="not_started")
        recall, started = _recall(clinic, lot, reason, by)
        if start and not started:
            raise DomainError(
                "lot", "this lot's recall is already started", Code.CONFLICT, kind="already_started"
            )
        contacts = _contacts(recall, recipients)
        queued = 0
        for contact in contacts.values():
            if contact.contacted_at is None and contact.email_requests == 0:
                queued += _queue(contact, by, again=False)
    return recall, queued


def send_again(clinic: Clinic, lot: str, patient: Patient, by: Any) -> RecallContact:
    """E-mail this patient the recall once more: staff chose to. Audited. A send still waiting for its task
    is queued again rather than doubled (`_queue`); one a worker has taken but not reported on is refused
    until RESEND_AFTER has passed since it was asked (it is likely being sent)."""
    with transaction.atomic():
        contact = _contact(clinic, lot, patient)
        if not patient.email:
            raise DomainError(
                "patient", "this patient has no e-mail address: call them", Code.CONFLICT, kind="no_email"
            )
        _queue(contact, by, again=True)
    contact.refresh_from_db()
    return contact


def _contact(clinic: Clinic, lot: str, patient: Patient) -> RecallContact:
    """The patient's contact row in the lot's recall, which must be started and name them."""
    recipients = _recipients(clinic, lot)
    recall = find_recall(clinic, lot)
    if recall is None:
        raise DomainError("lot", "start the recall first", Code.CONFLICT, kind="not_started")
    contacts = _contacts(recall, recipients)
    if patient.id not in contacts:
        raise DomainError("patient", "this patient did not receive the lot", kind="not_recipient")
    return contacts[patient.id]


def mark_contacted(
    clinic: Clinic, lot: str, patient: Patient, by: Any, method: str, note: str = ""
) -> RecallContact:
    """Record that staff reached the patient about the recall: how, with an optional note; who and when are
    the caller and now. Audited; a patient is marked once."""
    if method not in RecallContact.Method.values:
        raise DomainError("method", "choose how the patient was reached", kind="no_method")
    _at_most("note", note, NOTE_MAX)
    with transaction.atomic():
        contact = _contact(clinic, lot, patient)
        marked = RecallContact.objects.filter(pk=contact.pk, contacted_at__isnull=True).update(
            contacted_at=timezone.now(), contacted_by=by, method=method, note=note.strip()
        )
        if not marked:
            raise DomainError(
                "patient", "this patient is already marked as reached", Code.CONFLICT, kind="already_reached"
            )
        record(
            clinic.id,
            by,
            "update",
            "recall_contact",
            [contact.id],
            patient.id,
            detail={"recall": contact.recall_id, "method": method},
        )
    contact.refresh_from_db()
    return contact


def unmark_contacted(
    clinic: Clinic, lot: str, patient: Patient, by: Any, seen: datetime, reason: str
) -> RecallContact:
    """Undo a "reached" marked by mistake: the patient is not reached again (and shown with the patients to
    reach). `seen` is the mark being undone, as the page or the client showed it, so a mark made since is
    never undone unseen. Audited with the reason and the mark undone (who, when, how, note)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "say why the patient is not reached", kind="no_unmark_reason")
    _at_most("reason", reason, REASON_MAX)
    with transaction.atomic():
        contact = _contact(clinic, lot, patient)
        if contact.contacted_at is None:
            raise DomainError(
                "patient", "this patient is not marked as reached", Code.CONFLICT, kind="not_reached"
            )
        undone = {
            "contacted_by": contact.contacted_by_id,
            "contacted_at": contact.contacted_at.isoformat(),
            "method": contact.method,
            "note": contact.note,
        }
        # The API's JSON gives times to the millisecond (Django's JSON encoder): `seen` names its millisecond
        start = seen.replace(microsecond=seen.microsecond // 1000 * 1000)
        window = {"contacted_at__gte": start, "contacted_at__lt": start + timedelta(milliseconds=1)}
        unmarked = RecallContact.objects.filter(pk=contact.pk, **window).update(
            contacted_at=None, contacted_by=None, method="", note=""
        )
        if not unmarked:
            raise DomainError(
                "contacted_at",
                "this patient was marked as reached again since: look at the recall again",
                Code.CONFLICT,
                kind="marked_since",
            )
        record(
            clinic.id,
            by,
            "update",
            "recall_contact",
            [contact.id],
            patient.id,
            detail={"recall": contact.recall_id, "change": "not_reached", "reason": reason, "undone": undone},
        )
    contact.refresh_from_db()
    return contact
