"""Batch recall: every patient of a clinic who received a lot."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from mesosafe.clinics.models import Clinic
from mesosafe.clinics.services import lot_batches
from mesosafe.treatments.models import ProductUse


@dataclass(frozen=True)
class Recipient:
    patient_id: int
    name: str
    email: str
    phone: str
    treatment_id: int
    performed_at: datetime
    product: str
    lot_number: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def batch_recipients(clinic: Clinic, lot_number: str) -> list[Recipient]:
    """Every patient of this clinic who received the lot (matched as `lot_batches` does), one row per
    treatment, newest first."""
    uses = (
        ProductUse.objects.filter(batch__in=lot_batches(clinic, lot_number))
        .select_related("treatment__patient", "batch__product")
        .order_by("-treatment__performed_at", "treatment_id")
    )
    seen: set[int] = set()
    rows = []
    for use in uses:
        if use.treatment_id in seen:
            continue
        seen.add(use.treatment_id)
        patient = use.treatment.patient
        rows.append(
            Recipient(
                patient_id=patient.id,
                name=patient.name,
                email=patient.email,
                phone=patient.phone,
                treatment_id=use.treatment_id,
                performed_at=use.treatment.performed_at,
                product=use.batch.product.name,
                lot_number=use.batch.lot_number,
            )
        )
    return rows
