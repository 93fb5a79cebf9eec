"""`mesosafe export fhir`: NDJSON per resource type and a Bulk Data manifest; bad options exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from django.utils import timezone

from mesosafe.cli import cli
from mesosafe.fhir.bundle import checked
from mesosafe.fhir.codes import code_map
from mesosafe.patients.models import Patient
from tests.fhir.records import full_patient
from tests.service_fixtures import Site


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["export", "fhir", *args])


@pytest.fixture
def two_patients(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> Site:
    full_patient(site, make_patient, make_treatment)
    full_patient(site, make_patient, make_treatment, lang="ar")
    return site


def test_ndjson_per_type_and_manifest(two_patients: Site, tmp_path: Path) -> None:
    result = _run("--clinic", str(two_patients.clinic.id), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    counts = {item["type"]: item["count"] for item in manifest["output"]}
    assert counts["Patient"] == 2 and counts["Procedure"] == 2 and counts["AdverseEvent"] == 2
    assert counts["Organization"] == 1 and counts["Questionnaire"] == 2
    for item in manifest["output"]:
        lines = (tmp_path / "out" / item["url"]).read_text(encoding="utf-8").splitlines()
        assert len(lines) == item["count"]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == item["type"] and checked(resource) == resource


def test_since_keeps_only_newer_records(two_patients: Site, tmp_path: Path) -> None:
    # "--since DATE" starts at the clinic's midnight, so tomorrow is the clinic's (Dubai is UTC+4)
    today = timezone.localdate(timezone=ZoneInfo(two_patients.clinic.time_zone))
    tomorrow = (today + timezone.timedelta(days=1)).isoformat()
    result = _run("--clinic", str(two_patients.clinic.id), "--out", str(tmp_path / "o"), "--since", tomorrow)
    assert result.exit_code == 0, result.output
    types = {item["type"] for item in json.loads((tmp_path / "o" / "manifest.json").read_text())["output"]}
    assert "Patient" not in types and "Organization" in types


def test_the_mapping_table_adds_codings(two_patients: Site, tmp_path: Path, monkeypatch: Any) -> None:
    table = tmp_path / "map.csv"
    table.write_text(
        "system,code,target_system,target_code,target_display\n"
        "symptom,lump,http://snomed.info/sct,297960002,Mass of skin\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MESOSAFE_FHIR_CODE_MAP", str(table))
    assert _run("--clinic", str(two_patients.clinic.id), "--out", str(tmp_path / "o")).exit_code == 0
    condition = json.loads((tmp_path / "o" / "Condition.ndjson").read_text().splitlines()[0])
    systems = [c["system"] for c in condition["code"]["coding"]]
    assert systems == ["https://mesosafe.org/fhir/CodeSystem/symptom", "http://snomed.info/sct"]
    code_map.cache_clear()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--clinic", "999999", "--out", "{tmp}/x"], "--clinic"),
        (["--clinic", "{clinic}", "--out", "{tmp}/x", "--since", "2026-13-01"], "--since"),
        (["--clinic", "{clinic}", "--out", "{tmp}/full"], "--out"),
        (["--clinic", "abc", "--out", "{tmp}/x"], "--clinic"),
    ],
)
def test_bad_options_exit_2_naming_the_option(
    site: Site, tmp_path: Path, args: list[str], named: str
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    result = _run(*[a.format(tmp=tmp_path, clinic=site.clinic.id) for a in args])
    assert result.exit_code == 2 and named in result.output
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_a_broken_mapping_table_exits_2(site: Site, tmp_path: Path, monkeypatch: Any) -> None:
    table = tmp_path / "map.csv"
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.setenv("MESOSAFE_FHIR_CODE_MAP", str(table))
    result = _run("--clinic", str(site.clinic.id), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "MESOSAFE_FHIR_CODE_MAP" in result.output
