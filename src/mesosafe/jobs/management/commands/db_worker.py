"""Run queued tasks from the database: `mesosafe worker` (or `mesosafe manage db_worker`)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django_tasks.utils import get_random_id

from mesosafe.jobs.backend import claim, requeue_stale, run


class Command(BaseCommand):
    help = "Run background tasks (reminders, notifications) stored in the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", action="append", dest="queues", default=None)
        parser.add_argument("--interval", type=float, default=1.0, help="seconds to sleep when idle")
        parser.add_argument("--batch", action="store_true", help="run what is due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        queues = options["queues"] or ["default"]
        worker_id = get_random_id()
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        requeued = requeue_stale()
        self.stdout.write(
            f"worker {worker_id} on queues {', '.join(queues)}; {requeued} stale job(s) requeued"
        )
        ran = 0
        while not stopping:
            if not connection.in_atomic_block:  # e.g. when called inside a test's transaction
                close_old_connections()
            job = claim(worker_id, queues)
            if job is None:
                if options["batch"]:
                    break
                time.sleep(options["interval"])
                continue
            run(job)
            ran += 1
        self.stdout.write(f"worker {worker_id} stopped after {ran} task(s)")
