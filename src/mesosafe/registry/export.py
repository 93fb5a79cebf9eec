"""Export the clinic database to the tables `mesosafe signals` and `mesosafe registry report` read.

- reports (disproportionality): one row per (complication, product or batch used, symptom code). A
  complication is a report; its products are those of its treatment.
- treatments: one row per product used in a session, all with the session's `treatment_id`; the registry
  counts a session once for its clinic and practitioner and once for each product and batch it used.
- complications: one row per complication, with `suspected_infection` from the knowledge base (flagged, a
  sign of infection, or a lump after the first week).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from mesosafe.complications.models import Complication
from mesosafe.engines.infection import suspected_infection
from mesosafe.treatments.models import ProductUse

By = Literal["product", "batch"]


def _label(use: ProductUse, by: By) -> str:
    product = use.batch.product.name
    return f"{product} / {use.batch.lot_number}" if by == "batch" else product


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
            "date": use.treatment.performed_at.date().isoformat(),
            "clinic": use.treatment.patient.clinic.name,
            "practitioner": use.treatment.practitioner.licence_number
            or use.treatment.practitioner.user.get_username(),
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
    for complication in with_products.select_related("treatment"):
        performed = complication.treatment.performed_at.date()
        onset_day = (complication.onset_date - performed).days
        flagged = complication.suspected_infection
        rows.append(
            {
                "treatment_id": str(complication.treatment_id),
                "onset_date": complication.onset_date.isoformat(),
                "suspected_infection": suspected_infection(complication.symptom_codes, onset_day, flagged),
            }
        )
    return pd.DataFrame(rows, columns=["treatment_id", "onset_date", "suspected_infection"])
