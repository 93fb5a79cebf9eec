"""One ICH E2B(R3) individual case safety report, as plain typed values.

The writer (complication → ICSR) and the registry's reader share these classes, so a case written and read
back compares equal. Element numbers (C.1.1, E.i.7 …) are those of the ICH E2B(R3) implementation guide.
Values are frozen: a case read from a file is a record of what the sender said, not something to edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from mesosafe.e2b.codes import (
    DrugRole,
    Outcome,
    Qualification,
    ReportType,
    SenderType,
    Seriousness,
    Sex,
)


class E2BError(ValueError):
    """A file that is not an E2B(R3) ICSR, a case that lacks what every case must have or holds a value that
    would change what is counted, or two versions of a case that cannot be ordered."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Header:
    """The batch (N.1) and message (N.2) wrapper around a case."""

    batch_id: str  # N.1.2
    sender_id: str  # N.1.3 and N.2.r.2
    receiver_id: str  # N.1.4 and N.2.r.3
    created: datetime  # N.1.5 and N.2.r.4
    message_id: str = ""  # N.2.r.1; the case's C.1.1 when empty


@dataclass(frozen=True)
class Sender:
    """C.3: who sends the report (for mesosafe, the clinic)."""

    organisation: str  # C.3.2
    sender_type: SenderType = SenderType.HEALTH_PROFESSIONAL  # C.3.1
    country: str | None = None  # C.3.4.5, ISO 3166-1 alpha-2
    phone: str | None = None  # C.3.4.6


@dataclass(frozen=True)
class Reporter:
    """C.2.r: a primary source (for mesosafe, the practitioner who recorded the complication)."""

    given: str | None = None  # C.2.r.1.2
    family: str | None = None  # C.2.r.1.4
    organisation: str | None = None  # C.2.r.2.1
    country: str | None = None  # C.2.r.3
    qualification: Qualification | None = None  # C.2.r.4


@dataclass(frozen=True)
class Patient:
    """D: enough to tell the patient apart, never their name."""

    initials: str | None = None  # D.1 (E2B allows a nullFlavor: the writer sends MSK when absent)
    birth_date: date | None = None  # D.2.1
    age_years: int | None = None  # D.2.2a with D.2.2b = 'a'
    sex: Sex | None = None  # D.5


@dataclass(frozen=True)
class Reaction:
    """E.i: one reaction. The reported term is always there; the MedDRA code only where someone gave one."""

    id: str  # links causality assessments to this reaction
    reported_term: str  # E.i.1.1a
    language: str = "eng"  # E.i.1.1b, ISO 639-2
    meddra_code: str | None = None  # E.i.2.1b
    meddra_version: str | None = None  # E.i.2.1a
    onset: date | None = None  # E.i.4
    end: date | None = None  # E.i.5
    seriousness: frozenset[Seriousness] = frozenset()  # E.i.3.2a–f
    outcome: Outcome = Outcome.UNKNOWN  # E.i.7


@dataclass(frozen=True)
class Drug:
    """G.k: one medicinal product, with one dosage (G.k.4.r) as mesosafe records it."""

    id: str  # links causality assessments to this product
    name: str  # G.k.2.2, as reported
    role: DrugRole = DrugRole.SUSPECT  # G.k.1
    lot: str | None = None  # G.k.4.r.7
    dose_value: Decimal | None = None  # G.k.4.r.1a
    dose_unit: str | None = None  # G.k.4.r.1b (UCUM)
    route: str | None = None  # G.k.4.r.10.2b (ICH route of administration code)
    start: date | None = None  # G.k.4.r.4
    end: date | None = None  # G.k.4.r.5


@dataclass(frozen=True)
class Causality:
    """G.k.9.i.2.r: one assessment of one drug against one reaction."""

    drug_id: str
    reaction_id: str
    source: str  # G.k.9.i.2.r.1
    method: str  # G.k.9.i.2.r.2
    result: str  # G.k.9.i.2.r.3


@dataclass(frozen=True)
class Case:
    safety_report_id: str  # C.1.1, the same for every version of the case
    created: datetime  # C.1.2, this version's creation
    first_received: date  # C.1.4
    most_recent: date  # C.1.5: the version (its day; to the second in most_recent_at when given)
    sender: Sender
    patient: Patient
    narrative: str  # H.1
    reactions: tuple[Reaction, ...] = ()
    drugs: tuple[Drug, ...] = ()
    causalities: tuple[Causality, ...] = ()
    reporters: tuple[Reporter, ...] = ()
    report_type: ReportType = ReportType.SPONTANEOUS  # C.1.3
    expedited: bool | None = None  # C.1.7
    worldwide_id: str = ""  # C.1.8.1; the C.1.1 when empty
    most_recent_at: datetime | None = None  # C.1.5 with its time of day, when the sender gave one

    def __post_init__(self) -> None:
        if self.most_recent_at is not None and self.most_recent_at.date() != self.most_recent:
            raise ValueError("C.1.5 is one value: most_recent_at must fall on most_recent")

    @property
    def serious(self) -> bool:
        return any(reaction.seriousness for reaction in self.reactions)

    @property
    def case_id(self) -> str:
        return self.worldwide_id or self.safety_report_id


def latest_versions(cases: list[Case]) -> list[Case]:
    """One case per safety report id (C.1.1): its newest version, whatever the order of `cases`.

    Versions are ordered by C.1.5 to the second when every version of the case gives its time of day, else
    by its day; then by C.1.2 (when the version was made). Two versions equal in both are one version sent
    twice when nothing else differs; otherwise no one can tell which is newer, and that is an E2BError.
    """
    versions: dict[str, list[Case]] = {}
    for case in cases:
        versions.setdefault(case.safety_report_id, []).append(case)
    return [_newest(found) for found in versions.values()]


def _newest(versions: list[Case]) -> Case:
    timed = all(case.most_recent_at is not None for case in versions)
    newest = max(versions, key=lambda case: _order(case, timed))
    for case in versions:
        if _order(case, timed) == _order(newest, timed) and case != newest:
            raise E2BError(
                f"C.1.1 {newest.safety_report_id}",
                f"two different versions have the same C.1.5 ({_version(newest)}) and C.1.2 "
                f"({_utc(newest.created).isoformat()}): which is newer cannot be told",
            )
    return newest


def _order(case: Case, timed: bool) -> tuple[datetime, datetime]:
    if timed and case.most_recent_at is not None:
        return _utc(case.most_recent_at), _utc(case.created)
    return datetime.combine(case.most_recent, time(), UTC), _utc(case.created)


def _version(case: Case) -> str:
    return (case.most_recent_at or case.most_recent).isoformat()


def _utc(moment: datetime) -> datetime:
    """A moment without a zone is UTC, as the writer writes it."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
