"""`mesosafe signals` (disproportionality) and `mesosafe registry report` (clinic safety).

Heavy libraries (duckdb, scipy, pyspark, matplotlib) are imported inside the commands.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

if TYPE_CHECKING:
    from mesosafe.registry.export import By
    from mesosafe.signals.counting import Margins
    from mesosafe.signals.gps import Selection


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


class FiniteFloatRange(click.FloatRange):
    """A float range that also refuses nan and ±inf (click's FloatRange lets nan through)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def _spark_master(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from mesosafe.signals.errors import SignalsInputError
    from mesosafe.signals.pipeline import check_spark_master

    if value is None:
        return None
    try:
        return check_spark_master(value)
    except SignalsInputError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database that cannot be read (not migrated, unreachable) is one clear line, not a traceback."""
    from django.db import DatabaseError

    try:
        yield
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(
            f"cannot read the clinic database ({first}); if it has not been set up yet, "
            "run `mesosafe manage migrate` first"
        )


@contextmanager
def _input_errors() -> Iterator[None]:
    """Turn a user's input error into one line on stderr and exit code 2 (never a traceback)."""
    from mesosafe.signals.errors import SignalsInputError

    try:
        yield
    except SignalsInputError as exc:
        _fail(str(exc))


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, str], None] | None]:
    """A Rich progress display on stderr, one line per pipeline stage."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as progress:

        def hook(stage: str, state: str) -> None:
            if state == "start":
                tasks[stage] = progress.add_task(stage, total=1)
            else:
                progress.update(tasks[stage], completed=1)

        yield hook


def _print_top(table: Any, top: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from mesosafe.signals.pipeline import strongest

    rows = strongest(table, top).to_pylist()
    shown = Table(title=f"Strongest {len(rows)} signals (by EB05)")
    numbers = ("e", "ebgm", "eb05", "eb95", "prr", "prr_lower", "chi2_yates", "ror", "ic025")
    for name in ("product", "event", "n", *numbers):
        shown.add_column(name, justify="left" if name in ("product", "event") else "right")
    for row in rows:
        shown.add_row(
            str(row["product"]), str(row["event"]), str(row["n"]), *(f"{row[k]:.4g}" for k in numbers)
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    console.print(shown)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument(
    "input_path", metavar="[INPUT]", required=False, type=click.Path(dir_okay=True, path_type=Path)
)
@click.option(
    "--from-db",
    is_flag=True,
    help="Read the clinic service's database (complications and the products of their treatments).",
)
@click.option(
    "--by",
    type=click.Choice(["product", "batch"]),
    default="product",
    show_default=True,
    help="With --from-db: signal per product, or per batch (lot).",
)
@click.option("--id", "id_col", default="id", show_default=True, help="Report id column.")
@click.option("--product", "product_col", default="product", show_default=True, help="Product column.")
@click.option("--event", "event_col", default="event", show_default=True, help="Event column.")
@click.option("--strata", multiple=True, help="Stratum column (repeatable); E is summed over strata.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option(
    "--master",
    default=None,
    callback=_spark_master,
    help="Spark master URL: local[*] (default), local[N], spark://HOST:PORT, yarn, k8s://URL.",
)
@click.option(
    "--margins",
    type=click.Choice(["unique", "table"]),
    default="unique",
    show_default=True,
    help="unique: distinct reports (openEBGM); table: sums of cell counts (PhViD).",
)
@click.option(
    "--prior-selection",
    type=click.Choice(["consensus", "best"]),
    default="consensus",
    show_default=True,
    help="consensus: lowest optimum reached from two or more starts "
    "(openEBGM autoHyper); best: lowest optimum found.",
)
@click.option("--max-strata-levels", default=10, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--out", "out_path", type=click.Path(path_type=Path), help="Write all pairs (.csv or .parquet)."
)
@click.option(
    "--hyper-out",
    type=click.Path(path_type=Path),
    help="Write the prior's hyperparameters and the run's provenance (.json).",
)
@click.option("--top", type=click.IntRange(min=1), default=None, help="Print the N strongest signals.")
@click.option("--quiet", is_flag=True, help="No progress display.")
def signals(
    input_path: Path | None,
    from_db: bool,
    by: str,
    id_col: str,
    product_col: str,
    event_col: str,
    strata: tuple[str, ...],
    engine: str,
    master: str | None,
    margins: str,
    prior_selection: str,
    max_strata_levels: int,
    out_path: Path | None,
    hyper_out: Path | None,
    top: int | None,
    quiet: bool,
) -> None:
    """Disproportionality signals (N, E, RR, PRR, ROR, IC, EBGM, EB05, EB95) for product × event pairs.

    INPUT is a CSV or Parquet file in long format: one row per (report, product, event); or use --from-db.
    Without --out or --top the full table is written to stdout as CSV. With --out, the run's provenance
    (input SHA-256, columns, margins, strata, prior and its likelihood, version, time) is written beside
    it as <name>.run.json.
    """
    from mesosafe.signals import io, output, pipeline, provenance

    if from_db == (input_path is not None):
        raise click.UsageError("give either INPUT or --from-db")
    if master is not None and engine != "spark":
        raise click.BadOptionUsage("master", "--master needs --engine spark")
    source = "file"
    if from_db:
        input_path = _export_reports(cast("By", by))
        id_col, product_col, event_col = "id", "product", "event"
        source = f"clinic database (--from-db --by {by})"
    assert input_path is not None
    with _input_errors():
        io.input_format(input_path)
        if out_path is not None:
            output.check_output_path(out_path)
        if hyper_out is not None:
            output.check_output_path(hyper_out, (".json",))
        columns = io.LongColumns(id_col, product_col, event_col, tuple(strata))
        outputs = {"table": str(out_path)} if out_path is not None else {}
        if hyper_out is not None:
            outputs["hyperparameters"] = str(hyper_out)
        settings = provenance.RunSettings(
            columns, margins, engine, prior_selection, max_strata_levels, source, outputs
        )
        with _progress(not quiet) as hook:
            stages = pipeline.Stages(hook)
            if engine == "spark":
                counts = pipeline.count_file_spark(
                    input_path, columns, cast("Margins", margins), max_strata_levels, stages, master=master
                )
            else:
                counts = pipeline.count_file_duckdb(
                    input_path, columns, cast("Margins", margins), max_strata_levels, stages
                )
            result = pipeline.disproportionality(counts, stages, selection=cast("Selection", prior_selection))
            fit = result.fit
            with stages("write output"):
                record = provenance.run_record(input_path, settings, fit)
                if out_path is not None:
                    output.write_table(result.table, out_path)
                    output.write_json(record, provenance.run_record_path(out_path))
                if hyper_out is not None:
                    output.write_json({**fit.hyperparameters(), "run": record}, hyper_out)
    if fit.collapsed or not quiet:
        click.echo(f"prior: {fit.message}", err=True)
    if top is not None:
        _print_top(result.table, top)
    elif out_path is None:
        import pyarrow.csv as pacsv

        pacsv.write_csv(result.table, sys.stdout.buffer)


def _database_tables() -> Any:
    """Set up Django and return the registry export module (imported late: Django is heavy)."""
    from mesosafe.cli.service import _django

    _django()
    from mesosafe.registry import export

    return export


def _export_reports(by: By) -> Path:
    """Export the database's reports to a temporary Parquet file, removed when the command ends."""
    import shutil
    import tempfile

    with _database_errors():
        frame = _database_tables().reports(by)
    if frame.empty:
        _fail("the clinic database has no complications to analyse")
    folder = Path(tempfile.mkdtemp(prefix="mesosafe-signals-"))
    click.get_current_context().call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    path = folder / "reports.parquet"
    frame.to_parquet(path)
    return path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def registry() -> None:
    """Clinic, practitioner, product and batch safety over a treatment registry."""


