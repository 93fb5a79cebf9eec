"""The review queue page: one card per treatment with escalated check-ins not yet reviewed, the most urgent
first, paged by card (never by check-in, so every patient is on some page however many check-ins another
sends); one note acknowledges the check-ins the card holds up to the newest one it showed. A check-in that
reached the queue after the page was shown is not acknowledged with them: it stays in the queue, and the
nurse is told."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.messages.utils import get_level_tags
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import ESCALATED, acknowledge_many, queue_treatments, review_queue, up_to
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, staff_required, treatment_or_404
from mesosafe.clinicui.forms import AcknowledgeAllForm
from mesosafe.clinicui.views.queue import lang_of, refused, reviewer_name
from mesosafe.clinicui.views.queue_cards import card, prefix, queue_count
from mesosafe.treatments.models import Treatment

CARDS = 20  # cards on a page of the queue


@dataclass(frozen=True)
class Outcome:
    done: list[CheckIn]  # acknowledged now
    earlier: list[CheckIn]  # someone's review was there first; it stands
    newer: int  # waiting in the queue, not on the card the nurse saw


@dataclass(frozen=True)
class Said:
    level: int  # a `django.contrib.messages` level
    text: str

    @property
    def tags(self) -> str:
        return get_level_tags()[self.level]


@staff_required
def queue(request: HttpRequest, staff: Staff) -> HttpResponse:
    page = Paginator(queue_treatments(staff.clinic), CARDS).get_page(request.GET.get("page"))
    lang = lang_of(request)
    found = [shown for treatment in page if (shown := card(staff, treatment, lang)) is not None]
    context = {
        "staff": staff,
        "cards": found,
        "page": page,
        "count": queue_count(review_queue(staff.clinic)) if found else "",
        "nav": "queue",
    }
    return render(request, "clinicui/queue.html", context)


@require_POST
@staff_required
def acknowledge_card(request: HttpRequest, staff: Staff, pk: int) -> HttpResponse:
    treatment = treatment_or_404(staff, pk)
    form = AcknowledgeAllForm(request.POST, prefix=prefix(treatment.id))
    if not form.is_valid():
        return refused(request, form, reverse("clinicui:queue"))
    outcome = acknowledge_shown(staff, treatment, form.cleaned_data["checkin"], form.cleaned_data["note"])
    said = telling(outcome, treatment.patient.name)
    if request.headers.get("HX-Request"):
        return card_again(request, staff, treatment, said)
    for line in said:
        messages.add_message(request, line.level, line.text)
    return redirect("clinicui:queue")


def acknowledge_shown(staff: Staff, treatment: Treatment, ids: list[int], note: str) -> Outcome:
    """Acknowledge what the card held: the treatment's escalated check-ins among `ids` (the ones it listed;
    any other id is ignored) and every unreviewed one sent before the newest of them (the ones it counted
    without listing), with a race-safe conditional UPDATE, audited one update per check-in acknowledged."""
    escalated = (
        CheckIn.objects.for_clinic(staff.clinic_id)
        .filter(treatment=treatment, disposition__in=ESCALATED)
        .select_related("treatment__patient", "reviewed_by")
    )
    shown = list(escalated.filter(pk__in=ids).order_by("submitted_at", "id"))
    if not shown:
        return Outcome([], [], escalated.filter(reviewed_at__isnull=True).count())
    held = escalated.filter(up_to(shown[-1])).filter(Q(reviewed_at__isnull=True) | Q(pk__in=ids))
    acknowledged = acknowledge_many(held, staff.user, note)
    done = list(escalated.filter(pk__in=acknowledged).order_by("submitted_at", "id"))
    earlier = list(escalated.filter(pk__in=ids).exclude(pk__in=acknowledged).order_by("submitted_at", "id"))
    audit_read(staff, "checkin", [c.id for c in earlier], treatment.patient_id)  # their reviewers are named
    newer = escalated.filter(reviewed_at__isnull=True).count()
    return Outcome(done, earlier, newer)


def telling(outcome: Outcome, name: str) -> list[Said]:
    """What the nurse is told: what was acknowledged, whose reviews stood, what is still waiting."""
    said = []
    if n := len(outcome.done):
        text = ngettext(
            "%(n)s check-in of %(name)s acknowledged.", "%(n)s check-ins of %(name)s acknowledged.", n
        )
        said.append(Said(messages.SUCCESS, text % {"n": n, "name": name}))
    if n := len(outcome.earlier):
        text = ngettext(
            "%(who)s had already acknowledged %(n)s of these check-ins; their note is kept.",
            "%(who)s had already acknowledged %(n)s of these check-ins; their notes are kept.",
            n,
        )
        who = ", ".join(dict.fromkeys(reviewer_name(c) for c in outcome.earlier))
        said.append(Said(messages.WARNING, text % {"n": n, "who": who}))
    if not said:
        text = _("None of these check-ins is in %(name)s's queue card, so nothing was acknowledged.")
        said.append(Said(messages.ERROR, text % {"name": name}))
    if n := outcome.newer:
        text = ngettext(
            "%(n)s newer check-in arrived and is still in the queue.",
            "%(n)s newer check-ins arrived and are still in the queue.",
            n,
        )
        said.append(Said(messages.WARNING, text % {"n": n}))
    return said


def card_again(request: HttpRequest, staff: Staff, treatment: Treatment, said: list[Said]) -> HttpResponse:
    """For HTMX: the card in place, with what is still waiting on it, or a line saying it is done."""
    found = card(staff, treatment, lang_of(request))
    count = queue_count(review_queue(staff.clinic)) if review_queue(staff.clinic).exists() else ""
    context = {"card": found, "treatment_id": treatment.id, "said": said, "count": count, "again": True}
    if found is None:
        return render(request, "clinicui/_queue_done.html", context)
    return render(request, "clinicui/_queue_item.html", context)
