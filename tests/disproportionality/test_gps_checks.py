from __future__ import annotations

import numpy as np

from mesosafe.disproportionality.gps import LOG_BOUND
from mesosafe.disproportionality.gps_checks import MIN_PAIRS, degeneracies


def test_a_prior_at_the_edge_of_the_search_box_is_named_even_when_confirmed() -> None:
    """The 2 M synthetic set's fit ends at α1 = e^12 from two starts ("confirmed by another start")."""
    at_edge = [("1", float(np.exp(12.0)), 165220.9), ("2", float(np.exp(-12.0)), 0.0087)]
    reasons = degeneracies(at_edge, np.array([1.0, 2.0]), np.array([60.0, 40.0]), LOG_BOUND)
    assert reasons == (
        "α1 = 162754.79 is at the upper bound e^12 of the search box",
        "α2 = 6.1442124e-06 is at the lower bound e^-12 of the search box",
    )


def test_a_sound_fit_has_no_reasons() -> None:
    weights = np.full(3, MIN_PAIRS / 3 + 1)
    assert (
        degeneracies([("1", 3.26, 0.4), ("2", 2.02, 1.91)], np.array([1.0, 2.0, 5.0]), weights, LOG_BOUND)
        == ()
    )
