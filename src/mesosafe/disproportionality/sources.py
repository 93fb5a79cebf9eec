"""The input formats a run reads, and the long file each becomes for the reading step.

``long`` (CSV/Parquet, one row per report × product × event) is read as it is. ``faers`` (FDA's
quarterly ASCII files, ``faers.py``) and ``e2b`` (ICH E2B(R3) XML, ``icsr.py``) are read, checked and
de-duplicated (the latest version of each case), and written as a long Parquet file in a temporary
directory that the rest of the pipeline — either engine — reads like any other input, and that is
removed when the run ends. The input's provenance names the files given (each with its SHA-256), the
format, the drug roles and what the reading kept and dropped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mesosafe.disproportionality import faers, icsr
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.files import sql_string
from mesosafe.lib.analysis_input import AnalysisInputError, input_format

Format = Literal["long", "faers", "e2b"]
FORMATS: tuple[Format, ...] = ("long", "faers", "e2b")
DEFAULT_FIELDS: dict[Format, tuple[str, str]] = {
    "long": ("product", "event"),
    "faers": ("drugname", "pt"),
    "e2b": ("name", "meddra_code"),
}
Paths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


@dataclass(frozen=True)
class SourceSpec:
    """``--input-format`` and ``--drug-roles`` (FAERS ``role_cod``; for E2B PS/SS mean suspect)."""

    format: Format = "long"
    drug_roles: tuple[str, ...] = faers.DEFAULT_ROLES


@dataclass(frozen=True)
class LongSource:
    """What the reading step reads: a long file and its columns; for FAERS and E2B also the files given
    and what the provenance says of the reading (``details``; None: the long file is the input)."""

    path: Path
    columns: LongColumns
    files: tuple[Path, ...] = ()
    details: dict[str, Any] | None = field(default=None)


def as_paths(paths: Paths) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


def detect(paths: Paths) -> Format:
    """The format of the input: ``.xml`` files (or a directory of them) are E2B, FAERS ASCII file names
    (or a directory holding a DEMOyyQq.txt) FAERS, anything else the long table (CSV/Parquet)."""
    files = as_paths(paths)
    for path in files:
        if path.is_dir():
            if any(faers.FILE_NAME.fullmatch(p.name) for p in path.rglob("*")):
                return "faers"
            if any(p.suffix.lower() == ".xml" for p in path.rglob("*")):
                return "e2b"
        elif faers.FILE_NAME.fullmatch(path.name):
            return "faers"
        elif path.suffix.lower() == ".xml":
            return "e2b"
    return "long"


def default_columns(
    format: Format,
    product: str | None = None,
    event: str | None = None,
    report_id: str | None = None,
    strata: Sequence[str] = (),
    date: str | None = None,
) -> LongColumns:
    """The columns (or fields) of a format, with its defaults for those not given."""
    default_product, default_event = DEFAULT_FIELDS[format]
    if format != "long" and report_id is not None:
        raise AnalysisInputError(
            f"--id is for CSV/Parquet input; {format.upper()} reports are "
            + ("their caseid" if format == "faers" else "their safety report id (C.1.1)")
        )
    return LongColumns(
        report_id or "id", product or default_product, event or default_event, tuple(strata), date
    )


def _long_columns(columns: LongColumns) -> LongColumns:
    return LongColumns(
        "report_id", "product", "event", columns.strata, "report_date" if columns.date else None
    )


def _faers(paths: list[Path], spec: SourceSpec, columns: LongColumns, folder: Path) -> LongSource:
    import duckdb

    quarters = faers.find_quarters(paths)
    deletions = faers.find_deletions(paths)
    fields = faers.FaersFields(
        columns.product.lower(), columns.event.lower(), tuple(s.lower() for s in columns.strata),
        columns.date.lower() if columns.date else None, faers.check_roles(spec.drug_roles),
    )  # fmt: skip
    stats = faers.FaersStats()
    out = folder / "faers_long.parquet"
    con = duckdb.connect()
    try:
        sql = faers.long_sql(con, quarters, fields, stats, deletions)
        con.execute(f"COPY ({sql}) TO {sql_string(str(out))} (FORMAT parquet)")
        rows = int(con.sql(f"SELECT COUNT(*) FROM read_parquet({sql_string(str(out))})").fetchall()[0][0])
    finally:
        con.close()
    if rows == 0:
        raise AnalysisInputError(
            f"no FAERS case in {', '.join(stats.quarters)} has a drug with role "
            f"{', '.join(fields.roles)} and a reaction"
        )
    files = [q.files[kind] for q in quarters for kind in faers.KINDS] + deletions
    record = {
        "format": "faers",
        "report_id": "caseid (the latest caseversion of each; cases in DELETE files left out)",
        "product": f"DRUG {fields.product}",
        "event": f"REAC {fields.event}",
        "drug_roles": list(fields.roles),
        "faers": stats.record(),
    }
    lowered = LongColumns(columns.id, fields.product, fields.event, fields.strata, fields.date)
    return LongSource(out, _long_columns(lowered), tuple(files), record)


def _e2b(paths: list[Path], spec: SourceSpec, columns: LongColumns, folder: Path) -> LongSource:
    import pyarrow.parquet as pq

    if columns.strata:
        raise AnalysisInputError("--strata is not available with E2B input")
    files = icsr.xml_files(paths)
    roles = faers.check_roles(spec.drug_roles)
    fields = icsr.IcsrFields(columns.product, columns.event, columns.date, roles)
    table = icsr.long_rows(files, fields)
    out = folder / "e2b_long.parquet"
    pq.write_table(table, out)
    record = {
        "format": "e2b",
        "report_id": "C.1.1 safety report id (the latest C.1.5 of each)",
        "product": "G.k.2.2 product name",
        "event": "E.i.2.1b MedDRA code" if fields.event == "meddra_code" else "E.i.1.1a reported term",
        "drug_roles": list(roles),
        "e2b": fields.stats.record(),
    }
    return LongSource(out, _long_columns(columns), tuple(files), record)


@contextmanager
def long_source(paths: Paths, spec: SourceSpec, columns: LongColumns) -> Iterator[LongSource]:
    """The long file to read for ``paths`` in the format of ``spec`` (a temporary one for FAERS and E2B)."""
    files = as_paths(paths)
    if spec.format not in FORMATS:
        raise AnalysisInputError(f"--input-format must be one of {', '.join(FORMATS)}, not {spec.format!r}")
    if spec.format == "long":
        if len(files) != 1:
            raise AnalysisInputError("CSV/Parquet input is one file; several inputs are for FAERS or E2B")
        input_format(files[0])
        yield LongSource(files[0], columns)
        return
    folder = Path(tempfile.mkdtemp(prefix=f"mesosafe-{spec.format}-"))
    try:
        convert = _faers if spec.format == "faers" else _e2b
        yield convert(files, spec, columns, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
