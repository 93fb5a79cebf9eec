"""The choices of one disproportionality run, as given on the command line or from Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mesosafe.disproportionality.counting import Margins
from mesosafe.disproportionality.gps import Selection
from mesosafe.disproportionality.reading import MAX_STRATUM_LEVELS, LongColumns

Engine = Literal["duckdb", "spark"]


@dataclass(frozen=True)
class RunSettings:
    columns: LongColumns = field(default_factory=LongColumns)
    margins: Margins = "unique"
    engine: Engine = "duckdb"
    master: str | None = None  # Spark master URL (engine "spark" only)
    prior_selection: Selection = "consensus"
    max_strata_levels: int = MAX_STRATUM_LEVELS
    source: str = "file"  # or e.g. "clinic database (--from-db --by batch)"
    out: Path | None = None  # the pair table (.csv or .parquet); its provenance goes beside it
    hyper_out: Path | None = None  # the prior's hyperparameters and the provenance (.json)

    def outputs(self) -> dict[str, str]:
        named = {"table": self.out, "hyperparameters": self.hyper_out}
        return {role: str(path) for role, path in named.items() if path is not None}
