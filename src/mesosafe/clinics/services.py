"""Staff API keys and batch recall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from mesosafe.clinics.models import ApiKey, Batch, Clinic, Staff
from mesosafe.lib.tokens import digest, new_token

KEY_PREFIX = "msk_"


def issue_api_key(staff: Staff, name: str = "default") -> str:
    """Create a key for this staff member and return it; only its hash is kept."""
    key = KEY_PREFIX + new_token()
    ApiKey.objects.create(staff=staff, name=name, key_hash=digest(key))
    return key


def staff_for_key(key: str) -> Staff | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    found = (
        ApiKey.objects.select_related("staff__clinic", "staff__user")
        .filter(key_hash=digest(key), revoked_at__isnull=True, staff__user__is_active=True)
        .first()
    )
    return found.staff if found else None


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


def lot_batches(clinic: Clinic, lot_number: str) -> QuerySet[Batch]:
    """This clinic's batches with this lot number, whatever its case and surrounding spaces."""
    return Batch.objects.filter(lot_number__iexact=lot_number.strip(), product__clinic=clinic)


def batch_recipients(clinic: Clinic, lot_number: str) -> list[Recipient]:
    """Every patient of this clinic who received the lot (matched as `lot_batches` does), one row per
    treatment, newest first."""
    from mesosafe.treatments.models import ProductUse

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
