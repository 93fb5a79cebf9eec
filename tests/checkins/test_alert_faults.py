"""The staff alert under the outside fault review's three findings: a mail server that accepts and never
answers (a timeout, and no row lock held while it is waited for), one link flooding escalated check-ins
(one alert task waits per treatment, and other clinics' alerts are not queued behind theirs), and two
workers alerting one treatment at once (one lock order, no deadlock)."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import alert_tasks, send_alert
from mesosafe.clinics.models import Staff
from mesosafe.patients.models import Patient
from tests.service_fixtures import SilentServer, Site, on_postgres

URGENT = {"symptoms": [{"code": "fever"}]}
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}


def _postgres_only() -> None:
    if not on_postgres():
        pytest.skip("row locks and concurrent transactions: PostgreSQL")


def _run_due_tasks() -> None:
    DBTaskResult.objects.exclude(id__in=alert_tasks().values("id")).delete()  # reminders
    call_command("db_worker", batch=True, verbosity=0)


def _waiting() -> list[DBTaskResult[..., Any]]:
    return list(alert_tasks(TaskResultStatus.READY))


def _named(messages: list[Any]) -> Counter[int]:
    """How many e-mails named each check-in."""
    return Counter(int(n) for m in messages for n in re.findall(r"/clinic/checkins/(\d+)/", m.body))


def _row_lock_free(checkin_id: int, result: list[bool | str]) -> None:
    """Try to lock the check-in's row at once from another connection, as staff acknowledging it would."""
    try:
        with transaction.atomic():
            CheckIn.objects.select_for_update(nowait=True).get(id=checkin_id)
        result.append(True)
    except DatabaseError as exc:
        result.append(str(exc))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)  # the worker and the probe use connections of their own
def test_a_mail_server_that_never_answers_is_a_failed_send_and_holds_no_row_lock(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    silent_server: SilentServer,
) -> None:
    """Finding 1: with no SMTP timeout the worker waited for ever inside the check-in's transaction,
    holding its row lock. Now the send times out (a failure, retried), and the row is free meanwhile."""
    port, accepted = silent_server.port, silent_server.accepted
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "u")
    probe: list[bool | str] = []

    def probe_when_connected() -> None:
        if accepted.wait(10) and on_postgres():
            _row_lock_free(stored.id, probe)

    prober = threading.Thread(target=probe_when_connected)
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    with override_settings(EMAIL_BACKEND=smtp, EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_TIMEOUT=2):
        prober.start()
        started = time.monotonic()
        _run_due_tasks()
    prober.join(10)
    assert accepted.is_set() and time.monotonic() - started < 10
    assert probe == ([True] if on_postgres() else [])  # staff and the patient are not kept waiting
    [failed] = alert_tasks(TaskResultStatus.FAILED)
    assert "TimeoutError" in failed.traceback or "timed out" in failed.traceback
    [retry] = _waiting()
    assert retry.args_kwargs["args"] == [stored.id]
    assert CheckIn.objects.get(id=stored.id).alerted_at is None  # the claim was released
    DBTaskResult.objects.filter(id=retry.id).update(run_after=failed.finished_at)  # its time comes
    _run_due_tasks()  # the console backend again: the retry sends it
    assert _named(mail.outbox) == {stored.id: 1}


