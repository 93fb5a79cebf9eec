"""`mesosafe registry report`: clinic, practitioner, product and batch safety (``mesosafe.clinic_safety``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mesosafe.cli.analysis import FiniteFloatRange, database_errors, database_export, input_errors

if TYPE_CHECKING:
    from mesosafe.clinic_safety.report import ReportSummary


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def registry() -> None:
    """Clinic, practitioner, product and batch safety over a treatment registry."""


def _tables(
    treatments: Path | None, complications: Path | None, demo_data: bool, from_db: bool, seed: int
) -> Any:
    """The treatment tables from one source: files, the seeded demo data or the clinic database."""
    if sum((demo_data, from_db, bool(treatments or complications))) > 1:
        raise click.UsageError("use one of --demo-data, --from-db or --treatments/--complications")
    if demo_data:
        from mesosafe.clinic_safety.demo import demo_tables

        return demo_tables(seed)
    from mesosafe.clinic_safety.tables import check_tables, load_tables

    if from_db:
        export = database_export()
        with database_errors():
            return check_tables(export.treatments(), export.complications())
    if treatments is None or complications is None:
        raise click.UsageError("--treatments and --complications are required (or use --demo-data)")
    return load_tables(treatments, complications)


def _source(
    treatments: Path | None, complications: Path | None, demo_data: bool, seed: int
) -> dict[str, Any]:
    """What run.json records as the report's input."""
    from mesosafe.clinic_safety import provenance

    if demo_data:
        return provenance.demo_source(seed)
    if treatments is not None and complications is not None:
        return provenance.file_source(treatments, complications)
    return provenance.database_source()


def _last_line(summary: ReportSummary, out_dir: Path) -> str:
    """The counts; with no CUSUM window tested, that instead of "0 cluster alerts" (no monitoring is not
    the absence of clusters)."""
    alerts = summary.cusum_untested or f"{summary.alerts} cluster alerts"
    return (
        f"{summary.treatments} treatments, {summary.infections} with a suspected infection: "
        f"{summary.outliers} funnel-plot outliers, {alerts}; "
        f"wrote {len(summary.files)} files to {out_dir} (open summary.html)"
    )


def _out_dir(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """An empty --out would be the current directory: the report's files would be strewn there."""
    if not value.strip():
        raise click.BadParameter("must name a directory, not be empty", ctx, param)
    return Path(value)


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
@click.option(
    "--out", "out_dir", required=True, type=click.Path(), callback=_out_dir, help="Output directory."
)
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
    "--warm-up-days",
    default=180,
    show_default=True,
    type=click.IntRange(min=0, max=3650),
    help="Windows starting this soon after the first session are not tested (too little baseline yet).",
)
@click.option(
    "--window-offset",
    default=0,
    show_default=True,
    type=click.IntRange(min=0, max=364),
    help="Begin the first window this many days before the first session (less than --window-days).",
)
@click.option(
    "--funnel-test",
    type=click.Choice(["exact", "mid-p"]),
    default="exact",
    show_default=True,
    help="Funnel plots: exact binomial tail probabilities, or mid-p.",
)
@click.option(
    "--fdr",
    default=0.05,
    show_default=True,
    type=FiniteFloatRange(min=0, max=1, min_open=True, max_open=True),
    help="Funnel plots: false discovery rate (Benjamini-Hochberg) an alarm must meet across the units.",
)
@click.option(
    "--overdispersion",
    type=click.Choice(["none", "multiplicative", "additive"]),
    default="none",
    show_default=True,
    help="Funnel plots: allow for overdispersion (Spiegelhalter 2005): a factor phi or a variance tau^2.",
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
    warm_up_days: int,
    window_offset: int,
    funnel_test: str,
    fdr: float,
    overdispersion: str,
    as_of: datetime | None,
) -> None:
    """Write rates with confidence intervals, funnel plots, CUSUM cluster alerts and an HTML summary."""
    from mesosafe.clinic_safety.clusters import today_or_latest
    from mesosafe.clinic_safety.cusum import CusumDesign
    from mesosafe.clinic_safety.funnel import FunnelDesign
    from mesosafe.clinic_safety.report import ReportSettings, check_out_dir, write_report

    with input_errors():
        check_out_dir(out_dir)
        tables = _tables(treatments, complications, demo_data, from_db, seed)
        day = None if as_of is None else as_of.date().isoformat()
        if from_db and day is None:  # the database is current: its last observed day is today
            day = today_or_latest(tables, datetime.now(UTC).date())
        design = CusumDesign(
            window_days=window_days,
            rate_ratio=rate_ratio,
            threshold=h,
            as_of=day,
            warm_up_days=warm_up_days,
            window_offset_days=window_offset,
        )
        funnel = FunnelDesign(test=funnel_test, fdr=fdr, overdispersion=overdispersion)  # type: ignore[arg-type]
        source = _source(treatments, complications, demo_data, seed)
        summary = write_report(tables, out_dir, ReportSettings(design, funnel), source)
    for note in summary.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(_last_line(summary, out_dir))
