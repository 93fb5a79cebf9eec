from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mesosafe.e2b import Case, Causality, Drug, Header, Patient, Reaction, Reporter, Sender
from mesosafe.e2b.codes import Outcome, Qualification, Seriousness, Sex


def make_case(**changes: object) -> Case:
    values: dict[str, object] = {
        "safety_report_id": "AE-MESOSAFE-1-17",
        "created": datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
        "first_received": date(2026, 10, 20),
        "most_recent": date(2026, 11, 3),
        "sender": Sender(organisation="Jumeirah Skin Clinic", country="AE", phone="+97143334444"),
        "patient": Patient(initials="LH", birth_date=date(1990, 4, 2), age_years=36, sex=Sex.FEMALE),
        "narrative": "Painful nodule at the injection site 21 days after mesotherapy of the face.",
        "reactions": (
            Reaction(
                id="r-1",
                reported_term="Lump under the skin",
                meddra_code="10048959",
                meddra_version="27.1",
                onset=date(2026, 10, 19),
                seriousness=frozenset({Seriousness.OTHER_MEDICALLY_IMPORTANT}),
                outcome=Outcome.RECOVERING,
            ),
            Reaction(id="r-2", reported_term="تورم", language="ara", onset=date(2026, 10, 19)),
        ),
        "drugs": (
            Drug(
                id="d-1",
                name="NCTF 135 HA",
                lot="LOT-4471",
                dose_value=Decimal("3.00"),
                dose_unit="mL",
                route="023",
                start=date(2026, 9, 28),
                end=date(2026, 9, 28),
            ),
        ),
        "causalities": (
            Causality(
                drug_id="d-1",
                reaction_id="r-1",
                source="Practitioner",
                method="Global introspection",
                result="probably related",
            ),
        ),
        "reporters": (
            Reporter(
                given="Amal",
                family="Haddad",
                organisation="Jumeirah Skin Clinic",
                country="AE",
                qualification=Qualification.PHYSICIAN,
            ),
        ),
        "expedited": False,
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


HEADER = Header(
    batch_id="B-2026-0001",
    sender_id="MESOSAFE-CLINIC-1",
    receiver_id="AE-MOHAP",
    created=datetime(2026, 11, 3, 9, 31, 5, tzinfo=UTC),
)


@pytest.fixture
def case() -> Case:
    return make_case()