@pytest.mark.django_db(transaction=True)
def test_a_worker_stopped_mid_send_sends_its_claim_again(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A claim is committed before the e-mail goes; a worker that stops mid-send leaves its task RUNNING
    with its claim, and the run after the stale-task sweep sends the claimed check-ins again."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    first, _ = submit(treatment.link, URGENT, "a")
    second, _ = submit(treatment.link, URGENT, "b")
    [task] = _waiting()

    def stopped(*args: Any, **kwargs: Any) -> int:
        raise SystemExit  # as if killed while the mail server answered

    DBTaskResult.objects.filter(id=task.id).update(status=TaskResultStatus.RUNNING)
    with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr("mesosafe.checkins.tasks.send_mail", stopped)
        send_alert(first.id, str(task.id))
    claimed = DBTaskResult.objects.get(id=task.id).args_kwargs
    assert claimed["args"] == [first.id] and claimed["kwargs"]["claimed_at"]
    assert CheckIn.objects.filter(alerted_at__isnull=True).count() == 0  # claimed, not sent
    DBTaskResult.objects.filter(id=task.id).update(status=TaskResultStatus.READY)  # the stale-task sweep
    _run_due_tasks()
    assert _named(mail.outbox) == {first.id: 1, second.id: 1}


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_whose_claim_cannot_be_released_is_retried_with_its_claim(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """The mail server fails, then the database fails the release of the claim and is back for the retry:
    the check-ins stay claimed (alerted_at set) and only the retry's carried claim sends them."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    stored, _ = submit(treatment.link, URGENT, "c")

    def refused(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")

    real_update = CheckIn.objects.filter(id=stored.id).update.__func__  # type: ignore[attr-defined]

    def release_fails(self: Any, **values: Any) -> int:
        if values == {"alerted_at": None}:
            raise DatabaseError("the database went away")
        return int(real_update(self, **values))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("mesosafe.checkins.tasks.send_mail", refused)
        patch.setattr("django.db.models.query.QuerySet.update", release_fails)
        _run_due_tasks()
    assert CheckIn.objects.get(id=stored.id).alerted_at is not None  # claimed, never sent
    [failed] = alert_tasks(TaskResultStatus.FAILED)
    [retry] = _waiting()
    assert retry.args_kwargs["kwargs"]["claimed_at"]
    DBTaskResult.objects.filter(id=retry.id).update(run_after=failed.finished_at)
    _run_due_tasks()
    assert _named(mail.outbox) == {stored.id: 1}


@pytest.mark.django_db(transaction=True)
def test_one_task_waits_per_treatment_and_other_clinics_alerts_are_not_behind_a_flood(
    site: Site,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    """Finding 2: each escalated check-in of a flood queued its own task, and another clinic's emergency
    waited behind all of them. Now one task waits for the treatment and names all of them."""
    flooded, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    flood = [submit(flooded.link, URGENT, f"f{n}")[0] for n in range(40)]
    [waiting] = _waiting()
    assert waiting.args_kwargs["args"] == [flood[0].id]
    other = make_site("Other")
    elsewhere, _ = make_treatment(other, make_patient(other, email=""), days_ago=1)
    emergency, _ = submit(elsewhere.link, EMERGENCY, "e")
    queue = DBTaskResult.objects.ready().filter(id__in=alert_tasks().values("id"))
    assert [t.args_kwargs["args"] for t in queue] == [[emergency.id], [flood[0].id]]  # the emergency first
    _run_due_tasks()
    named = _named(mail.outbox)
    assert named == {c.id: 1 for c in [*flood, emergency]}  # every one alerted, exactly once
    assert mail.outbox[0].to == [other.staff.user.email] and len(mail.outbox) == 2
    assert not _waiting()


@pytest.mark.django_db(transaction=True)
def test_a_checkin_arriving_as_its_treatments_task_starts_queues_another(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A running task may have read its treatment's check-ins already: a new one gets a task of its own."""
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    first, _ = submit(treatment.link, URGENT, "a")
    [task] = _waiting()
    DBTaskResult.objects.filter(id=task.id).update(status=TaskResultStatus.RUNNING)
    second, _ = submit(treatment.link, URGENT, "b")
    [queued] = _waiting()
    assert queued.args_kwargs["args"] == [second.id]
    DBTaskResult.objects.filter(id=task.id).update(status=TaskResultStatus.READY)  # held, as by a slow start
    _run_due_tasks()
    assert _named(mail.outbox) == {first.id: 1, second.id: 1}


def _lock_waits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def _until_waiting(count: int) -> None:
    deadline = time.monotonic() + 10
    while _lock_waits() < count:
        assert time.monotonic() < deadline, f"fewer than {count} transactions waiting for a lock"
        time.sleep(0.02)


def _in_thread(work: Callable[[], Any], results: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(work())
        except Exception as exc:  # the test reads it
            results.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_checkin_stored_while_a_worker_takes_the_waiting_task_queues_another(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """The race of finding 2's fix: a worker takes the waiting task (row locked, then RUNNING) while a
    check-in is being stored; the check-in waits for that commit, sees the task started, queues its own."""
    _postgres_only()
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    submit(treatment.link, URGENT, "a")
    [task] = _waiting()
    results: list[Any] = []
    with transaction.atomic():  # the worker's claim
        DBTaskResult.objects.select_for_update().get(id=task.id)
        storing = _in_thread(lambda: submit(treatment.link, URGENT, "b")[0], results)
        _until_waiting(1)
        DBTaskResult.objects.filter(id=task.id).update(status=TaskResultStatus.RUNNING)
    storing.join(10)
    [second] = results
    [queued] = _waiting()
    assert queued.args_kwargs["args"] == [second.id]


@pytest.mark.django_db(transaction=True)
def test_two_workers_alerting_one_treatment_do_not_deadlock(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Finding 3: each alert locked its own check-in, then the treatment's others in time order, so two
    alerts of one treatment could each hold a row the other waited for. Here both are held at the same
    point (the staff table locked, which each reads next) and then let go together."""
    _postgres_only()
    treatment, _ = make_treatment(site, make_patient(site, email=""), days_ago=3)
    first, _ = submit(treatment.link, URGENT, "a")
    second, _ = submit(treatment.link, URGENT, "b")
    results: list[Any] = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{Staff._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        threads = [_in_thread(lambda c=c: send_alert(c.id), results) for c in (second, first)]
        _until_waiting(2)
    for thread in threads:
        thread.join(15)
    assert sorted(results, key=str) == [0, 1]  # no 'deadlock detected': one sent, one found them sent
    assert _named(mail.outbox) == {first.id: 1, second.id: 1}
