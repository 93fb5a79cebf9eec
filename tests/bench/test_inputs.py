"""The benchmarks' check-ins are ones the engine accepts: a change to what must be answered cannot leave a
benchmark timing a refusal (bench/cold_start.py exited 2 for a while after the contract changed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.knowledge import Disposition, Lang

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _disposition(answers: dict[str, Any], days: float = 3) -> Disposition:
    return triage(parse(CheckIn, {"days_since_treatment": days, **answers}), Lang.EN).disposition


def test_cold_start_triages_an_accepted_check_in() -> None:
    assert _disposition(_bench("cold_start").CHECKIN) == Disposition.SELF_CARE


@pytest.mark.parametrize(
    ("body", "expected"), [("SELF_CARE", Disposition.SELF_CARE), ("URGENT", Disposition.URGENT)]
)
def test_checkin_load_sends_accepted_check_ins(body: str, expected: Disposition) -> None:
    assert _disposition(getattr(_bench("checkin_load"), body)) == expected
