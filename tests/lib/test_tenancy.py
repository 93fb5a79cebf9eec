"""Every query the staff shells make is scoped to the staff member's clinic: it starts at a model's
`for_clinic(...)` (mesosafe.lib.tenancy), or at an object already found that way (`treatment.checkins`).
The route-walking tests (tests/api/test_tenancy.py, tests/clinicui/test_tenancy.py) check the answers;
this checks that no query starts anywhere else."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mesosafe

ROOT = Path(mesosafe.__file__).parent
STAFF_SHELLS = ("api", "clinicui")
# Queries that are not about a clinic's records, each with why.
ALLOWED = {
    ("clinicui/access.py", "Staff", "select_related"),  # who is logged in: the lookup that finds the clinic
    ("api/patient.py", "CheckIn", "filter"),  # the patient's own link: scoped to its treatment
    # one-time form tokens belong to a signed-in user's form, not to a clinic's records
    ("clinicui/once.py", "SpentFormToken", "create"),
    ("clinicui/once.py", "SpentFormToken", "filter"),
}
STARTS = {"for_clinic", "none"}


def _queries(path: Path) -> list[tuple[str, str, int]]:
    """(model, first method, line) of every `Model.objects.method(...)` in the module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            manager = node.value
            if manager.attr == "objects" and isinstance(manager.value, ast.Name):
                found.append((manager.value.id, node.attr, node.lineno))
    return found


def shell_modules() -> list[Path]:
    return sorted(p for shell in STAFF_SHELLS for p in (ROOT / shell).rglob("*.py"))


@pytest.mark.parametrize("path", shell_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_query_a_staff_shell_starts_is_clinic_scoped(path: Path) -> None:
    module = str(path.relative_to(ROOT))
    unscoped = [
        f"{module}:{line}: {model}.objects.{method}"
        for model, method, line in _queries(path)
        if method not in STARTS and (module, model, method) not in ALLOWED
    ]
    assert unscoped == []


def test_the_check_finds_queries() -> None:
    assert sum(len(_queries(p)) for p in shell_modules()) > 20


def test_the_check_tells_a_scoped_query_from_another(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("x = Patient.objects.filter(clinic_id=1)\ny = Patient.objects.for_clinic(1)\n")
    assert _queries(source) == [("Patient", "filter", 1), ("Patient", "for_clinic", 2)]
