"""`mesosafe signals`: disproportionality signals (``mesosafe.disproportionality``).

The command parses its arguments into ``RunSettings`` and calls ``pipeline.run``; it only adds what is
the shell's: the clinic database's export (``--from-db``), the progress display and what is printed.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from click.core import ParameterSource

from mesosafe.cli.analysis import FiniteFloatRange, database_errors, database_export, input_errors, progress
from mesosafe.cli.common import BadInput

# stats.MIN_INTERVAL_REPORTS, kept here so that parsing the options imports no SciPy: no ROR interval is
# given from fewer reports (Evans et al. 2001), so a lower --ror-n would change nothing and is refused
MIN_ROR_N = 3
# Evans et al. (2001)'s own N >= 3 of their rule. Below it PRR >= 2 and Yates's chi-square >= 4 hold for
# almost any rare pair: --evans-n 1 flagged 12,433 of CAERS's 17,189 pairs (11,681 from one report), --evans-n
# 2 752, none of those with N < 3 backed by EB05 or IC025; a flag named for Evans's rule would mislead
MIN_EVANS_N = 3

if TYPE_CHECKING:
    from mesosafe.disproportionality.hierarchy import Rollup
    from mesosafe.disproportionality.settings import RunSettings
    from mesosafe.disproportionality.sources import SourceSpec
    from mesosafe.registry.export import By


def _spark_master(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from mesosafe.disproportionality.spark import check_spark_master
    from mesosafe.lib.analysis_input import AnalysisInputError

    if value is None:
        return None
    try:
        return check_spark_master(value)
    except AnalysisInputError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _spark_conf(items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from mesosafe.disproportionality.spark import parse_conf

    return parse_conf(items)


# Said under the printed table when a cell of it is infinite or empty (docs/signals.md, "Zero cells")
TOP_CAPTION = (
    "{inf}: the ratio has a zero cell below it (c = 0 for PRR; b or c = 0 for ROR): the event was reported "
    "only with the product, or the product only with it. Empty: no value (no 95% interval from fewer than 3 "
    "reports or with a zero cell; no EB scores). The output file keeps inf and NaN; interval_note says why."
)


def _shown(value: float | None, inf: str = "∞") -> str:
    """A measure in the printed table: an infinite ratio as ∞ (`inf` where the output cannot write ∞), no
    value (None, NaN) as nothing."""
    if value is None or math.isnan(value):
        return ""
    return (inf if value > 0 else f"-{inf}") if math.isinf(value) else f"{value:.4g}"


def _infinity(encoding: str) -> str:
    """∞, or inf on an output whose encoding has no ∞ (a Latin-1 locale's file, a Windows console): printing
    it there was a UnicodeEncodeError after all the work."""
    try:
        "∞".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "inf"
    return "∞"


def _print_top(table: Any, top: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from mesosafe.disproportionality.pipeline import last_period, strength_keys, strongest

    rows = strongest(table, top).to_pylist()
    keys = " then ".join(strength_keys(last_period(table)))
    shown = Table(title=f"Strongest {len(rows)} signals (by {keys})")
    numbers = ("e", "ebgm", "eb05", "eb95", "prr", "prr_lower", "chi2_yates", "ror", "ic025")
    for name in ("product", "event", "n", *numbers):
        shown.add_column(name, justify="left" if name in ("product", "event") else "right")
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    inf = _infinity(console.encoding)
    for row in rows:
        cells = [_shown(row[k], inf) for k in numbers]
        shown.add_row(str(row["product"]), str(row["event"]), str(row["n"]), *cells)
        if any(cell in ("", inf, f"-{inf}") for cell in cells):
            shown.caption = TOP_CAPTION.format(inf=inf)
    console.print(shown)


def _warn_degenerate(result: Any) -> None:
    """A degenerate prior is said on stderr whatever --quiet says (and in the provenance record)."""
    fits = result.periods or [("", result.fit)]
    for label, fit in fits:
        if fit.degenerate:
            what = (
                "empty" if result.record.get("degenerate_prior") == "empty" else "kept, but not to be trusted"
            )
            where = f" ({label})" if label else ""
            click.echo(
                f"Warning: the prior fit{where} is degenerate ({'; '.join(fit.degenerate)}); the EB columns "
                f"(ebgm, eb05, eb95, post_h0, flag_eb05, flag_fdr) are {what}. See docs/signals.md.",
                err=True,
            )


def _warn_strata(result: Any) -> None:
    """Strata that may hide signals are said on stderr whatever --quiet says (and in the record)."""
    for warning in result.record.get("strata_warnings", []):
        click.echo(f"Warning: {warning}. See docs/signals.md.", err=True)


def _note_fdr_ties(result: Any) -> None:
    """A tie at the FDR flag's cutoff left unflagged is said on stderr whatever --quiet says (and in the
    record): those pairs were flagged, some of them, before."""
    for note in result.record.get("fdr_ties", []):
        click.echo(f"Note: {note}. See docs/signals.md.", err=True)


def _export_reports(by: By) -> Path:
    """Export the database's reports to a temporary Parquet file, removed when the command ends."""
    import shutil
    import tempfile

    with database_errors():
        frame = database_export().reports(by)
    if frame.empty:
        raise BadInput("the clinic database has no complications to analyse")
    folder = Path(tempfile.mkdtemp(prefix="mesosafe-signals-"))
    click.get_current_context().call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    path = folder / "reports.parquet"
    frame.to_parquet(path)
    return path


