"""A worker's heartbeat: a thread beside django-tasks-db's worker loop that records every BEAT_EVERY that
this worker is alive, and on each beat requeues the tasks of workers that are not (`workers.stale`) and the
staff alerts of urgent check-ins that have not gone out and that no task will send
(`checkins.alerts.requeue_unsent`: a failed alert whose retry could not be queued, or one nobody could be
e-mailed about, once a staff address is added). At its first beat and then once a day, it deletes expired
sessions (`workers.sessions`)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

from mesosafe.checkins.alerts import requeue_unsent
from mesosafe.lib.dbclock import db_now
from mesosafe.workers import sessions
from mesosafe.workers.health import BEAT_EVERY
from mesosafe.workers.models import Heartbeat
from mesosafe.workers.stale import requeue_predecessors, requeue_stale

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=7)  # rows of workers long gone; far beyond any task's life


def beat(
    worker_id: str,
    started_at: datetime,
    now: datetime | None = None,
    host: str = "",
    pid: int | None = None,
    pid_space: str = "",
) -> int:
    """Record that `worker_id` (on `host`, process `pid` of `pid_space`) is alive, forget long-dead workers,
    requeue dead ones' tasks (how many), then the staff alerts nothing will send."""
    now = now or db_now()  # one clock for every worker's beats and claims, whatever its own machine says
    where = {"host": host, "pid": pid, "pid_space": pid_space}
    Heartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": started_at, "seen_at": now, **where}
    )
    Heartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    requeued = requeue_stale(now)
    requeue_unsent(now)  # after: a task just put back to READY will send its alert
    return requeued


def pid_space() -> str:
    """This process's table of pids: the machine's boot and the PID namespace ('' where Linux's /proc does
    not say). Two containers sharing a host name differ here; a pid means something only within it."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            return f"{boot.read().strip()}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this machine runs. Our own pid is an earlier worker's only if that worker is
    gone (a container restarted, its worker given the same pid)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: asks, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


class HeartbeatThread(threading.Thread):
    """Beats until stopped. A failed beat (database briefly away) is logged and retried at the next one."""

    def __init__(self, worker_id: str, every: timedelta = BEAT_EVERY) -> None:
        super().__init__(name=f"heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.started_at = timezone.now()
        self.host, self.pid, self.pid_space = socket.gethostname(), os.getpid(), pid_space()
        self.sessions_cleared_at: datetime | None = None
        self.stopped = threading.Event()

    def start(self) -> None:
        """Beat once in the caller's thread, so stale tasks are queued again before the worker looks for
        work (a `--batch` run would otherwise miss them), then beat in the background. The first beat also
        takes back at once the tasks of earlier workers on this machine whose process is gone."""
        self.beat_once(first=True)
        super().start()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every.total_seconds()):
                self.beat_once()
        finally:
            connection.close()  # this thread's own connection

    def beat_once(self, first: bool = False) -> None:
        try:
            requeued = requeue_predecessors(self.worker_id, self.pid_space, process_alive) if first else 0
            requeued += beat(
                self.worker_id, self.started_at, host=self.host, pid=self.pid, pid_space=self.pid_space
            )
            self.clear_sessions_when_due()
        except DatabaseError as exc:
            log.warning("worker heartbeat failed, retrying in %s: %s", self.every, type(exc).__name__)
            connection.close()
            return
        except Exception:  # a bug must not stop the beats, which tell the clinic pages the worker runs
            log.exception("worker heartbeat failed, retrying in %s", self.every)
            return
        if requeued:
            log.warning("%d task(s) of a stopped worker queued again", requeued)

    def clear_sessions_when_due(self, now: datetime | None = None) -> None:
        now = now or timezone.now()
        if sessions.due(self.sessions_cleared_at, now):
            sessions.clear_expired()
            self.sessions_cleared_at = now

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
