from __future__ import annotations

import numpy as np
import pyarrow as pa

from mesosafe.disproportionality.counting import count_duckdb
from mesosafe.disproportionality.pipeline import fit_and_score
from mesosafe.disproportionality.reading import LongColumns, frame_long_table
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
    long = frame_long_table(con, frame, LongColumns("report_id", "product", "event"))
    result = fit_and_score(count_duckdb(long))
    table = result.table.to_pandas()
    flagged = set(
        zip(table.loc[table["eb05"] >= 2, "product"], table.loc[table["eb05"] >= 2, "event"], strict=True)
    )
    truth = planted_table(spec).to_pandas()
    recall = np.mean([(p, e) in flagged for p, e in zip(truth["product"], truth["event"], strict=True)])
    assert recall >= 0.5
    assert len(flagged) < 10 * len(truth)  # few false positives on the null background
