"""The last step: every measure for every counted pair, given the EB scores of the fitted prior.

``score_table(counts, scores)`` returns an Arrow table with exactly the columns of :data:`OUTPUT_COLUMNS`,
at full precision: the counts and the 2×2 margins, the frequentist measures (``stats``; ``interval_note``
says why a pair has no PRR or ROR interval), the Gamma-Poisson shrinker's EBGM, EB05, EB95 and
P(λ ≤ 1 | N) (``gps``), and the screening flags (``flags``). Without
scores (``scores=None``: the prior was degenerate) the EB columns and the flags built on them are null.
Pairs with N below ``min_n`` are left out (after the prior was fitted on all pairs, before the FDR flag).
"""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mesosafe.disproportionality import arrow, gps, stats
from mesosafe.disproportionality.counting import Counts
from mesosafe.disproportionality.flags import (
    FLAG_COLUMNS,
    Thresholds,
    Tie,
    eb_flags,
    fdr_cut,
    frequentist_flags,
)

COUNT_COLUMNS = ("product", "event", "n", "e", "n_product", "n_event", "n_total")
FREQUENTIST_COLUMNS = (
    "rr",
    "prr",
    "prr_lower",
    "prr_upper",
    "chi2_yates",
    "ror",
    "ror_lower",
    "ror_upper",
    "interval_note",
    "ic",
    "ic025",
)
EB_COLUMNS = ("ebgm", "eb05", "eb95", "post_h0")
OUTPUT_COLUMNS = (*COUNT_COLUMNS, *FREQUENTIST_COLUMNS, *EB_COLUMNS, *FLAG_COLUMNS)


# ``interval_note``'s texts, dictionary-encoded: one per combination of stats.INTERVAL_GAPS (0: none)
NOTE_TEXTS = arrow.strings([stats.gap_text(gaps) for gaps in range(2 ** len(stats.INTERVAL_GAPS))])


def interval_note(counts: Counts) -> pa.Array:
    """Why a pair has no PRR or ROR interval (stats.INTERVAL_GAPS, joined by "; "); null when it has both."""
    gaps = stats.interval_gaps(counts.n, counts.n_product, counts.n_event, counts.n_total)
    noted = gaps != 0
    validity = pa.py_buffer(np.packbits(noted, bitorder="little"))
    null_count = len(gaps) - int(noted.sum())
    indices = pa.Array.from_buffers(pa.int8(), len(gaps), [validity, pa.py_buffer(gaps)], null_count)
    return pa.DictionaryArray.from_arrays(indices, NOTE_TEXTS)


def frequentist_columns(counts: Counts) -> dict[str, npt.NDArray[np.float64]]:
    """RR, PRR (95% interval), Yates's chi-square, ROR (95% interval), IC and IC025 of every pair."""
    table2x2 = (counts.n, counts.n_product, counts.n_event, counts.n_total)
    ror, ror_lower, ror_upper = stats.ror(*table2x2)
    prr_lower, prr_upper = stats.prr_interval(*table2x2)
    ic, ic025 = stats.information_component(counts.n, counts.e)
    return {
        "rr": stats.relative_ratio(counts.n, counts.e),
        "prr": stats.prr(*table2x2),
        "prr_lower": prr_lower,
        "prr_upper": prr_upper,
        "chi2_yates": stats.chi_square_yates(*table2x2),
        "ror": ror,
        "ror_lower": ror_lower,
        "ror_upper": ror_upper,
        "ic": ic,
        "ic025": ic025,
    }


def _eb_columns(scores: gps.Scores | None, size: int, thresholds: Thresholds) -> dict[str, pa.Array]:
    if scores is None:
        return {name: pa.nulls(size, pa.float64()) for name in EB_COLUMNS} | {
            name: pa.nulls(size, pa.bool_()) for name in ("flag_eb05", "flag_fdr")
        }
    values = dict(zip(EB_COLUMNS, astuple(scores), strict=True))
    return {
        **{k: arrow.from_numpy(v) for k, v in values.items()},
        **{k: arrow.from_numpy(v) for k, v in eb_flags(scores.eb05, scores.post_h0, thresholds).items()},
    }


def score_table(
    counts: Counts, scores: gps.Scores | None, thresholds: Thresholds | None = None, min_n: int = 1
) -> pa.Table:
    """The output table: counts, margins, frequentist measures, EB scores and flags of every pair."""
    keep = counts.n >= min_n
    if not keep.all():
        counts = counts.take(keep)
        scores = None if scores is None else gps.Scores(*(v[keep] for v in astuple(scores)))
    thresholds = thresholds or Thresholds()
    measures = frequentist_columns(counts)
    columns = {
        "product": counts.product,
        "event": counts.event,
        "n": counts.n,
        "e": counts.e,
        "n_product": counts.n_product,
        "n_event": counts.n_event,
        "n_total": np.full(len(counts), counts.n_total, dtype=np.int64),
        **measures,
        "interval_note": interval_note(counts),
        **_eb_columns(scores, len(counts), thresholds),
        **frequentist_flags({**measures, "n": counts.n.astype(np.float64)}, thresholds),
    }
    return arrow.table({name: columns[name] for name in OUTPUT_COLUMNS})


def fdr_tie(table: pa.Table, level: float) -> Tie:
    """The pairs tied at the FDR flag's cutoff that it left unflagged together in ``table`` (one scored
    table, of one period), if any."""
    post_h0 = table.column("post_h0")
    if post_h0.null_count == table.num_rows:
        return Tie()
    return fdr_cut(np.sort(arrow.to_numpy(post_h0).astype(np.float64)), level)[1]
