"""`mesosafe export fhir|icsr`: bad options and an unreadable database exit 2 with one clear line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.cli import cli
from mesosafe.cli.common import os_user
from mesosafe.complications.models import Complication, Relatedness
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.e2b.rules import check
from mesosafe.fhir.bundle import parsed
from mesosafe.patients.models import Patient
from tests.cli.test_signals import mesosafe
from tests.service_fixtures import Site


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["export", *args])


@pytest.mark.parametrize(
    "args",
    [["fhir", "--clinic", "1", "--out", "o"], ["icsr", "--complication", "1", "--out", "o.xml"]],
)
def test_a_database_that_was_never_migrated(tmp_path: Path, args: list[str]) -> None:
    done = mesosafe("export", *args, data_dir=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "mesosafe manage migrate" in done.stderr and "Traceback" not in done.stderr


def test_an_out_that_is_not_a_folder_is_refused(site: Site) -> None:
    result = _run("fhir", "--clinic", str(site.clinic.id), "--out", "/dev/null")
    assert result.exit_code == 2 and "--out: /dev/null is not a folder" in result.output


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_since_outside_2000_2100_is_refused(tmp_path: Path, day: str) -> None:
    result = _run("fhir", "--clinic", "1", "--out", str(tmp_path / "o"), "--since", day)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--since': must be between the years 2000 and 2100" in result.output
    assert not (tmp_path / "o").exists()


def test_a_since_at_the_edge_of_the_range_exports(site: Site, tmp_path: Path) -> None:
    result = _run(
        "fhir", "--clinic", str(site.clinic.id), "--out", str(tmp_path / "o"), "--since", "2000-01-01"
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("receiver", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("bad\x01ctrl", "must be printable text"),
        ("tab\there", "must be printable text"),
        ("x" * 61, "has 61 characters; E2B N.1.4 allows at most 60"),
        ("x" * 5000, "has 5000 characters"),
    ],
)
def test_a_bad_receiver_is_refused(tmp_path: Path, receiver: str, message: str) -> None:
    out = tmp_path / "icsr.xml"
    result = _run("icsr", "--complication", "1", "--out", str(out), "--receiver", receiver)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--receiver': {message}" in result.output and not out.exists()


def test_a_receiver_of_60_characters_gives_a_file_that_passes_the_rules(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any], tmp_path: Path
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    out, receiver = tmp_path / "icsr.xml", "EMA-" + "R" * 56
    result = _run("icsr", "--complication", str(complication.id), "--out", str(out), "--receiver", receiver)
    assert result.exit_code == 0, result.output
    xml = out.read_bytes()
    assert check(xml) == [] and f'extension="{receiver}"'.encode() in xml


def test_a_clinic_export_audits_a_read_of_each_patient_it_wrote(
    make_site: Callable[..., Site], make_patient: Callable[..., Patient], tmp_path: Path
) -> None:
    site, other = make_site(), make_site()
    mine = [make_patient(site, name="Amal Haddad"), make_patient(site, name="Layla Haddad")]
    make_patient(other, name="Not Exported")
    before = AuditEvent.objects.count()
    result = _run("fhir", "--clinic", str(site.clinic.id), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    events = AuditEvent.objects.order_by("id")[before:]
    assert AuditEvent.objects.count() == before + len(mine)
    assert [(e.clinic_id, e.patient_id, e.object_id) for e in events] == [
        (site.clinic.id, patient.id, str(patient.id)) for patient in mine
    ]
    assert {(e.action, e.object_type, e.actor, e.user_id, e.method) for e in events} == {
        ("read", "fhir_bulk", "operator", None, "")  # no HTTP request: no method
    }
    assert events[0].detail == {
        "command": f"mesosafe export fhir --clinic {site.clinic.id}",
        "os_user": os_user(),
    }


def test_a_clinic_export_that_fails_part_way_leaves_nothing_on_disk(
    site: Site, make_patient: Callable[..., Patient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review: a full disk left patients' records in the folder, and no read event for them."""
    make_patient(site, name="Amal Haddad")
    written = iter(range(3))

    def parsed_until_the_disk_is_full(resource: dict[str, Any]) -> dict[str, Any]:
        if next(written, None) is None:
            raise OSError(28, "No space left on device")
        return parsed(resource)

    monkeypatch.setattr("mesosafe.fhir.bulk.parsed", parsed_until_the_disk_is_full)
    before, out = AuditEvent.objects.count(), tmp_path / "new" / "o"
    result = _run("fhir", "--clinic", str(site.clinic.id), "--out", str(out))
    assert result.exit_code == 2 and "No space left on device" in result.output, result.output
    assert list(tmp_path.iterdir()) == [] and AuditEvent.objects.count() == before


