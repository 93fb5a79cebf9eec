"""Generate a seeded synthetic long report table (Parquet) with planted signals and their ground truth.

    .venv/bin/python bench/signals_generate.py --reports 2000000 --out bench/out/reports_2m.parquet

Writes the table and ``<out stem>.planted.csv`` (product, event, probability).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mesosafe.disproportionality.synthetic import ReportSpec, generate_reports, planted_table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2_000_000)
    parser.add_argument("--planted", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2007)
    parser.add_argument("--out", type=Path, default=Path("bench/out/reports_2m.parquet"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    spec = ReportSpec.sized(args.reports, planted=args.planted, seed=args.seed)
    started = time.perf_counter()
    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in generate_reports(spec):
            if writer is None:
                writer = pq.ParquetWriter(args.out, chunk.schema)
            writer.write_table(chunk, row_group_size=1_000_000)
            rows += chunk.num_rows
    finally:
        if writer is not None:
            writer.close()
    truth = args.out.with_suffix(".planted.csv")
    pacsv.write_csv(planted_table(spec), truth)
    print(
        f"{spec.reports} reports, {rows} rows, {spec.products} products, {spec.events} events, "
        f"{len(planted_table(spec))} planted signals -> {args.out} ({time.perf_counter() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
