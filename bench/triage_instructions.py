"""Instructions per triage decision (parse + triage) on the realistic mix of bench/triage_bench.py, counted
by valgrind's callgrind: the same count on a quiet machine and on a busy one, so two versions of the code can
be compared where the decisions per second move with the neighbours (on 7 Dec 2026 the same code ran 12.7k/s
in one minute and 42k/s the night before).

    .venv/bin/python bench/triage_instructions.py [--decisions 5000]

The bench's own loop runs under callgrind twice, with 1,000 and with 1,000 + --decisions check-ins; the
difference divided by --decisions is what one decision costs (making its input included), start-up, the
knowledge base's load and the warm-up cancelled out. To compare with older code, run this file with
PYTHONPATH set to the other checkout's src/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # callgrind, triage_bench

from callgrind import callgrind_instructions  # noqa: E402

BASE = 1000


def worker(count: int) -> None:
    """In the valgrind child: `count` decisions of the realistic mix."""
    from mesosafe.engines import CheckIn, parse
    from mesosafe.engines.triage import triage
    from triage_bench import generate

    raw = generate(count, 7)
    triage(parse(CheckIn, raw[0]))  # warm the compiled rules
    for data in raw:
        triage(parse(CheckIn, data))


def instructions(count: int) -> int:
    return callgrind_instructions([sys.executable, __file__, "--worker", str(count)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install -y valgrind)")
    base, more = instructions(BASE), instructions(BASE + args.decisions)
    per = (more - base) / args.decisions
    print(json.dumps({"command": " ".join(sys.argv), "instructions_per_decision": round(per)}, indent=2))


if __name__ == "__main__":
    main()
