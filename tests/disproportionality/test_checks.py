from __future__ import annotations

import math
from datetime import date

import pytest

from mesosafe.disproportionality.checks import (
    CONTROL_CLASS,
    check_distinct,
    date_problem,
    id_value,
    missing,
    type_family,
)
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.files import sql_string
from mesosafe.engines.inputs import CONTROLS
from mesosafe.lib.analysis_input import AnalysisInputError


@pytest.mark.parametrize(("value", "expected"), [(None, True), (math.nan, True), ("", True), (" \t", True),
                                                 ("x", False), (0, False), (0.0, False)])  # fmt: skip
def test_missing(value: object, expected: bool) -> None:
    assert missing(value) is expected


@pytest.mark.parametrize(
    ("duck_type", "family"),
    [
        ("VARCHAR", "string"),
        ("UBIGINT", "integer"),
        ("DATE", "date"),
        ("VARCHAR[]", "nested"),
        ("DOUBLE", "other"),
    ],
)
def test_type_family(duck_type: str, family: str) -> None:
    assert type_family(duck_type) == family


def test_whole_number_text_ids_compare_as_integers() -> None:
    assert id_value(" 01", True) == 1 and id_value(" 01", False) == " 01"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2024-02-29", None),
        (" 1678-01-01 ", None),
        ("2261-12-31", None),
        (date(2000, 1, 1), None),
        ("2023-02-29", "which is not a date (YYYY-MM-DD)"),
        ("5/1/2024", "which is not a date (YYYY-MM-DD)"),
        ("1677-12-31", "which is outside the years 1678–2261 (the dates the analysis can hold)"),
        ("0001-01-01", "which is outside the years 1678–2261 (the dates the analysis can hold)"),
        (date(2262, 1, 1), "which is outside the years 1678–2261 (the dates the analysis can hold)"),
    ],
)
def test_date_problem(value: object, problem: str | None) -> None:
    assert date_problem(value) == problem


def test_the_id_product_and_event_columns_must_differ() -> None:
    check_distinct(LongColumns("id", "product", "event"))
    with pytest.raises(AnalysisInputError, match=r"^--product and --event both name the column 'x'"):
        check_distinct(LongColumns("id", "x", "x"))


def test_the_sql_class_of_control_characters_is_the_python_set() -> None:
    """DuckDB (RE2) reads CONTROL_CLASS as exactly the characters CONTROLS holds, over all of Unicode."""
    import duckdb

    found = duckdb.sql(
        f"SELECT range FROM range(0, 1114112) WHERE (range < 55296 OR range > 57343) "
        f"AND regexp_matches(chr(range::INTEGER), {sql_string(CONTROL_CLASS)}) ORDER BY range"
    ).fetchall()
    assert [chr(point) for (point,) in found] == sorted(CONTROLS)
    assert "\t" not in CONTROLS and "\n" not in CONTROLS and "\r" not in CONTROLS
