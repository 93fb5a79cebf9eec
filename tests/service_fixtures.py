"""Django setup for the clinic-service tests, and builders for clinics, staff, patients and treatments.

The database is SQLite unless DATABASE_URL names PostgreSQL (scripts/test runs the suite both ways)."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import django
import pytest

os.environ.setdefault("MESOSAFE_DATA_DIR", tempfile.mkdtemp(prefix="mesosafe-test-"))
os.environ.setdefault("MESOSAFE_SECRET_KEY", "test-only-secret-key-for-the-clinic-service-tests")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesosafe.web.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from mesosafe.clinics.models import Batch, Clinic, Product, Staff  # noqa: E402
from mesosafe.clinics.services import issue_api_key  # noqa: E402
from mesosafe.lib.ratelimit import forget_local_counts  # noqa: E402
from mesosafe.patients.models import Patient  # noqa: E402
from mesosafe.treatments.models import Treatment  # noqa: E402
from mesosafe.treatments.schemas import ProductLineIn, TreatmentIn  # noqa: E402
from mesosafe.treatments.services import record_treatment  # noqa: E402
from mesosafe.workers.models import Heartbeat  # noqa: E402

API = "/api/v1"


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    forget_local_counts()  # rate-limit counters must not leak between tests


@dataclass
class Site:
    """One clinic with a practitioner, an API key, a product and a batch."""

    clinic: Clinic
    staff: Staff
    key: str
    product: Product
    batch: Batch

    def headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}


@pytest.fixture
def make_site(db: Any) -> Callable[..., Site]:
    counter = iter(range(1, 1000))

    def make(name: str = "", lot: str = "", licence_expires: date | None = None) -> Site:
        n = next(counter)
        clinic = Clinic.objects.create(
            name=name or f"Clinic {n}",
            country="AE",
            time_zone="Asia/Dubai",
            phone="+9714000000",
            emergency_number="998",
        )
        user = User.objects.create_user(f"staff{n}-{clinic.id}", email=f"staff{n}@clinic{clinic.id}.test")
        staff = Staff.objects.create(
            user=user,
            clinic=clinic,
            role=Staff.Role.PRACTITIONER,
            licence_number=f"LIC-{n}",
            licence_authority="DHA",
            licence_expires=licence_expires or date.today() + timedelta(days=365),
        )
        product = Product.objects.create(
            clinic=clinic, name="Vitamin C", manufacturer="Acme", ingredients=["ascorbic acid"]
        )
        batch = Batch.objects.create(
            product=product,
            lot_number=lot or f"LOT-{clinic.id}-{n}",
            expires_on=date.today() + timedelta(days=300),
        )
        return Site(clinic, staff, issue_api_key(staff), product, batch)

    return make


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site()


@pytest.fixture
def make_patient() -> Callable[..., Patient]:
    def make(site: Site, name: str = "Amal", email: str = "amal@example.com", lang: str = "en") -> Patient:
        return Patient.objects.create(
            clinic=site.clinic,
            name=name,
            date_of_birth=date(1990, 1, 2),
            email=email,
            phone="+971500000001",
            preferred_language=lang,
        )

    return make


@pytest.fixture
def make_treatment() -> Callable[..., tuple[Treatment, str]]:
    def make(site: Site, patient: Patient, days_ago: float = 2, **extra: Any) -> tuple[Treatment, str]:
        performed_at: datetime = timezone.now() - timedelta(days=days_ago)
        entry = TreatmentIn(
            practitioner_id=site.staff.id,
            performed_at=performed_at,
            areas=["face"],
            technique="nappage",
            products=[
                ProductLineIn(
                    batch_id=site.batch.id, volume_ml=Decimal("1.50"), concentration="20%", area="face"
                )
            ],
            **extra,
        )
        return record_treatment(patient, entry, by=site.staff.user)

    return make


@dataclass
class SilentServer:
    """A local port that accepts connections and never says a word; `accepted` is set on each accept."""

    port: int
    accepted: threading.Event


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """A database or mail server hung, or a link cut past a proxy: connecting works, nothing answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)  # so the accepting thread sees `stop`
        silent = SilentServer(server.getsockname()[1], threading.Event())
        held: list[socket.socket] = []
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    held.append(server.accept()[0])
                    silent.accepted.set()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield silent
        stop.set()
        thread.join()
        for peer in held:
            peer.close()


@pytest.fixture
def client() -> Client:
    return Client()


def link_headers(token: str, **extra: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}


def record_beat(worker: str, ago: timedelta) -> None:
    """A worker (running for a day) last beat `ago` before now."""
    now = timezone.now()
    Heartbeat.objects.create(worker_id=worker, started_at=now - timedelta(days=1), seen_at=now - ago)
