"""Writing results atomically: a temporary file beside the target, renamed only on success."""

from __future__ import annotations

import json
import os
import secrets
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from mesosafe.csvsafe import FORMULA_PATTERN
from mesosafe.lib.analysis_input import AnalysisInputError, unwritable

TABLE_SUFFIXES = (".csv", ".parquet")
CSV_PIECE_ROWS = 1 << 17


def check_output_path(
    path: str | os.PathLike[str],
    suffixes: tuple[str, ...] | None = TABLE_SUFFIXES,
    option: str | None = None,
) -> Path:
    """The parent directory exists and can be written, and the suffix is one we write; checked before any
    work is done. ``option`` (e.g. "--out") is named in the error."""
    target = Path(path)
    what = f"{option} " if option else "output "
    if suffixes and target.suffix.lower() not in suffixes:
        raise AnalysisInputError(f"{what}file {str(target)!r} must end in {' or '.join(suffixes)}")
    if not target.parent.is_dir():
        raise AnalysisInputError(f"{what}directory {str(target.parent)!r} does not exist")
    if target.is_dir():
        raise AnalysisInputError(f"{what}{str(target)!r} is a directory")
    check_writable(target, option)
    return target


def check_writable(path: str | os.PathLike[str], option: str | None = None) -> None:
    """A file can be created beside ``path`` (as ``atomic_path`` will), tried with a temporary file."""
    target = Path(path)
    if (exc := unwritable(target.parent, f".{target.name}.")) is not None:
        raise cannot_write(target, exc, option) from None


def cannot_write(path: str | os.PathLike[str], exc: OSError, option: str | None = None) -> AnalysisInputError:
    reason = exc.strerror or type(exc).__name__
    return AnalysisInputError(f"cannot write {f'{option} ' if option else ''}{str(path)!r}: {reason}")


@contextmanager
def writing(path: str | os.PathLike[str], option: str | None = None) -> Iterator[None]:
    """An OSError while writing an output (disk full, permissions changed) is the user's error naming it."""
    try:
        yield
    except OSError as exc:
        raise cannot_write(path, exc, option) from exc


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto the target if no error occurs."""
    target = Path(path)
    temp = _new_file(target.parent, f".{target.name}.")
    try:
        yield Path(temp)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _new_file(folder: Path, prefix: str) -> Path:
    """An empty file of a new name in ``folder``, its mode as the process umask allows (mkstemp's is 0600
    whatever the umask, and a chmod after it would have to read the umask, which only setting it can)."""
    while True:
        path = folder / f"{prefix}{secrets.token_hex(8)}.tmp"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path


def decoded(table: pa.Table) -> pa.Table:
    """The table with each dictionary-encoded column (``interval_note``) as plain values: a file written by
    DuckDB's run has the types of one written by Spark's executors, which cannot write a dictionary."""
    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


def csv_safe(table: pa.Table) -> pa.Table:
    """The table with each text cell that starts like a formula prefixed with ' (mesosafe.csvsafe), column by
    column in Arrow; numeric columns are untouched (a negative IC stays a number)."""
    import pyarrow.compute as pc

    columns = []
    for column in decoded(table).columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            # the pattern is anchored, so at most one match: the cell's first character, kept after the '
            column = pc.replace_substring_regex(column, FORMULA_PATTERN, "'\\0", max_replacements=1)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def csv_pieces(
    table: pa.Table, rows: int = CSV_PIECE_ROWS, threads: int | None = None
) -> Iterator[pa.Buffer]:
    """The CSV text of the table (header first), in pieces of ``rows`` rows formatted on ``threads`` threads
    (Arrow's formatting of numbers runs without the GIL), in order, at most two pieces per thread at once."""
    import pyarrow.csv as pacsv

    def piece(start: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        options = pacsv.WriteOptions(include_header=start == 0)
        pacsv.write_csv(table.slice(start, rows), sink, options)
        return sink.getvalue()

    starts = range(0, max(table.num_rows, 1), rows)
    workers = threads or min(len(starts), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[pa.Buffer]] = deque()
        for start in starts:
            pending.append(pool.submit(piece, start))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def write_csv(table: pa.Table, sink: Any) -> None:
    """Every CSV of the analysis (files and stdout) is written here, formula-looking cells escaped."""
    if isinstance(sink, str | os.PathLike):
        with open(sink, "wb") as handle:
            write_csv(table, handle)
        return
    for text in csv_pieces(csv_safe(table)):
        sink.write(text)


def write_table(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """CSV or Parquet by suffix; floating point values are written at full (round-trip) precision."""
    import pyarrow.parquet as pq

    with atomic_path(path) as temp:
        if Path(path).suffix.lower() == ".parquet":
            pq.write_table(decoded(table), temp)
        else:
            write_csv(table, temp)


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as temp:
        temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
