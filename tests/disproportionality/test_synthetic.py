from __future__ import annotations

import numpy as np
import pyarrow as pa

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.counting import count_duckdb
from mesosafe.disproportionality.pipeline import fit_and_score
from mesosafe.disproportionality.reading import frame_long_table
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.disproportionality.synthetic import ReportSpec, generate_reports, planted_table


def test_generator_is_seeded_and_planted_signals_are_recovered() -> None:
    spec = ReportSpec(reports=60_000, products=400, events=200, planted=20, seed=4)
    first = pa.concat_tables(generate_reports(spec, chunk_reports=25_000))
    again = pa.concat_tables(generate_reports(spec, chunk_reports=25_000))
    assert first.equals(again)
    frame = first.to_pandas()
    for column in ("product", "event", "sex"):
        frame[column] = frame[column].astype(str)
    import duckdb

    con = duckdb.connect()
    long = frame_long_table(con, frame, LongColumns("report_id", "product", "event"), names="as-written")
    counts = count_duckdb(long)
    # Synthetic pairs are exactly independent outside the planted ones: the null component of the prior
    # becomes a point mass at the edge of the search box, so the fit is degenerate; keep the scores anyway.
    empty = fit_and_score(counts)
    assert empty.table.column("ebgm").null_count == len(counts)
    result = fit_and_score(counts, fit=empty.fit, settings=RunSettings(degenerate_prior="keep"))
    assert any("upper bound e^12" in reason for reason in result.fit.degenerate)
    table = result.table.to_pandas()
    flagged = set(
        zip(table.loc[table["eb05"] >= 2, "product"], table.loc[table["eb05"] >= 2, "event"], strict=True)
    )
    truth = planted_table(spec).to_pandas()
    recall = np.mean([(p, e) in flagged for p, e in zip(truth["product"], truth["event"], strict=True)])
    assert recall >= 0.5
    assert len(flagged) < 10 * len(truth)  # few false positives on the null background
