"""The review queue's cards: one per treatment (one patient's course) with escalated check-ins not yet
reviewed. A card takes the place of its most urgent check-in (level first, then age), so nothing urgent sinks
behind a patient's milder messages; it lists its check-ins in time order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read
from mesosafe.clinicui.forms import AcknowledgeAllForm
from mesosafe.clinicui.views.queue import Item, item
from mesosafe.knowledge import Lang
from mesosafe.patients.models import Patient


@dataclass(frozen=True)
class Card:
    treatment_id: int
    patient: Patient
    items: list[Item]  # time order
    top: Item  # the most urgent: the card's level and its place in the queue
    form: AcknowledgeAllForm  # sends back the ids of `items`, and only those

    @property
    def latest(self) -> Item:
        return self.items[-1]


def prefix(treatment_id: int) -> str:
    """The card's form fields are named after its treatment, so every note on the page has its own id."""
    return f"t{treatment_id}"


def cards(found: Iterable[CheckIn], lang: Lang) -> list[Card]:
    """`found` in queue order (`checkins.services.review_queue`): a treatment's first check-in there is its
    most urgent one, so the cards come in the order of their first check-ins."""
    groups: dict[int, list[CheckIn]] = {}
    for checkin in found:
        groups.setdefault(checkin.treatment_id, []).append(checkin)
    return [card(group, lang) for group in groups.values()]


def card(group: list[CheckIn], lang: Lang) -> Card:
    """One treatment's check-ins, the most urgent first."""
    shown = {checkin.id: item(checkin, lang) for checkin in group}
    in_time = sorted(group, key=lambda c: (c.submitted_at, c.id))
    top = group[0]
    form = AcknowledgeAllForm(prefix=prefix(top.treatment_id), initial={"checkin": [c.id for c in in_time]})
    return Card(top.treatment_id, top.treatment.patient, [shown[c.id] for c in in_time], shown[top.id], form)


def shown_cards(staff: Staff, found: Iterable[CheckIn], lang: Lang) -> list[Card]:
    """The cards of `found`, each check-in's read audited."""
    listed = list(found)
    for checkin in listed:
        audit_read(staff, "checkin", [checkin.id], checkin.treatment.patient_id)
    return cards(listed, lang)


def queue_count(queue: QuerySet[CheckIn]) -> str:
    """How many check-ins wait, from how many patients ("3 check-ins from 2 patients")."""
    n = queue.aggregate(checkins=Count("id"), patients=Count("treatment__patient", distinct=True))
    checkins = ngettext("%(n)s check-in", "%(n)s check-ins", n["checkins"]) % {"n": n["checkins"]}
    patients = ngettext("%(n)s patient", "%(n)s patients", n["patients"]) % {"n": n["patients"]}
    return _("%(checkins)s from %(patients)s") % {"checkins": checkins, "patients": patients}
