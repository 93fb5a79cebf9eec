"""The last step: every measure for every counted pair, given the fitted prior.

``score_table(counts, fit)`` returns an Arrow table with exactly the columns of :data:`OUTPUT_COLUMNS`, at
full precision: the counts, the frequentist measures (``stats``) and the Gamma-Poisson shrinker's EBGM,
EB05 and EB95 (``gps``).
"""

from __future__ import annotations

import pyarrow as pa

from mesosafe.disproportionality import gps, stats
from mesosafe.disproportionality.counting import Counts

OUTPUT_COLUMNS = (
    "product",
    "event",
    "n",
    "e",
    "rr",
    "prr",
    "prr_lower",
    "prr_upper",
    "chi2_yates",
    "ror",
    "ror_lower",
    "ror_upper",
    "ic",
    "ic025",
    "ebgm",
    "eb05",
    "eb95",
)


def frequentist_columns(counts: Counts) -> dict[str, object]:
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


def score_table(counts: Counts, scores: gps.Scores) -> pa.Table:
    """The output table: counts, frequentist measures and the EB scores (``gps.score``) of every pair."""
    return pa.table(
        {
            "product": counts.product,
            "event": counts.event,
            "n": counts.n,
            "e": counts.e,
            **frequentist_columns(counts),
            "ebgm": scores.ebgm,
            "eb05": scores.eb05,
            "eb95": scores.eb95,
        }
    )
