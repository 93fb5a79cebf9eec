"""Where a chart's point labels go so that none covers another: each label tries a few places around its
point, nearest first, and a label with no free place is left out (the table beside the chart lists every
unit). Pure Python on pixel boxes, shared by the report's matplotlib plots and the registry page's SVG."""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels, y growing downwards

# (dx, dy) from the point to the label's nearest corner or edge: beside the point first, then further out
# (drawn with a leader line).
OFFSETS = [
    (7.0, -7.0), (7.0, 7.0), (-7.0, -7.0), (-7.0, 7.0),
    (18.0, -18.0), (18.0, 18.0), (-18.0, -18.0), (-18.0, 18.0),
    (0.0, -24.0), (0.0, 24.0), (30.0, 0.0), (-30.0, 0.0),
    (32.0, -32.0), (-32.0, -32.0), (32.0, 32.0), (-32.0, 32.0),
]  # fmt: skip
LEADER_FROM = 12.0  # a label further than this from its point gets a leader line
MARK = 5.0  # half the size of a point's mark: labels keep off the marks of labelled points


@dataclass(frozen=True)
class Placed:
    box: Box
    leader: bool

    def leader_end(self, x: float, y: float) -> tuple[float, float]:
        """Where a leader line from the point (x, y) meets the label's box: its nearest point."""
        left, top, right, bottom = self.box
        return (min(max(x, left), right), min(max(y, top), bottom))


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box(x: float, y: float, dx: float, dy: float, width: float, height: float) -> Box:
    left = x + dx if dx > 0 else x + dx - width if dx < 0 else x - width / 2
    top = y + dy if dy > 0 else y + dy - height if dy < 0 else y - height / 2
    return (left, top, left + width, top + height)


def _inside(box: Box, bounds: Box) -> bool:
    return box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]


def place(
    points: list[tuple[float, float]],
    sizes: list[tuple[float, float]],
    bounds: Box,
    others: list[tuple[float, float]] | None = None,
) -> list[Placed | None]:
    """A place for each label (in order of priority) or None; no two placed labels overlap, none covers the
    mark of a labelled point or of ``others`` (the unlabelled points), and all lie inside ``bounds``."""
    marks = [(x - MARK, y - MARK, x + MARK, y + MARK) for x, y in [*points, *(others or [])]]
    taken: list[Box] = []
    out: list[Placed | None] = []
    for (x, y), (width, height) in zip(points, sizes, strict=True):
        found = None
        for dx, dy in OFFSETS:
            box = _box(x, y, dx, dy, width, height)
            if _inside(box, bounds) and not any(overlaps(box, other) for other in taken + marks):
                found = Placed(box, max(abs(dx), abs(dy)) > LEADER_FROM)
                break
        if found is not None:
            taken.append(found.box)
        out.append(found)
    return out
