"""One patient's records as a FHIR R4 Bundle (type collection), every resource parsed by fhir.resources'
R4B models and every reference resolving inside the bundle."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from mesosafe.clinics.models import Batch
from mesosafe.fhir.codes import CANONICAL
from mesosafe.fhir.definitions import definitions
from mesosafe.fhir.records import Resource, clinic_resources, patient_resources, with_records
from mesosafe.knowledge import KnowledgeBase
from mesosafe.patients.models import Patient

# FHIR strings allow no white space but space, tab, CR and LF; stored free text may hold others (a vertical
# tab, a no-break space), which become a space.
_OTHER_SPACE = re.compile(r"[^\S \r\n\t]")


def parsed(resource: Resource) -> Resource:
    """The resource, once fhir.resources' R4B model has read it: a mapping error raises pydantic's error.
    (The tests check that the model writes each resource back unchanged, so the dict is what is sent.)"""
    resource = _plain_spaces(resource)
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def _plain_spaces(value: Any) -> Any:
    if isinstance(value, str):
        return _OTHER_SPACE.sub(" ", value) if _OTHER_SPACE.search(value) else value
    if isinstance(value, dict):
        return {key: _plain_spaces(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_spaces(item) for item in value]
    return value


def checked(resource: Resource) -> Resource:
    """The resource as fhir.resources reads and writes it back."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    dumped: Resource = model.model_dump(mode="json", exclude_none=True)
    return dumped


def patient_bundle(patient: Patient, kb: KnowledgeBase) -> Resource:
    (patient,) = with_records(Patient.objects.filter(id=patient.id), None)
    records = list(patient_resources(patient, kb))
    staff_ids = {ref.split("/")[1] for ref in references(records) if ref.startswith("Practitioner/")}
    batch_ids = {ref.split("/")[1] for ref in references(records) if ref.startswith("Medication/")}
    clinic = patient.clinic
    staff = [s for s in clinic.staff.select_related("user").order_by("id") if f"staff-{s.id}" in staff_ids]
    used = Batch.objects.filter(uses__treatment__patient=patient).select_related("product").distinct()
    batches = [b for b in used.order_by("id") if f"batch-{b.id}" in batch_ids]
    resources = [*clinic_resources(clinic, staff, batches), *records, *definitions(kb)]
    return bundle([parsed(resource) for resource in resources])


def bundle(resources: list[Resource]) -> Resource:
    found = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{CANONICAL}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
    get_fhir_model_class("Bundle").model_validate(found)
    return found


def references(resources: Iterable[Resource]) -> Iterator[str]:
    """Every literal reference ('Type/id') anywhere in the resources."""
    for resource in resources:
        yield from _walk(resource)


def _walk(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def unresolved(bundle_: Resource) -> set[str]:
    """References and questionnaire canonicals that point at nothing in the bundle."""
    resources = [entry["resource"] for entry in bundle_["entry"]]
    present = {f"{r['resourceType']}/{r['id']}" for r in resources}
    canonicals = {r["url"] for r in resources if "url" in r}
    missing = {ref for ref in references(resources) if ref not in present}
    missing |= {
        r["questionnaire"] for r in resources if "questionnaire" in r and r["questionnaire"] not in canonicals
    }
    return missing
