"""CPU per request of a check-in and of the floor, one thread, in this process: Django's WSGI handler called
directly (no gunicorn, no load generator, no other thread), on PostgreSQL.

    .venv/bin/python bench/checkin_cpu.py [--requests 2000] [--rounds 3] [--database-url postgres://…]

`bench/checkin_load.py` says how fast the server is under load, but a run moves by ±10 % with the machine.
This says what one check-in costs in Python, steadily enough to compare two versions of the code: each round
times the floor (bench/floor/: link lookup + one insert), the check-in's own floor (bench/floor/checkin.py:
what a check-in must do, hand-written), then the check-in, and reports the process's CPU microseconds per
request and the differences. The database is dropped and made again first.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # checkin_load and floor/

import checkin_load  # noqa: E402
from floor import FLOOR_PATH, MUST_PATH  # noqa: E402

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _environ(path: str, token: str, key: str | None) -> dict[str, Any]:
    body = checkin_load.BODY.encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    if key:
        environ["HTTP_IDEMPOTENCY_KEY"] = key
    return environ


def cpu_us_per_request(app: WSGIApp, path: str, tokens: list[str], requests: int, tag: str) -> float:
    """Process CPU µs per request over `requests` POSTs to `path`; every answer must be a 201."""
    statuses: set[str] = set()

    def start(status: str, headers: Any, *exc_info: Any) -> None:
        statuses.add(status)

    started = time.process_time()
    for i in range(requests):
        key = f"{tag}-{i}" if "checkin" in path else None
        response = app(_environ(path, tokens[i % len(tokens)], key), start)
        b"".join(response)
        getattr(response, "close", lambda: None)()
    spent = time.process_time() - started
    if statuses != {"201 Created"}:
        raise SystemExit(f"{path} answered {sorted(statuses)}")
    return 1e6 * spent / requests


def set_environment(database_url: str) -> None:
    """This process's (and its children's) settings: the floor's URLs beside the product's, no limits."""
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "floor.settings",
            "MESOSAFE_PATIENT_RATE": "1000000",  # as in checkin_load.py: the limits are not measured here
            "MESOSAFE_CHECKINS_PER_HOUR": "1000000",
            "MESOSAFE_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "MESOSAFE_DATA_DIR": tempfile.mkdtemp(prefix="mesosafe-bench-"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        }
    )


def make_database(database_url: str) -> list[str]:
    """A fresh database with one clinic, four treated patients and the floor's table; their link tokens."""
    checkin_load.ensure_database(database_url)
    tokens = checkin_load.seed(dict(os.environ), 4)
    checkin_load.create_floor_table(database_url)
    return tokens


def wsgi_app() -> WSGIApp:
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    return get_wsgi_application()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/mesosafe_bench_cpu")
    args = parser.parse_args()
    if not (1 <= args.requests <= 100_000 and 1 <= args.rounds <= 10):
        raise SystemExit("keep --requests in 1..100000 and --rounds in 1..10")
    set_environment(args.database_url)
    tokens = make_database(args.database_url)
    app = wsgi_app()
    warm = min(200, args.requests)
    cpu_us_per_request(app, FLOOR_PATH, tokens, warm, "warm")
    cpu_us_per_request(app, MUST_PATH, tokens, warm, "warm")
    cpu_us_per_request(app, "/api/v1/patient/checkins", tokens, warm, "warm")
    rounds = []
    for n in range(args.rounds):
        floor = cpu_us_per_request(app, FLOOR_PATH, tokens, args.requests, f"r{n}")
        must = cpu_us_per_request(app, MUST_PATH, tokens, args.requests, f"m{n}")
        checkin = cpu_us_per_request(app, "/api/v1/patient/checkins", tokens, args.requests, f"r{n}")
        rounds.append(
            {
                "floor_us": round(floor),
                "must_us": round(must),
                "checkin_us": round(checkin),
                "extra_us": round(checkin - floor),
                "extra_over_must_us": round(checkin - must),
            }
        )
    report = {
        "machine": {"nproc": os.cpu_count(), "cpu": checkin_load.cpu_model()},
        "command": " ".join(["bench/checkin_cpu.py", *sys.argv[1:]]),
        "rounds": rounds,
        "median": {key: statistics.median(r[key] for r in rounds) for key in rounds[0]},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
