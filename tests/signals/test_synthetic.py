from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mesosafe.signals.counting import count_duckdb
from mesosafe.signals.io import LongColumns, register_frame
from mesosafe.signals.pipeline import disproportionality
from mesosafe.signals.synthetic import ReportSpec, generate_reports, planted_table


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
    register_frame(con, frame, LongColumns("report_id", "product", "event"))
    result = disproportionality(count_duckdb(con))
    table = result.table.to_pandas()
    flagged = set(
        zip(table.loc[table["eb05"] >= 2, "product"], table.loc[table["eb05"] >= 2, "event"], strict=True)
    )
    truth = planted_table(spec).to_pandas()
    recall = np.mean([(p, e) in flagged for p, e in zip(truth["product"], truth["event"], strict=True)])
    assert recall >= 0.5
    assert len(flagged) < 10 * len(truth)  # few false positives on the null background


def test_demo_registry_batches_and_seed() -> None:
    from mesosafe.signals.errors import SignalsInputError
    from mesosafe.signals.synthetic import OutbreakSpec, RegistrySpec, demo_registry

    spec = RegistrySpec(clinics=4, days=120, batch_days=60, shared_batches=True, products=1, seed=3)
    tables = demo_registry(spec=spec, outbreak=OutbreakSpec(treatments=0, infections=0))
    assert set(tables.treatments["batch"]) == {
        "phosphatidylcholine / PHOS-N0",
        "phosphatidylcholine / PHOS-N1",
    }
    again = demo_registry(spec=spec, outbreak=OutbreakSpec(treatments=0, infections=0))
    pd.testing.assert_frame_equal(tables.treatments, again.treatments)
    delays = tables.complications.merge(tables.treatments.drop_duplicates("treatment_id"), on="treatment_id")
    infected = delays[delays["suspected_infection"]]
    days = (infected["onset_date"] - infected["date"]).dt.days
    assert days.between(spec.infection_onset_min_days, spec.infection_onset_max_days).all()
    with pytest.raises(SignalsInputError, match="seed"):
        demo_registry(seed=-1)
