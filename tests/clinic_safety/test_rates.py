from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mesosafe.clinic_safety import rates


def test_clopper_pearson_known_values() -> None:
    lower, upper = rates.clopper_pearson([0, 39, 10], [10, 138, 10])
    assert lower[0] == 0.0 and upper[0] == pytest.approx(0.308497, abs=1e-6)
    reference = stats.binomtest(39, 138).proportion_ci(method="exact")
    assert lower[1] == pytest.approx(reference.low, rel=1e-10) and upper[1] == pytest.approx(
        reference.high, rel=1e-10
    )
    assert lower[2] == pytest.approx(0.691503, abs=1e-6) and upper[2] == 1.0


def test_poisson_interval_known_values() -> None:
    lower, upper = rates.poisson_interval([0, 10], [1.0, 1.0])
    assert lower[0] == 0.0 and upper[0] == pytest.approx(3.688879, abs=1e-6)
    assert lower[1] == pytest.approx(4.795389, abs=1e-6) and upper[1] == pytest.approx(18.390356, abs=1e-6)


@pytest.mark.parametrize("method", ["exact", "poisson"])
def test_rate_table(method: str) -> None:
    frame = pd.DataFrame(
        {"clinic": ["a"] * 138 + ["b"] * 100, "infection": [True] * 39 + [False] * 99 + [False] * 100}
    )
    table = rates.rate_table(frame, "clinic", "infection", method=method)  # type: ignore[arg-type]
    assert list(table["unit"]) == ["a", "b"]
    first = table.iloc[0]
    assert (first["treatments"], first["events"]) == (138, 39)
    assert first["rate"] == pytest.approx(39 / 138)
    assert first["lower"] < first["rate"] < first["upper"]
    assert np.all(table["lower"] >= 0)
