from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mesosafe.clinic_safety import funnel, rates
from mesosafe.clinic_safety.demo import OutbreakSpec, demo_tables
from mesosafe.clinic_safety.tables import outcomes, per_unit
from mesosafe.lib.analysis_input import AnalysisInputError


def test_limits_narrow_with_volume_and_bracket_the_target() -> None:
    volumes = np.array([20, 100, 1000, 10000])
    upper = funnel.binomial_limit(volumes, 0.05, 0.999)
    lower = funnel.binomial_limit(volumes, 0.05, 0.001)
    assert np.all(np.diff(upper) < 0) and np.all(lower <= 0.05) and np.all(upper >= 0.05)
    # the upper limit lies above the 99.9% quantile r (r events are not P(X ≥ r) < 0.1%) and at most at r + 1
    r = stats.binom.ppf(0.999, volumes, 0.05)
    assert np.all(upper > r / volumes) and np.all(upper <= (r + 1) / volumes + 1e-12)


def _units(events: list[int], treatments: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"unit": [f"u{i}" for i in range(len(events))], "treatments": treatments, "events": events}
    )
    lower, upper = rates.clopper_pearson(frame["events"], frame["treatments"])
    return frame.assign(
        unit_type="clinic",
        outcome="infection",
        rate=frame["events"] / frame["treatments"],
        lower=lower,
        upper=upper,
    )


def test_tails_are_exact_binomial_probabilities_or_mid_p() -> None:
    events, volume, p0 = np.array([0, 1, 5, 12]), np.array([10, 1, 30, 40]), 0.04
    high, low = funnel.binomial_tails(events, volume, p0, "exact")
    for i, (y, n) in enumerate(zip(events, volume, strict=True)):
        assert high[i] == pytest.approx(stats.binomtest(y, n, p0, alternative="greater").pvalue, rel=1e-10)
        assert low[i] == pytest.approx(stats.binomtest(y, n, p0, alternative="less").pvalue, rel=1e-10)
    mid_high, mid_low = funnel.binomial_tails(events, volume, p0, "mid-p")
    np.testing.assert_allclose(mid_high, high - 0.5 * stats.binom.pmf(events, volume, p0), rtol=1e-12)
    np.testing.assert_allclose(mid_low, low - 0.5 * stats.binom.pmf(events, volume, p0), rtol=1e-12)


