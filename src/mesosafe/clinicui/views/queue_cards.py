"""The review queue's cards: one per treatment (one patient's course) with escalated check-ins not yet
reviewed. A card takes the place of its most urgent check-in (level first, then age), so nothing urgent sinks
behind a patient's milder messages. However many check-ins a course holds, its card lists only its most
urgent one and the newest ones (in time order) and says how many more it holds: one link flooding the queue
fills one card, never the page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import review_queue
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read
from mesosafe.clinicui.forms import AcknowledgeAllForm
from mesosafe.clinicui.views.queue import Item, item
from mesosafe.knowledge import Lang
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import Treatment

NEWEST = 10  # check-ins a card lists besides its most urgent one


@dataclass(frozen=True)
class Card:
    treatment_id: int
    patient: Patient
    items: list[Item]  # time order
    top: Item  # the most urgent: the card's level and its place in the queue
    form: AcknowledgeAllForm  # sends back the ids of `items`: the card covers its check-ins up to the newest
    waiting: int  # the course's check-ins in the queue, listed or not

    @property
    def latest(self) -> Item:
        return self.items[-1]

    @property
    def unlisted(self) -> int:
        """Check-ins the card holds but does not list: all older than the newest listed."""
        return self.waiting - len(self.items)


def prefix(treatment_id: int) -> str:
    """The card's form fields are named after its treatment, so every note on the page has its own id."""
    return f"t{treatment_id}"


def card(staff: Staff, treatment: Treatment, lang: Lang) -> Card | None:
    """The treatment's card as the queue shows it now (None when nothing of it waits), each listed check-in's
    read audited."""
    waiting = review_queue(staff.clinic).filter(treatment=treatment).prefetch_related("photos")
    top = waiting.first()
    if top is None:
        return None
    newest = list(waiting.order_by("-submitted_at", "-id")[:NEWEST])
    listed = sorted({c.id: c for c in [top, *newest]}.values(), key=lambda c: (c.submitted_at, c.id))
    audit_read(staff, "checkin", [c.id for c in listed], treatment.patient_id)
    shown = {c.id: item(c, lang) for c in listed}
    form = AcknowledgeAllForm(prefix=prefix(treatment.id), initial={"checkin": list(shown)})
    return Card(
        treatment.id, top.treatment.patient, list(shown.values()), shown[top.id], form, waiting.count()
    )


def queue_count(queue: QuerySet[CheckIn]) -> str:
    """How many check-ins wait, from how many patients ("3 check-ins from 2 patients")."""
    n = queue.aggregate(checkins=Count("id"), patients=Count("treatment__patient", distinct=True))
    checkins = ngettext("%(n)s check-in", "%(n)s check-ins", n["checkins"]) % {"n": n["checkins"]}
    patients = ngettext("%(n)s patient", "%(n)s patients", n["patients"]) % {"n": n["patients"]}
    return _("%(checkins)s from %(patients)s") % {"checkins": checkins, "patients": patients}
