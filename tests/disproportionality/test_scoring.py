from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mesosafe.disproportionality import gps, stats
from mesosafe.disproportionality.counting import Counts
from mesosafe.disproportionality.scoring import OUTPUT_COLUMNS, score_table

COUNTS = Counts(
    product=pa.array(["a", "a", "b"]),
    event=pa.array(["x", "y", "x"]),
    n=np.array([3, 1, 2]),
    e=np.array([1.2, 0.4, 1.8]),
    n_product=np.array([4, 4, 5]),
    n_event=np.array([5, 1, 5]),
    n_total=9,
)


def test_the_table_has_every_measure_of_every_pair_in_order() -> None:
    prior = gps.Prior(0.2, 0.1, 2.0, 4.0, 1 / 3)
    table = score_table(COUNTS, gps.score(prior, COUNTS.n, COUNTS.e))
    assert table.column_names == list(OUTPUT_COLUMNS) and table.num_rows == 3
    assert OUTPUT_COLUMNS[:4] == ("product", "event", "n", "e")
    assert OUTPUT_COLUMNS[-3:] == ("ebgm", "eb05", "eb95")
    assert table.column("rr").to_pylist() == pytest.approx([3 / 1.2, 1 / 0.4, 2 / 1.8])
    prr = stats.prr(COUNTS.n, [4, 4, 5], [5, 1, 5], 9)
    np.testing.assert_array_equal(table.column("prr").to_numpy(), prr)
    assert table.column("ebgm").to_pylist() == pytest.approx(
        list(gps.score_points(prior, COUNTS.n, COUNTS.e).ebgm), rel=1e-15
    )
