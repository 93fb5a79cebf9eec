"""Writing results atomically: a temporary file beside the target, renamed only on success."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from mesosafe.lib.analysis_input import AnalysisInputError

TABLE_SUFFIXES = (".csv", ".parquet")


def check_output_path(
    path: str | os.PathLike[str], suffixes: tuple[str, ...] | None = TABLE_SUFFIXES
) -> Path:
    """The parent directory exists and the suffix is one we write; checked before any work is done."""
    target = Path(path)
    if suffixes and target.suffix.lower() not in suffixes:
        raise AnalysisInputError(f"output file {str(target)!r} must end in {' or '.join(suffixes)}")
    if not target.parent.is_dir():
        raise AnalysisInputError(f"output directory {str(target.parent)!r} does not exist")
    if target.is_dir():
        raise AnalysisInputError(f"output {str(target)!r} is a directory")
    return target


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto the target if no error occurs."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    os.chmod(temp, 0o644)
    try:
        yield Path(temp)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def write_table(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """CSV or Parquet by suffix; floating point values are written at full (round-trip) precision."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    writer: Callable[[pa.Table, Path], Any]
    if Path(path).suffix.lower() == ".parquet":
        writer = lambda t, p: pq.write_table(t, p)  # noqa: E731
    else:
        writer = lambda t, p: pacsv.write_csv(t, p)  # noqa: E731
    with atomic_path(path) as temp:
        writer(table, temp)


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as temp:
        temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
