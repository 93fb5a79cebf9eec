"""Chaos benchmark of durability: check-ins at a fixed concurrency against the production server
(`mesosafe serve`, gunicorn) and the background worker (`mesosafe worker`) on PostgreSQL, while

- at 25 % of the check-ins every server process (gunicorn's master and workers) is killed with SIGKILL,
  and the server started again;
- at 50 % the database "restarts": every connection of the server and the worker to PostgreSQL is cut,
  and new ones refused, for --outage seconds. They reach PostgreSQL through a TCP proxy this script runs
  (bench/tcpproxy.py), because the PostgreSQL cluster is shared with other work and must not be restarted;
  to the server and the worker that is what a restart looks like (connections closed, then refused);
- at 75 % the worker is restarted (SIGTERM, then a new one).

Every request that got no 2xx is sent again with its same Idempotency-Key (waiting as Retry-After says).
One check-in in --urgent-every is urgent, so it must be covered by a staff alert e-mail. At the end it waits
for the worker to send what is queued, then prints: sent, acknowledged, stored, lost, duplicated, non-2xx
answers by cause, escalated check-ins not covered by an alert, check-ins alerted twice. Exit status 0 only if
lost, duplicated, uncovered and alerted-twice are 0, stored equals acknowledged and no answer was a 500.

    .venv/bin/python bench/chaos.py --database-url postgres://root@127.0.0.1:5432/DB [--count 10000]

The database named is dropped and created again. Loopback only; bounded in count and in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).parent))

from checkin_load import cpu_model, ensure_database, free_port, seed, wait_until_up
from tcpproxy import TcpProxy

SELF_CARE = json.dumps(
    {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}
)
URGENT = json.dumps(
    {
        "symptoms": [
            {"code": "pus"},
            {"code": "warmth", "severity": "mild", "trend": "same", "spreading": False},
        ]
    }
)
GIVE_UP_S = 180  # per check-in: a request unanswered this long counts as not acknowledged
ALERT = re.compile(r"/clinic/checkins/(\d+)/")  # each alert e-mail names each of its check-ins' pages once
MORE = re.compile(r"… and (\d+) more check-ins?: see the queue")  # a grouped alert names at most 50


class Driver:
    """Sends `count` check-ins from `concurrency` patients, each retried with its key until a 2xx."""

    def __init__(self, port: int, tokens: list[str], count: int, urgent_every: int) -> None:
        self.port, self.tokens, self.count, self.urgent_every = port, tokens, count, urgent_every
        self.lock = threading.Lock()
        self.sent = 0
        self.acknowledged: dict[str, int] = {}  # key → check-in id
        self.answers: Counter[str] = Counter()  # non-2xx answers by cause
        self.given_up = 0

    def run(self) -> None:
        threads = [threading.Thread(target=self._client, args=(c,)) for c in range(len(self.tokens))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _client(self, c: int) -> None:
        connection: http.client.HTTPConnection | None = None
        for i in range(c, self.count, len(self.tokens)):
            key = f"chaos-{i}"
            body = URGENT if i % self.urgent_every == 0 else SELF_CARE
            headers = {
                "Authorization": f"Bearer {self.tokens[c]}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            }
            with self.lock:
                self.sent += 1
            deadline = time.monotonic() + GIVE_UP_S
            while True:
                wait = 0.2
                try:
                    connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                    connection.request("POST", "/api/v1/patient/checkins", body, headers)
                    response = connection.getresponse()
                    data = response.read()
                    if 200 <= response.status < 300:
                        with self.lock:
                            self.acknowledged[key] = json.loads(data)["id"]
                        break
                    cause = f"{response.status} {_detail(data)}"
                    wait = min(float(response.getheader("Retry-After") or 0.2), 5.0)
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = None
                except (OSError, http.client.HTTPException) as exc:
                    cause = f"no answer: {type(exc).__name__}"
                    if connection:
                        connection.close()
                    connection = None
                with self.lock:
                    self.answers[cause] += 1
                if time.monotonic() > deadline:
                    with self.lock:
                        self.given_up += 1
                    break
                time.sleep(wait)
        if connection:
            connection.close()


def _detail(data: bytes) -> str:
    try:
        return str(json.loads(data).get("detail", ""))[:80]
    except (ValueError, AttributeError):
        return data[:80].decode(errors="replace")


def tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found = {pid}
    for _ in range(4):
        found |= {child for child, parent in parents.items() if parent in found}
    return sorted(found)


class Service:
    """The server and the worker, started and restarted as the script says."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env, self.port, self.logs = env, port, logs
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_runs = 0

    def start_server(self) -> None:
        log = (self.logs / "server.log").open("ab")
        command = [sys.executable, "-m", "mesosafe", "serve", "--port", str(self.port)]
        self.server = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        wait_until_up(self.port, self.server)

    def kill_server(self) -> int:
        assert self.server
        pids = tree(self.server.pid)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.server.wait()
        return len(pids)

    def start_worker(self) -> None:
        self.worker_runs += 1
        log = (self.logs / f"worker-{self.worker_runs}.log").open("ab")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "mesosafe", "worker"], env=self.env, stdout=log, stderr=log
        )

    def stop_worker(self) -> None:
        assert self.worker
        self.worker.terminate()
        self.worker.wait(timeout=120)

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=60)

    def alerts(self) -> tuple[Counter[int], int]:
        """Staff alert e-mails sent, by check-in id, as the workers printed them; and how many check-ins
        the grouped ones counted without naming ("… and N more check-ins")."""
        sent: Counter[int] = Counter()
        unnamed = 0
        for path in self.logs.glob("worker-*.log"):
            text = path.read_text(errors="replace")
            sent.update(int(n) for n in ALERT.findall(text))
            unnamed += sum(int(n) for n in MORE.findall(text))
        return sent, unnamed


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as connection:
        cursor = connection.execute(sql)  # type: ignore[arg-type]
        return list(cursor.fetchall()) if cursor.description else []


