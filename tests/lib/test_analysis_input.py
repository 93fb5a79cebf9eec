from __future__ import annotations

from pathlib import Path

import pytest

from mesosafe.lib.analysis_input import AnalysisInputError, input_format, unwritable


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
