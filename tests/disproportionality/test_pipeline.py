from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.counting import Counts
from mesosafe.disproportionality.flags import Thresholds, Tie
from mesosafe.disproportionality.pipeline import fit_and_score, run, strongest
from mesosafe.disproportionality.scoring import OUTPUT_COLUMNS
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.lib.analysis_input import AnalysisInputError


def test_run_writes_the_table_its_record_and_the_prior(caers_path: Path, tmp_path: Path) -> None:
    settings = RunSettings(
        LongColumns("id", "var1", "var2"),
        names="as-written",
        out=tmp_path / "s.parquet",
        hyper_out=tmp_path / "prior.json",
    )
    stages: list[tuple[str, str]] = []
    result = run(caers_path, settings, hook=lambda name, state: stages.append((name, state)))
    assert pd.read_parquet(tmp_path / "s.parquet").shape == (17189, len(OUTPUT_COLUMNS))
    record = json.loads((tmp_path / "s.run.json").read_text())
    assert record == result.record == json.loads((tmp_path / "prior.json").read_text())["run"]
    written = {"table": str(tmp_path / "s.parquet"), "hyperparameters": str(tmp_path / "prior.json")}
    assert record["outputs"] == written
    assert ("fit prior", "end") in stages
    assert set(result.seconds) >= {"read and check input", "write output"}


def test_run_refuses_a_bad_output_before_reading(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="does not exist"):
        run(tmp_path / "nope.csv", RunSettings(hyper_out=tmp_path / "prior.txt"))  # the input first
    source = tmp_path / "in.csv"
    source.write_text("id,product,event\n1,a,x\n")
    with pytest.raises(AnalysisInputError, match=r"\.json"):
        run(source, RunSettings(hyper_out=tmp_path / "prior.txt"))


def test_nothing_to_score_is_an_input_error() -> None:
    none = np.array([], dtype=np.int64)
    empty = Counts(pa.array([], pa.string()), pa.array([], pa.string()), none, np.array([]), none, none, 0)
    with pytest.raises(AnalysisInputError, match="no product–event pairs"):
        fit_and_score(empty)


def test_strongest_orders_by_eb05_then_ebgm() -> None:
    table = pa.table({"eb05": [1.0, 2.0, 2.0], "ebgm": [9.0, 3.0, 4.0], "name": ["a", "b", "c"]})
    assert strongest(table, 2).column("name").to_pylist() == ["c", "b"]


def test_a_run_from_csv_never_imports_pandas(caers_path: Path, tmp_path: Path) -> None:
    # pyarrow imports pandas on its first pa.array()/to_numpy() only to ask whether a value is a DataFrame
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mesosafe.disproportionality.columns import LongColumns\n"
        "from mesosafe.disproportionality.pipeline import run\n"
        "from mesosafe.disproportionality.settings import RunSettings\n"
        f"settings = RunSettings(LongColumns('id', 'var1', 'var2'), out=Path({str(tmp_path / 's.csv')!r}))\n"
        f"run({str(caers_path)!r}, settings)\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "s.csv").stat().st_size > 0


def test_a_failed_write_is_an_input_error_naming_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesosafe.disproportionality import output

    source = tmp_path / "in.csv"
    source.write_text("id,product,event\n1,a,x\n2,b,y\n")

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "write_json", full)
    with pytest.raises(AnalysisInputError, match=r"cannot write --hyper-out '.*prior\.json': No space left"):
        run(source, RunSettings(hyper_out=tmp_path / "prior.json"))


def test_strongest_without_eb_scores_orders_by_ic025_and_says_so() -> None:
    from mesosafe.disproportionality.pipeline import strength_keys

    table = pa.table(
        {"eb05": pa.array([None, None], pa.float64()), "ic025": [0.5, 1.5], "prr_lower": [1.0, 1.0]}
    )
    assert strength_keys(table) == ("ic025", "prr_lower")
    assert strongest(table, 1).column("ic025").to_pylist() == [1.5]


def test_caers_pairs_with_the_same_evidence_are_flagged_all_or_none_and_the_record_says_so(
    caers_path: Path,
) -> None:
    """At --fdr-level 0.07 the cutoff fell among 638 CAERS pairs with N = 1 and the same E (0.000298, so the
    same P(λ ≤ 1 | N) = 0.1909): PhViD's ranking flagged 53 of them, the first in name order, and not the
    585 others. Now none of them is flagged, and the run's record says why. (At the default 0.05 no tie is
    cut: 755 pairs, as before.)"""
    settings = RunSettings(
        LongColumns("id", "var1", "var2"), names="as-written", thresholds=Thresholds(fdr=0.07)
    )
    result = run(caers_path, settings)
    table = result.table.to_pandas()
    tied = table[(table["n"] == 1) & (table["e"] == table["e"].min())]
    assert len(tied) == 638 and tied["post_h0"].nunique() == 1 and not tied["flag_fdr"].any()
    assert int(table["flag_fdr"].sum()) == 850
    assert (
        result.record["fdr_ties"] == [Tie(638, float(tied["post_h0"].iloc[0]), 53).note(0.07)]
        and "had room for 53 of them" in result.record["fdr_ties"][0]
    )
    default = run(caers_path, RunSettings(LongColumns("id", "var1", "var2"), names="as-written"))
    assert int(default.table.column("flag_fdr").to_numpy().sum()) == 755 and default.record["fdr_ties"] == []


def test_a_prior_fit_that_did_not_converge_leaves_the_eb_columns_empty_and_says_why(
    caers_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """L-BFGS-B stopped on its iteration limit in every start: before, the table had EB scores from that
    prior and the record said nothing (``prior_degenerate`` empty, ``eb_columns`` "filled")."""
    from scipy import optimize

    from mesosafe.disproportionality import gps

    minimize = optimize.minimize

    def two_iterations(*args: Any, **kwargs: Any) -> optimize.OptimizeResult:
        return minimize(*args, **{**kwargs, "options": {**kwargs["options"], "maxiter": 2}})

    monkeypatch.setattr(gps.optimize, "minimize", two_iterations)
    out = tmp_path / "s.parquet"
    settings = RunSettings(
        LongColumns("id", "var1", "var2"), names="as-written", out=out, prior_selection="best"
    )
    result = run(caers_path, settings)
    record = json.loads((tmp_path / "s.run.json").read_text())
    assert any(reason.startswith("none of the 6 starts converged") for reason in record["prior_degenerate"])
    assert record["eb_columns"] == "empty: the prior is degenerate"
    assert pd.read_parquet(out)["ebgm"].isna().all() and "DEGENERATE" in result.fit.message
