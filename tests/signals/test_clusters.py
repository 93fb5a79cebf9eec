from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mesosafe.signals import clusters
from mesosafe.signals.synthetic import OutbreakSpec, RegistrySpec, demo_registry


def test_cusum_by_hand() -> None:
    # mu0 = 0.5 per window, R = 2: k = 0.5 / ln 2 = 0.7213
    k = 0.5 / np.log(2)
    path, alarms = clusters.cusum([0, 2, 1, 3, 0], [0.5] * 5, 2.0, h=3.0)
    expected = [0.0, 2 - k, 3 - 2 * k, 6 - 3 * k, 0.0]
    # window 4 crosses h (6 - 3k = 3.84 > 3): alarm, then the CUSUM restarts at 0
    np.testing.assert_allclose(path[:4], expected[:4])
    assert list(alarms) == [False, False, False, True, False]


def test_reference_value() -> None:
    assert clusters.reference_value(1.0, 2.0) == pytest.approx(1 / np.log(2))


def test_threshold_reaches_the_target_run_length() -> None:
    mu0, ratio, target = 0.2, 2.0, 50.0
    h = clusters.choose_threshold(mu0, ratio, target, seed=3)
    rng = np.random.default_rng(99)
    lengths = []
    for _ in range(400):
        s, t = 0.0, 0
        k = float(clusters.reference_value(mu0, ratio))
        while t < 2000:
            t += 1
            s = max(0.0, s + rng.poisson(mu0) - k)
            if s > h:
                break
        lengths.append(t)
    assert np.mean(lengths) >= 0.8 * target  # an independent simulation agrees (sampling noise allowed)
    assert clusters.choose_threshold(mu0, ratio, target / 5, seed=3) < h


@pytest.fixture(scope="module")
def salon_2007() -> tuple[pd.DataFrame, OutbreakSpec, pd.Timestamp]:
    spec = RegistrySpec(clinics=25, days=730, seed=11)
    outbreak = OutbreakSpec(start_day=400)
    tables = demo_registry(spec=spec, outbreak=outbreak)
    series = clusters.scan_registry(tables.treatments, tables.complications)
    return series, outbreak, pd.Timestamp(spec.start) + pd.Timedelta(days=outbreak.start_day)


def test_planted_salon_outbreak_is_found(salon_2007: tuple[pd.DataFrame, OutbreakSpec, pd.Timestamp]) -> None:
    series, outbreak, start = salon_2007
    for unit_type, unit in (
        ("clinic", outbreak.clinic),
        ("practitioner", outbreak.practitioner),
        ("batch", outbreak.batch),
    ):
        found = clusters.evaluate_alarms(series, unit_type, unit, start)
        print(
            f"{unit_type}: delay {found.delay_days} days, false alarms {found.false_alarm_rate:.4f}/unit-year"
        )
        assert found.detected, unit_type
        assert found.delay_days is not None and found.delay_days <= 84
    alerts = clusters.alerts(series)
    vial = alerts[alerts["unit"] == outbreak.batch]
    assert len(vial) and vial["multi_dose_vial"].all()


def test_detection_delay_and_false_alarm_rate_over_replicates() -> None:
    delays, false_alarms, unit_years = [], 0, 0.0
    for seed in range(4):
        spec = RegistrySpec(clinics=20, days=540, seed=100 + seed)
        outbreak = OutbreakSpec(
            clinic="C03", practitioner="C03-P1", start_day=300, treatments=60, infections=8
        )
        tables = demo_registry(spec=spec, outbreak=outbreak)
        series = clusters.scan_registry(tables.treatments, tables.complications)
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
    tables = demo_registry(
        spec=RegistrySpec(clinics=30, seed=5), outbreak=OutbreakSpec(treatments=0, infections=0)
    )
    series = clusters.scan_registry(tables.treatments, tables.complications)
    clinics = series[series["unit_type"] == "clinic"]
    years = (clinics["window_end"].max() - clinics["window_start"].min()).days / 365.25
    assert clinics["alarm"].sum() / (30 * years) < 0.3
