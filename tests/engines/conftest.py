from __future__ import annotations

from typing import Any

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.engines.results import TriageResult


def check(days: float, *symptoms: dict[str, Any] | str, temperature_c: float | None = None) -> TriageResult:
    """Triage a check-in written tersely: check(3, "bruising", {"code": "pain", "severity": "severe"})."""
    reports = [{"code": s} if isinstance(s, str) else s for s in symptoms]
    data: dict[str, Any] = {"days_since_treatment": days, "symptoms": reports}
    if temperature_c is not None:
        data["temperature_c"] = temperature_c
    return triage(parse(CheckIn, data))


VIGNETTE_COUNTS: dict[str, dict[str, int]] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for suite, counts in VIGNETTE_COUNTS.items():
        terminalreporter.write_line(
            f"vignettes[{suite}]: {counts['exact']}/{counts['total']} exact, "
            f"{counts['under']} under-triaged, {counts['over']} over-triaged"
        )
