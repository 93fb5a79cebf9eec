"""What a signals run was made from, for the record a regulator files beside the table (``run.json``).

The record names the input (file name, size and SHA-256, or the clinic database), the columns and
strata used, how names were read, the margins, the engine, how the prior was chosen, the prior, its
negative log-likelihood and whether it is degenerate (and so whether the EB columns are empty), the flag
thresholds and ``min_n``, the periods, the tool and its version, and when the run finished (UTC).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesosafe.disproportionality.gps import PriorFit
from mesosafe.disproportionality.labels import DESCRIPTION
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.lib.provenance import file_record, sha256_of, tool_version

if TYPE_CHECKING:
    from mesosafe.disproportionality.hierarchy import Hierarchy
    from mesosafe.disproportionality.sources import LongSource
    from mesosafe.disproportionality.strata import Strata


def input_record(path: str | os.PathLike[str], source: str) -> dict[str, Any]:
    file = Path(path)
    record: dict[str, Any] = {"source": source, "sha256": sha256_of(file), "bytes": file.stat().st_size}
    if source == "file":
        record = {"name": file.name, "path": str(file.resolve()), **record}
    return record


def source_record(
    path: str | os.PathLike[str], settings: RunSettings, source: LongSource | None
) -> dict[str, Any]:
    """The input: the file as today, or for FAERS and E2B every file given and what the reading did."""
    if source is None or source.details is None:
        return input_record(path, settings.source)
    return {"source": settings.source, **source.details, "files": [file_record(f) for f in source.files]}


def rollup_record(settings: RunSettings, hierarchy: Hierarchy | None) -> dict[str, Any]:
    """``--hierarchy`` and ``--event-level``: the file (SHA-256), the level, the column events matched."""
    if settings.rollup is None:
        return {"level": "as read (no --hierarchy)"}
    found: dict[str, Any] = {
        "level": settings.rollup.level,
        "hierarchy": file_record(settings.rollup.path),
        "multiaxial": "a term linked to several higher-level terms counts once under each",
    }
    if hierarchy is not None:
        found["hierarchy"].update(rows=hierarchy.rows, matched_on=hierarchy.matched_on.upper())
    return found


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


@dataclass(frozen=True)
class Fitted:
    """One fitted prior of a run, and whether its EB columns were left empty (label: the period, if any)."""

    fit: PriorFit
    eb_empty: bool
    label: str = ""
    fdr_tie: str = ""  # the pairs tied at the FDR flag's cutoff left unflagged together ('' when none)


def run_record(
    path: str | os.PathLike[str],
    settings: RunSettings,
    last: Fitted,
    periods: Sequence[Fitted] = (),
    source: LongSource | None = None,
    hierarchy: Hierarchy | None = None,
    input_info: dict[str, Any] | None = None,
    strata: Strata | None = None,
) -> dict[str, Any]:
    """The provenance of a run over ``path`` (JSON-serialisable); ``last`` is the table's prior (with
    periods, the last period's) and ``periods`` every period's; ``input_info`` the input's record when
    it is not a local file (``spark_run.input_record``); ``strata`` the reports per stratum and the
    warnings about them (``strata_reports``, ``strata_warnings``)."""
    columns = settings.columns
    record = {
        "tool": "mesosafe signals",
        "version": tool_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": input_info or source_record(path, settings, source),
        "columns": {
            "id": columns.id,
            "product": columns.product,
            "event": columns.event,
            "date": columns.date,
        },
        "events": rollup_record(settings, hierarchy),
        "strata": list(columns.strata),
        "max_strata_levels": settings.max_strata_levels,
        **(strata.record() if strata is not None else {}),
        "names": {"product_and_event": settings.names, "meaning": DESCRIPTION[settings.names]},
        "margins": settings.margins,
        "engine": settings.engine,
        **({"spark_conf": dict(settings.spark_conf)} if settings.engine == "spark" else {}),
        "prior_selection": settings.prior_selection,
        "degenerate_prior": settings.degenerate_prior,
        "min_n": settings.min_n,
        "flag_thresholds": asdict(settings.thresholds),
        "period": settings.period,
        **prior_record(last.fit, last.eb_empty),
        "fdr_ties": fdr_ties(periods or [last]),
        "outputs": settings.outputs(),
    }
    if periods:
        record["periods"] = [
            {"period": p.label, **prior_record(p.fit, p.eb_empty), "fdr_tie": p.fdr_tie} for p in periods
        ]
    return record


def fdr_ties(fitted: Sequence[Fitted]) -> list[str]:
    """The FDR flag's ties left unflagged, of every table (with periods: named by their period)."""
    return [f"{f.label}: {f.fdr_tie}" if f.label else f.fdr_tie for f in fitted if f.fdr_tie]


def run_record_path(out: str | os.PathLike[str]) -> Path:
    """Where the record of a run writing ``out`` goes: ``signals.csv`` → ``signals.run.json``."""
    return Path(out).with_suffix(".run.json")
