from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from mesosafe.disproportionality.output import (
    atomic_path,
    check_output_path,
    csv_pieces,
    csv_safe,
    write_table,
    write_text,
    writing,
)
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


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644)])
def test_an_output_has_the_mode_the_umask_allows(tmp_path: Path, umask: int, mode: int) -> None:
    """The CLI sets umask 077: `mesosafe signals` output was 0644 whatever it was (review)."""
    before = os.umask(umask)
    try:
        write_text("counts", tmp_path / "t.txt")
    finally:
        os.umask(before)
    assert (tmp_path / "t.txt").stat().st_mode & 0o777 == mode


@pytest.mark.parametrize(
    ("name", "message"),
    [("t.txt", r"must end in \.csv or \.parquet"), ("missing/t.csv", "does not exist")],
)
def test_bad_output_paths_are_refused(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        check_output_path(tmp_path / name)


def test_csv_pieces_join_to_one_csv_with_formulas_escaped(tmp_path: Path) -> None:
    table = pa.table(
        {
            "product": ["=cmd", "a", None, "+1", "b", "@x"],
            "e": [0.1 + 0.2, -1.5, float("nan"), float("inf"), 2.0, 1e-300],
        }
    )
    write_table(table, tmp_path / "whole.csv")
    text = b"".join(bytes(piece) for piece in csv_pieces(csv_safe(table), rows=4, threads=2))
    assert text == (tmp_path / "whole.csv").read_bytes()
    pacsv.write_csv(csv_safe(table), tmp_path / "at-once.csv")
    assert text == (tmp_path / "at-once.csv").read_bytes()
    assert text.count(b'"product","e"') == 1  # the header once
    assert pacsv.read_csv(tmp_path / "whole.csv").column("product").to_pylist() == [
        "'=cmd",
        "a",
        "",
        "'+1",
        "b",
        "'@x",
    ]  # fmt: skip  (a null is an empty cell)


def test_an_empty_table_is_its_header(tmp_path: Path) -> None:
    write_table(pa.table({"n": pa.array([], pa.int64())}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == '"n"\n'


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be made")
def test_a_directory_that_cannot_be_written_is_refused_naming_the_option() -> None:
    with pytest.raises(AnalysisInputError, match=r"^cannot write --out '/proc/x\.csv': "):
        check_output_path("/proc/x.csv", option="--out")
    with pytest.raises(AnalysisInputError, match=r"^cannot write '/proc/x\.json': "):
        check_output_path("/proc/x.json", (".json",))  # the option is optional (backward compatible)


def test_the_writability_check_leaves_nothing_behind(tmp_path: Path) -> None:
    assert check_output_path(tmp_path / "t.csv", option="--out") == tmp_path / "t.csv"
    assert list(tmp_path.iterdir()) == []


def test_an_error_while_writing_names_the_option(tmp_path: Path) -> None:
    with (
        pytest.raises(AnalysisInputError, match=r"cannot write --hyper-out '.*p\.json': No space left"),
        writing(tmp_path / "p.json", "--hyper-out"),
    ):
        raise OSError(28, "No space left on device")


def test_a_dictionary_column_is_written_as_plain_text(tmp_path: Path) -> None:
    """``interval_note`` is dictionary-encoded in memory; Spark's executors write text as text, so DuckDB's
    run writes it so too (the two engines' files have the same schema)."""
    import pyarrow.parquet as pq

    notes = pa.DictionaryArray.from_arrays(pa.array([0, None, 1], pa.int8()), pa.array(["a", "b"]))
    write_table(pa.table({"interval_note": notes}), tmp_path / "t.parquet")
    written = pq.read_table(tmp_path / "t.parquet").column("interval_note")
    assert written.type == pa.string() and written.to_pylist() == ["a", None, "b"]
