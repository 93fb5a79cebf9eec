"""Arrow arrays from NumPy arrays and Python lists, and back, without importing pandas.

``pa.array``, ``Array.to_numpy``, ``ChunkedArray.to_numpy`` and ``pa.scalar`` each import pandas on first
use (only to ask whether the value is a pandas object): about 0.7 s of a signals run that never uses
pandas. These build the same arrays from their buffers instead: the same types, the same values (a NaN
stays a NaN, not a null), no nulls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

OFFSET_LIMIT = 2**31 - 1  # a ``string`` array's offsets are 32-bit


def from_numpy(values: npt.ArrayLike) -> pa.Array:
    """A one-dimensional NumPy array of numbers or booleans as an Arrow array without nulls."""
    array = np.ascontiguousarray(values)
    if array.ndim != 1:
        raise ValueError("expected a one-dimensional array")
    if array.dtype == np.bool_:
        bits = np.packbits(array, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(array), [None, pa.py_buffer(bits)])
    return pa.Array.from_buffers(pa.from_numpy_dtype(array.dtype), len(array), [None, pa.py_buffer(array)])


def to_numpy(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[Any]:
    """The values of a numeric Arrow column without nulls as a NumPy array (a copy only if chunked)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.null_count or not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        raise ValueError(f"expected numbers without nulls, not {array.type} with {array.null_count} nulls")
    dtype = np.dtype(array.type.to_pandas_dtype())
    data = array.buffers()[1]
    if data is None:  # an empty array may have no buffer
        return np.empty(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=array.offset + len(array))[array.offset :]


def strings(values: Sequence[str]) -> pa.Array:
    """A ``string`` array of Python strings (none of them None)."""
    encoded = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    if offsets[-1] > OFFSET_LIMIT:
        raise ValueError("the strings do not fit one Arrow string array (over 2 GiB)")
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def integers(values: Sequence[int] | range, dtype: npt.DTypeLike = np.int64) -> pa.Array:
    """An integer array of Python integers."""
    return from_numpy(np.asarray(values, dtype=dtype))


def table(columns: dict[str, pa.Array | pa.ChunkedArray | npt.NDArray[Any]]) -> pa.Table:
    """A table of named Arrow arrays or NumPy arrays (converted with :func:`from_numpy`)."""
    arrays = [c if isinstance(c, pa.Array | pa.ChunkedArray) else from_numpy(c) for c in columns.values()]
    return pa.Table.from_arrays(arrays, names=list(columns))
