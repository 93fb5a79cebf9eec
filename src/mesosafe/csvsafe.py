"""Cells a spreadsheet would run as a formula are written as text (OWASP, "CSV Injection").

A text cell that starts with = + - @ or a tab or carriage return gets a leading apostrophe, so Excel,
LibreOffice and Google Sheets show it as written. Numbers stay numbers: a negative IC is written as -0.5.
Every CSV the project writes passes its cells through `safe_cell`.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The same rule as a regular expression, for column-wise writers (pyarrow's RE2, pandas)
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def safe_cell(value: object) -> object:
    """The value to write: text starting like a formula is prefixed with ', anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list[object] | tuple[object, ...]) -> list[object]:
    """Every cell of one row through `safe_cell`."""
    return [safe_cell(value) for value in values]
