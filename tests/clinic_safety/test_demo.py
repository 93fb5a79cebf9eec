from __future__ import annotations

import pandas as pd
import pytest

from mesosafe.clinic_safety.demo import DemoSpec, OutbreakSpec, demo_tables
from mesosafe.lib.analysis_input import AnalysisInputError


def test_demo_tables_batches_and_seed() -> None:
    spec = DemoSpec(clinics=4, days=120, batch_days=60, shared_batches=True, products=1, seed=3)
    tables = demo_tables(spec=spec, outbreak=OutbreakSpec(treatments=0, infections=0))
    assert set(tables.treatments["batch"]) == {
        "phosphatidylcholine / PHOS-N0",
        "phosphatidylcholine / PHOS-N1",
    }
    again = demo_tables(spec=spec, outbreak=OutbreakSpec(treatments=0, infections=0))
    pd.testing.assert_frame_equal(tables.treatments, again.treatments)
    delays = tables.complications.merge(tables.treatments.drop_duplicates("treatment_id"), on="treatment_id")
    infected = delays[delays["suspected_infection"]]
    days = (infected["onset_date"] - infected["date"]).dt.days
    assert days.between(spec.infection_onset_min_days, spec.infection_onset_max_days).all()
    with pytest.raises(AnalysisInputError, match="seed"):
        demo_tables(seed=-1)
