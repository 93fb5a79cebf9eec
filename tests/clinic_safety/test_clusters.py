from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from mesosafe.clinic_safety import clusters
from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.demo import DemoSpec, OutbreakSpec, demo_tables


@pytest.fixture(scope="module")
def salon_2007() -> tuple[pd.DataFrame, OutbreakSpec, pd.Timestamp]:
    spec = DemoSpec(clinics=25, days=730, seed=11)
    outbreak = OutbreakSpec(start_day=400)
    tables = demo_tables(spec=spec, outbreak=outbreak)
    series = clusters.scan(tables.treatments, tables.complications)
    return series, outbreak, pd.Timestamp(spec.start) + pd.Timedelta(days=outbreak.start_day)


def test_planted_salon_outbreak_is_found(salon_2007: tuple[pd.DataFrame, OutbreakSpec, pd.Timestamp]) -> None:
    series, outbreak, start = salon_2007
    for unit_type, unit in (
        ("clinic", outbreak.clinic),
        ("practitioner", outbreak.practitioner),
        ("batch", outbreak.batch_unit),
    ):
        found = clusters.evaluate_alarms(series, unit_type, unit, start)
        print(
            f"{unit_type}: delay {found.delay_days} days, false alarms {found.false_alarm_rate:.4f}/unit-year"
        )
        assert found.detected, unit_type
        assert found.delay_days is not None and found.delay_days <= 84
    alerts = clusters.alerts(series)
    vial = alerts[alerts["unit"] == outbreak.batch_unit]
    assert len(vial) and vial["multi_dose_vial"].all()


def test_detection_delay_and_false_alarm_rate_over_replicates() -> None:
    delays, false_alarms, unit_years = [], 0, 0.0
    for seed in range(4):
        spec = DemoSpec(clinics=20, days=540, seed=100 + seed)
        outbreak = OutbreakSpec(
            clinic="C03", practitioner="C03-P1", start_day=300, treatments=60, infections=8
        )
        tables = demo_tables(spec=spec, outbreak=outbreak)
        series = clusters.scan(tables.treatments, tables.complications)
        found = clusters.evaluate_alarms(
            series, "clinic", "C03", pd.Timestamp(spec.start) + pd.Timedelta(days=300)
        )
        assert found.detected
        delays.append(found.delay_days)
        false_alarms += found.false_alarms
        unit_years += found.unit_years
    rate = false_alarms / unit_years
    print(f"smaller outbreak (8 of 60): delays {delays} days; clinic false alarms {rate:.3f} per clinic-year")
    assert rate < 0.5


def test_no_outbreak_few_alarms() -> None:
    tables = demo_tables(spec=DemoSpec(clinics=30, seed=5), outbreak=OutbreakSpec(treatments=0, infections=0))
    series = clusters.scan(tables.treatments, tables.complications)
    clinics = series[series["unit_type"] == "clinic"]
    years = (clinics["window_end"].max() - clinics["window_start"].min()).days / 365.25
    assert clinics["alarm"].sum() / (30 * years) < 0.3


# --- observed and expected onsets refer to the same sessions ----------------------------------------------

# The reviewers' null registry: about 12,000 sessions in 600 days at 10 clinics, 1% suspected infections,
# one product whose lot (shared by all clinics) changes every 60 days, onsets 1–12 weeks after the session.
NULL_REGISTRY = DemoSpec(
    clinics=10,
    days=600,
    mean_daily_treatments=2.0,
    infection_rate=0.01,
    batch_days=60,
    shared_batches=True,
    products=1,
)
NO_OUTBREAK = OutbreakSpec(treatments=0, infections=0)
PLANTED = OutbreakSpec(
    clinic="C03", practitioner="C03-P1", batch="LOT-X", start_day=300, days=60, treatments=40, infections=8
)
DOCUMENTED_FALSE_ALARMS = 1 / CusumDesign().target_arl_years  # per unit-year of monitoring


def _batches(series: pd.DataFrame) -> pd.DataFrame:
    return series[series["unit_type"] == "batch"]