def _settings(options: dict[str, Any]) -> RunSettings:
    from mesosafe.disproportionality import sources
    from mesosafe.disproportionality.flags import Thresholds
    from mesosafe.disproportionality.settings import RunSettings

    source, rollup = _input_options(options)
    columns = sources.default_columns(
        source.format,
        options["product_col"],
        options["event_col"],
        options["id_col"],
        options["strata"],
        options["date_col"],
    )
    thresholds = Thresholds(
        eb05=options["eb05_threshold"],
        evans_prr=options["evans_prr"],
        evans_chi2=options["evans_chi2"],
        evans_n=options["evans_n"],
        ic025=options["ic025_threshold"],
        ror_lower=options["ror_lower_threshold"],
        ror_n=options["ror_n"],
        fdr=options["fdr_level"],
    )
    return RunSettings(
        columns=columns,
        margins=options["margins"],
        engine=options["engine"],
        master=options["master"],
        spark_conf=_spark_conf(options["spark_conf"]),
        prior_selection=options["prior_selection"],
        max_strata_levels=options["max_strata_levels"],
        names=options["names"],
        degenerate_prior=options["degenerate_prior"],
        thresholds=thresholds,
        min_n=options["min_n"],
        period=options["period"],
        input=source,
        rollup=rollup,
        source=options["source"],
        out=_out_path(options["out_path"], options["engine"]),
        hyper_out=options["hyper_out"],
    )


def _out_path(out: str | None, engine: str) -> str | Path | None:
    """--out: a local file for DuckDB; for Spark any path Spark writes to (a URL keeps its ``//``)."""
    if out is None or engine == "spark":
        return out
    return Path(out)


def _input_options(options: dict[str, Any]) -> tuple[SourceSpec, Rollup | None]:
    """--input-format (auto: by the input's names), --drug-roles, --hierarchy and --event-level."""
    from mesosafe.disproportionality import faers, sources
    from mesosafe.disproportionality.hierarchy import Rollup

    paths = options["input_paths"]
    kind = sources.detect(paths) if options["input_format"] == "auto" else options["input_format"]
    roles = options["drug_roles"]
    if roles is not None and kind == "long":
        raise click.BadOptionUsage("drug_roles", "--drug-roles is for FAERS and E2B input")
    spec = sources.SourceSpec(kind, tuple(roles.split(",")) if roles is not None else faers.DEFAULT_ROLES)
    if options["hierarchy"] is None:
        return spec, None
    return spec, Rollup(options["hierarchy"], options["event_level"])


# What --from-db decides itself: the database's reports are long rows (id, product, event), no strata or date
SET_BY_FROM_DB = ("input_format", "drug_roles", "id_col", "product_col", "event_col", "strata", "date_col")


def _given(ctx: click.Context, name: str) -> bool:
    """The user gave the option; one left at its default value is not given."""
    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


def _option_name(ctx: click.Context, name: str) -> str:
    return next(param.opts[0] for param in ctx.command.params if param.name == name)


def _refuse_ignored(ctx: click.Context, from_db: bool, options: dict[str, Any]) -> None:
    """An option given where it would have no effect is refused, naming it."""
    spark = options["engine"] == "spark"
    rules = [
        ("by", from_db, "needs --from-db"),
        ("event_level", options["hierarchy"] is not None, "needs --hierarchy FILE"),
        ("max_strata_levels", bool(options["strata"]), "needs --strata"),
        ("master", spark, "needs --engine spark"),
        ("spark_conf", spark, "needs --engine spark"),
    ]
    why = "cannot be used with --from-db (its reports are complications: id, products, symptom codes)"
    rules += [(name, not from_db, why) for name in SET_BY_FROM_DB]
    rules.append(("date_col", options["period"] == "quarter", "needs --period quarter"))
    for name, allowed, reason in rules:
        if not allowed and _given(ctx, name):
            raise click.BadOptionUsage(name, f"{_option_name(ctx, name)} {reason}", ctx)


