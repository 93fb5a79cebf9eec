"""False alarms of the batch CUSUM on registries without an outbreak, and the delay to a planted one.

    .venv/bin/python bench/cusum_null.py --seeds 20

Each seed generates a registry of about 12,000 sessions in 10 clinics over 600 days, a 1 % suspected-
infection risk everywhere, one product whose lot changes every 60 days (so lots end while their late
infections are still to come). It reports the alarms per monitored batch-year (the design targets 0.1: one
false alarm per 10 years of a unit's tested windows), how many batches alarmed at least once, and how many
alarms fell in windows where nothing was expected. Then the delay to two planted outbreaks — 8 infections
in 40 sessions of one batch (in that null registry) and the 39-of-138 salon of the demo data — as a
distribution over the window offsets: the same data, with the 28-day windows starting 0, 1, …, 27 days
before the first session, because the delay depends on where the window boundaries fall.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from mesosafe.clinic_safety import clusters
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.demo import DemoSpec, OutbreakSpec, demo_tables
from mesosafe.clinic_safety.tables import TreatmentTables

NULL = dict(clinics=10, days=600, mean_daily_treatments=2.0, infection_rate=0.01, batch_days=60,
            shared_batches=True, products=1)  # fmt: skip


def null_rates(seeds: int) -> None:
    alarms = alarmed = batches = empty_window_alarms = 0
    batch_years = 0.0
    started = time.perf_counter()
    for seed in range(seeds):
        tables = demo_tables(
            spec=DemoSpec(**NULL, seed=seed), outbreak=OutbreakSpec(treatments=0, infections=0)
        )
        scan = clusters.scan(tables.treatments, tables.complications)
        batch = scan[scan.unit_type == "batch"]
        alarms += int(batch["alarm"].sum())
        alarmed += int(batch.groupby("unit")["alarm"].any().sum())
        batches += batch.unit.nunique()
        empty_window_alarms += int((batch.alarm & (batch.expected == 0)).sum())
        monitored = batch[(batch.expected > 0) & batch.tested]
        batch_years += len(monitored) * CusumDesign().window_days / 365.25
    print(f"null registries: {seeds} seeds, {time.perf_counter() - started:.1f} s")
    rate = alarms / batch_years
    print(
        f"  alarms: {alarms} in {batch_years:.1f} monitored batch-years = {rate:.3f} per batch-year "
        "(design: ≤ 0.1)"
    )
    print(f"  batches that alarmed at least once: {alarmed} of {batches} ({alarmed / batches:.1%})")
    print(f"  alarms where nothing was expected: {empty_window_alarms}")


def delays(
    tables: TreatmentTables, unit_type: str, unit: str, first: pd.Timestamp, window_days: int
) -> list[int | None]:
    """Days from the outbreak's first session to the end of the first alarmed window, per window offset."""
    found: list[int | None] = []
    for offset in range(window_days):
        design = CusumDesign(window_days=window_days, window_offset_days=offset)
        scan = clusters.scan(tables.treatments, tables.complications, design)
        hits = scan[
            (scan.unit_type == unit_type) & (scan.unit == unit) & scan.alarm & (scan.window_end >= first)
        ]
        found.append(int((hits["window_end"].min() - first).days) if len(hits) else None)
    return found


def describe(name: str, found: list[int | None]) -> None:
    detected = np.array([d for d in found if d is not None])
    if not len(detected):
        print(f"{name}: NOT detected at any of {len(found)} window offsets")
        return
    low, quarter, median, three_quarters, high = np.percentile(detected, [0, 25, 50, 75, 100])
    print(
        f"{name}: detected at {len(detected)} of {len(found)} window offsets; days from its first session to "
        f"the end of the alarmed window: min {low:.0f}, quartiles {quarter:.0f} / {median:.0f} / "
        f"{three_quarters:.0f}, max {high:.0f}"
    )


def planted(window_days: int) -> None:
    outbreak = OutbreakSpec(treatments=40, infections=8, start_day=300, days=20)
    tables = demo_tables(spec=DemoSpec(**NULL, seed=0), outbreak=outbreak)
    first = tables.treatments.loc[tables.treatments["batch"] == outbreak.batch_unit, "date"].min()
    describe("8 infections in 40 sessions of one batch", delays(tables, "batch", outbreak.batch_unit, first,
                                                                window_days))  # fmt: skip
    salon = OutbreakSpec()  # the demo data (`registry report --demo-data`, seed 2007)
    demo = demo_tables(2007)
    first = demo.treatments.loc[demo.treatments["batch"] == salon.batch_unit, "date"].min()
    for unit_type, unit in (("clinic", salon.clinic), ("batch", salon.batch_unit)):
        describe(
            f"demo data's salon (39 of 138), by {unit_type}",
            delays(demo, unit_type, unit, first, window_days),
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--window-days", type=int, default=28)
    args = parser.parse_args()
    null_rates(args.seeds)
    planted(args.window_days)


if __name__ == "__main__":
    main()
