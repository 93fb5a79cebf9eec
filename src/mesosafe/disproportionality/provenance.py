"""What a signals run was made from, for the record a regulator files beside the table (``run.json``).

The record names the input (file name, size and SHA-256, or the clinic database), the columns and
strata used, the margins, the engine, how the prior was chosen, the prior and its negative
log-likelihood, the tool and its version, and when the run finished (UTC).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from mesosafe.disproportionality.gps import PriorFit
from mesosafe.disproportionality.settings import RunSettings

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


def run_record(path: str | os.PathLike[str], settings: RunSettings, fit: PriorFit) -> dict[str, Any]:
    """The provenance of a run over ``path`` (JSON-serialisable)."""
    return {
        "tool": "mesosafe signals",
        "version": tool_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": input_record(path, settings.source),
        "columns": {
            "id": settings.columns.id,
            "product": settings.columns.product,
            "event": settings.columns.event,
        },
        "strata": list(settings.columns.strata),
        "max_strata_levels": settings.max_strata_levels,
        "margins": settings.margins,
        "engine": settings.engine,
        "prior_selection": settings.prior_selection,
        "prior": asdict(fit.prior),
        "neg_log_likelihood": fit.neg_log_likelihood,
        "prior_message": fit.message,
        "prior_collapsed": fit.collapsed,
        "pairs": fit.pairs,
        "outputs": settings.outputs(),
    }


def run_record_path(out: str | os.PathLike[str]) -> Path:
    """Where the record of a run writing ``out`` goes: ``signals.csv`` → ``signals.run.json``."""
    return Path(out).with_suffix(".run.json")
