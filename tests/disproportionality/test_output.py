from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from mesosafe.disproportionality.output import atomic_path, check_output_path, write_table
from mesosafe.lib.analysis_input import AnalysisInputError


def test_floats_are_written_at_full_precision(tmp_path: Path) -> None:
    value = 0.1 + 0.2
    write_table(pa.table({"e": [value]}), tmp_path / "t.csv")
    assert pacsv.read_csv(tmp_path / "t.csv").column("e").to_pylist() == [value]


def test_a_failed_write_leaves_neither_target_nor_temporary_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "t.csv") as temp:
        temp.write_text("half")
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("t.txt", r"must end in \.csv or \.parquet"), ("missing/t.csv", "does not exist")],
)
def test_bad_output_paths_are_refused(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        check_output_path(tmp_path / name)
