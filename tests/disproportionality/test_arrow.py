from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from mesosafe.disproportionality import arrow


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.5, np.nan, np.inf, -0.0]),
        np.arange(5, dtype=np.int64),
        np.array([3, 1], dtype=np.int32),
        np.array([True, False, True, True, False, False, False, False, True]),  # more than one byte
    ],
)
def test_from_numpy_builds_what_pa_array_builds(values: np.ndarray) -> None:
    built = arrow.from_numpy(values)
    assert built.type == pa.array(values).type
    assert built.null_count == 0  # a NaN stays a NaN
    assert built.to_pylist() == pytest.approx(values.tolist(), nan_ok=True)


def test_to_numpy_reads_chunks_and_slices() -> None:
    assert arrow.to_numpy(pa.chunked_array([[1, 2], [3]])).tolist() == [1, 2, 3]
    assert arrow.to_numpy(pa.array([1.0, 2.0, 3.0, 4.0]).slice(1, 2)).tolist() == [2.0, 3.0]
    assert arrow.to_numpy(pa.array([], pa.int64())).tolist() == []
    with pytest.raises(ValueError, match="without nulls"):
        arrow.to_numpy(pa.array([1, None]))


def test_strings_and_tables() -> None:
    names = arrow.strings(["a", "bé", "", "ليدوكائين"])
    assert names.type == pa.string() and names.to_pylist() == ["a", "bé", "", "ليدوكائين"]
    names.validate(full=True)
    table = arrow.table({"name": names, "code": arrow.integers(range(4), np.int32)})
    assert table.schema == pa.schema([("name", pa.string()), ("code", pa.int32())])


def test_none_of_them_imports_pandas() -> None:
    code = (
        "import sys, numpy as np\n"
        "from mesosafe.disproportionality import arrow\n"
        "t = arrow.table({'x': np.arange(3.0), 'f': np.ones(3, bool), 's': arrow.strings(['a', 'b', 'c'])})\n"
        "arrow.to_numpy(t.column('x'))\n"
        "assert 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