def wait_for_alerts(url: str, seconds: float) -> int:
    """Wait until the worker has run every staff alert task; how many are left."""
    deadline = time.monotonic() + seconds
    sql = (
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
        " AND task_path = 'mesosafe.checkins.tasks.notify_escalation'"
    )
    while True:
        left = int(query(url, sql)[0][0])
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--urgent-every", type=int, default=10, help="one urgent check-in in N")
    parser.add_argument("--outage", type=float, default=4.0, help="seconds the database is unreachable")
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/mesosafe_chaos")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--proxy-port", type=int, default=0, help="the database proxy's port (default: free)")
    args = parser.parse_args()
    if not 1 <= args.count <= 100_000 or not 1 <= args.concurrency <= 64 or not 0 < args.outage <= 60:
        raise SystemExit("keep --count in 1..100000, --concurrency in 1..64 and --outage in (0, 60]")

    ensure_database(args.database_url)
    database = urlparse(args.database_url)
    proxy = TcpProxy((database.hostname or "127.0.0.1", database.port or 5432), args.proxy_port)
    proxied = database._replace(netloc=f"{database.username or 'root'}@127.0.0.1:{proxy.port}").geturl()
    logs = Path(tempfile.mkdtemp(prefix="mesosafe-chaos-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "MESOSAFE_DATA_DIR": str(logs),
        "DJANGO_SETTINGS_MODULE": "mesosafe.web.settings",
        "MESOSAFE_PATIENT_RATE": "1000000",  # this measures durability, not the rate limiter
        "MESOSAFE_CHECKINS_PER_HOUR": "1000000",
        "MESOSAFE_EMAIL_BACKEND": "mesosafe.lib.mail.ConsoleBackend",
        "PYTHONUNBUFFERED": "1",
    }
    tokens = seed(env, args.concurrency)
    query(args.database_url, "UPDATE auth_user SET email = 'staff@chaos.test'")  # alerts need a recipient
    query(args.database_url, "DELETE FROM django_tasks_database_dbtaskresult")  # the seed's reminders
    env["DATABASE_URL"] = proxied  # from here on the server and the worker go through the proxy
    port = args.port or free_port()
    service = Service(env, port, logs)
    driver = Driver(port, tokens, args.count, args.urgent_every)
    events: list[str] = []
    started = time.monotonic()

    def chaos() -> None:
        def at(fraction: float) -> None:
            while driver.sent < fraction * args.count and load.is_alive():
                time.sleep(0.05)

        at(0.25)
        killed = service.kill_server()
        events.append(f"{time.monotonic() - started:.1f} s: SIGKILL to {killed} server processes; restarted")
        service.start_server()
        at(0.5)
        with proxy.down(args.outage):
            events.append(
                f"{time.monotonic() - started:.1f} s: database connections cut ({proxy.cut_connections})"
                f" and refused for {args.outage} s"
            )
        at(0.75)
        service.stop_worker()
        service.start_worker()
        events.append(f"{time.monotonic() - started:.1f} s: worker restarted (SIGTERM, then a new one)")

    try:
        service.start_server()
        service.start_worker()
        load = threading.Thread(target=driver.run)
        load.start()
        monkey = threading.Thread(target=chaos)
        monkey.start()
        load.join()
        monkey.join()
        seconds = time.monotonic() - started
        left = wait_for_alerts(args.database_url, 300)
        time.sleep(2)  # the last e-mail printed
    finally:
        service.stop()
        proxy.close()
    report = results(args, driver, service, seconds, left, events, proxy)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = report["lost"] == report["duplicated"] == report["escalated_not_covered_by_an_alert"] == 0
    ok = ok and report["alerted_twice"] == 0 and report["stored"] == report["acknowledged"]
    ok = ok and not any(cause.startswith("500") for cause in report["non_2xx_by_cause"])
    raise SystemExit(0 if ok else 1)


def results(
    args: argparse.Namespace,
    driver: Driver,
    service: Service,
    seconds: float,
    left: int,
    events: list[str],
    proxy: TcpProxy,
) -> dict[str, Any]:
    url = args.database_url
    stored = dict(
        query(url, "SELECT idempotency_key, count(*) FROM checkins_checkin GROUP BY idempotency_key")
    )
    urgent = dict(query(url, "SELECT id, treatment_id FROM checkins_checkin WHERE disposition_rank >= 2"))
    # One alert task waits per treatment and names the check-in that queued it; it alerts all of them
    alerted_treatments = {
        row[0]
        for row in query(
            url,
            "SELECT DISTINCT c.treatment_id FROM django_tasks_database_dbtaskresult t"
            " JOIN checkins_checkin c ON c.id = (t.args_kwargs->'args'->>0)::bigint"
            " WHERE t.task_path = 'mesosafe.checkins.tasks.notify_escalation'",
        )
    }
    alerts, unnamed = service.alerts()
    # a check-in an e-mail counted but did not name is covered when its alert marked it sent, and the
    # e-mails' "… and N more" lines add up to exactly those
    not_named = set(urgent) - set(alerts)
    marked = {row[0] for row in query(url, "SELECT id FROM checkins_checkin WHERE alerted_at IS NOT NULL")}
    counted = not_named & marked if len(not_named & marked) == unnamed else set()
    acked = set(driver.acknowledged)
    return {
        "command": " ".join(["bench/chaos.py", *sys.argv[1:]]),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "concurrency": args.concurrency,
        "seconds": round(seconds, 1),
        "events": events,
        "sent": driver.sent,
        "acknowledged": len(acked),
        "given_up": driver.given_up,
        "stored": sum(stored.values()),
        "lost": len(acked - set(stored)),
        "duplicated": sum(n - 1 for n in stored.values() if n > 1),
        "non_2xx_by_cause": dict(driver.answers.most_common()),
        "escalated_stored": len(urgent),
        "escalated_without_an_alert_task_for_their_treatment": sum(
            1 for treatment in urgent.values() if treatment not in alerted_treatments
        ),
        "alert_tasks_not_run": left,
        "escalated_not_covered_by_an_alert": len(not_named - counted),
        "escalated_counted_not_named": len(counted),
        "alerted_twice": sum(1 for n in alerts.values() if n > 1),
        "alert_emails": sum(alerts.values()),
        "database_connections_cut": proxy.cut_connections,
        "database_connections_refused": proxy.refused,
        "logs": str(service.logs),
    }


if __name__ == "__main__":
    main()
