"""What a registry report was made from (``run.json`` beside ``summary.html``): the input (each file with
its SHA-256, the demo data's seed, or the clinic database), every option, the last day observed, the
mesosafe version and when the run finished (UTC). Enough to rerun the report that raised an alarm."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mesosafe.clinic_safety.cusum import CusumDesign
from mesosafe.clinic_safety.funnel import FunnelDesign
from mesosafe.lib.provenance import file_record, tool_version

if TYPE_CHECKING:
    import pandas as pd

RUN_RECORD = "run.json"
NOT_GIVEN: dict[str, Any] = {"source": "not recorded by the caller"}


def file_source(treatments: str | os.PathLike[str], complications: str | os.PathLike[str]) -> dict[str, Any]:
    return {
        "source": "files",
        "files": [
            {"role": "treatments", **file_record(treatments)},
            {"role": "complications", **file_record(complications)},
        ],
    }


def demo_source(seed: int) -> dict[str, Any]:
    return {"source": "demo data", "seed": seed}


def database_source() -> dict[str, Any]:
    return {"source": "the clinic service's database (--from-db)"}


def options(cusum: CusumDesign, funnel: FunnelDesign) -> dict[str, Any]:
    """Every setting of the CUSUM and the funnels, as JSON (a fixed onset-delay tuple becomes a list)."""
    settings = asdict(cusum)
    if settings["onset_delays"] is not None:
        settings["onset_delays"] = list(settings["onset_delays"])
    return {"cusum": settings, "funnel": asdict(funnel)}


def run_record(
    cusum: CusumDesign, funnel: FunnelDesign, source: dict[str, Any] | None, as_of: pd.Timestamp
) -> dict[str, Any]:
    """The record, before the report's results and files are added to it."""
    return {
        "tool": "mesosafe registry report",
        "version": tool_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": source or NOT_GIVEN,
        "as_of": f"{as_of:%Y-%m-%d}",
        "options": options(cusum, funnel),
    }
