from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mesosafe.disproportionality import gps, stats
from mesosafe.disproportionality.counting import Counts
from mesosafe.disproportionality.flags import Thresholds
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
PRIOR = gps.Prior(0.2, 0.1, 2.0, 4.0, 1 / 3)
COLUMNS = [
    "product", "event", "n", "e", "n_product", "n_event", "n_total",
    "rr", "prr", "prr_lower", "prr_upper", "chi2_yates", "ror", "ror_lower", "ror_upper", "interval_note",
    "ic", "ic025",
    "ebgm", "eb05", "eb95", "post_h0",
    "flag_eb05", "flag_evans", "flag_ic025", "flag_ror", "flag_fdr",
]  # fmt: skip


def test_the_table_has_every_measure_of_every_pair_in_order() -> None:
    table = score_table(COUNTS, gps.score(PRIOR, COUNTS.n, COUNTS.e))
    assert table.column_names == COLUMNS == list(OUTPUT_COLUMNS) and table.num_rows == 3
    assert table.column("rr").to_pylist() == pytest.approx([3 / 1.2, 1 / 0.4, 2 / 1.8])
    prr = stats.prr(COUNTS.n, [4, 4, 5], [5, 1, 5], 9)
    np.testing.assert_array_equal(table.column("prr").to_numpy(), prr)
    assert table.column("ebgm").to_pylist() == pytest.approx(
        list(gps.score_points(PRIOR, COUNTS.n, COUNTS.e).ebgm), rel=1e-15
    )


def test_the_2x2_margins_are_in_the_table() -> None:
    table = score_table(COUNTS, gps.score(PRIOR, COUNTS.n, COUNTS.e))
    assert table.column("n_product").to_pylist() == [4, 4, 5]
    assert table.column("n_event").to_pylist() == [5, 1, 5]
    assert table.column("n_total").to_pylist() == [9, 9, 9]


def test_without_scores_the_eb_columns_and_their_flags_are_empty() -> None:
    table = score_table(COUNTS, None)
    for name in ("ebgm", "eb05", "eb95", "post_h0", "flag_eb05", "flag_fdr"):
        assert table.column(name).null_count == 3, name
    assert table.column("flag_ic025").null_count == 0 and table.column("prr").null_count == 0


def test_min_n_leaves_out_the_small_pairs() -> None:
    table = score_table(COUNTS, gps.score(PRIOR, COUNTS.n, COUNTS.e), min_n=2)
    assert table.column("n").to_pylist() == [3, 2] and table.column("n_total").to_pylist() == [9, 9]
    assert table.column("ebgm").to_pylist() == pytest.approx(
        list(gps.score_points(PRIOR, np.array([3, 2]), np.array([1.2, 1.8])).ebgm), rel=1e-15
    )


def test_flags_follow_their_thresholds() -> None:
    counts = Counts(
        product=pa.array(["a", "b", "c"]),
        event=pa.array(["x", "x", "x"]),
        n=np.array([30, 3, 2]),
        e=np.array([3.0, 1.0, 1.9]),
        n_product=np.array([40, 10, 200]),
        n_event=np.array([60, 60, 60]),
        n_total=1000,
    )
    scores = gps.score(gps.Prior(0.5, 0.5, 20.0, 20.0, 0.1), counts.n, counts.e)
    table = score_table(counts, scores).to_pydict()
    measures = {
        name: np.array(table[name], dtype=float)
        for name in ("prr", "chi2_yates", "ic025", "ror_lower", "eb05")
    }
    assert table["flag_evans"] == list(
        (measures["prr"] >= 2) & (measures["chi2_yates"] >= 4) & (counts.n >= 3)
    )
    assert table["flag_eb05"] == list(measures["eb05"] >= 2)
    assert table["flag_ic025"] == list(measures["ic025"] > 0) and table["flag_ror"] == list(
        (measures["ror_lower"] > 1) & (counts.n >= 3)
    )
    assert table["flag_evans"][:2] == [True, True] and table["flag_eb05"][0]
    strict = score_table(counts, scores, Thresholds(evans_n=4, eb05=1e9)).to_pydict()
    assert strict["flag_evans"] == [True, False, False] and not any(strict["flag_eb05"])


def test_a_pair_without_intervals_says_why_in_the_table() -> None:
    """Pair a/y has one report (and no other report of the event: c = 0): its intervals are not
    given and ``interval_note`` says why; a/x (N = 3, no zero cell) has both intervals and no note."""
    table = score_table(COUNTS, gps.score(PRIOR, COUNTS.n, COUNTS.e))
    notes = table.column("interval_note").to_pylist()
    assert notes[0] is None and np.isfinite(table.column("ror_lower")[0].as_py())
    assert notes[1] == "N < 3 (fewer than 3 reports); c = 0 (no report of the event without the product)"
    assert notes[2] == "N < 3 (fewer than 3 reports)"
    assert np.isnan(table.column("prr_lower").to_pylist()[1:]).all()
