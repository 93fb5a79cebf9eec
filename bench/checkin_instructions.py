"""Instructions per request of a check-in, of the check-in's own floor and of the floor, counted by
valgrind's callgrind: the same count on a quiet machine and on a busy one, so two versions of the code can be
compared where timings move with the neighbours (on 6 Dec 2026 the same code's CPU per request moved by a
third between runs an hour apart).

    .venv/bin/python bench/checkin_instructions.py [--requests 300] [--database-url postgres://…]

Each endpoint is run in-process (Django's WSGI handler called directly, as bench/checkin_cpu.py does) under
callgrind twice, with 100 and with 100 + --requests POSTs; the difference divided by --requests is what one
request costs, start-up and warm-up cancelled out. Server-side Python only: no gunicorn, no load generator,
and PostgreSQL's own work is not counted. Each run takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # callgrind, checkin_cpu, checkin_load and floor/

import checkin_cpu  # noqa: E402
import checkin_load  # noqa: E402
from callgrind import callgrind_instructions  # noqa: E402
from floor import FLOOR_PATH, MUST_PATH  # noqa: E402

ENDPOINTS = {
    "floor": FLOOR_PATH,
    "must": MUST_PATH,
    "checkin": "/api/v1/patient/checkins",
}
BASE = 100


def worker(path: str, count: int, tokens: list[str]) -> None:
    """In the valgrind child: `count` POSTs to `path`, every one a 201."""
    app = checkin_cpu.wsgi_app()
    checkin_cpu.cpu_us_per_request(app, path, tokens, count, f"i{count}-{path.rsplit('/', 1)[-1]}")


def instructions(path: str, count: int, tokens: list[str]) -> int:
    return callgrind_instructions([sys.executable, __file__, "--worker", path, str(count), *tokens], path)


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:  # read before argparse: a token may begin with "-"
        path, count, *tokens = sys.argv[2:]
        worker(path, int(count), tokens)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--database-url", default="postgres://root@127.0.0.1:5432/mesosafe_bench_instructions"
    )
    args = parser.parse_args()
    if not 10 <= args.requests <= 5000:
        parser.error("--requests: keep it in 10..5000")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (Debian: apt-get install valgrind)")
    checkin_cpu.set_environment(args.database_url)
    tokens = checkin_cpu.make_database(args.database_url)
    per_request = {}
    for name, path in ENDPOINTS.items():
        base = instructions(path, BASE, tokens)
        more = instructions(path, BASE + args.requests, tokens)
        per_request[name] = round((more - base) / args.requests)
    floor, must, checkin = per_request["floor"], per_request["must"], per_request["checkin"]
    report = {
        "machine": {"cpu": checkin_load.cpu_model()},
        "command": " ".join(["bench/checkin_instructions.py", *sys.argv[1:]]),
        "instructions_per_request": per_request,
        "floor_vs_checkin": round(floor / checkin, 3),
        "must_vs_checkin": round(must / checkin, 3),
        "floor_vs_must": round(floor / must, 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
