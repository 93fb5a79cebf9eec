"""The clinic database exported in the column contracts of `mesosafe.signals`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from mesosafe.checkins.services import submit
from mesosafe.clinics.models import Batch, Product
from mesosafe.complications.services import ComplicationData, create
from mesosafe.patients.models import Patient
from mesosafe.registry import export
from mesosafe.signals.registry import check_registry, outcomes, per_unit
from mesosafe.treatments.models import ProductUse
from tests.web.conftest import Site


def _complication(
    treatment: Any, site: Site, days_after: int, codes: list[str], flagged: bool = False
) -> None:
    onset = treatment.patient.clinic.local_date(treatment.performed_at) + timedelta(days=days_after)
    data = ComplicationData(
        onset_date=onset, grade=2, relatedness="possibly", symptom_codes=codes, suspected_infection=flagged
    )
    create(treatment, data, by=site.staff.user)


def test_reports_by_product_and_by_batch(
    make_site: Callable[..., Site], make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    site = make_site(lot="LOT-A")
    treatment, _ = make_treatment(site, make_patient(site), days_ago=30)
    _complication(treatment, site, 2, ["pus", "redness"])
    by_product = export.reports("product")
    assert sorted(by_product["event"]) == ["pus", "redness"]
    assert set(by_product["product"]) == {"Vitamin C"}
    assert set(export.reports("batch")["product"]) == {"Vitamin C / LOT-A"}


def test_registry_tables_pass_the_signals_checks(
    make_site: Callable[..., Site], make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    site, other = make_site(), make_site()
    infected, _ = make_treatment(site, make_patient(site), days_ago=40)
    late_lump, _ = make_treatment(site, make_patient(site, name="B"), days_ago=40)
    early_lump, _ = make_treatment(other, make_patient(other, name="C"), days_ago=40)
    make_treatment(other, make_patient(other, name="D"), days_ago=40)
    _complication(infected, site, 3, ["warmth"])
    _complication(late_lump, site, 21, ["lump"])  # a lump after the first week: suspected infection
    _complication(early_lump, other, 2, ["lump"])  # small bumps in the first days: not
    tables = check_registry(export.treatments(), export.complications())
    assert len(tables.treatments) == 4
    assert set(tables.treatments["clinic"]) == {site.clinic.name, other.clinic.name}
    assert int(tables.complications["suspected_infection"].sum()) == 2
    first = submit(infected.link, {"symptoms": []})[0]
    assert first.pk  # check-ins do not change the registry tables
    assert len(export.treatments()) == 4


def test_a_two_product_session_is_one_treatment_for_its_clinic(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=30)
    lipolytic = Product.objects.create(clinic=site.clinic, name="Lipolytic")
    batch = Batch.objects.create(product=lipolytic, lot_number="LP-1", expires_on=site.batch.expires_on)
    ProductUse.objects.create(treatment=treatment, batch=batch, volume_ml=1)
    _complication(treatment, site, 3, ["pus"])
    tables = check_registry(export.treatments(), export.complications())
    assert list(tables.treatments["treatment_id"]) == [str(treatment.id)] * 2
    assert len(tables.complications) == 1
    frame = outcomes(tables)
    assert len(per_unit(frame, "clinic")) == 1 and len(per_unit(frame, "product")) == 2
