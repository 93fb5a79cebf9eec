"""Instructions counted by valgrind's callgrind: the same count on a quiet machine and on a busy one
(bench/triage_instructions.py, bench/checkin_instructions.py)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

CALLGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]


def callgrind_instructions(command: Sequence[str], name: str = "") -> int:
    """The instructions `command` runs under callgrind, start-up included; a failed run exits, its message
    starting with `name`."""
    run = subprocess.run([*CALLGRIND, *command], capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        prefix = f"{name}: " if name else ""
        raise SystemExit(f"{prefix}the run under valgrind failed:\n{run.stderr[-2000:]}")
    return int(found.group(1))
