"""What both registry analyses (disproportionality, clinic safety) share about their input files.

An error a user can cause with an input file or an option is an :class:`AnalysisInputError`; the CLI prints
it as one line and exits with code 2, the registry worker stores it as the report's failure message.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from mesosafe.engines.inputs import CONTROLS

SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class AnalysisInputError(ValueError):
    """Bad input: a missing column, an empty file, a wrong type, a bad value or option, a bad path."""


def control_character(value: Any) -> str | None:
    """The first control character (engines.inputs.CONTROLS) in a text value, or None."""
    if isinstance(value, str) and not CONTROLS.isdisjoint(value):
        return next(c for c in value if c in CONTROLS)
    return None


def control_error(subject: str, value: Any, after: str = "") -> AnalysisInputError:
    """The refusal of a control character in ``value``, read from ``subject`` (its file, row or case and
    column); ``after`` follows the character's code point."""
    character = control_character(value) or "\x00"
    return AnalysisInputError(
        f"{subject} has a control character (U+{ord(character):04X}){after}; no name, code or id holds one: "
        "correct the file"
    )


def input_format(path: str | os.PathLike[str]) -> str:
    """'csv' or 'parquet' for an existing, non-empty file (``.gz`` allowed); AnalysisInputError otherwise."""
    file = Path(path)
    if not file.exists():
        raise AnalysisInputError(f"input file {str(file)!r} does not exist")
    if file.is_dir():
        raise AnalysisInputError(f"input {str(file)!r} is a directory, not a file")
    name = file.name.lower().removesuffix(".gz")
    kind = next((v for k, v in SUFFIXES.items() if name.endswith(k)), None)
    if kind is None:
        raise AnalysisInputError(f"input file {str(file)!r} must be .csv or .parquet")
    if file.stat().st_size == 0:
        raise AnalysisInputError(f"input file {str(file)!r} is empty")
    return kind


def unwritable(folder: str | os.PathLike[str], prefix: str) -> OSError | None:
    """Why nothing can be created in ``folder``, or None. Tried the only sure way (permissions, read-only or
    virtual file systems): a temporary file named ``prefix``… is created there and removed."""
    try:
        handle, temp = tempfile.mkstemp(prefix=prefix, suffix=".check", dir=folder)
    except OSError as exc:
        return exc
    os.close(handle)
    os.unlink(temp)
    return None
