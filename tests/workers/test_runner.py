"""`mesosafe worker` rides out a PostgreSQL outage: its connections are cut and refused for a few seconds by
a TCP proxy between it and the database (bench/tcpproxy.py; the shared server is never restarted), and it
then runs the staff alert queued after the outage."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bench.tcpproxy import TcpProxy
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.services import submit
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.patients.models import Patient
from mesosafe.workers.models import Heartbeat
from mesosafe.workers.runner import requeue_own
from tests.service_fixtures import Site, on_postgres

PROXY_PORT = 8311  # this worktree's range
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}


def _wait(condition: Callable[[], bool], seconds: float, what: str, worker: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, f"the worker exited ({worker.returncode}) waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)  # the worker, another process, must see what this test commits
def test_the_worker_rides_out_a_database_outage(
    tmp_path: Path, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    if not on_postgres():
        pytest.skip("a PostgreSQL connection to cut")
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)), PROXY_PORT)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "MESOSAFE_DATA_DIR": str(tmp_path),
        "MESOSAFE_BASE_URL": "http://127.0.0.1:8312",
    }
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "mesosafe", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    try:
        _wait(Heartbeat.objects.exists, 60, "heartbeat", worker)
        time.sleep(1.5)  # the task loop has its connection too
        assert proxy.connections() >= 1
        with proxy.down(seconds=4):  # cut, then refused: the worker's queries fail for 4 s
            pass
        assert worker.poll() is None, "the worker exited during the outage"
        treatment, _ = make_treatment(site, make_patient(site), days_ago=1)
        submit(treatment.link, EMERGENCY, "after-outage")
        alert = DBTaskResult.objects.get(task_path=notify_escalation.module_path)
        _wait(
            lambda: DBTaskResult.objects.get(id=alert.id).status == TaskResultStatus.SUCCESSFUL,
            60,
            "alert sent",
            worker,
        )
        log.seek(0)
        assert "database unavailable" in log.read()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        proxy.close()
        log.close()


def test_a_task_left_running_by_this_worker_is_queued_again(db: Any) -> None:
    mine = DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}}, task_path=notify_escalation.module_path,
        backend_name="default",
        status=TaskResultStatus.RUNNING, worker_ids=["other", "me"],
    )  # fmt: skip
    theirs = DBTaskResult.objects.create(
        args_kwargs={"args": [2], "kwargs": {}}, task_path=notify_escalation.module_path,
        backend_name="default",
        status=TaskResultStatus.RUNNING, worker_ids=["me", "other"],
    )  # fmt: skip
    assert requeue_own("me") == 1
    assert DBTaskResult.objects.get(id=mine.id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=theirs.id).status == TaskResultStatus.RUNNING