def test_q_values_are_benjamini_hochberg() -> None:
    units = _units([0, 1, 3, 9, 2, 1], [100, 120, 90, 80, 110, 50])
    out = funnel.classify(units)
    p = out["p_value"].to_numpy()
    order = np.argsort(p)
    by_hand = np.minimum.accumulate((p[order] * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1]
    np.testing.assert_allclose(out["q_value"].to_numpy()[order], np.minimum(by_hand, 1), rtol=1e-12)
    assert out.loc[3, "status"] == "alarm: high"  # 9 of 80 against a pooled 2.9%


def test_one_complication_in_a_batch_of_one_is_not_an_alarm() -> None:
    units = _units([1, 40, 38, 45], [1, 1000, 1000, 1000])  # p0 about 4%
    out = funnel.classify(units).set_index("unit")
    assert out.loc["u0", "p_high"] == pytest.approx(124 / 3001) and out.loc["u0", "status"] == "in control"


def _infection_funnel(outbreak: OutbreakSpec) -> pd.DataFrame:
    tables = demo_tables(outbreak=outbreak)
    batch = per_unit(outcomes(tables), "batch")
    return funnel.classify(rates.rate_table(batch, "batch", "infection")).set_index("unit")


def test_a_planted_outbreak_of_5_in_30_sessions_of_a_batch_is_still_an_alarm() -> None:
    """At the demo's base rate of infections (0.15%), in a funnel of 2,000 batches."""
    planted = OutbreakSpec(treatments=30, infections=5, batch="LOT-5")
    out = _infection_funnel(planted)
    row = out.loc[planted.batch_unit]
    assert (row["treatments"], row["events"], row["status"]) == (30, 5, "alarm: high")
    assert row["q_value"] < 1e-4 and len(out) > 2000
    ones = out[(out["treatments"] == 1) & (out["events"] == 1)]
    assert (ones["status"] != "alarm: high").all()
    assert out["status"].str.startswith("alarm").sum() == 1  # nothing else survives the FDR


def test_overdispersion_estimates_follow_spiegelhalter() -> None:
    rng = np.random.default_rng(7)
    volume = rng.integers(200, 2000, 60).astype(float)
    risk = np.clip(rng.normal(0.05, 0.015, 60), 0.005, None)  # units really differ
    events = rng.binomial(volume.astype(int), risk).astype(float)
    p0 = events.sum() / volume.sum()
    z = (events / volume - p0) / np.sqrt(p0 * (1 - p0) / volume)
    z = np.clip(z, *np.quantile(z, [0.1, 0.9]))
    phi_hat = float(np.mean(z**2))
    multiplicative = funnel.estimate_dispersion(events, volume, p0, "multiplicative")
    assert multiplicative.phi_hat == pytest.approx(phi_hat) and multiplicative.phi == pytest.approx(phi_hat)
    assert phi_hat > 1
    w = volume / (p0 * (1 - p0))
    tau2 = (60 * phi_hat - 59) / (w.sum() - (w**2).sum() / w.sum())
    assert funnel.estimate_dispersion(events, volume, p0, "additive").tau2 == pytest.approx(tau2)
    units = _units(list(events.astype(int)), list(volume.astype(int)))
    plain = funnel.classify(units)
    wider = funnel.classify(units, funnel.FunnelDesign(overdispersion="multiplicative"))
    assert wider["status"].str.startswith("alarm").sum() < plain["status"].str.startswith("alarm").sum()
    assert wider["dispersion"].iloc[0].startswith("multiplicative overdispersion: φ = ")
    assert (wider["upper_99.8%"] > plain["upper_99.8%"]).mean() > 0.9


@pytest.mark.parametrize("method", ["multiplicative", "additive"])
@pytest.mark.parametrize(
    ("events", "treatments", "why"),
    [
        ([0, 0, 0], [40, 25, 60], "no treatment had the outcome"),
        ([3], [50], "a single unit"),
        ([5, 2], [5, 2], "every treatment had the outcome"),
    ],
)
def test_overdispersion_that_cannot_be_estimated_is_none_with_a_note(
    tmp_path: Path, method: str, events: list[int], treatments: list[int], why: str
) -> None:
    """No events, or a single unit, show no variation between units: none is assumed (φ = 1, τ² = 0, the
    binomial test), said in the table, the plot and its data, never a NaN p-value or a crash."""
    units = _units(events, treatments)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value encountered in divide"
        out = funnel.classify(units, funnel.FunnelDesign(overdispersion=method))  # type: ignore[arg-type]
        data = json.loads(funnel.plot_funnel(out, "test", tmp_path / "f")[2].read_text(encoding="utf-8"))
    dispersion = out.attrs["dispersion"]
    assert (dispersion.method, dispersion.phi, dispersion.tau2) == ("none", 1.0, 0.0)
    single = f"; {funnel.SINGLE_UNIT}" if len(events) == 1 else ""
    assert dispersion.note == f"{method} overdispersion could not be estimated ({why}); none assumed{single}"
    assert set(out["dispersion"]) == {f"binomial (no overdispersion): {dispersion.note}"}
    assert set(out["test"]) == {"exact"} and set(out["status"]) == {"in control"}
    assert np.isfinite(out[["p_value", "q_value"]].to_numpy()).all()
    assert data["note"] == dispersion.note and data["method"] == "none"


def test_no_note_when_no_overdispersion_was_asked_for() -> None:
    assert funnel.classify(_units([0, 0], [10, 20])).attrs["dispersion"].note == ""


@pytest.mark.parametrize(("setting", "option"), [({"fdr": 1.5}, "--fdr"), ({"test": "z"}, "--funnel-test"),
                                                 ({"overdispersion": "x"}, "--overdispersion")])  # fmt: skip
def test_bad_designs_are_named(setting: dict[str, object], option: str) -> None:
    with pytest.raises(AnalysisInputError, match=option):
        funnel.FunnelDesign(**setting)  # type: ignore[arg-type]


def test_outliers_are_classified_and_plotted(tmp_path: Path) -> None:
    units = _units([39, 12, 14, 9], [138, 900, 1200, 800]).assign(unit=["salon", "a", "b", "c"])
    classified = funnel.classify(units)
    status = dict(zip(classified["unit"], classified["status"], strict=True))
    assert status["salon"] == "alarm: high" and not status["a"].startswith("alarm")
    written = funnel.plot_funnel(classified, "test", tmp_path / "funnel")
    assert [p.suffix for p in written] == [".png", ".svg", ".json"]
    assert written[0].read_bytes()[:4] == b"\x89PNG"
    data = json.loads(written[2].read_text(encoding="utf-8"))
    assert data["units"][0]["unit"] == "salon" and data["labelled"][0] == 1


def test_units_are_numbered_by_significance_and_the_plot_has_whole_counts_and_percentages(
    tmp_path: Path,
) -> None:
    """Issue 15.18/20: each unit has a number (1 = most significant) that the plot's labels and the tables
    share; the x-axis counts treatments in whole numbers (no "9.5 treatments") and the y-axis is in
    percent, the pooled rate drawn on it and named with sensible precision (2 of 12 is 16.7%)."""
    units = _units([2, 0, 0], [4, 4, 4]).assign(unit=["a", "b", "c"])
    classified = funnel.classify(units)
    assert sorted(classified["number"]) == [1, 2, 3]
    assert classified.loc[classified["unit"] == "a", "number"].item() == 1
    svg = funnel.plot_funnel(classified, "test", tmp_path / "small")[1].read_text(encoding="utf-8")
    ticks = re.findall(r"<!-- ([^<>]*?) -->", svg)
    assert "pooled rate 16.7%" in ticks and "9.5" not in ticks and "0.5" not in ticks
    assert any(t.endswith("%") for t in ticks) and "rate (% of treatments)" in ticks


@pytest.mark.parametrize("method", ["multiplicative", "additive"])
def test_overdispersion_is_not_estimated_from_a_few_units(method: str) -> None:
    """Three clinics, 12, 2 and 3 infections in 100 sessions each: the binomial test makes the first an
    alert (p = 0.022). φ̂ from three z-scores is noise (relative standard error √(2/3) ≈ 0.8 with no
    overdispersion at all), yet it was applied: φ = 2.47 or τ² = 0.0014 widened the limits (the upper 99.8%
    from 14.5% to 16.9% or 19.4%) and the clinic was "in control". Now none is assumed, and the note says
    why."""
    units = _units([12, 2, 3], [100, 100, 100])
    plain = funnel.classify(units)
    out = funnel.classify(units, funnel.FunnelDesign(overdispersion=method))  # type: ignore[arg-type]
    dispersion = out.attrs["dispersion"]
    assert (dispersion.method, dispersion.phi, dispersion.tau2) == ("none", 1.0, 0.0)
    assert dispersion.note == (
        f"{method} overdispersion could not be estimated (only 3 units: at least "
        f"{funnel.MIN_DISPERSION_UNITS} are needed); none assumed"
    )
    assert set(out["dispersion"]) == {f"binomial (no overdispersion): {dispersion.note}"}
    assert list(out["status"]) == list(plain["status"]) == ["alert: high", "in control", "in control"]
    assert out["upper_99.8%"].tolist() == plain["upper_99.8%"].tolist()


def test_overdispersion_is_estimated_from_enough_units() -> None:
    """The least number of units, MIN_DISPERSION_UNITS = 1 / WINSOR: the 10% Winsorisation sets aside at
    least one whole unit at each end."""
    assert funnel.MIN_DISPERSION_UNITS == 10 == round(1 / funnel.WINSOR)
    rng = np.random.default_rng(5)
    volume = rng.integers(200, 400, 10).astype(float)
    events = rng.binomial(volume.astype(int), np.linspace(0.02, 0.12, 10)).astype(float)
    p0 = events.sum() / volume.sum()
    dispersion = funnel.estimate_dispersion(events, volume, p0, "multiplicative")
    assert dispersion.note == "" and dispersion.phi > 1
    nine = events[:9].sum() / volume[:9].sum()
    fewer = funnel.estimate_dispersion(events[:9], volume[:9], nine, "additive")
    assert fewer.note.startswith("additive overdispersion could not be estimated (only 9 units")
