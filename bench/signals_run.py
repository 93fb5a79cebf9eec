"""Run the disproportionality pipeline on a generated table; report time and peak memory per stage.

    .venv/bin/python bench/signals_run.py bench/out/reports_2m.parquet
    .venv/bin/python bench/signals_run.py bench/out/reports_2m.parquet --engine spark
    .venv/bin/python bench/signals_run.py bench/out/faers_2m --input-format faers \
        --truth bench/out/reports_2m.planted.csv     # the same reports as FAERS files (signals_faers.py)
    /usr/bin/time -v .venv/bin/python bench/signals_run.py bench/out/reports_20m.parquet

Stages: read/check, count, merge points, fit, score (EBGM/EB05/EB95), frequentist measures, write.
Recall is the share of planted pairs (``<input stem>.planted.csv``) with EB05 >= 2.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

START = time.perf_counter()

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

from mesosafe.disproportionality import output, pipeline, sources  # noqa: E402
from mesosafe.disproportionality.columns import LongColumns  # noqa: E402
from mesosafe.disproportionality.settings import RunSettings  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recall(table: pa.Table, truth_path: Path) -> tuple[float, int, int]:
    truth = pacsv.read_csv(truth_path).to_pandas()
    flagged = table.filter(pa.compute.greater_equal(table.column("eb05"), 2.0)).select(["product", "event"])
    flagged_pairs = set(
        zip(flagged.column("product").to_pylist(), flagged.column("event").to_pylist(), strict=True)
    )
    hits = sum((p, e) in flagged_pairs for p, e in zip(truth["product"], truth["event"], strict=True))
    return hits / len(truth), hits, len(flagged_pairs)


def spark_run(
    args: argparse.Namespace, settings: RunSettings, hook: pipeline.StageHook
) -> tuple[pipeline.SignalsResult, pa.Table, Path]:
    """The Spark engine's own run (``pipeline.run``): the executors write the pair table as a Parquet
    directory, read back here (after the timed stages) for the recall."""
    import pyarrow.parquet as pq

    from mesosafe.disproportionality.spark import spark_session

    spark_session(args.master, args.driver_memory)  # the run below gets this session
    out = args.out or args.input.with_name(args.input.name.split(".")[0] + ".spark-signals.parquet")
    result = pipeline.run(args.input, replace(settings, out=out), hook)
    return result, pq.read_table(out), out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", type=Path)
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--input-format", choices=["long", "faers", "e2b"], default="long")
    parser.add_argument(
        "--truth", type=Path, default=None, help="planted pairs (default <input>.planted.csv)"
    )
    parser.add_argument("--master", default=None)
    parser.add_argument("--driver-memory", default="6g", help="Spark driver memory (local mode)")
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB memory_limit, e.g. 5GB (default: a quarter of RAM)"
    )
    parser.add_argument("--strata", nargs="*", default=[])
    parser.add_argument("--names", choices=["normalised", "as-written"], default="as-written")
    parser.add_argument("--degenerate-prior", choices=["empty", "keep"], default="keep")
    parser.add_argument(
        "--out", type=Path, default=None, help="write the result (default <input>.signals.parquet)"
    )
    args = parser.parse_args()

    marks: list[tuple[str, float, float]] = []

    started: dict[str, float] = {}

    def hook(stage: str, state: str) -> None:  # timed here: a Spark run has its own Stages
        if state == "start":
            started[stage] = time.perf_counter()
        else:
            marks.append((stage, time.perf_counter() - started[stage], peak_mib()))

    stages = pipeline.Stages(hook)
    columns = LongColumns("report_id", "product", "event", tuple(args.strata))
    if args.input_format != "long":
        columns = sources.default_columns(args.input_format, strata=tuple(args.strata))
    # the generator's names are already normalised; the synthetic prior is degenerate (a point-mass null
    # component at the edge of the search box), so the EB columns are kept to measure recall; both are said
    settings = RunSettings(
        columns=columns,
        engine=args.engine,
        master=args.master,
        names=args.names,
        degenerate_prior=args.degenerate_prior,
        input=sources.SourceSpec(args.input_format),
    )
    if args.engine == "spark":
        result, table, out = spark_run(args, settings, hook)
    else:
        con = pipeline.duckdb_connection(args.memory_limit)  # default: ¼ of RAM (connection.py)
        counts = pipeline.count_file(args.input, settings, stages, con=con)
        con.close()  # as `mesosafe signals` does: DuckDB's memory is not needed after counting
        result = pipeline.fit_and_score(counts, stages, settings=settings)
        table = result.table
        out = args.out or (
            args.input.with_suffix(".signals.parquet")
            if args.input.is_file()
            else args.input / "signals.parquet"
        )
        with stages("write parquet"):
            output.write_table(table, out)
    total = time.perf_counter() - START
    truth = args.truth or args.input.with_suffix(".planted.csv")
    found = recall(table, truth) if truth.exists() else None

    print(
        f"input {args.input} engine {args.engine}: {table.num_rows} pairs, fit on {result.fit.points} points"
    )
    print(f"{'stage':28s} {'seconds':>8s} {'peak RSS MiB':>13s}")
    for stage, seconds, peak in marks:
        print(f"{stage:28s} {seconds:8.2f} {peak:13.0f}")
    print(f"{'total (process start to end)':28s} {total:8.2f} {peak_mib():13.0f}")
    print("prior:", json.dumps(result.fit.hyperparameters()))
    print("fit:", result.fit.message)
    print("degenerate:", "; ".join(result.fit.degenerate) or "no", f"(EB columns: {args.degenerate_prior})")
    if found is not None:
        share, hits, flagged = found
        print(f"recall of planted signals at EB05 >= 2: {share:.3f} ({hits} found; {flagged} pairs flagged)")
    eb = table.column("eb05").to_numpy(zero_copy_only=False)
    print(f"pairs with EB05 >= 2: {int(np.sum(eb >= 2))}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
