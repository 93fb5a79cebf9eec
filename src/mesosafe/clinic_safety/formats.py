"""How the report's numbers are written, shared by the report's summary and the registry page (pure Python:
the web process imports it without pandas)."""

from __future__ import annotations

import sys

# The smallest normal double, 2.2e-308. A tail probability below it underflows to 0 in floating point; it is
# written as this value instead (in the CSV and JSON files: "at most 2.2e-308"), never as 0.
P_FLOOR = sys.float_info.min


def probability(value: float) -> str:
    """A p- or q-value to two significant figures, or "< 0.001" (an underflowed one too)."""
    return "< 0.001" if value < 0.001 else f"{value:.2g}" if value < 0.1 else f"{value:.2f}"
