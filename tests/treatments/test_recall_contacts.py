"""Acting on a batch recall (treatments/recall_contacts.py): started once with a reason, each recipient
e-mailed once unless staff send again, marked reached once with how, who and when; every change audited;
clinics apart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mesosafe.audit.models import AuditEvent
from mesosafe.errors import DomainError
from mesosafe.patients.models import Patient
from mesosafe.treatments import recall_contacts
from mesosafe.treatments.models import Recall, RecallContact
from mesosafe.treatments.recall import batch_recipients
from mesosafe.treatments.recall_contacts import (
    Standing,
    email_recipients,
    mark_contacted,
    recall_state,
    send_again,
    send_recall,
    start_recall,
    unmark_contacted,
)
from tests.pages_fixtures import Case, ClinicSite, build_case, build_site

pytestmark = pytest.mark.django_db(transaction=True)  # e-mails are queued when the transaction commits


def _with_email(case: Case, address: str) -> Case:
    Patient.objects.filter(pk=case.patient.pk).update(email=address)
    case.patient.refresh_from_db()
    return case


def _run_tasks() -> None:
    call_command("db_worker", batch=True, verbosity=0)


@pytest.fixture
def site(transactional_db: Any) -> ClinicSite:
    return build_site("Clinic A", "alice", "LOT-A-001")


def test_starting_needs_a_reason_and_a_lot_someone_received(site: ClinicSite) -> None:
    with pytest.raises(DomainError) as no_lot:
        send_recall(site.clinic, "NOPE", site.user, "contamination")
    assert no_lot.value.field == "lot" and no_lot.value.kind == "no_lot"
    with pytest.raises(DomainError) as nobody:
        send_recall(site.clinic, "lot-a-001", site.user, "contamination")
    assert nobody.value.kind == "no_recipients"
    build_case(site)
    with pytest.raises(DomainError) as no_reason:
        send_recall(site.clinic, "LOT-A-001", site.user, "   ")
    assert no_reason.value.field == "reason"
    assert not Recall.objects.exists()


def test_each_patient_is_emailed_once_in_their_language(site: ClinicSite) -> None:
    amal = _with_email(build_case(site, name="Amal"), "amal@example.com")
    noor = _with_email(build_case(site, name="Noor", lang="ar"), "noor@example.com")
    build_case(site, name="Huda")  # no address: to be called
    recall, queued = send_recall(site.clinic, " lot-a-001 ", site.user, "Supplier recall notice 12")
    assert queued == 2 and recall.lot_number == "LOT-A-001"
    _run_tasks()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"amal@example.com", "noor@example.com"}
    assert "LOT-A-001" in by_address["amal@example.com"].body
    assert by_address["noor@example.com"].subject.startswith("يُرجى التواصل مع Clinic A")
    again, queued = send_recall(site.clinic, "LOT-A-001", site.user)  # a second send: nobody twice
    assert again == recall and queued == 0
    _run_tasks()
    assert len(mail.outbox) == 2
    contacts = {c.patient.name: c for c in RecallContact.objects.select_related("patient")}
    assert contacts["Amal"].email_status == "sent" and contacts["Amal"].emailed_at is not None
    assert contacts["Huda"].email_status == "no_address" and contacts["Huda"].emailed_at is None
    assert contacts["Amal"].email_task_id  # the worker's task is named on the contact
    assert amal.patient.id in {c.patient_id for c in contacts.values()}
    assert noor.patient.id in {c.patient_id for c in contacts.values()}


def test_a_task_run_twice_sends_once(site: ClinicSite) -> None:
    _with_email(build_case(site), "amal@example.com")
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    [task] = DBTaskResult.objects.filter(task_path__endswith="send_recall_email")
    from mesosafe.treatments.tasks import send_recall_email

    assert send_recall_email.call(*task.args_kwargs["args"]) is True
    assert send_recall_email.call(*task.args_kwargs["args"]) is False
    assert len(mail.outbox) == 1


def test_send_again_is_an_explicit_second_email(site: ClinicSite) -> None:
    case = _with_email(build_case(site), "amal@example.com")
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    _run_tasks()
    contact = send_again(site.clinic, "LOT-A-001", case.patient, site.user)
    assert contact.email_requests == 2 and contact.email_status == "queued"
    _run_tasks()
    assert len(mail.outbox) == 2
    events = AuditEvent.objects.filter(object_type="recall_email", action="create").order_by("id")
    assert [e.detail["again"] for e in events] == [False, True]  # type: ignore[index]
    no_address = build_case(site, name="Huda")
    send_recall(site.clinic, "LOT-A-001", site.user)
    with pytest.raises(DomainError) as refused:
        send_again(site.clinic, "LOT-A-001", no_address.patient, site.user)
    assert refused.value.kind == "no_email"


def test_marking_reached_records_how_who_when_once(site: ClinicSite) -> None:
    case = build_case(site)
    with pytest.raises(DomainError) as not_started:
        mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "phone")
    assert not_started.value.kind == "not_started"
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    with pytest.raises(DomainError) as bad:
        mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "pigeon")
    assert bad.value.field == "method"
    contact = mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "phone", " booked a check ")
    assert contact.contacted_by == site.user and contact.contacted_at is not None
    assert contact.method == "phone" and contact.note == "booked a check"
    with pytest.raises(DomainError) as twice:
        mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "in_person")
    assert twice.value.kind == "already_reached"
    [event] = AuditEvent.objects.filter(object_type="recall_contact")
    assert (
        event.user == site.user and event.patient_id == case.patient.id and event.detail["method"] == "phone"
    )  # type: ignore[index]
    state = recall_state(site.clinic, "LOT-A-001", batch_recipients(site.clinic, "LOT-A-001"))
    assert [s.recipient.name for s in state.reached] == ["Amal"] and state.not_reached == []


def test_a_reached_patient_is_not_emailed(site: ClinicSite) -> None:
    case = build_case(site)
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")  # no address yet: nothing sent
    mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "phone")
    _with_email(case, "amal@example.com")
    assert send_recall(site.clinic, "LOT-A-001", site.user)[1] == 0


def test_starting_is_audited_in_the_same_transaction(site: ClinicSite) -> None:
    build_case(site)
    recall, _ = send_recall(site.clinic, "LOT-A-001", site.user, "Supplier notice")
    [event] = AuditEvent.objects.filter(object_type="recall", action="create")
    assert event.object_id == str(recall.id) and event.detail == {
        "lot": "LOT-A-001",
        "reason": "Supplier notice",
    }


def test_another_clinics_patient_is_not_in_this_recall(site: ClinicSite) -> None:
    build_case(site)
    other = build_site("Clinic B", "bob", "LOT-A-001")  # the same lot number, elsewhere
    theirs = build_case(other, name="Bea")
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    with pytest.raises(DomainError) as refused:
        mark_contacted(site.clinic, "LOT-A-001", theirs.patient, site.user, "phone")
    assert refused.value.kind == "not_recipient"
    assert not RecallContact.objects.for_clinic(other.clinic).exists()


def test_the_apis_start_and_emails_say_when_the_recall_is_started(site: ClinicSite) -> None:
    case = _with_email(build_case(site), "amal@example.com")
    with pytest.raises(DomainError) as early:
        email_recipients(site.clinic, "LOT-A-001", site.user)
    assert early.value.field == "lot" and early.value.kind == "not_started"
    recall, queued = start_recall(site.clinic, "LOT-A-001", site.user, "Supplier notice")
    assert queued == 1
    with pytest.raises(DomainError) as twice:
        start_recall(site.clinic, "LOT-A-001", site.user, "another reason")
    assert twice.value.field == "lot" and twice.value.kind == "already_started"
    assert Recall.objects.get().reason == "Supplier notice"
    _with_email(build_case(site, name="Noor"), "noor@example.com")  # treated since the start
    assert email_recipients(site.clinic, "LOT-A-001", site.user) == (recall, 1)
    state = recall_state(site.clinic, "LOT-A-001", batch_recipients(site.clinic, "LOT-A-001"))
    assert state.counts() == {
        "recall": recall.to_dict(),
        "reached": 0,
        "not_reached": 2,
        "to_email": 0,
        "to_call": 0,
    }
    row = next(s for s in state.not_reached if s.recipient.patient_id == case.patient.id).to_dict()
    assert row["emailed"] is True and row["email_status"] == "queued" and row["reached"] is False


def _asked_minutes_ago(case: Case, minutes: int) -> None:
    then = timezone.now() - timedelta(minutes=minutes)
    RecallContact.objects.filter(patient=case.patient).update(email_requested_at=then)


def _standing(site: ClinicSite, case: Case) -> Standing:
    state = recall_state(site.clinic, "LOT-A-001", batch_recipients(site.clinic, "LOT-A-001"))
    return next(s for s in state.not_reached if s.recipient.patient_id == case.patient.id)


def test_a_send_never_queued_is_stuck_and_sent_again_once(
    site: ClinicSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _with_email(build_case(site), "amal@example.com")

    def unavailable(contact_id: int, request: int) -> None:
        raise ConnectionError("the task queue is unavailable")

    monkeypatch.setattr(recall_contacts, "_enqueue", unavailable)
    assert send_recall(site.clinic, "LOT-A-001", site.user, "notice")[1] == 1  # committed all the same
    monkeypatch.undo()
    assert not DBTaskResult.objects.filter(task_path__endswith="send_recall_email").exists()
    assert RecallContact.objects.get().email_status == "queued"
    standing = _standing(site, case)
    assert not standing.stuck and not standing.can_send_again  # not yet: it may still go
    _asked_minutes_ago(case, 11)
    standing = _standing(site, case)
    assert standing.stuck and standing.can_send_again and standing.to_dict()["email_stuck"] is True
    contact = send_again(site.clinic, "LOT-A-001", case.patient, site.user)
    assert contact.email_requests == 1 and contact.email_status == "queued"  # the same send, queued again
    _run_tasks()
    assert len(mail.outbox) == 1 and RecallContact.objects.get().email_status == "sent"
    event = AuditEvent.objects.filter(object_type="recall_email", action="create").latest("id")
    assert event.detail == {"recall": contact.recall_id, "again": True, "request": 1, "requeued": True}


def test_sending_again_while_the_first_task_waits_sends_one_email(site: ClinicSite) -> None:
    case = _with_email(build_case(site), "amal@example.com")
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    send_again(site.clinic, "LOT-A-001", case.patient, site.user)  # the worker has not run yet
    assert DBTaskResult.objects.filter(task_path__endswith="send_recall_email").count() == 2
    _run_tasks()
    assert len(mail.outbox) == 1  # both tasks carry send 1: the first to take it sends, the other nothing
    contact = RecallContact.objects.get()
    assert (contact.email_requests, contact.emails_sent, contact.email_status) == (1, 1, "sent")


def test_a_send_a_worker_took_is_not_doubled_until_it_is_stuck(site: ClinicSite) -> None:
    case = _with_email(build_case(site), "amal@example.com")
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    RecallContact.objects.update(emails_sent=1)  # a worker took it and has not said how it went
    with pytest.raises(DomainError) as refused:
        send_again(site.clinic, "LOT-A-001", case.patient, site.user)
    assert refused.value.field == "patient" and refused.value.kind == "being_sent"
    _asked_minutes_ago(case, 11)  # that worker died mid-send: staff may send a new one
    assert send_again(site.clinic, "LOT-A-001", case.patient, site.user).email_requests == 2


def test_reached_by_mistake_is_undone_with_the_reason(site: ClinicSite) -> None:
    case = build_case(site)
    send_recall(site.clinic, "LOT-A-001", site.user, "notice")
    with pytest.raises(DomainError) as unmarked:
        unmark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, timezone.now(), "mistake")
    assert unmarked.value.field == "patient" and unmarked.value.kind == "not_reached"
    contact = mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "phone", "wrong Amal")
    assert contact.contacted_at is not None
    marked = contact.contacted_at
    for reason, kind in (("  ", "no_unmark_reason"), ("x" * 2001, "string_too_long")):
        with pytest.raises(DomainError) as refused:
            unmark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, marked, reason)
        assert refused.value.field == "reason" and refused.value.kind == kind
    earlier = marked - timedelta(seconds=1)  # a page showing another mark
    with pytest.raises(DomainError) as since:
        unmark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, earlier, "mistake")
    assert since.value.field == "contacted_at" and since.value.kind == "marked_since"

    contact = unmark_contacted(
        site.clinic, "LOT-A-001", case.patient, site.user, marked, " called another Amal "
    )
    assert (contact.contacted_at, contact.contacted_by, contact.method, contact.note) == (None, None, "", "")
    state = recall_state(site.clinic, "LOT-A-001", batch_recipients(site.clinic, "LOT-A-001"))
    assert state.reached == [] and [s.recipient.name for s in state.not_reached] == ["Amal"]
    event = AuditEvent.objects.filter(object_type="recall_contact").latest("id")
    assert event.user == site.user and event.patient_id == case.patient.id
    assert event.detail == {
        "recall": contact.recall_id,
        "change": "not_reached",
        "reason": "called another Amal",
        "undone": {
            "contacted_by": site.user.id,
            "contacted_at": marked.isoformat(),
            "method": "phone",
            "note": "wrong Amal",
        },
    }
    again = mark_contacted(site.clinic, "LOT-A-001", case.patient, site.user, "in_person")  # marked anew
    assert again.method == "in_person"
