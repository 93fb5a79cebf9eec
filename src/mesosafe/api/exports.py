"""Records that leave the clinic (staff key): a patient's records as a FHIR R4 Bundle."""

from __future__ import annotations

import json
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from mesosafe.api.auth import staff_key
from mesosafe.api.common import audit_read, responses
from mesosafe.api.patients import patient_or_404
from mesosafe.fhir.bundle import patient_bundle
from mesosafe.knowledge import load

router = Router(auth=staff_key, tags=["exports"])
FHIR_JSON = "application/fhir+json"


class FhirQuery(Schema):
    """FHIR's `_format` names JSON three ways (FHIR R4, http.html#mime-type); only JSON is served."""

    format: Literal["json", "application/json", "application/fhir+json"] | None = Field(None, alias="_format")


@router.get(
    "/patients/{patient_id}/fhir",
    response=responses({200: None}),
    openapi_extra={
        "responses": {200: {"description": "a FHIR R4 Bundle (type collection)", "content": {FHIR_JSON: {}}}}
    },
)
def patient_fhir(request: HttpRequest, patient_id: int, q: Query[FhirQuery]) -> HttpResponse:
    """The patient's records as FHIR R4: every reference resolves inside the bundle. A FHIR client's
    `_format` is taken when it asks for JSON."""
    patient = patient_or_404(request, patient_id)
    bundle = patient_bundle(patient, load())
    audit_read(request, "patient_fhir", [patient.id], patient.id)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False), content_type=f"{FHIR_JSON}; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response