def test_a_null_registry_gives_no_more_batch_alarms_than_documented() -> None:
    alarms, batches, batch_years = 0, 0, 0.0
    for seed in range(3):
        tables = demo_tables(spec=replace(NULL_REGISTRY, seed=seed), outbreak=NO_OUTBREAK)
        batch = _batches(clusters.scan(tables.treatments, tables.complications))
        assert not (batch["alarm"] & (batch["expected"] == 0)).any()  # never an alarm with nothing expected
        alarms += int(batch["alarm"].sum())
        batches += batch["unit"].nunique()
        batch_years += (batch["expected"] > 0).sum() * 28 / 365.25
    print(
        f"null registry: {alarms} batch alarms in {batches} batches, {batch_years:.1f} monitored batch-years"
    )
    assert alarms <= max(1.0, DOCUMENTED_FALSE_ALARMS * batch_years)


def test_a_planted_batch_outbreak_in_the_null_registry_still_alarms() -> None:
    outbreak = PLANTED
    tables = demo_tables(spec=replace(NULL_REGISTRY, seed=0), outbreak=outbreak)
    series = clusters.scan(tables.treatments, tables.complications)
    start = pd.Timestamp(NULL_REGISTRY.start) + pd.Timedelta(days=outbreak.start_day)
    found = clusters.evaluate_alarms(series, "batch", outbreak.batch_unit, start)
    print(f"8 of 40 in one batch: delay {found.delay_days} days, other batches' alarms {found.false_alarms}")
    assert found.detected and found.delay_days is not None and found.delay_days <= 84
    assert found.false_alarms == 0


