"""Formula-looking text cells are escaped; numbers and ordinary text are not."""

import pytest

from mesosafe.csvsafe import safe_cell, safe_row


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_text_is_prefixed(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["vitamin C", "", -0.5, 3, None, "a=b"])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_a_row() -> None:
    assert safe_row(["=1", -1, "ok"]) == ["'=1", -1, "ok"]
