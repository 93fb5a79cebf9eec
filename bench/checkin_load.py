"""Check-in load benchmark: the production server (gunicorn via `mesosafe serve`) on PostgreSQL, driven
by this separate process at a fixed concurrency, against a bare Django JSON view on the same server (the
ceiling).

    .venv/bin/python bench/checkin_load.py [--requests 4000] [--concurrency 32] [--database-url postgres://…]

Runs --rounds rounds, each the bare view then the check-ins on fresh connections, because a single pair
of runs moves by ±15 % on a shared 2-core machine; reports every round and the medians. For each run it
also reports where the CPU went, in milliseconds per request: the server (gunicorn and its workers),
PostgreSQL (all its processes) and this load generator. Then it checks that every acknowledged check-in is
stored exactly once. Loopback only; the request count is bounded.

With --floor each round also measures bench/floor/: a plain Django view that only looks the link up and
inserts one row (no validation, triage, audit, django-ninja or ORM models). No check-in can cost less on
this stack, so its throughput is an upper bound for the check-in's. And the check-in's own floor
(bench/floor/checkin.py): what a check-in must do (validate, triage in both languages, store the check-in
with its explanation and audit row in one statement), hand-written with nothing else; its check-ins carry
keys starting "must-" and are left out of the lost/duplicated count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

SELF_CARE = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}
URGENT = {"symptoms": [{"code": "pus"}]}
BODY = json.dumps(SELF_CARE)


Row = dict[str, Any]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    name: str
    seconds: float
    latencies: list[float]
    errors: int
    cpu_seconds: dict[str, float]

    def row(self) -> Row:
        ordered = sorted(self.latencies)
        return {
            "endpoint": self.name,
            "requests": len(ordered),
            "errors": self.errors,
            "throughput_rps": round(len(ordered) / self.seconds, 1),
            "p50_ms": round(1000 * statistics.median(ordered), 2),
            "p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 2),
            "cpu_ms_per_request": {
                group: round(1000 * seconds / len(ordered), 3) for group, seconds in self.cpu_seconds.items()
            },
        }


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds so far) for every process we can read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return found


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's process tree, by PostgreSQL and by this process."""
    processes = _processes()
    tree = {server_pid}
    for _ in range(3):  # gunicorn master → workers
        tree |= {pid for pid, (parent, _, _) in processes.items() if parent in tree}
    return {
        "server": sum(processes[pid][2] for pid in tree if pid in processes),
        "postgresql": sum(cpu for _, name, cpu in processes.values() if name.startswith("postgres")),
        "load_generator": time.process_time(),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(env: dict[str, str], tokens: int) -> list[str]:
    """Migrate and create one clinic with `tokens` treated patients; returns their link tokens."""
    script = f"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from datetime import date, timedelta
from decimal import Decimal
from django.contrib.auth.models import User
from django.test.utils import override_settings
from django.utils import timezone
from mesosafe.clinics.models import Batch, Clinic, Product, Staff
from mesosafe.patients.models import Patient
from mesosafe.treatments.schemas import ProductLineIn, TreatmentIn
from mesosafe.treatments.services import record_treatment
clinic = Clinic.objects.create(name="Bench", country="AE")
user = User.objects.create_user("bench")
staff = Staff.objects.create(user=user, clinic=clinic, role="practitioner", licence_number="B-1",
                             licence_expires=date.today() + timedelta(days=30))
batch = Batch.objects.create(product=Product.objects.create(clinic=clinic, name="HA"), lot_number="B1",
                             expires_on=date.today() + timedelta(days=30))
tokens = []
with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
    for n in range({tokens}):
        patient = Patient.objects.create(clinic=clinic, name=f"P{{n}}", date_of_birth=date(1990, 1, 1))
        record = TreatmentIn(practitioner_id=staff.id, performed_at=timezone.now() - timedelta(days=2),
                             products=[ProductLineIn(batch_id=batch.id, volume_ml=Decimal("1"))])
        tokens.append(record_treatment(patient, record, by=user)[1])
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them in a live database
print(json.dumps(tokens))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    tokens_json: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return tokens_json


def statements_per_checkin(env: dict[str, str], token: str) -> dict[str, int]:
    """SQL statements one check-in makes on the server's path (link lookup, triage, store, and for an
    urgent one the alert task), counted in a process of its own with the server's settings."""
    script = f"""
import json, django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from mesosafe.checkins.services import submit
from mesosafe.treatments.services import link_for_token
counts = {{}}
for name, answers in (("self_care", {SELF_CARE!r}),
                      ("urgent", {URGENT!r})):
    with CaptureQueriesContext(connection) as queries:
        submit(link_for_token({token!r}), answers, "statements-" + name)
    counts[name] = len(queries)
print(json.dumps(counts))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    counts: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return counts


def stored_checkins(env: dict[str, str]) -> tuple[int, int]:
    script = (
        "import django; django.setup(); from django.db.models import Count; "
        "from mesosafe.checkins.models import CheckIn; "
        "ours = CheckIn.objects.exclude(idempotency_key__startswith='must-'); "
        "keys = ours.values('link', 'idempotency_key').annotate(n=Count('id')); "
        "dupes = keys.filter(n__gt=1).count(); "
        "print(ours.count(), dupes)"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    total, dupes = out.stdout.split()
    return int(total), int(dupes)


def load(
    name: str,
    server_pid: int,
    port: int,
    requests: int,
    concurrency: int,
    make: Callable[[int, int], tuple[str, str, str | None, dict[str, str]]],
) -> tuple[Run, list[str]]:
    latencies: list[float] = []
    acked: list[str] = []
    errors = 0
    lock = threading.Lock()
    per_client = requests // concurrency
    barrier = threading.Barrier(concurrency + 1)

    def client(c: int) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        barrier.wait()
        for i in range(per_client):
            method, path, body, headers = make(c, i)
            start = time.perf_counter()
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                response.read()
                ok = response.status in (200, 201)
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            mine.append(time.perf_counter() - start)
            with lock:
                if not ok:
                    errors += 1
                elif "Idempotency-Key" in headers:
                    acked.append(headers["Idempotency-Key"])
        with lock:
            latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu_before = cpu_seconds(server_pid)
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    cpu_after = cpu_seconds(server_pid)
    used = {group: cpu_after[group] - cpu_before[group] for group in cpu_before}
    return Run(name, seconds, latencies, errors, used), acked


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the server exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="bare + check-in pairs; medians are reported")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: mesosafe serve's)"
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: serve's)")
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/mesosafe_bench")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure bench/floor: a plain view doing only a link lookup and one insert",
    )
    args = parser.parse_args()
    if args.requests > 100_000 or not 1 <= args.concurrency <= 256 or not 1 <= args.rounds <= 10:
        raise SystemExit("keep --requests ≤ 100000, --concurrency in 1..256 and --rounds in 1..10")

    ensure_database(args.database_url)
    data_dir = tempfile.mkdtemp(prefix="mesosafe-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "MESOSAFE_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "mesosafe.web.settings",
        "MESOSAFE_PATIENT_RATE": "1000000",  # the bench measures throughput, not the rate limiters:
        "MESOSAFE_CHECKINS_PER_HOUR": "1000000",  # a 429 answered early would count as throughput
        "MESOSAFE_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    if args.floor:
        env["DJANGO_SETTINGS_MODULE"] = "floor.settings"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), env.get("PYTHONPATH")]))
    tokens = seed(env, args.concurrency)
    statements = statements_per_checkin(env, tokens[0])
    if args.floor:
        create_floor_table(args.database_url)
    port = args.port or free_port()
    command = [sys.executable, "-m", "mesosafe", "serve", "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rounds: list[dict[str, Any]] = []
    acked: list[str] = []
    try:
        wait_until_up(port, server)
        warm = max(args.concurrency * 4, args.requests // 10)
        load("warm-up", server.pid, port, warm, args.concurrency, lambda c, i: ("GET", "/healthz", None, {}))
        for n in range(args.rounds):
            bare, checkins, stored_keys = one_round(n, server.pid, port, tokens, args)
            acked += stored_keys
            results = [bare, checkins]
            if args.floor:
                results += floor_runs(n, server.pid, port, tokens, args)
            rounds.append({"round": n + 1, "results": results, "ratio": ratio(bare, checkins)})
    finally:
        server.terminate()
        server.wait(timeout=30)
    total, duplicates = stored_checkins(env)
    total -= len(statements)  # the two check-ins that counted the statements
    report = {
        "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()},
        "command": " ".join(["bench/checkin_load.py", *sys.argv[1:]]),
        "concurrency": args.concurrency,
        "rounds": rounds,
        "median": {
            "bare_rps": median_of(rounds, 0, "throughput_rps"),
            "checkin_rps": median_of(rounds, 1, "throughput_rps"),
            "checkin_p50_ms": median_of(rounds, 1, "p50_ms"),
            "checkin_p99_ms": median_of(rounds, 1, "p99_ms"),
            "checkin_vs_bare_throughput": statistics.median(r["ratio"] for r in rounds),
            **(floor_medians(rounds) if args.floor else {}),
        },
        "statements_per_checkin": statements,
        "acknowledged": len(acked),
        "stored": total,
        "lost": len(set(acked)) - total if total <= len(set(acked)) else 0,
        "duplicated": duplicates,
    }
    report["target"] = target(report, args)
    print(json.dumps(report, indent=2))
    ok = report["lost"] == 0 and duplicates == 0 and total == len(acked)
    raise SystemExit(0 if ok else 1)


# Issue 13's target: check-ins at ≥ 75 % of the floor's throughput in the same run, p99 < 150 ms at
# concurrency 32, none lost or duplicated; and no more SQL statements than before (2, 3 when escalated).
TARGET_VS_FLOOR = 0.75
TARGET_P99_MS = 150
TARGET_STATEMENTS = {"self_care": 2, "urgent": 3}


def target(report: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Whether this run met the target, each part on its own (the floor's part needs --floor)."""
    median = report["median"]
    parts: dict[str, Any] = {
        "p99_under_150_ms": median["checkin_p99_ms"] < TARGET_P99_MS if args.concurrency == 32 else None,
        "none_lost_or_duplicated": report["lost"] == 0 and report["duplicated"] == 0,
        "no_errors": all(r["errors"] == 0 for rnd in report["rounds"] for r in rnd["results"]),
        "statements": all(report["statements_per_checkin"][k] <= n for k, n in TARGET_STATEMENTS.items()),
    }
    if args.floor:
        vs_floor = round(median["checkin_rps"] / median["floor_rps"], 3)
        must_vs_floor = round(median["must_rps"] / median["floor_rps"], 3)
        parts |= {
            "checkin_vs_floor": vs_floor,
            "must_vs_floor": must_vs_floor,  # the check-in's own floor: what no check-in can skip
            "checkin_vs_must": round(median["checkin_rps"] / median["must_rps"], 3),
            "at_least_75_percent_of_floor": vs_floor >= TARGET_VS_FLOOR,
        }
    ratios = {"checkin_vs_floor", "must_vs_floor", "checkin_vs_must"}
    parts["met"] = all(v for k, v in parts.items() if k not in ratios and v is not None) and (
        args.floor and args.concurrency == 32
    )
    return parts


def one_round(
    n: int, server_pid: int, port: int, tokens: list[str], args: argparse.Namespace
) -> tuple[Row, Row, list[str]]:
    def checkin(c: int, i: int) -> tuple[str, str, str | None, dict[str, str]]:
        headers = {
            "Authorization": f"Bearer {tokens[c]}",
            "Idempotency-Key": f"r{n}-c{c}-{i}",
            "Content-Type": "application/json",
        }
        return "POST", "/api/v1/patient/checkins", BODY, headers

    bare, _ = load(
        "GET /healthz (bare Django JSON)",
        server_pid,
        port,
        args.requests,
        args.concurrency,
        lambda c, i: ("GET", "/healthz", None, {}),
    )
    checkins, acked = load(
        "POST /api/v1/patient/checkins", server_pid, port, args.requests, args.concurrency, checkin
    )
    return bare.row(), checkins.row(), acked


def _floor() -> ModuleType:
    """bench/floor/ (its table and paths), importable however this script was loaded."""
    here = str(Path(__file__).parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import floor

    return floor


def create_floor_table(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(_floor().CREATE)


def floor_runs(n: int, server_pid: int, port: int, tokens: list[str], args: argparse.Namespace) -> list[Row]:
    """The floor, then the check-in's own floor (bench/floor/checkin.py)."""
    paths = _floor()

    def floor(c: int, i: int) -> tuple[str, str, str | None, dict[str, str]]:
        return "POST", paths.FLOOR_PATH, BODY, {"Authorization": f"Bearer {tokens[c]}"}

    def must(c: int, i: int) -> tuple[str, str, str | None, dict[str, str]]:
        headers = {"Authorization": f"Bearer {tokens[c]}", "Idempotency-Key": f"must-r{n}-c{c}-{i}"}
        return "POST", paths.MUST_PATH, BODY, headers

    names = {
        f"POST {paths.FLOOR_PATH} (lookup + insert only)": floor,
        f"POST {paths.MUST_PATH} (what a check-in must do, hand-written)": must,
    }
    runs = [
        load(name, server_pid, port, args.requests, args.concurrency, send) for name, send in names.items()
    ]
    return [run.row() for run, _ in runs]


def floor_medians(rounds: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "floor_rps": median_of(rounds, 2, "throughput_rps"),
        "floor_p99_ms": median_of(rounds, 2, "p99_ms"),
        "floor_vs_bare_throughput": statistics.median(
            ratio(r["results"][0], r["results"][2]) for r in rounds
        ),
        "must_rps": median_of(rounds, 3, "throughput_rps"),
        "must_p99_ms": median_of(rounds, 3, "p99_ms"),
    }


def ratio(bare: Row, checkins: Row) -> float:
    return round(float(checkins["throughput_rps"]) / float(bare["throughput_rps"]), 3)


def median_of(rounds: list[dict[str, Any]], index: int, key: str) -> float:
    return round(statistics.median(float(r["results"][index][key]) for r in rounds), 2)


if __name__ == "__main__":
    main()
