"""The synthetic cases of tests/data/e2b/icsr_batch.xml, as mesosafe.e2b values (written by
``python -m tests.disproportionality.icsr_cases``; the test checks the file is exactly what the writer
makes of these cases, and that the reader gives them back)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from mesosafe.e2b import Case, Drug, Header, Patient, Reaction, Reporter, Sender, write_batch
from mesosafe.e2b.codes import DrugRole, Outcome, Qualification, Sex

BATCH = Path(__file__).resolve().parents[1] / "data" / "e2b" / "icsr_batch.xml"
HEADER = Header(
    batch_id="SYN-BATCH-2026-01",
    sender_id="SYN-SENDER",
    receiver_id="SYN-RECEIVER",
    created=datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
)
SENDER = Sender(organisation="Synthetic Clinic Network", country="AE")

# Invented terms and codes (not MedDRA): 99000001… stand for lowest level terms.
PAIN = ("Injection site pain", "99000001")
NODULE = ("Injection site nodule", "99000002")
BRUISE = ("Injection site bruising", "99000003")
HIVES = ("Hives", "99000004")
LUMP = ("Lump where injected", "99000005")  # another lowest level term under the nodule's PT


def reaction(index: int, term: tuple[str, str], coded: bool = True) -> Reaction:
    return Reaction(
        id=f"r-{index}",
        reported_term=term[0],
        meddra_code=term[1] if coded else None,
        meddra_version="27.1" if coded else None,
        outcome=Outcome.RECOVERED,
    )


def drug(index: int, name: str, role: DrugRole = DrugRole.SUSPECT) -> Drug:
    return Drug(id=f"d-{index}", name=name, role=role, route="003")


def case(report_id: str, most_recent: date, drugs: list[Drug], reactions: list[Reaction]) -> Case:
    return Case(
        safety_report_id=report_id,
        created=datetime(most_recent.year, most_recent.month, most_recent.day, 9, 0, tzinfo=UTC),
        first_received=date(2026, 1, 5),
        most_recent=most_recent,
        sender=SENDER,
        patient=Patient(sex=Sex.FEMALE),
        narrative="Synthetic case for the tests.",
        reactions=tuple(reactions),
        drugs=tuple(drugs),
        reporters=(
            Reporter(organisation=SENDER.organisation, country="AE", qualification=Qualification.PHYSICIAN),
        ),
    )


CASES = [
    # case 1: its second version (C.1.5 2026-02-01) comes FIRST in the file, and adds a product and a reaction
    case("SYN-0001", date(2026, 2, 1), [drug(1, "LIPOSCULPT"), drug(2, "MESOGLOW")],
         [reaction(1, PAIN), reaction(2, NODULE)]),
    case("SYN-0001", date(2026, 1, 10), [drug(1, "LIPOSCULPT"), drug(2, "VITAMIN C SERUM")],
         [reaction(1, PAIN), reaction(2, HIVES, coded=False)]),  # uncoded, but superseded
    case("SYN-0002", date(2026, 1, 20), [drug(1, "MESOGLOW"), drug(2, "BRIGHTAMINE", DrugRole.INTERACTING)],
         [reaction(1, BRUISE)]),
    case("SYN-0003", date(2026, 3, 1), [drug(1, "LIPOSCULPT")], [reaction(1, NODULE), reaction(2, LUMP)]),
    case("SYN-0003", date(2026, 3, 15), [drug(1, "LIPOSCULPT"), drug(2, "MESOGLOW", DrugRole.CONCOMITANT)],
         [reaction(1, LUMP)]),
    case("SYN-0004", date(2026, 2, 11), [drug(1, "BRIGHTAMINE"), drug(2, "LIPOSCULPT")],
         [reaction(1, HIVES), reaction(2, NODULE)]),
    case("SYN-0005", date(2026, 3, 20), [drug(1, "VITAMIN C SERUM")],
         [reaction(1, HIVES), reaction(2, PAIN)]),
]  # fmt: skip


def batch() -> bytes:
    return write_batch(CASES, HEADER)


if __name__ == "__main__":
    BATCH.write_bytes(batch())