def _refuse_quarters_from_db(ctx: click.Context, from_db: bool, period: str) -> None:
    """The database's reports have no date (--date is refused with --from-db): refused before the export,
    with the words the pipeline would use after it."""
    from mesosafe.disproportionality.settings import QUARTERS_NEED_DATE

    if from_db and period == "quarter":
        raise click.BadOptionUsage("period", QUARTERS_NEED_DATE, ctx)


def _flag_options(command: Any) -> Any:
    """The screening flags' thresholds (docs/signals.md, "Flags")."""
    finite = FiniteFloatRange
    for option in reversed(
        [
            click.option("--eb05-threshold", type=finite(min=0), default=2.0, show_default=True,
                         help="flag_eb05: EB05 at least this (FDA)."),
            click.option("--evans-prr", type=finite(min=0), default=2.0, show_default=True,
                         help="flag_evans: PRR at least this ..."),
            click.option("--evans-chi2", type=finite(min=0), default=4.0, show_default=True,
                         help="... and Yates's chi-square at least this ..."),
            click.option("--evans-n", type=click.IntRange(min=MIN_EVANS_N), default=MIN_EVANS_N,
                         show_default=True, help="... and N at least this (Evans et al. 2001; not below 3)."),
            click.option("--ic025-threshold", type=finite(), default=0.0, show_default=True,
                         help="flag_ic025: IC025 above this."),
            click.option("--ror-lower-threshold", type=finite(min=0), default=1.0, show_default=True,
                         help="flag_ror: the lower 95% bound of ROR above this ..."),
            click.option("--ror-n", type=click.IntRange(min=MIN_ROR_N), default=MIN_ROR_N, show_default=True,
                         help="... and N at least this (routine ROR screening; no interval below 3)."),
            click.option("--fdr-level", type=finite(min=0, max=1, min_open=True, max_open=True), default=0.05,
                         show_default=True, help="flag_fdr: Bayesian FDR level on P(lambda <= 1 | N)."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_paths", metavar="[INPUT]...", nargs=-1, type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--input-format",
    type=click.Choice(["auto", "long", "faers", "e2b"]),
    default="auto",
    show_default=True,
    help="long: a CSV/Parquet file, one row per report x product x event; faers: FDA's quarterly ASCII "
    "files (DEMO/DRUG/REAC yyQq.txt, or directories of them); e2b: ICH E2B(R3) XML files (or directories); "
    "auto: by the names given.",
)
@click.option(
    "--drug-roles",
    default=None,
    help="FAERS and E2B: the drug roles counted, comma-separated from PS, SS, C, I (default PS,SS; "
    "in E2B PS and SS both mean suspect).",
)
@click.option(
    "--hierarchy",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A term hierarchy CSV with columns PT, HLT, HLGT, SOC (and optionally LLT); MedDRA is not shipped.",
)
@click.option(
    "--event-level",
    type=click.Choice(["pt", "hlt", "hlgt", "soc"]),
    default="pt",
    show_default=True,
    help="With --hierarchy: count each report once per term at this level.",
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
@click.option("--id", "id_col", default=None, help="Report id column (CSV/Parquet; default id).")
@click.option(
    "--product",
    "product_col",
    default=None,
    help="Product column (default product); FAERS: a DRUG column (drugname, or prod_ai); E2B: name.",
)
@click.option(
    "--event",
    "event_col",
    default=None,
    help="Event column (default event); FAERS: a REAC column (pt); E2B: meddra_code or reported_term.",
)
@click.option("--strata", multiple=True, help="Stratum column (repeatable); E is summed over strata.")
@click.option(
    "--date", "date_col", default=None, help="Report date column (YYYY-MM-DD), for --period quarter."
)
@click.option(
    "--period",
    type=click.Choice(["all", "quarter"]),
    default="all",
    show_default=True,
    help="quarter: cumulative scores at the end of every quarter (a 'period' column; needs --date).",
)
@click.option(
    "--names",
    type=click.Choice(["normalised", "as-written"]),
    default="normalised",
    show_default=True,
    help="normalised: product and event names trimmed, spaces collapsed, Unicode NFC, lower-cased.",
)
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option(
    "--master",
    default=None,
    callback=_spark_master,
    help="Spark master URL: local[N], local[*], spark://HOST:PORT, yarn, k8s://URL "
    "(default: spark-submit's --master, or local[*]).",
)
@click.option(
    "--conf",
    "spark_conf",
    multiple=True,
    metavar="KEY=VALUE",
    help="A Spark setting, as spark-submit's --conf (repeatable; with --engine spark).",
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
    "--degenerate-prior",
    type=click.Choice(["empty", "keep"]),
    default="empty",
    show_default=True,
    help="When the prior fit is degenerate: leave the EB columns empty, or keep them (with the warning).",
)
@click.option(
    "--min-n",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Leave out pairs with fewer reports (the prior is fitted on all pairs).",
)
@_flag_options
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=str),
    help="Write all pairs (.csv or .parquet; with --engine spark a Parquet directory, any path Spark "
    "writes to).",
)
@click.option(
    "--hyper-out",
    type=click.Path(path_type=Path),
    help="Write the prior's hyperparameters and the run's provenance (.json).",
)
@click.option("--top", type=click.IntRange(min=1), default=None, help="Print the N strongest signals.")
@click.option("--quiet", is_flag=True, help="No progress display.")
def signals(
    input_paths: tuple[str, ...], from_db: bool, by: str, top: int | None, quiet: bool, **options: Any
) -> None:
    """Disproportionality signals (N, E, RR, PRR, ROR, IC, EBGM, EB05, EB95) for product × event pairs.

    INPUT is a CSV or Parquet file in long format: one row per (report, product, event); or FAERS
    quarterly ASCII files, or E2B(R3) XML files (one or more, or directories of them); or use --from-db.
    Without --out or --top the full table is written to stdout as CSV. With --out, the run's provenance
    (input SHA-256, columns, margins, strata, prior and its likelihood, version, time) is written beside
    it as <name>.run.json. An option that would have no effect (--by without --from-db, --id with it …)
    is refused.
    """
    from mesosafe.disproportionality import pipeline

    if from_db == bool(input_paths):
        raise click.UsageError("give either INPUT or --from-db")
    ctx = click.get_current_context()
    _refuse_ignored(ctx, from_db, options)
    _refuse_quarters_from_db(ctx, from_db, options["period"])
    options["source"] = "file"
    if from_db:
        input_paths = (str(_export_reports(cast("By", by))),)
        options.update(id_col="id", product_col="product", event_col="event", input_format="long")
        options["source"] = f"clinic database (--from-db --by {by})"
    options["input_paths"] = input_paths
    with input_errors():
        settings = _settings(options)
        run_on = input_paths[0] if settings.input.format == "long" and len(input_paths) == 1 else input_paths
        # Spark streams the table to stdout itself, from the executors, a partition at a time
        sink = sys.stdout.buffer if top is None and settings.out is None else None
        with progress(not quiet) as hook:
            result = pipeline.run(run_on, settings, hook, top=top, sink=sink)
    if result.fit.collapsed or not quiet:
        click.echo(f"prior: {result.fit.message}", err=True)
    _warn_degenerate(result)
    _note_fdr_ties(result)
    _warn_strata(result)
    if top is not None:
        _print_top(result.table, top)
    elif settings.out is None and settings.engine != "spark":
        from mesosafe.disproportionality.output import write_csv

        write_csv(result.table, sys.stdout.buffer)


def _diff_summary(changes: list[str]) -> str:
    """How many pairs have each kind of change (a pair with two kinds counts under both)."""
    from mesosafe.disproportionality.diff import CHANGE_ORDER

    kinds = [change.split("; ") for change in changes]
    counts = ", ".join(f"{sum(kind in found for found in kinds)} {kind}" for kind in CHANGE_ORDER)
    return f"{counts} ({len(kinds)} pairs changed)"


@click.command("signals-diff", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("old", type=click.Path(dir_okay=True, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=True, path_type=Path))
@click.option(
    "--out", "out_path", type=click.Path(path_type=Path), help="Write the changes (.csv or .parquet)."
)
def signals_diff(old: Path, new: Path, out_path: Path | None) -> None:
    """New signals and pairs that crossed a flag between two `mesosafe signals` tables (OLD, then NEW).

    Without --out the changes are written to stdout as CSV; a count of each kind goes to stderr.
    """
    from mesosafe.disproportionality import output
    from mesosafe.disproportionality.diff import diff_tables

    with input_errors():
        if out_path is not None:
            output.check_output_path(out_path, option="--out")
        changes = diff_tables(old, new)
        if out_path is not None:
            with output.writing(out_path, "--out"):
                output.write_table(changes, out_path)
    click.echo(_diff_summary(changes.column("change").to_pylist()), err=True)
    if out_path is None:
        output.write_csv(changes, sys.stdout.buffer)
