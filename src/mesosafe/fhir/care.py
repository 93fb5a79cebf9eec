"""Product and lot → Medication; treatment → Procedure, with one MedicationAdministration per product line
(the dose and volume that Procedure.usedReference cannot hold)."""

from __future__ import annotations

from typing import Any

from mesosafe.clinics.models import Batch
from mesosafe.fhir.codes import IDENTIFIERS, UCUM, moment
from mesosafe.fhir.people import ref
from mesosafe.treatments.models import ProductUse, Treatment

MESOTHERAPY = {"text": "Mesotherapy (intradermal micro-injections)"}


def medication(batch: Batch) -> dict[str, Any]:
    product = batch.product
    found: dict[str, Any] = {
        "resourceType": "Medication",
        "id": f"batch-{batch.id}",
        "identifier": [
            {"system": f"{IDENTIFIERS}/product", "value": str(product.id)},
            {"system": f"{IDENTIFIERS}/batch", "value": str(batch.id)},
        ],
        "code": {"text": product.name},
        "status": "active",
        "batch": {"lotNumber": batch.lot_number, "expirationDate": batch.expires_on.isoformat()},
    }
    if product.manufacturer:
        found["manufacturer"] = {"display": product.manufacturer}
    if product.ingredients:
        found["ingredient"] = [{"itemCodeableConcept": {"text": name}} for name in product.ingredients]
    return found


def procedure(treatment: Treatment) -> dict[str, Any]:
    lines = list(treatment.products.all())
    found: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": f"treatment-{treatment.id}",
        "status": "completed",
        "code": MESOTHERAPY,
        "subject": ref("Patient", f"patient-{treatment.patient_id}"),
        "performedDateTime": moment(treatment.performed_at),
        "performer": [
            {
                "actor": ref("Practitioner", f"staff-{treatment.practitioner_id}"),
                "onBehalfOf": ref("Organization", f"clinic-{treatment.patient.clinic_id}"),
            }
        ],
    }
    if treatment.areas:
        found["bodySite"] = [{"text": area} for area in treatment.areas]
    if lines:
        found["usedReference"] = [ref("Medication", f"batch-{line.batch_id}") for line in lines]
    notes = [
        f"{label}: {value}"
        for label, value in (
            ("Technique", treatment.technique),
            ("Injection depth", treatment.injection_depth),
            ("Anaesthetic", treatment.anaesthetic),
        )
        if value
    ]
    if notes:
        found["note"] = [{"text": "; ".join(notes)}]
    return found


def administration(line: ProductUse, treatment: Treatment) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "route": {"text": "Intradermal"},
        "dose": {"value": float(line.volume_ml), "unit": "mL", "system": UCUM, "code": "mL"},
    }
    if line.area:
        dosage["site"] = {"text": line.area}
    if line.concentration:
        dosage["text"] = f"{line.concentration}, {line.volume_ml} mL"
    return {
        "resourceType": "MedicationAdministration",
        "id": f"product-use-{line.id}",
        "status": "completed",
        "medicationReference": ref("Medication", f"batch-{line.batch_id}"),
        "subject": ref("Patient", f"patient-{treatment.patient_id}"),
        "partOf": [ref("Procedure", f"treatment-{treatment.id}")],
        "effectiveDateTime": moment(treatment.performed_at),
        "performer": [{"actor": ref("Practitioner", f"staff-{treatment.practitioner_id}")}],
        "dosage": dosage,
    }
