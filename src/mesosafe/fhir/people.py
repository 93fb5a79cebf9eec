"""Clinic → Organization; staff → Practitioner and PractitionerRole; patient → Patient."""

from __future__ import annotations

from typing import Any

from mesosafe.clinics.models import Clinic, Staff
from mesosafe.fhir.codes import IDENTIFIERS, concept
from mesosafe.fhir.definitions import STAFF_ROLES
from mesosafe.patients.models import Patient


def ref(kind: str, key: str) -> dict[str, str]:
    return {"reference": f"{kind}/{key}"}


def organization(clinic: Clinic) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Organization",
        "id": f"clinic-{clinic.id}",
        "identifier": [{"system": f"{IDENTIFIERS}/clinic", "value": str(clinic.id)}],
        "active": True,
        "name": clinic.name,
        "address": [{"country": clinic.country}],
    }
    if clinic.phone:
        found["telecom"] = [{"system": "phone", "value": clinic.phone, "use": "work"}]
    return found


def practitioner(staff: Staff) -> dict[str, Any]:
    user = staff.user
    found: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": f"staff-{staff.id}",
        "identifier": [{"system": f"{IDENTIFIERS}/staff", "value": str(staff.id)}],
        "active": user.is_active,
        "name": [_name(user.first_name, user.last_name, user.get_username())],
    }
    if staff.licence_number:
        licence: dict[str, Any] = {
            "identifier": [{"value": staff.licence_number}],
            "code": {"text": "Licence to practise"},
        }
        if staff.licence_authority:
            licence["issuer"] = {"display": staff.licence_authority}
        if staff.licence_expires:
            licence["period"] = {"end": staff.licence_expires.isoformat()}
        found["qualification"] = [licence]
    return found


def _name(given: str, family: str, fallback: str) -> dict[str, Any]:
    name: dict[str, Any] = {"text": f"{given} {family}".strip() or fallback}
    if family:
        name["family"] = family
    if given:
        name["given"] = [given]
    return name


def practitioner_role(staff: Staff) -> dict[str, Any]:
    return {
        "resourceType": "PractitionerRole",
        "id": f"staff-{staff.id}",
        "active": True,
        "practitioner": ref("Practitioner", f"staff-{staff.id}"),
        "organization": ref("Organization", f"clinic-{staff.clinic_id}"),
        "code": [concept("staff-role", staff.role, STAFF_ROLES.get(staff.role))],
    }


def patient(record: Patient) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"patient-{record.id}",
        "language": record.preferred_language,
        "identifier": [
            {"system": f"{IDENTIFIERS}/clinic/{record.clinic_id}/patient", "value": str(record.id)}
        ],
        "name": [{"text": record.name}],
        "birthDate": record.date_of_birth.isoformat(),
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": record.preferred_language}]},
                "preferred": True,
            }
        ],
        "managingOrganization": ref("Organization", f"clinic-{record.clinic_id}"),
    }
    telecom = [{"system": "phone", "value": record.phone}] if record.phone else []
    telecom += [{"system": "email", "value": record.email}] if record.email else []
    if telecom:
        found["telecom"] = telecom
    return found
