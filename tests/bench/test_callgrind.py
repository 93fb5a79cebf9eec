"""bench/callgrind.py: the instructions of a command under valgrind's callgrind, or one clear exit."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
callgrind_instructions = runpy.run_path(str(BENCH / "callgrind.py"))["callgrind_instructions"]

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")


def test_a_run_is_counted() -> None:
    assert callgrind_instructions(["true"]) > 0


def test_a_failed_run_exits_naming_it() -> None:
    with pytest.raises(SystemExit, match=r"^/floor: the run under valgrind failed:\n"):
        callgrind_instructions(["false"], "/floor")
