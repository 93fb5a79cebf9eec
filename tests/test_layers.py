"""The shape of ../shared/DESIGN.md, checked on the code's own imports: the import-linter contracts in
pyproject.toml (layers from knowledge up to the shells, the shells independent of each other, `web` alone
above them, and no import cycle in any package)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"


def test_the_import_contracts_are_kept() -> None:
    # its own process: lint-imports configures logging for the whole interpreter
    command = [str(Path(sys.executable).parent / "lint-imports"), "--config", str(PYPROJECT), "--no-cache"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_no_domain_app_reaches_a_shell() -> None:
    """The check the issue asked for, spelt out: the check-ins task no longer reaches the patient portal."""
    graph = grimp.build_graph("mesosafe", cache_dir=None)
    assert graph.find_shortest_chain("mesosafe.checkins.tasks", "mesosafe.portal.present") is None
    for shell in ("api", "portal", "clinicui", "cli", "web"):
        for app in ("checkins", "treatments", "patients", "clinics", "complications", "audit", "explain"):
            assert not graph.chain_exists(f"mesosafe.{app}", f"mesosafe.{shell}", as_packages=True), (
                app,
                shell,
            )
