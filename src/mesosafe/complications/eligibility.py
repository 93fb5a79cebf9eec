"""Next-session eligibility: from the engine's verdict on the latest check-in, the escalated check-ins the
clinic has not reviewed, and the patient's open complications."""

from __future__ import annotations

from dataclasses import dataclass

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import ESCALATED
from mesosafe.complications.models import OPEN_OUTCOMES, Complication
from mesosafe.patients.models import Patient


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reasons: list[str]
    latest_checkin_id: int | None
    open_complication_ids: list[int]
    unreviewed_checkin_ids: list[int]
    settling: bool = False  # the latest check-in reports effects that must settle first


def next_session(patient: Patient) -> Eligibility:
    """From the engine's verdict on the latest check-in, the escalated check-ins the clinic has not yet
    reviewed (a later "I feel fine" does not clear an emergency nobody has looked at) and the patient's
    open complications."""
    checkins = CheckIn.objects.filter(treatment__patient=patient)
    latest = checkins.order_by("-submitted_at", "-id").first()
    unreviewed = list(
        checkins.filter(reviewed_at__isnull=True, disposition__in=ESCALATED)
        .order_by("submitted_at", "id")
        .values_list("id", flat=True)
    )
    open_ids = list(
        Complication.objects.filter(treatment__patient=patient, outcome__in=OPEN_OUTCOMES).values_list(
            "id", flat=True
        )
    )
    reasons = []
    settling = latest is not None and not latest.next_session_ok
    if latest is not None and settling:
        reasons.append(f"the latest check-in (#{latest.id}) reports effects that must settle first")
    if unreviewed:
        reasons.append(f"{len(unreviewed)} escalated check-in(s) not yet reviewed by the clinic")
    if open_ids:
        reasons.append(f"{len(open_ids)} open complication(s)")
    return Eligibility(not reasons, reasons, latest.id if latest else None, open_ids, unreviewed, settling)