def test_a_clinic_export_whose_audit_fails_leaves_an_empty_folder_empty(
    site: Site, make_patient: Callable[..., Patient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_patient(site, name="Amal Haddad")

    def refused(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit failed")

    monkeypatch.setattr("mesosafe.audit.services.record", refused)
    (tmp_path / "o").mkdir()
    result = _run("fhir", "--clinic", str(site.clinic.id), "--out", str(tmp_path / "o"))
    assert isinstance(result.exception, RuntimeError)
    assert list((tmp_path / "o").iterdir()) == []


def test_a_case_report_export_audits_a_read_of_the_complication(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any], tmp_path: Path
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    before = AuditEvent.objects.count()
    out = tmp_path / "icsr.xml"
    result = _run("icsr", "--complication", str(complication.id), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.clinic_id, event.patient_id, event.object_id) == (
        site.clinic.id,
        complication.treatment.patient_id,
        str(complication.id),
    )
    assert (event.action, event.object_type, event.actor) == ("read", "complication_icsr", "operator")


def test_a_case_report_whose_audit_fails_leaves_no_file(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    complication = _complication(site, make_patient, make_treatment)

    def refused(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit failed")

    monkeypatch.setattr("mesosafe.audit.services.record", refused)
    out = tmp_path / "icsr.xml"
    result = _run("icsr", "--complication", str(complication.id), "--out", str(out))
    assert isinstance(result.exception, RuntimeError) and not out.exists()


def test_a_case_report_on_a_full_disk_leaves_no_file_and_no_read(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    before = AuditEvent.objects.count()

    def half_written(self: Path, data: bytes) -> int:
        with self.open("wb") as file:
            file.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", half_written)
    out = tmp_path / "icsr.xml"
    result = _run("icsr", "--complication", str(complication.id), "--out", str(out))
    assert result.exit_code == 2 and "--out: [Errno 28] No space left on device" in result.output
    assert not out.exists() and AuditEvent.objects.count() == before


def test_a_case_report_never_overwrites_a_file(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any], tmp_path: Path
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    out = tmp_path / "icsr.xml"
    out.write_bytes(b"an earlier report")
    before = AuditEvent.objects.count()
    result = _run("icsr", "--complication", str(complication.id), "--out", str(out))
    assert result.exit_code == 2 and f"--out: {out} exists (nothing is overwritten)" in result.output
    assert out.read_bytes() == b"an earlier report" and AuditEvent.objects.count() == before


def test_a_refused_case_report_audits_nothing(tmp_path: Path, db: Any) -> None:
    before = AuditEvent.objects.count()
    result = _run("icsr", "--complication", "999999", "--out", str(tmp_path / "icsr.xml"))
    assert result.exit_code == 2 and AuditEvent.objects.count() == before


def _complication(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> Complication:
    treatment, _ = make_treatment(site, make_patient(site, name="Layla Haddad"), days_ago=10)
    data = ComplicationIn(
        onset_date=timezone.localdate() - timedelta(days=2),
        grade=2,
        relatedness=Relatedness.POSSIBLY,
        symptom_codes=["lump"],
    )
    return create(treatment, data, by=site.staff.user)
