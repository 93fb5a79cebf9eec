"""Shared builders for the page tests (tests/portal, tests/clinicui, tests/browser): two clinics, staff who
can log in, a patient with a treatment and its private link."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import django
import pytest

os.environ.setdefault("MESOSAFE_DATA_DIR", tempfile.mkdtemp(prefix="mesosafe-test-"))
os.environ.setdefault("MESOSAFE_SECRET_KEY", "test-only-secret-key-for-the-page-tests")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesosafe.web.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from mesosafe.checkins.models import CheckIn  # noqa: E402
from mesosafe.checkins.services import submit  # noqa: E402
from mesosafe.clinics.models import Batch, Clinic, Product, Staff  # noqa: E402
from mesosafe.engines.questions import asked  # noqa: E402
from mesosafe.knowledge import load as load_kb  # noqa: E402
from mesosafe.lib.ratelimit import forget_local_counts  # noqa: E402
from mesosafe.patients.models import Patient  # noqa: E402
from mesosafe.treatments.models import Treatment  # noqa: E402
from mesosafe.treatments.schemas import ProductLineIn, TreatmentIn  # noqa: E402
from mesosafe.treatments.services import link_for_token, record_treatment  # noqa: E402

PASSWORD = "correct-horse-battery-staple"
# Debian's Chromium, launched as this machine allows (no sandbox as root, no calls home).
CHROMIUM = os.environ.get("MESOSAFE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class ClinicSite:
    clinic: Clinic
    staff: Staff
    user: User
    product: Product
    batch: Batch


@dataclass
class Case:
    """A patient of a clinic with one treatment and the token of its private link."""

    site: ClinicSite
    patient: Patient
    treatment: Treatment
    token: str

    def url(self, page: str = "") -> str:
        return f"/p/{self.token}/{page}"

    def checkin(self, symptoms: list[dict[str, Any]], temperature: float | None = None) -> CheckIn:
        """Submit a check-in as the API would. Follow-up answers a test leaves out are filled with the
        mildest ones (mild, improving, not spreading), only where the symptom is asked them that day."""
        link = link_for_token(self.token)
        assert link is not None
        days = (timezone.now() - self.treatment.performed_at).total_seconds() / 86400
        answered = [mildest_answers(s, days) for s in symptoms]
        stored, _ = submit(link, {"symptoms": answered, "temperature_c": temperature})
        return stored


MILDEST: dict[str, Any] = {"severity": "mild", "trend": "improving", "spreading": False}


def mildest_answers(symptom: dict[str, Any], days: float) -> dict[str, Any]:
    """`symptom` with the answers it is asked on day `days` and that it leaves out, set to the mildest."""
    questions = asked(load_kb(), symptom["code"], days)
    return {**{q: MILDEST[q] for q in questions}, **symptom}


@pytest.fixture(autouse=True)  # public: `import *` in the conftests skips _names
def fresh_cache() -> None:
    forget_local_counts()


def build_site(name: str, username: str, lot: str, phone: str = "+971 4 000 0000") -> ClinicSite:
    clinic = Clinic.objects.create(
        name=name, country="AE", time_zone="Asia/Dubai", phone=phone, emergency_number="998"
    )
    user = User.objects.create_user(username, email=f"{username}@clinic.test", password=PASSWORD)
    staff = Staff.objects.create(
        user=user,
        clinic=clinic,
        role=Staff.Role.PRACTITIONER,
        licence_number=f"LIC-{username}",
        licence_authority="DHA",
        licence_expires=date.today() + timedelta(days=365),
    )
    product = Product.objects.create(
        clinic=clinic, name="NCTF 135HA", manufacturer="Acme", ingredients=["hyaluronic acid"]
    )
    batch = Batch.objects.create(
        product=product, lot_number=lot, expires_on=date.today() + timedelta(days=300)
    )
    return ClinicSite(clinic, staff, user, product, batch)


def build_case(site: ClinicSite, name: str = "Amal", lang: str = "en", days_ago: float = 2) -> Case:
    patient = Patient.objects.create(
        clinic=site.clinic,
        name=name,
        date_of_birth=date(1990, 1, 2),
        email="",
        phone="+971500000001",
        preferred_language=lang,
    )
    record = TreatmentIn(
        practitioner_id=site.staff.id,
        performed_at=timezone.now() - timedelta(days=days_ago),
        areas=["face"],
        technique="nappage",
        injection_depth="1 mm",
        products=[
            ProductLineIn(batch_id=site.batch.id, volume_ml=Decimal("1.50"), concentration="20%", area="face")
        ],
    )
    treatment, token = record_treatment(patient, record, by=site.user)
    return Case(site, patient, treatment, token)


@pytest.fixture
def site_a(db: Any) -> ClinicSite:
    return build_site("Clinic A", "alice", "LOT-A-001")


@pytest.fixture
def site_b(db: Any) -> ClinicSite:
    return build_site("Clinic B", "bob", "LOT-B-001")


@pytest.fixture
def case(site_a: ClinicSite) -> Case:
    return build_case(site_a)


@pytest.fixture
def make_case(site_a: ClinicSite) -> Callable[..., Case]:
    def make(**kwargs: Any) -> Case:
        return build_case(kwargs.pop("site", site_a), **kwargs)

    return make


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def staff_client(site_a: ClinicSite) -> Client:
    c = Client()
    c.force_login(site_a.user)
    return c
