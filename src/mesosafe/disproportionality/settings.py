"""The choices of one disproportionality run, as given on the command line or from Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mesosafe.disproportionality.columns import MAX_STRATUM_LEVELS, LongColumns
from mesosafe.disproportionality.counting import Margins
from mesosafe.disproportionality.flags import Thresholds
from mesosafe.disproportionality.gps import PriorFit, Selection
from mesosafe.disproportionality.hierarchy import Rollup
from mesosafe.disproportionality.labels import Names
from mesosafe.disproportionality.sources import SourceSpec
from mesosafe.lib.analysis_input import AnalysisInputError

Engine = Literal["duckdb", "spark"]
Degenerate = Literal["empty", "keep"]  # what to do with the EB columns when the prior is degenerate
Period = Literal["all", "quarter"]
QUARTERS_NEED_DATE = "--period quarter needs the reports' date column (--date)"


@dataclass(frozen=True)
class RunSettings:
    columns: LongColumns = field(default_factory=LongColumns)
    margins: Margins = "unique"
    engine: Engine = "duckdb"
    master: str | None = None  # Spark master URL (engine "spark" only; default: spark-submit's, or local[*])
    spark_conf: tuple[tuple[str, str], ...] = ()  # --conf key=value for Spark
    prior_selection: Selection = "consensus"
    max_strata_levels: int = MAX_STRATUM_LEVELS
    names: Names = "normalised"
    degenerate_prior: Degenerate = "empty"
    thresholds: Thresholds = field(default_factory=Thresholds)
    min_n: int = 1  # pairs with fewer reports are left out of the table (the prior is fitted on all)
    period: Period = "all"  # "quarter": cumulative scores at the end of every quarter (needs columns.date)
    input: SourceSpec = field(default_factory=SourceSpec)  # the input format (CSV/Parquet, FAERS, E2B)
    rollup: Rollup | None = None  # events rolled up a user's term hierarchy (--hierarchy, --event-level)
    source: str = "file"  # or e.g. "clinic database (--from-db --by batch)"
    out: str | Path | None = None  # the pair table (.csv or .parquet; Spark: a Parquet directory, any URL)
    hyper_out: Path | None = None  # the prior's hyperparameters and the provenance (.json)

    def eb_scored(self, fit: PriorFit) -> bool:
        """Whether a table gets EB scores: its prior is sound, or the run keeps them anyway."""
        return not fit.degenerate or self.degenerate_prior == "keep"

    def check_period(self) -> None:
        if self.period == "quarter" and not self.columns.date:
            raise AnalysisInputError(QUARTERS_NEED_DATE)

    def outputs(self) -> dict[str, str]:
        named = {"table": self.out, "hyperparameters": self.hyper_out}
        return {role: str(path) for role, path in named.items() if path is not None}
