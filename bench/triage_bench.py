"""Benchmark for the clinical engines (issue 2 targets).

  .venv/bin/python bench/triage_bench.py [--count 50000] [--seed 7]

Reports, on one core: triage decisions per second on a realistic mix of check-ins (64 % self-care, 24 %
contact the clinic, 11 % urgent, 1 % emergency; parse + triage, triage alone, and with the API's contract
check), the knowledge base's load-and-validate time, and the cold start of `mesosafe triage` as a whole
process. Run it on one core: `taskset -c 0 .venv/bin/python bench/triage_bench.py`.
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
from mesosafe.engines.contract import complete
from mesosafe.engines.questions import asked
from mesosafe.knowledge import KnowledgeBase, load
from mesosafe.knowledge.loader import DATA_DIR, load_from

SEVERITIES = ["mild", "moderate", "severe"]
TRENDS = ["improving", "same", "worse"]


# The mix of dispositions among real check-ins (issue 13): most say normal healing.
MIX = {"self_care": 0.64, "contact_clinic": 0.24, "urgent": 0.11, "emergency": 0.01}
CHECKIN_DAYS = [0, 0.5, 1, 1, 3, 3, 7, 7, 14, 28, 56, 84]  # the schedule, the first days weighted


def candidate(rng: random.Random, kb: KnowledgeBase) -> dict[str, Any]:
    """A check-in as the API receives it: a few symptoms, mostly the expected ones, with exactly the
    follow-up answers each is asked that day."""
    codes = list(kb.effects)
    expected = [c for c, e in kb.effects.items() if e.expected]
    days = rng.choice(CHECKIN_DAYS) + round(rng.uniform(0, 0.9), 2)
    symptoms = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        code = rng.choice(expected) if rng.random() < 0.85 else rng.choice(codes)
        values = {
            "severity": rng.choices(SEVERITIES, [0.7, 0.25, 0.05])[0],
            "trend": rng.choices(TRENDS, [0.6, 0.3, 0.1])[0],
            "spreading": rng.random() < 0.05,
        }
        if code in {s["code"] for s in symptoms}:
            continue  # a check-in lists a symptom once (its answers were drawn all the same: the same stream)
        symptoms.append({"code": code, **{q: values[q] for q in asked(kb, code, days)}})
    data: dict[str, Any] = {"days_since_treatment": days, "symptoms": symptoms}
    if rng.random() < 0.2:
        data["temperature_c"] = round(rng.gauss(36.9, 0.5), 1)
    return data


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` check-ins in the realistic mix (MIX): random candidates kept until each level's share is
    full, then shuffled."""
    rng = random.Random(seed)
    kb = load()
    quota = {level: round(share * count) for level, share in MIX.items()}
    quota["self_care"] += count - sum(quota.values())
    kept: list[dict[str, Any]] = []
    while len(kept) < count:
        data = candidate(rng, kb)
        level = triage(parse(CheckIn, data), kb=kb).disposition.value
        if quota[level] > 0:
            quota[level] -= 1
            kept.append(data)
    rng.shuffle(kept)
    return kept


def rate(label: str, count: int, seconds: float, cpu: float) -> None:
    """Decisions per second of wall time, and per second of this process's CPU time (what the machine's
    other load does not change)."""
    print(
        f"{label:<38} {count / seconds:>12,.0f} /s   "
        f"({count:,} in {seconds:.2f} s; {count / cpu:,.0f} /s of CPU)"
    )


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

    kb = load()
    raw = generate(args.count, args.seed)
    triage(parse(CheckIn, raw[0]))  # warm the compiled rules
    levels: Counter[str] = Counter()

    def decide_all() -> None:
        for data in raw:
            levels[triage(parse(CheckIn, data)).disposition.value] += 1

    parsed = [parse(CheckIn, data) for data in raw]

    def triage_all() -> None:
        for check_in in parsed:
            triage(check_in)

    def contract_all() -> None:
        for data in raw:
            triage(complete(parse(CheckIn, data), kb), kb=kb)

    for label, run in (
        ("triage decisions (parse + triage)", decide_all),
        ("triage decisions (triage only)", triage_all),
        ("parse + contract check + triage", contract_all),
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        rate(label, args.count, time.perf_counter() - wall, time.process_time() - cpu)
    print(f"{'dispositions':<38} {dict(sorted(levels.items()))}")

    body = (
        b'{"days_since_treatment": 21, "symptoms": [{"code": "lump", "severity": "mild", "trend": "worse"}]}'
    )
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
