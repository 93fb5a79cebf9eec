"""Export the clinic database to the tables `mesosafe signals` and `mesosafe registry report` read.

- reports (disproportionality): one row per (complication, product or batch used, symptom code). A
  complication is a report; its products are those of its treatment; by batch, a batch is "product / lot"
  (lot numbers are unique only per product), the same key as the registry report's batch unit.
- treatments: one row per product used in a session, all with the session's `treatment_id`; the registry
  counts a session once for its clinic and practitioner and once for each product and batch it used.
  Clinic names are not unique, so a clinic is "name (#id)"; a practitioner is "licence or user name
  (#staff id)". Dates are the clinic's local calendar dates, as on the clinic's forms.
- complications: one row per complication, with `suspected_infection` from the knowledge base (flagged, a
  sign of infection, or a lump after the first week).

A stored date the analysis cannot use (outside the supported years, or an onset before its session)
raises AnalysisInputError naming the record, so a report fails with that message instead of a traceback.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from mesosafe.clinic_safety.tables import EARLIEST_DATE, LATEST_DATE, batch_key
from mesosafe.complications.models import Complication
from mesosafe.engines.infection import suspected_infection
from mesosafe.lib.analysis_input import AnalysisInputError
from mesosafe.treatments.models import ProductUse, Treatment

By = Literal["product", "batch"]


def _label(use: ProductUse, by: By) -> str:
    product = use.batch.product.name
    return batch_key(product, use.batch.lot_number) if by == "batch" else product


def _session_date(treatment: Treatment) -> date:
    return treatment.patient.clinic.local_date(treatment.performed_at)


def _in_range(day: date, record: str, field: str) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise AnalysisInputError(
            f"{record} has {field} {day.isoformat()}, outside the years the registry analysis supports "
            f"({EARLIEST_DATE.year}–{LATEST_DATE.year}); correct the record"
        )
    return day


def clinic_key(treatment: Treatment) -> str:
    clinic = treatment.patient.clinic
    return f"{clinic.name} (#{clinic.pk})"


def practitioner_key(treatment: Treatment) -> str:
    staff = treatment.practitioner
    return f"{staff.licence_number or staff.user.get_username()} (#{staff.pk})"


def reports(by: By = "product") -> pd.DataFrame:
    """Long rows (id, product, event) for disproportionality, by product or by batch."""
    rows = []
    complications = Complication.objects.select_related("treatment").prefetch_related(
        "treatment__products__batch__product"
    )
    for complication in complications:
        for use in complication.treatment.products.all():
            for code in complication.symptom_codes:
                rows.append({"id": complication.pk, "product": _label(use, by), "event": code})
    return pd.DataFrame(rows, columns=["id", "product", "event"]).drop_duplicates()


def treatments() -> pd.DataFrame:
    uses = ProductUse.objects.select_related(
        "treatment__practitioner__user", "treatment__patient__clinic", "batch__product"
    )
    rows = [
        {
            "treatment_id": str(use.treatment_id),
            "date": _in_range(
                _session_date(use.treatment), f"treatment #{use.treatment_id}", "date"
            ).isoformat(),
            "clinic": clinic_key(use.treatment),
            "practitioner": practitioner_key(use.treatment),
            "product": use.batch.product.name,
            "batch": use.batch.lot_number,
            "multi_dose_vial": use.batch.multi_dose_vial,
        }
        for use in uses
    ]
    columns = ["treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial"]
    return pd.DataFrame(rows, columns=columns)


def complications() -> pd.DataFrame:
    rows = []
    # a session recorded without products is not in the treatments table, so neither are its complications
    with_products = Complication.objects.filter(treatment__products__isnull=False).distinct()
    for complication in with_products.select_related("treatment__patient__clinic"):
        record = f"complication #{complication.pk} (treatment #{complication.treatment_id})"
        performed = _in_range(_session_date(complication.treatment), record, "session date")
        onset = _in_range(complication.onset_date, record, "onset date")
        if onset < performed:
            raise AnalysisInputError(
                f"{record} has onset date {onset.isoformat()}, before its session on "
                f"{performed.isoformat()}; correct the record"
            )
        flagged = complication.suspected_infection
        rows.append(
            {
                "treatment_id": str(complication.treatment_id),
                "onset_date": onset.isoformat(),
                "suspected_infection": suspected_infection(
                    complication.symptom_codes, (onset - performed).days, flagged
                ),
            }
        )
    return pd.DataFrame(rows, columns=["treatment_id", "onset_date", "suspected_infection"])
