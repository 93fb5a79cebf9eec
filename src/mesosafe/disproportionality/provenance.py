"""What a signals run was made from, for the record a regulator files beside the table (``run.json``).

The record names the input (file name, size and SHA-256, or the clinic database), the columns and
strata used, how names were read, the margins, the engine, how the prior was chosen, the prior, its
negative log-likelihood and whether it is degenerate (and so whether the EB columns are empty), the flag
thresholds and ``min_n``, the periods, the tool and its version, and when the run finished (UTC).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesosafe.disproportionality.gps import PriorFit
from mesosafe.disproportionality.labels import DESCRIPTION
from mesosafe.disproportionality.settings import RunSettings

if TYPE_CHECKING:
    from mesosafe.disproportionality.pipeline import SignalsResult

CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def tool_version() -> str:
    try:
        return metadata.version("mesosafe")
    except metadata.PackageNotFoundError:
        return "unknown"


def input_record(path: str | os.PathLike[str], source: str) -> dict[str, Any]:
    file = Path(path)
    record: dict[str, Any] = {"source": source, "sha256": sha256_of(file), "bytes": file.stat().st_size}
    if source == "file":
        record = {"name": file.name, "path": str(file.resolve()), **record}
    return record


def prior_record(fit: PriorFit, eb_empty: bool) -> dict[str, Any]:
    """The fitted prior, how it was chosen, whether it is degenerate and what became of the EB columns."""
    return {
        "prior": asdict(fit.prior),
        "neg_log_likelihood": fit.neg_log_likelihood,
        "prior_message": fit.message,
        "prior_collapsed": fit.collapsed,
        "prior_degenerate": list(fit.degenerate),
        "eb_columns": "empty: the prior is degenerate" if eb_empty else "filled",
        "pairs": fit.pairs,
    }


def run_record(path: str | os.PathLike[str], settings: RunSettings, result: SignalsResult) -> dict[str, Any]:
    """The provenance of a run over ``path`` (JSON-serialisable)."""
    columns = settings.columns
    record = {
        "tool": "mesosafe signals",
        "version": tool_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": input_record(path, settings.source),
        "columns": {
            "id": columns.id,
            "product": columns.product,
            "event": columns.event,
            "date": columns.date,
        },
        "strata": list(columns.strata),
        "max_strata_levels": settings.max_strata_levels,
        "names": {"product_and_event": settings.names, "meaning": DESCRIPTION[settings.names]},
        "margins": settings.margins,
        "engine": settings.engine,
        "prior_selection": settings.prior_selection,
        "degenerate_prior": settings.degenerate_prior,
        "min_n": settings.min_n,
        "flag_thresholds": asdict(settings.thresholds),
        "period": settings.period,
        **prior_record(result.fit, result.eb_empty),
        "outputs": settings.outputs(),
    }
    if result.periods:
        record["periods"] = [
            {"period": label, **prior_record(fit, _period_empty(result, label))}
            for label, fit in result.periods
        ]
    return record


def _period_empty(result: SignalsResult, label: str) -> bool:
    import pyarrow.compute as pc

    part = result.table.filter(pc.equal(result.table.column("period"), label))
    return bool(part.num_rows > 0 and part.column("ebgm").null_count == part.num_rows)


def run_record_path(out: str | os.PathLike[str]) -> Path:
    """Where the record of a run writing ``out`` goes: ``signals.csv`` → ``signals.run.json``."""
    return Path(out).with_suffix(".run.json")
