"""The vignette suite in tests/vignettes/, written blind from the seeds before the engine was run.

Reports exact-match and under-triage counts (in the terminal summary); under-triage must be zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mesosafe.engines import CheckIn, Intake, parse, screen, triage
from mesosafe.engines.contract import complete
from mesosafe.engines.inputs import YES_NO
from mesosafe.engines.questions import asked
from mesosafe.knowledge import Decision, Disposition, load
from tests.engines.conftest import VIGNETTE_COUNTS

KB = load()
HERE = Path(__file__).resolve().parents[1] / "vignettes"
CHECKINS: list[dict[str, Any]] = yaml.safe_load((HERE / "checkins.yaml").read_text(encoding="utf-8"))
INTAKES: list[dict[str, Any]] = yaml.safe_load((HERE / "intakes.yaml").read_text(encoding="utf-8"))
# Where the engine deliberately differs from a vignette (never towards under-triage), and why.
KNOWN_DIFFERENCES = {
    "i05_allergy_not_in_formulation": "any allergy history -> proceed_with_precautions: the practitioner "
    "checks "
    "every ingredient and may test first (seed 000: 'allergy testing if needed')",
}


def _tally(suite: str, ranks: list[tuple[str, int, int]]) -> dict[str, list[str]]:
    under = [vid for vid, got, want in ranks if got < want]
    over = [vid for vid, got, want in ranks if got > want]
    exact = len(ranks) - len(under) - len(over)
    VIGNETTE_COUNTS[suite] = {"total": len(ranks), "exact": exact, "under": len(under), "over": len(over)}
    return {"under": under, "over": over}


def test_the_suite_is_big_and_spread_over_the_four_levels() -> None:
    levels = [v["expected"] for v in CHECKINS]
    assert len(CHECKINS) >= 40
    assert all(levels.count(d.value) >= 8 for d in Disposition)


def as_sent(vignette: dict[str, Any]) -> CheckIn:
    """The vignette's check-in as the API takes it (engines/contract.py). The vignettes write
    `spreading` only where the story says it spreads (README: default false): that default is theirs,
    filled here where the symptom is asked it; every other answer must be there."""
    data = vignette["checkin"]
    days = data["days_since_treatment"]
    symptoms = [
        {**({"spreading": False} if "spreading" in asked(KB, s["code"], days) else {}), **s}
        for s in data.get("symptoms", [])
    ]
    return complete(parse(CheckIn, {**data, "symptoms": symptoms}), KB)


def test_check_in_vignettes_are_never_under_triaged() -> None:
    ranks = [
        (v["id"], triage(as_sent(v)).disposition.rank, Disposition(v["expected"]).rank) for v in CHECKINS
    ]
    misses = _tally("check-ins", ranks)
    assert misses["under"] == []
    assert len(misses["over"]) <= len(CHECKINS) // 20, misses["over"]


# The yes/no questions; until stop 30 one left out meant "no" (false), as the intake schema said then.
FLAGS = list(YES_NO)
NO_WHEN_LEFT_OUT = ("", "28", "29")  # intakes.yaml and the reviews written under that schema
PRESCRIBED_NO_WHEN_LEFT_OUT = ("", "28", "29", "30", "30b", "31")  # every batch before stop 32


def as_written(intake: dict[str, Any], batch: str) -> Intake:
    """The intake as its author meant it: in the batches written when a question left out meant "no", the
    questions left out are "no"; since then a question left out was not asked. A medicine's "prescribed"
    left out meant "no" in every batch written until stop 31; from stop 32 every medicine gives it."""
    said_no = dict.fromkeys(FLAGS, False) if batch in NO_WHEN_LEFT_OUT else {}
    not_prescribed = {"prescribed": False} if batch in PRESCRIBED_NO_WHEN_LEFT_OUT else {}
    medications = [{**not_prescribed, **m} for m in intake.get("medications", [])]
    return parse(Intake, {**said_no, **intake, "medications": medications})


def test_intake_vignettes_are_never_under_screened() -> None:
    ranks = [
        (v["id"], screen(as_written(v["intake"], "")).decision.rank, Decision(v["expected"]).rank)
        for v in INTAKES
    ]
    misses = _tally("intakes", ranks)
    assert misses["under"] == []
    assert set(misses["over"]) <= set(KNOWN_DIFFERENCES), misses["over"]


@pytest.mark.parametrize(
    "vignette", [v for v in INTAKES if "expected_defer_days" in v], ids=lambda v: v["id"]
)
def test_defer_days_match(vignette: dict[str, Any]) -> None:
    result = screen(as_written(vignette["intake"], ""))
    assert result.decision == Decision.DEFER
    assert result.defer_days == pytest.approx(vignette["expected_defer_days"])


# Batches written blind by outside clinical reviewers, each with the ranges the reviewer accepts.
REVIEWS = {
    stop: yaml.safe_load((HERE / f"review{stop}.yaml").read_text(encoding="utf-8"))
    for stop in ("28", "29", "30", "30b", "31", "32", "33")
}


def _open(vignette: dict[str, Any], *first: str) -> Any:
    """The vignette as a test case (after the values `first`); one left open for the product owner fails
    until its rule changes."""
    marks = [pytest.mark.xfail(strict=True, reason=vignette["open"])] if "open" in vignette else []
    return pytest.param(*first, vignette, id=vignette["id"], marks=marks)


@pytest.mark.parametrize("vignette", [_open(v) for r in REVIEWS.values() for v in r["checkins"]])
def test_reviewed_check_ins_are_answered_inside_the_reviewers_range(vignette: dict[str, Any]) -> None:
    got = triage(complete(parse(CheckIn, vignette["checkin"]), KB)).disposition
    assert Disposition(vignette["min"]).rank <= got.rank <= Disposition(vignette["max"]).rank, got


@pytest.mark.parametrize(
    ("batch", "vignette"),
    [_open(v, batch) for batch, r in REVIEWS.items() for v in r["intakes"]],
)
def test_reviewed_intakes_are_answered_as_the_reviewer_accepts(batch: str, vignette: dict[str, Any]) -> None:
    got = screen(as_written(vignette["intake"], batch)).decision
    assert got.value in vignette["acceptable"], got


@pytest.mark.parametrize("stop", REVIEWS)
def test_the_reviewed_batch_tally(stop: str) -> None:
    """Counts against the answer the reviewer expected (printed); below their minimum only open ones."""
    checkins = REVIEWS[stop]["checkins"]
    got = {v["id"]: triage(complete(parse(CheckIn, v["checkin"]), KB)).disposition for v in checkins}
    _tally(
        f"reviewed check-ins (stop {stop})",
        [(v["id"], got[v["id"]].rank, Disposition(v["expected"]).rank) for v in checkins],
    )
    below_minimum = {v["id"] for v in checkins if got[v["id"]].rank < Disposition(v["min"]).rank}
    assert below_minimum <= {v["id"] for v in checkins if "open" in v}