@registry.command("report")
@click.option("--treatments", type=click.Path(path_type=Path), help="Treatments table (.csv or .parquet).")
@click.option(
    "--complications", type=click.Path(path_type=Path), help="Complications table (.csv or .parquet)."
)
@click.option("--demo-data", is_flag=True, help="Use a seeded synthetic registry with a planted outbreak.")
@click.option("--from-db", is_flag=True, help="Use the clinic service's database.")
@click.option(
    "--seed", default=2007, show_default=True, type=click.IntRange(min=0), help="Seed for --demo-data."
)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output directory.")
@click.option(
    "--window-days",
    default=28,
    show_default=True,
    type=click.IntRange(min=1, max=365),
    help="CUSUM time step (days per window).",
)
@click.option(
    "--rate-ratio",
    default=2.0,
    show_default=True,
    type=FiniteFloatRange(min=1.01, max=100.0),
    help="Infection-rate ratio the CUSUM is tuned to detect.",
)
@click.option(
    "--threshold",
    "h",
    default=None,
    type=FiniteFloatRange(min=0.1, max=1000.0),
    help="CUSUM decision threshold h (default: chosen from the baseline).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day observed (YYYY-MM-DD); default the latest date in the data, or today with --from-db.",
)
def report(
    treatments: Path | None,
    complications: Path | None,
    demo_data: bool,
    from_db: bool,
    seed: int,
    out_dir: Path,
    window_days: int,
    rate_ratio: float,
    h: float | None,
    as_of: datetime | None,
) -> None:
    """Write rates with confidence intervals, funnel plots, CUSUM cluster alerts and an HTML summary."""
    from mesosafe.signals import report as registry_report
    from mesosafe.signals.clusters import CusumDesign, today_or_latest

    if sum((demo_data, from_db, bool(treatments or complications))) > 1:
        raise click.UsageError("use one of --demo-data, --from-db or --treatments/--complications")
    with _input_errors():
        if demo_data:
            from mesosafe.signals.synthetic import demo_registry

            tables = demo_registry(seed)
        elif from_db:
            from mesosafe.signals.registry import check_registry

            export = _database_tables()
            with _database_errors():
                tables = check_registry(export.treatments(), export.complications())
        else:
            if treatments is None or complications is None:
                raise click.UsageError("--treatments and --complications are required (or use --demo-data)")
            tables = registry_report.load_registry(treatments, complications)
        day = None if as_of is None else as_of.date().isoformat()
        if from_db and day is None:  # the database is current: its last observed day is today
            day = today_or_latest(tables, datetime.now(UTC).date())
        design = CusumDesign(window_days=window_days, rate_ratio=rate_ratio, threshold=h, as_of=day)
        summary = registry_report.write_report(tables, out_dir, design=design)
    click.echo(
        f"{summary.treatments} treatments, {summary.infections} with a suspected infection: "
        f"{summary.outliers} funnel-plot outliers, {summary.alerts} cluster alerts; "
        f"wrote {len(summary.files)} files to {out_dir} (open summary.html)"
    )
