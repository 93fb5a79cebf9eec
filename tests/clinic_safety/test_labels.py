"""Point labels that never cover one another: each finds a free place near its point or is left out."""

from __future__ import annotations

import itertools

from mesosafe.clinic_safety.labels import MARK, overlaps, place

BOUNDS = (0.0, 0.0, 400.0, 300.0)


def test_crowded_points_get_separate_labels_or_none() -> None:
    """Thirty points on top of each other (the overlapping outlier labels of issue 15.18): the labels that
    are placed do not overlap, stay in the plot, and cover no point's mark; the rest are left out."""
    points = [(200.0 + i, 150.0 + i) for i in range(30)]
    spots = place(points, [(14.0, 16.0)] * 30, BOUNDS)
    placed = [s for s in spots if s is not None]
    assert 8 <= len(placed) < 30
    for a, b in itertools.combinations(placed, 2):
        assert not overlaps(a.box, b.box)
    marks = [(x - MARK, y - MARK, x + MARK, y + MARK) for x, y in points]
    for spot in placed:
        assert spot.box[0] >= 0 and spot.box[1] >= 0 and spot.box[2] <= 400 and spot.box[3] <= 300
        assert not any(overlaps(spot.box, mark) for mark in marks)
    assert spots[0] is not None and not spots[0].leader  # the first is right beside its point


def test_labels_keep_off_unlabelled_points_and_far_ones_get_a_leader_line() -> None:
    point, others = (100.0, 100.0), [(110.0, 90.0), (90.0, 90.0), (110.0, 110.0), (90.0, 110.0)]
    (spot,) = place([point], [(14.0, 16.0)], BOUNDS, others)
    assert spot is not None and spot.leader
    end = spot.leader_end(*point)
    assert spot.box[0] <= end[0] <= spot.box[2] and spot.box[1] <= end[1] <= spot.box[3]


def test_a_label_at_the_plot_edge_stays_inside() -> None:
    (spot,) = place([(398.0, 2.0)], [(20.0, 16.0)], BOUNDS)
    assert spot is not None and spot.box[2] <= 400 and spot.box[1] >= 0
