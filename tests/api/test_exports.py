"""GET /patients/{id}/fhir and GET /complications/{id}/icsr: staff key, clinic-scoped, audited; the ICSR's
regional minimum is a 422 naming the field; marking a complication reported keeps the report's id and
version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.e2b import read
from mesosafe.e2b.rules import check
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site


def _complication(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any], **values: Any
) -> Complication:
    patient = make_patient(site, name="Layla Haddad")
    treatment, _ = make_treatment(site, patient, days_ago=10)
    data = ComplicationIn(
        onset_date=timezone.localdate() - timedelta(days=2),
        grade=2,
        relatedness="possibly",
        symptom_codes=["lump"],
        **values,
    )
    return create(treatment, data, by=site.staff.user)


def test_patient_fhir_bundle(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    patient_id = complication.treatment.patient_id
    response = client.get(f"{API}/patients/{patient_id}/fhir", **site.headers())
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    kinds = {e["resource"]["resourceType"] for e in response.json()["entry"]}
    assert {"Patient", "Procedure", "AdverseEvent", "Medication"} <= kinds
    assert AuditEvent.objects.filter(object_type="patient_fhir", patient_id=patient_id).count() == 1


@pytest.mark.parametrize("fmt", ["json", "application/json", "application/fhir+json"])
def test_a_fhir_clients_format_for_json_is_taken_and_xml_is_refused_naming_it(
    client: Client, site: Site, make_patient: Callable[..., Patient], fmt: str
) -> None:
    """A FHIR client may send `_format`; since unknown query parameters are refused it was a 400."""
    patient = make_patient(site, name="Layla Haddad")
    url = f"{API}/patients/{patient.id}/fhir"
    assert client.get(url, {"_format": fmt}, **site.headers()).status_code == 200
    refused = client.get(url, {"_format": "xml"}, **site.headers())
    assert refused.status_code == 422 and "_format" in refused.json()["detail"]


def test_exports_of_another_clinic_are_404(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    mine, theirs = make_site(), make_site()
    complication = _complication(theirs, make_patient, make_treatment)
    assert (
        client.get(f"{API}/patients/{complication.treatment.patient_id}/fhir", **mine.headers()).status_code
        == 404
    )
    assert client.get(f"{API}/complications/{complication.id}/icsr", **mine.headers()).status_code == 404
    assert client.get(f"{API}/complications/{complication.id}/icsr").status_code == 401


def test_icsr_reads_back_and_passes_the_rules(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication = _complication(
        site, make_patient, make_treatment, serious=True, serious_reason="disfigurement"
    )
    response = client.get(f"{API}/complications/{complication.id}/icsr", **site.headers())
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert check(response.content) == []
    (case,) = read(response.content)
    assert case.safety_report_id == f"AE-MESOSAFE{site.clinic.id}-{complication.id}"
    assert case.patient.initials == "LH" and case.drugs[0].lot == site.batch.lot_number
    assert case.reactions[0].reported_term and case.serious
    assert AuditEvent.objects.filter(object_type="complication_icsr").count() == 1


def test_the_regional_minimum_is_a_422_naming_the_field(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    Complication.objects.filter(id=complication.id).update(symptom_codes=[])
    response = client.get(f"{API}/complications/{complication.id}/icsr", **site.headers())
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "symptom_codes"
    complication.treatment.products.all().delete()
    Complication.objects.filter(id=complication.id).update(symptom_codes=["lump"])
    response = client.get(f"{API}/complications/{complication.id}/icsr", **site.headers())
    assert response.json()["errors"][0]["field"] == "treatment.products"


def test_an_update_is_a_new_version_and_marking_reported_keeps_id_and_version(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    Complication.objects.filter(id=complication.id).update(
        created_at=timezone.now() - timedelta(days=3), updated_at=timezone.now() - timedelta(days=3)
    )
    first = read(client.get(f"{API}/complications/{complication.id}/icsr", **site.headers()).content)[0]
    patch = client.patch(
        f"{API}/complications/{complication.id}",
        {"outcome": "recovered", "outcome_date": timezone.localdate().isoformat()},
        content_type="application/json",
        **site.headers(),
    )
    assert patch.status_code == 200
    second = read(client.get(f"{API}/complications/{complication.id}/icsr", **site.headers()).content)[0]
    assert second.safety_report_id == first.safety_report_id and second.most_recent > first.most_recent
    client.patch(
        f"{API}/complications/{complication.id}",
        {"reported_to_regulator": True},
        content_type="application/json",
        **site.headers(),
    )
    complication.refresh_from_db()
    assert (complication.report_id, complication.report_version) == (
        second.safety_report_id,
        second.most_recent_at,
    )
    assert complication.reported_on == site.clinic.local_date(timezone.now())
    third = read(client.get(f"{API}/complications/{complication.id}/icsr", **site.headers()).content)[0]
    assert third.most_recent == second.most_recent  # reporting it is not a change of what it says


def test_cli_writes_the_icsr_and_names_a_missing_minimum(
    tmp_path: Any, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    from click.testing import CliRunner

    from mesosafe.cli import cli

    complication = _complication(site, make_patient, make_treatment)
    out = tmp_path / "icsr.xml"
    result = CliRunner().invoke(
        cli, ["export", "icsr", "--complication", str(complication.id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert check(out.read_bytes()) == []
    Complication.objects.filter(id=complication.id).update(symptom_codes=[])
    again = tmp_path / "again.xml"
    result = CliRunner().invoke(
        cli, ["export", "icsr", "--complication", str(complication.id), "--out", str(again)]
    )
    assert result.exit_code == 2 and "symptom_codes" in result.output and not again.exists()
