"""Tasks a dead worker left RUNNING go back to the queue, and then run; a live worker keeps its tasks."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ScheduledCheckin
from mesosafe.workers.health import DEAD_AFTER
from mesosafe.workers.heartbeat import pid_space, process_alive
from mesosafe.workers.models import Heartbeat
from mesosafe.workers.stale import STALE_AFTER, requeue_predecessors, requeue_stale
from tests.service_fixtures import Site, record_beat

NO_SUCH_PID = 2**22 + 1  # above Linux's largest pid_max: no process has it


def _claimed(task: DBTaskResult[..., Any], worker: str, ago: timedelta) -> None:
    task.claim(worker)
    DBTaskResult.objects.filter(id=task.id).update(
        started_at=timezone.now() - ago, run_after=timezone.now() - ago
    )


def _reminder_tasks(site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any],
                    capture: Any, n: int) -> tuple[Any, list[DBTaskResult[..., Any]]]:  # fmt: skip
    with capture(execute=True):
        treatment, _ = make_treatment(site, make_patient(site), days_ago=0)
    mail.outbox.clear()
    due = ScheduledCheckin.objects.filter(treatment=treatment).order_by("due_at")[:n]
    return treatment, [DBTaskResult.objects.get(args_kwargs__args=[s.id]) for s in due]


def _status(task: DBTaskResult[..., Any]) -> str:
    return str(DBTaskResult.objects.get(id=task.id).status)


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_reminder_left_running_is_requeued_and_then_sent(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    treatment, (dead, busy) = _reminder_tasks(
        site, make_patient, make_treatment, django_capture_on_commit_callbacks, 2
    )
    _claimed(dead, "a-worker-that-never-beat", STALE_AFTER + timedelta(minutes=1))
    _claimed(busy, "another-that-never-beat", timedelta(minutes=5))  # may still be running: left alone

    assert requeue_stale() == 1
    assert _status(busy) == TaskResultStatus.RUNNING
    call_command("db_worker", batch=True)

    assert _status(dead) == TaskResultStatus.SUCCESSFUL
    assert [m.to for m in mail.outbox] == [[treatment.patient.email]]
    first = ScheduledCheckin.objects.get(id=dead.args_kwargs["args"][0])
    assert first.reminded_at is not None


@pytest.mark.django_db
def test_a_silent_worker_loses_its_task_within_minutes_a_live_one_keeps_it_for_hours(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, (of_dead, of_live, of_just_silent) = _reminder_tasks(
        site, make_patient, make_treatment, django_capture_on_commit_callbacks, 3
    )
    record_beat("dead", DEAD_AFTER + timedelta(seconds=5))
    record_beat("live", timedelta(seconds=10))
    record_beat("slow", DEAD_AFTER - timedelta(seconds=5))  # a beat or two late: not yet dead
    _claimed(of_dead, "dead", timedelta(minutes=3))
    _claimed(of_live, "live", STALE_AFTER * 3)  # a long task on a live worker is never taken from it
    _claimed(of_just_silent, "slow", timedelta(minutes=3))

    assert requeue_stale() == 1
    assert _status(of_dead) == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=of_dead.id).started_at is None
    assert _status(of_live) == TaskResultStatus.RUNNING
    assert _status(of_just_silent) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_the_last_claim_decides(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A task requeued once and claimed again belongs to its new worker, not the dead first one."""
    _, (task,) = _reminder_tasks(site, make_patient, make_treatment, django_capture_on_commit_callbacks, 1)
    record_beat("first", DEAD_AFTER * 10)
    record_beat("second", timedelta(seconds=1))
    task.claim("first")
    _claimed(task, "second", timedelta(minutes=10))
    assert requeue_stale() == 0


def test_nothing_to_requeue(db: Any) -> None:
    assert requeue_stale() == 0


@pytest.mark.django_db
def test_a_worker_starting_on_the_same_machine_takes_back_a_gone_workers_tasks_at_once(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """After a kill -9 and an immediate restart, an alert in the killed worker's hands waited two minutes,
    until its beats counted as stopped (fault review F10)."""
    _, (of_gone, of_sibling, of_elsewhere) = _reminder_tasks(
        site, make_patient, make_treatment, django_capture_on_commit_callbacks, 3
    )
    for worker, space, pid in [
        ("gone", "boot-1/pid:[1]", NO_SUCH_PID),
        ("sibling", "boot-1/pid:[1]", os.getppid()),
        ("far", "boot-2/pid:[1]", NO_SUCH_PID),
    ]:
        record_beat(worker, timedelta(seconds=5))  # all beat moments ago: none counts as dead yet
        Heartbeat.objects.filter(worker_id=worker).update(host="h1", pid=pid, pid_space=space)
    _claimed(of_gone, "gone", timedelta(seconds=20))
    _claimed(of_sibling, "sibling", timedelta(seconds=20))
    _claimed(of_elsewhere, "far", timedelta(seconds=20))

    assert requeue_predecessors("me", "boot-1/pid:[1]", process_alive) == 1
    assert _status(of_gone) == TaskResultStatus.READY
    assert _status(of_sibling) == _status(of_elsewhere) == TaskResultStatus.RUNNING
    assert set(Heartbeat.objects.values_list("worker_id", flat=True)) == {"sibling", "far"}


@pytest.mark.django_db
def test_a_worker_in_another_container_with_the_same_host_name_and_pid_keeps_its_task(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Two containers named alike (`hostname: worker` in compose, `--network host`), each worker pid 1: the
    one starting took the other, alive and beating, for its own killed predecessor (its pid is "ours") and
    requeued its alert, which then went out twice. A pid is judged only within its own process table."""
    _, (of_other,) = _reminder_tasks(
        site, make_patient, make_treatment, django_capture_on_commit_callbacks, 1
    )
    here = pid_space()
    for worker, space in [("other-container", "boot-1/pid:[4026532001]"), ("me", here)]:
        record_beat(worker, timedelta(seconds=5))
        Heartbeat.objects.filter(worker_id=worker).update(host="worker", pid=os.getpid(), pid_space=space)
    _claimed(of_other, "other-container", timedelta(seconds=20))

    assert requeue_predecessors("me", here, process_alive) == 0
    assert _status(of_other) == TaskResultStatus.RUNNING
    assert Heartbeat.objects.filter(worker_id="other-container").exists()


def test_a_workers_pid_space_names_its_boot_and_pid_namespace() -> None:
    boot, namespace = pid_space().split("/")
    assert len(boot) == 36 and namespace.startswith("pid:[")


def test_an_earlier_worker_with_this_process_id_is_gone() -> None:
    assert not process_alive(os.getpid()) and process_alive(os.getppid()) and not process_alive(NO_SUCH_PID)
