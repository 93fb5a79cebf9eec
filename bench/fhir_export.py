"""Benchmark for the FHIR bulk export (issue 17 target: 1,000 patients with their treatments and check-ins
in at most 10 s).

  .venv/bin/python bench/fhir_export.py [--patients 1000] [--checkins 3] [--out bench/out/fhir]

Seeds a fresh SQLite database (or the one DATABASE_URL names, which must be empty) with one clinic and
PATIENTS patients, each with a screening, one treatment and CHECKINS triaged check-ins (through the same
services the API uses), then times `mesosafe.fhir.bulk.export` end to end: queries, mapping, parsing every
resource with fhir.resources and writing NDJSON. Seeding is not timed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

DATA = tempfile.mkdtemp(prefix="mesosafe-bench-fhir-")
os.environ.setdefault("MESOSAFE_DATA_DIR", DATA)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesosafe.web.settings")
os.environ.setdefault("MESOSAFE_TASK_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from mesosafe.checkins.services import submit  # noqa: E402
from mesosafe.clinics.models import Batch, Clinic, Product, Staff  # noqa: E402
from mesosafe.fhir.bulk import export  # noqa: E402
from mesosafe.knowledge import load  # noqa: E402
from mesosafe.patients.models import Patient  # noqa: E402
from mesosafe.patients.services import run_screening  # noqa: E402
from mesosafe.treatments.schemas import ProductLineIn, TreatmentIn  # noqa: E402
from mesosafe.treatments.services import record_treatment  # noqa: E402

TRENDS = ["improving", "same"]
SYMPTOMS = ["pain", "lump", "numbness", "dryness", "burning"]  # each asks severity and trend


def seed(patients: int, checkins: int, rng: random.Random) -> Clinic:
    clinic = Clinic.objects.create(name="Bench Clinic", country="AE", phone="+97140000000")
    user = User.objects.create_user("bench-practitioner", first_name="Amal", last_name="Haddad")
    staff = Staff.objects.create(
        user=user,
        clinic=clinic,
        role="practitioner",
        licence_number="DHA-1",
        licence_authority="DHA",
        licence_expires=date.today() + timedelta(days=365),
    )
    product = Product.objects.create(clinic=clinic, name="Vitamin C 20%", ingredients=["ascorbic acid"])
    batch = Batch.objects.create(
        product=product, lot_number="LOT-1", expires_on=date.today() + timedelta(days=300)
    )
    for n in range(patients):
        patient = Patient.objects.create(
            clinic=clinic,
            name=f"Patient {n}",
            date_of_birth=date(1980 + n % 30, 1, 1),
            phone=f"+97150{n:07d}",
            preferred_language=rng.choice(["en", "ar"]),
        )
        run_screening(patient, {"age": 20 + n % 40}, by=user)
        entry = TreatmentIn(
            practitioner_id=staff.id,
            performed_at=timezone.now() - timedelta(days=20),
            areas=["face"],
            technique="nappage",
            products=[
                ProductLineIn(batch_id=batch.id, volume_ml=Decimal("2.00"), concentration="20%", area="face")
            ],
        )
        treatment, _ = record_treatment(patient, entry, by=user)
        for _ in range(checkins):
            code = rng.choice(SYMPTOMS)
            answer = {"code": code, "severity": rng.choice(["mild", "moderate"]), "trend": rng.choice(TRENDS)}
            submit(treatment.link, {"symptoms": [answer]})
    return clinic


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--checkins", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out/fhir"))
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)
    if Clinic.objects.exists():
        sys.exit("the database already holds clinics: give an empty one")
    started = time.perf_counter()
    clinic = seed(args.patients, args.checkins, random.Random(7))
    seeded = time.perf_counter() - started
    print(f"seeded {args.patients} patients × {args.checkins} check-ins in {seeded:.1f} s")
    shutil.rmtree(args.out, ignore_errors=True)
    kb = load()
    started = time.perf_counter()
    manifest = export(clinic, args.out, kb)
    elapsed = time.perf_counter() - started
    total = sum(item["count"] for item in manifest["output"])
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for item in manifest["output"]:
        print(f"  {item['type']:<26} {item['count']:>7}")
    print(
        f"export: {total} resources in {elapsed:.2f} s ({total / elapsed:,.0f}/s); target ≤ 10 s: "
        f"{'met' if elapsed <= 10 else 'NOT met'}"
    )
    shutil.rmtree(DATA, ignore_errors=True)


if __name__ == "__main__":
    main()
