"""The clinic database exported in the column contracts of `mesosafe.disproportionality` and
`mesosafe.clinic_safety`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mesosafe.checkins.services import submit
from mesosafe.clinic_safety.tables import check_tables, outcomes, per_unit
from mesosafe.clinics.models import Batch, Product
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from mesosafe.lib.analysis_input import AnalysisInputError
from mesosafe.patients.models import Patient
from mesosafe.registry import export
from mesosafe.treatments.models import ProductUse, Treatment
from tests.service_fixtures import Site


def _complication(
    treatment: Any, site: Site, days_after: int, codes: list[str], flagged: bool = False
) -> None:
    onset = treatment.patient.clinic.local_date(treatment.performed_at) + timedelta(days=days_after)
    data = ComplicationIn(
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
    tables = check_tables(export.treatments(), export.complications())
    assert len(tables.treatments) == 4
    assert set(tables.treatments["clinic"]) == {
        f"{site.clinic.name} (#{site.clinic.pk})",
        f"{other.clinic.name} (#{other.clinic.pk})",
    }
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
    tables = check_tables(export.treatments(), export.complications())
    assert list(tables.treatments["treatment_id"]) == [str(treatment.id)] * 2
    assert len(tables.complications) == 1
    frame = outcomes(tables)
    assert len(per_unit(frame, "clinic")) == 1 and len(per_unit(frame, "product")) == 2


def test_equal_lot_numbers_of_two_products_stay_two_batches(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    lipolytic = Product.objects.create(clinic=site.clinic, name="Lipolytic")
    same_lot = Batch.objects.create(
        product=lipolytic,
        lot_number=site.batch.lot_number,
        expires_on=site.batch.expires_on,
        multi_dose_vial=True,
    )
    first, _ = make_treatment(site, make_patient(site), days_ago=30)
    second, _ = make_treatment(site, make_patient(site, name="B"), days_ago=30)
    ProductUse.objects.filter(treatment=second).update(batch=same_lot)
    _complication(first, site, 2, ["pus"])
    _complication(second, site, 2, ["pus"])
    lot = site.batch.lot_number
    tables = check_tables(export.treatments(), export.complications())
    keys = {f"Vitamin C / {lot}", f"Lipolytic / {lot}"}
    assert set(tables.treatments["batch"]) == keys
    assert set(export.reports("batch")["product"]) == keys  # `signals --by batch` uses the same key
    vials = tables.treatments.groupby("batch")["multi_dose_vial"].any()
    assert vials.to_dict() == {f"Lipolytic / {lot}": True, f"Vitamin C / {lot}": False}


def test_two_clinics_with_the_same_name_are_two_units(
    make_site: Callable[..., Site], make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    one, two = make_site(name="Glow"), make_site(name="Glow")
    make_treatment(one, make_patient(one), days_ago=10)
    make_treatment(two, make_patient(two), days_ago=10)
    tables = check_tables(export.treatments(), export.complications())
    assert sorted(tables.treatments["clinic"]) == sorted(
        [f"Glow (#{one.clinic.pk})", f"Glow (#{two.clinic.pk})"]
    )
    assert sorted(tables.treatments["practitioner"]) == sorted(
        [f"{s.staff.licence_number} (#{s.staff.pk})" for s in (one, two)]
    )


def test_dates_are_the_clinics_local_dates(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=30)
    # 22:30 UTC is 02:30 the next day in Dubai, where the clinic recorded an onset that same local day
    performed = datetime(2026, 3, 1, 22, 30, tzinfo=ZoneInfo("UTC"))
    Treatment.objects.filter(pk=treatment.pk).update(performed_at=performed)
    treatment.refresh_from_db()
    _complication(treatment, site, 0, ["pus"])
    assert list(export.treatments()["date"]) == ["2026-03-02"]
    assert list(export.complications()["onset_date"]) == ["2026-03-02"]


@pytest.mark.parametrize(
    ("onset", "message"),
    [
        (date(3025, 1, 5), "has onset date 3025-01-05, outside the years the registry analysis supports"),
        (date(2000, 1, 5), "has onset date 2000-01-05, before its session"),
    ],
)
def test_a_stored_date_the_analysis_cannot_use_names_the_record(
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    onset: date,
    message: str,
) -> None:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=30)
    _complication(treatment, site, 2, ["pus"])
    complication = Complication.objects.get()
    Complication.objects.filter(pk=complication.pk).update(onset_date=onset)  # as an older version stored it
    record = f"complication #{complication.pk} (treatment #{treatment.pk})"
    with pytest.raises(AnalysisInputError, match=re.escape(f"{record} {message}")):
        export.complications()
