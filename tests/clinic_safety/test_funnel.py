from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from mesosafe.clinic_safety import funnel


def test_limits_narrow_with_volume_and_bracket_the_target() -> None:
    volumes = np.array([20, 100, 1000, 10000])
    upper = funnel.binomial_limit(volumes, 0.05, 0.999)
    lower = funnel.binomial_limit(volumes, 0.05, 0.001)
    assert np.all(np.diff(upper) < 0) and np.all(lower <= 0.05) and np.all(upper >= 0.05)
    # interpolated limits lie between the neighbouring discrete binomial quantiles
    r = stats.binom.ppf(0.999, volumes, 0.05)
    assert np.all(upper <= r / volumes + 1e-12) and np.all(upper >= (r - 1) / volumes - 1e-12)


def test_outliers_are_classified_and_plotted(tmp_path: Path) -> None:
    rates = pd.DataFrame(
        {"unit": ["salon", "a", "b", "c"], "treatments": [138, 900, 1200, 800], "events": [39, 12, 14, 9]}
    )
    rates["rate"] = rates["events"] / rates["treatments"]
    classified = funnel.classify(rates)
    status = dict(zip(classified["unit"], classified["status"], strict=True))
    assert status["salon"] == "alarm: high" and not status["a"].startswith("alarm")
    written = funnel.plot_funnel(classified, "test", tmp_path / "funnel")
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert written[0].read_bytes()[:4] == b"\x89PNG" and b"salon" in written[1].read_bytes()
