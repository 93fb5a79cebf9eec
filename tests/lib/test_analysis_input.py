from __future__ import annotations

from pathlib import Path

import pytest

from mesosafe.lib.analysis_input import (
    AnalysisInputError,
    control_character,
    control_error,
    input_format,
    unwritable,
)


def test_formats(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "a.tsv.gz").write_bytes(b"\x1f\x8b")
    (tmp_path / "a.parquet").write_bytes(b"PAR1")
    assert [input_format(tmp_path / n) for n in ("a.csv", "a.tsv.gz", "a.parquet")] == [
        "csv",
        "csv",
        "parquet",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", "{}", r"must be \.csv or \.parquet"),
        ("empty.csv", "", "is empty"),
        ("missing.csv", None, "does not exist"),
    ],
)
def test_bad_paths_are_named(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(AnalysisInputError, match=message):
        input_format(tmp_path / name)
    with pytest.raises(AnalysisInputError, match="directory"):
        input_format(tmp_path)


def test_unwritable_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    assert unwritable(tmp_path, ".out.") is None and list(tmp_path.iterdir()) == []
    found = unwritable("/proc", ".out.")  # a virtual file system: nothing can be created in it
    assert isinstance(found, OSError) and found.strerror


@pytest.mark.parametrize(
    ("value", "found"),
    [("b\x00c", "\x00"), ("a\x07", "\x07"), ("\u0085", "\u0085"), ("a\tb", None), (7, None)],
)
def test_control_character(value: object, found: str | None) -> None:
    assert control_character(value) == found


def test_one_wording_names_where_and_the_code_point() -> None:
    error = control_error("'a.csv' line 3, field 'pt'", "x\x1by", " (read as Latin-1)")
    assert str(error) == (
        "'a.csv' line 3, field 'pt' has a control character (U+001B) (read as Latin-1); "
        "no name, code or id holds one: correct the file"
    )
