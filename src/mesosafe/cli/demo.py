"""Demo data: two clinics, each with staff, products, batches, patients, treatments and check-ins at every
disposition. Safe to run again: records are created once; logins, keys and the patient link are renewed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.utils import timezone

from mesosafe.checkins.services import submit
from mesosafe.clinics.models import ApiKey, Batch, Clinic, Product, Staff
from mesosafe.clinics.services import issue_api_key
from mesosafe.complications.models import Relatedness
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create as create_complication
from mesosafe.engines.inputs import YES_NO
from mesosafe.patients.models import Patient
from mesosafe.patients.services import run_screening
from mesosafe.treatments.models import Treatment, link_path
from mesosafe.treatments.schemas import ProductLineIn, TreatmentIn
from mesosafe.treatments.services import (
    record_treatment,
    reissue_link,
)

CLINICS = [
    {"name": "Demo Clinic Dubai", "username": "demo-dubai", "lot": "DXB-24-001", "lang": "en"},
    {"name": "Demo Clinic Abu Dhabi", "username": "demo-abudhabi", "lot": "AUH-24-001", "lang": "ar"},
]

# (patient name, days since treatment, check-in answers) — one per disposition
CASES: list[tuple[str, float, dict[str, Any]]] = [
    (
        "Amal Haddad",
        2,
        {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]},
    ),
    (
        "Sara Nasser",
        10,
        {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "same", "spreading": False}]},
    ),
    (
        "Layla Karim",
        3,
        {
            "symptoms": [
                {"code": "pus"},
                {"code": "warmth", "severity": "moderate", "trend": "worse", "spreading": False},
            ]
        },
    ),
    ("Noor Saleh", 0.05, {"symptoms": [{"code": "breathing_difficulty"}]}),
]


@dataclass
class DemoClinic:
    name: str
    staff_username: str
    staff_password: str
    api_key: str


def _staff(clinic: Clinic, username: str) -> tuple[Staff, str]:
    password = secrets.token_urlsafe(12)
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    user.set_password(password)
    user.is_staff = True
    user.save()
    staff, _ = Staff.objects.update_or_create(
        user=user,
        defaults={
            "clinic": clinic,
            "role": Staff.Role.PRACTITIONER,
            "licence_number": f"DHA-P-{user.id:05d}",
            "licence_authority": "Dubai Health Authority",
            "licence_expires": date.today() + timedelta(days=365),
        },
    )
    return staff, password


def _records(clinic: Clinic, staff: Staff, lot: str, lang: str) -> None:
    product, _ = Product.objects.get_or_create(
        clinic=clinic,
        name="Vitamin C 20%",
        defaults={
            "manufacturer": "Demo Pharma",
            "ingredients": ["ascorbic acid"],
            "approval_reference": "DEMO-1",
        },
    )
    batch, _ = Batch.objects.get_or_create(
        product=product,
        lot_number=lot,
        defaults={"expires_on": date.today() + timedelta(days=365), "multi_dose_vial": True},
    )
    if Treatment.objects.filter(patient__clinic=clinic).exists():
        return
    now = timezone.now()
    for index, (name, days, answers) in enumerate(CASES):
        patient = Patient.objects.create(
            clinic=clinic,
            name=name,
            date_of_birth=date(1985 + index, 3, 14),
            email=f"patient{index}@example.com",
            phone=f"+97150000{index:04d}",
            preferred_language=lang,
        )
        run_screening(patient, {"age": 30 + index, **dict.fromkeys(YES_NO, False)}, by=staff.user)
        entry = TreatmentIn(
            practitioner_id=staff.id,
            performed_at=now - timedelta(days=days),
            areas=["face"],
            technique="nappage",
            injection_depth="superficial (1-2 mm)",
            anaesthetic="topical lidocaine",
            products=[
                ProductLineIn(batch_id=batch.id, volume_ml=Decimal("2.00"), concentration="20%", area="face")
            ],
        )
        treatment, _token = record_treatment(patient, entry, by=staff.user)
        checkin, _ = submit(treatment.link, answers)
        if checkin.disposition == "urgent":  # the infection case: the clinic records a complication
            infection = ComplicationIn(
                onset_date=timezone.localdate(),
                grade=2,
                relatedness=Relatedness.PROBABLY,
                suspected_infection=True,
                action_taken="Swab taken; oral antibiotics started",
            )
            create_complication(treatment, infection, by=staff.user, checkin=checkin)


def _registry_analyst() -> tuple[str, str]:
    """A user who sees the registry page (safety across clinics) but no clinic's patients."""
    password = secrets.token_urlsafe(12)
    user, _ = User.objects.get_or_create(username="demo-registry")
    user.set_password(password)
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_registry"))
    return user.username, password


def run() -> dict[str, Any]:
    clinics = []
    with transaction.atomic():
        for spec in CLINICS:
            clinic, _ = Clinic.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "country": "AE",
                    "time_zone": "Asia/Dubai",
                    "phone": "+97140000000",
                    "emergency_number": "998",
                    "default_language": spec["lang"],
                },
            )
            staff, password = _staff(clinic, spec["username"])
            ApiKey.objects.filter(staff=staff, name="demo", revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            key = issue_api_key(staff, name="demo")
            _records(clinic, staff, spec["lot"], spec["lang"])
            clinics.append(DemoClinic(clinic.name, spec["username"], password, key))
        first = Treatment.objects.filter(patient__clinic__name=CLINICS[0]["name"]).order_by("id").first()
        assert first is not None
        token = reissue_link(first)
        analyst, analyst_password = _registry_analyst()
    return {
        "clinics": [c.__dict__ for c in clinics],
        "patient": {"clinic": 0, "token": token, "link": link_path(token)},
        "registry": {"username": analyst, "password": analyst_password, "link": "/registry/"},
    }