def _one_batch(days: list[int], onsets: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    start = pd.Timestamp("2025-01-01")
    treatments = pd.DataFrame(
        {
            "treatment_id": [str(i) for i in range(len(days))],
            "date": [start + pd.Timedelta(days=d) for d in days],
            "clinic": "C",
            "practitioner": "P",
            "product": "x",
            "batch": "x / B",
            "multi_dose_vial": False,
        }
    )
    complications = pd.DataFrame(
        {
            "treatment_id": [str(i) for i in range(len(onsets))],
            "onset_date": pd.to_datetime(
                [start + pd.Timedelta(days=days[i] + d) for i, d in enumerate(onsets)]
            ),
            "suspected_infection": True,
        }
    )
    return treatments, complications


def test_late_infections_of_a_batch_no_longer_used_are_expected() -> None:
    # 20 sessions in the first window; every infection begins 35 days later, in the second window
    treatments, complications = _one_batch(list(range(20)), [35])
    design = CusumDesign(onset_delays=(0,) * 35 + (1,), baseline_rate=0.05, as_of="2025-04-30")
    batch = _batches(clusters.scan(treatments, complications, design)).set_index("window")
    assert list(batch["treatments"].iloc[:3]) == [20, 0, 0] and list(batch["infections"].iloc[:3]) == [
        0,
        1,
        0,
    ]
    assert batch.loc[0, "expected"] == 0  # nothing can begin within 35 days of these sessions
    assert batch.loc[1, "expected"] + batch.loc[2, "expected"] == pytest.approx(20 * 0.05)
    assert batch.loc[1, "expected"] > 0


def test_an_outbreak_is_not_part_of_the_baseline_it_is_tested_against() -> None:
    """A baseline from all the data (the outbreak included) expected more in the outbreak's windows."""
    tables = demo_tables(spec=replace(NULL_REGISTRY, seed=0), outbreak=PLANTED)
    series = clusters.scan(tables.treatments, tables.complications)
    batch = series[(series["unit_type"] == "batch") & (series["unit"] == PLANTED.batch_unit)]
    # the planted sessions' onsets begin within ~2 windows of day 300; the baseline of those windows was
    # estimated before them, while the baseline after the outbreak includes it
    rates = series.groupby("window")["baseline_rate"].first()
    during = int(batch.loc[batch["infections"] > 0, "window"].min())
    assert rates[during] < rates.iloc[-1]
    infected_before = tables.complications[tables.complications["suspected_infection"]]
    assert rates[during] < len(infected_before) / tables.treatments["treatment_id"].nunique()


def test_alerts_list_their_cases_without_names() -> None:
    tables = demo_tables(spec=replace(NULL_REGISTRY, seed=0), outbreak=PLANTED)
    series = clusters.scan(tables.treatments, tables.complications)
    alert_rows = clusters.alerts(series)
    cases = clusters.alert_cases(alert_rows, tables, series["as_of"].iloc[0])
    planted = alert_rows[(alert_rows["unit_type"] == "batch") & (alert_rows["unit"] == PLANTED.batch_unit)]
    first = planted.iloc[0]
    mine = cases[cases["alert"] == first["alert"]]
    assert len(mine) == first["infections"] + planted_run_before(series, first)  # every onset of the rise
    assert list(cases.columns) == [
        "alert", "unit_type", "unit", "treatment_id", "session_date", "onset_date", "clinic", "practitioner",
        "product", "batch", "multi_dose_vial",
    ]  # fmt: skip
    assert mine["onset_date"].between(first["run_start"], first["window_end"]).all()
    assert set(mine["batch"]) == {PLANTED.batch_unit} and set(mine["clinic"]) == {PLANTED.clinic}
    listed = clusters.with_cases(alert_rows, cases)
    ids = listed.loc[listed["alert"] == first["alert"], "treatment_ids"].iloc[0]
    assert ids.split("; ") == list(mine["treatment_id"])


def planted_run_before(series: pd.DataFrame, alert: pd.Series) -> int:
    """Infections of the alarmed unit in the windows of the rise before the alarmed one."""
    rows = series[(series["unit_type"] == alert["unit_type"]) & (series["unit"] == alert["unit"])]
    earlier = (rows["window_start"] >= alert["run_start"]) & (rows["window_start"] < alert["window_start"])
    return int(rows.loc[earlier, "infections"].sum())


def test_the_windows_can_be_shifted_and_the_delay_depends_on_it() -> None:
    tables = demo_tables(spec=replace(NULL_REGISTRY, seed=0), outbreak=PLANTED)
    start = tables.treatments.loc[tables.treatments["batch"] == PLANTED.batch_unit, "date"].min()
    found = {}
    for offset in (0, 14):
        design = CusumDesign(window_offset_days=offset)
        series = clusters.scan(tables.treatments, tables.complications, design)
        assert series["window_start"].min() == tables.treatments["date"].min() - pd.Timedelta(days=offset)
        found[offset] = clusters.evaluate_alarms(series, "batch", PLANTED.batch_unit, start)
    assert all(f.detected for f in found.values())
    assert found[0].delay_days != found[14].delay_days


def test_the_first_windows_are_a_warm_up_when_the_baseline_is_estimated() -> None:
    tables = demo_tables(spec=replace(NULL_REGISTRY, seed=1), outbreak=NO_OUTBREAK)
    series = clusters.scan(tables.treatments, tables.complications, CusumDesign(warm_up_days=90))
    first = tables.treatments["date"].min()
    early = series["window_start"] < first + pd.Timedelta(days=90)
    assert (~series.loc[early, "tested"]).all() and series.loc[~early, "tested"].all()
    assert (series.loc[early, "cusum"] == 0).all() and not series.loc[early, "alarm"].any()


def test_the_last_window_expects_only_onsets_that_could_have_begun() -> None:
    treatments, complications = _one_batch([0, 1, 2], [])
    design = CusumDesign(onset_delays=(0,) * 7 + (1,), baseline_rate=0.5, as_of="2025-01-05")
    batch = _batches(clusters.scan(treatments, complications, design))
    assert len(batch) == 1 and batch["partial"].all() and batch["expected"].sum() == 0


def test_one_infection_alone_is_not_a_cluster() -> None:
    # a batch used once: its expected count is so small that the run-length rule alone would pick h = 0.05
    treatments, complications = _one_batch([0], [20])
    design = CusumDesign(onset_delays=(0,) * 20 + (1,), baseline_rate=0.001, as_of="2025-03-31")
    batch = _batches(clusters.scan(treatments, complications, design))
    assert batch["h"].iloc[0] == 1.0 and not batch["alarm"].any()
    anything = replace(design, min_threshold=0.0)
    batch = _batches(clusters.scan(treatments, complications, anything))
    assert batch["h"].iloc[0] == 0.05 and batch["alarm"].sum() == 1
