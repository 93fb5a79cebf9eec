"""Benchmark for the clinical engines (issue 2 targets).

  .venv/bin/python bench/triage_bench.py [--count 50000] [--seed 7]

Reports, on one core: triage decisions per second (parse + triage, and triage alone), the knowledge base's
load-and-validate time, and the cold start of `mesosafe triage` as a whole process.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.knowledge import load
from mesosafe.knowledge.loader import DATA_DIR, load_from

SEVERITIES = ["mild", "moderate", "severe"]
TRENDS = ["improving", "same", "worse"]


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    codes = load().symptom_codes
    check_ins = []
    for _ in range(count):
        symptoms = [
            {
                "code": rng.choice(codes),
                "severity": rng.choice(SEVERITIES),
                "trend": rng.choice(TRENDS),
                "spreading": rng.random() < 0.1,
            }
            for _ in range(rng.randint(0, 4))
        ]
        data: dict[str, Any] = {"days_since_treatment": round(rng.uniform(0, 90), 1), "symptoms": symptoms}
        if rng.random() < 0.3:
            data["temperature_c"] = round(rng.uniform(36.0, 39.5), 1)
        check_ins.append(data)
    return check_ins


def rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<38} {count / seconds:>12,.0f} /s   ({count:,} in {seconds:.2f} s)")


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {machine()}")

    loads = []
    for _ in range(20):
        started = time.perf_counter()
        load_from(DATA_DIR)
        loads.append(time.perf_counter() - started)
    print(
        f"{'knowledge base load + validate':<38} median {statistics.median(loads) * 1000:.1f} ms, "
        f"max {max(loads) * 1000:.1f} ms"
    )

    raw = generate(args.count, args.seed)
    triage(parse(CheckIn, raw[0]))  # warm the compiled rules
    levels: Counter[str] = Counter()
    started = time.perf_counter()
    for data in raw:
        levels[triage(parse(CheckIn, data)).disposition.value] += 1
    both = time.perf_counter() - started
    parsed = [parse(CheckIn, data) for data in raw]
    started = time.perf_counter()
    for check_in in parsed:
        triage(check_in)
    alone = time.perf_counter() - started
    rate("triage decisions (parse + triage)", args.count, both)
    rate("triage decisions (triage only)", args.count, alone)
    print(f"{'dispositions':<38} {dict(sorted(levels.items()))}")

    body = b'{"days_since_treatment": 21, "symptoms": [{"code": "lump"}]}'
    command = [str(Path(sys.executable).with_name("mesosafe")), "triage", "-"]
    times = []
    for _ in range(args.cold_runs):
        started = time.perf_counter()
        subprocess.run(command, input=body, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    print(
        f"{'`mesosafe triage` cold start':<38} median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {args.cold_runs} runs"
    )


if __name__ == "__main__":
    main()
