"""Cold start of the CLI, as a user meets it: the median wall time of `mesosafe triage FILE` and
`mesosafe --help` over --runs fresh processes, with PYTHONDONTWRITEBYTECODE=1 (no bytecode written at run
time, so only what set-up compiled is used). Target (issue 13): under 300 ms for both.

    .venv/bin/python bench/cold_start.py [--runs 10]

Measure it in a fresh clone after `bash scripts/setup`, which byte-compiles src/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESOSAFE = ROOT / ".venv" / "bin" / "mesosafe"
CHECKIN = {
    "days_since_treatment": 3,
    "symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}],
}
TARGET_MS = 300


def median_ms(command: list[str], runs: int) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if not 1 <= args.runs <= 100:
        raise SystemExit("keep --runs in 1..100")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(CHECKIN, handle)
    medians = {
        "triage_file_ms": median_ms([str(MESOSAFE), "triage", handle.name], args.runs),
        "help_ms": median_ms([str(MESOSAFE), "--help"], args.runs),
    }
    os.unlink(handle.name)
    report = {**medians, "runs": args.runs, "target_ms": TARGET_MS}
    report["met"] = all(value < TARGET_MS for value in medians.values())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
