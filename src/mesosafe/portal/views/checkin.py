"""Check-in in two steps, each a plain form post: first which symptoms (or "I feel fine", its own button: the
only way a check-in without symptoms is stored), then only the follow-up questions the knowledge base asks for
them, the temperature and photos; then the triaged result.

The first step redirects to the second (the symptoms and the form's key in the query, nothing kept on the
server), so the browser's Back button from the result comes to a page it can load again, never to "Confirm
form resubmission"; the same key makes sending it again the same check-in. "Change my symptoms" carries
the second step's answers the same way (hidden fields in the first step, then the query), checked again when
they come back as any input is.

A red flag stops the questions: when the symptoms of the first step are an emergency on their own, they are
stored, triaged and alerted at once, and the patient sees the call-now result instead of more questions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mesosafe import explain
from mesosafe.checkins import photos
from mesosafe.checkins import services as checkins
from mesosafe.checkins.answers import symptom_lines
from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.errors import DomainError
from mesosafe.knowledge import load as load_kb
from mesosafe.lib.dbclock import db_now
from mesosafe.portal import present
from mesosafe.portal.access import Visit, with_checkin_link, with_link
from mesosafe.portal.forms import DetailsForm, SymptomsForm, usable_key
from mesosafe.portal.red_flags import is_emergency, red_flags

FINE, SYMPTOMS, DETAILS, CHANGE = "fine", "symptoms", "details", "change"  # the button a post came from
CHOSEN, KEY = "symptoms", "key"  # the second step's query: each symptom chosen, and the form's key
LOST = "photos_lost"  # carried with the answers: photos were chosen before "Change my symptoms"
# How long the same form sent again is a double tap or a retry (the same check-in), not a new report
RESEND_WINDOW = timedelta(minutes=15)

TOO_MANY = gettext_noop(
    "You have sent many check-ins in the last hour, so this one was not saved. If you feel worse, call your "
    "clinic. In an emergency, call your emergency number now."
)

PHOTO_NOT_SAVED = gettext_noop(
    "Your check-in was sent, but the photo could not be saved. Your clinic can ask you for it."
)


@with_checkin_link
def checkin(request: HttpRequest, visit: Visit) -> HttpResponse:
    step = request.POST.get("step", SYMPTOMS) if request.method == "POST" else None
    if step == DETAILS:
        return _details(request, visit)
    days = checkins.days_since(visit.treatment)
    if step is None and request.GET.getlist(CHOSEN):
        return _second_step(request, visit, days)
    flags = red_flags(load_kb(), days)
    if step == CHANGE:  # back from the second step, with the symptoms still ticked
        ticked = set(request.POST.getlist("symptoms"))
        key = usable_key(request.POST.get("idempotency_key"))
        initial = {"idempotency_key": key, **{f"sym_{code}": True for code in ticked}}
        return _symptoms_page(request, visit, SymptomsForm(initial=initial, lang=visit.lang, flags=flags))
    form = SymptomsForm(request.POST or None, lang=visit.lang, flags=flags)
    if step is None or not form.is_valid():
        return _symptoms_page(request, visit, form, status=400 if step else 200)
    key = form.cleaned_data["idempotency_key"]  # a lost or spoilt one was replaced by a fresh one
    chosen = [] if step == FINE else form.ticked()
    if step != FINE and not chosen:
        # "Next" with nothing ticked is not "I feel fine": that is only ever said with its own button
        form.nothing_chosen()
        return _symptoms_page(request, visit, form, status=400)
    if step == FINE or is_emergency(chosen, load_kb(), days):
        try:
            stored, _created = _submit(visit, {"symptoms": [{"code": c} for c in chosen]}, key)
        except checkins.TooManyCheckIns:
            form.add_error(None, _(TOO_MANY))
            return _symptoms_page(request, visit, form, status=429)
        except DomainError:
            pass  # the day changed since: no longer an emergency without the details, so ask them
        else:
            return redirect("portal:checkin_result", visit.token, stored.id)
    return redirect(_second_step_url(visit, chosen, key, _carried(request, visit, chosen, days)))


def _second_step_url(visit: Visit, chosen: list[str], key: str, carried: dict[str, str]) -> str:
    query = urlencode({CHOSEN: chosen, KEY: key, **carried}, doseq=True)
    return f"{reverse('portal:checkin', args=[visit.token])}?{query}"


def _carried(request: HttpRequest, visit: Visit, chosen: list[str], days: float) -> dict[str, str]:
    """The second step's answers for the symptoms `chosen`, which "Change my symptoms" carries through the
    first step (hidden fields) and back (the second step's query), never kept on the server; and whether
    photos were chosen, which a browser cannot send again."""
    if not request.POST:
        return {}
    data = request.POST.copy()
    data.setlist(CHOSEN, chosen)
    kept = DetailsForm(data, lang=visit.lang, days=days).kept()
    lost = bool(request.FILES.getlist("photo")) or request.POST.get(LOST) == "1"
    return {**kept, LOST: "1"} if lost else kept


def _second_step(request: HttpRequest, visit: Visit, days: float) -> HttpResponse:
    """The second step by GET, as the first step's redirect (or the Back button) asks for it. A GET never
    sends a check-in, whatever the query names: "Send" does."""
    kept = DetailsForm(request.GET, lang=visit.lang, days=days).kept()  # back from "Change my symptoms"
    initial = {
        CHOSEN: request.GET.getlist(CHOSEN),
        "idempotency_key": usable_key(request.GET.get(KEY)),
        **kept,
    }
    details = DetailsForm(initial=initial, lang=visit.lang, days=days)
    if not details.chosen:  # no symptom we know: the first step
        return redirect("portal:checkin", visit.token)
    return _details_page(request, visit, details, photos_lost=request.GET.get(LOST) == "1")


def _details(request: HttpRequest, visit: Visit) -> HttpResponse:
    days = checkins.days_since(visit.treatment)
    form = DetailsForm(request.POST, request.FILES or None, lang=visit.lang, days=days)
    if not form.chosen:
        # No symptom (a second step reached before "Next" asked for one, or a post made up): stored, this
        # would be a check-in without symptoms, which only "I feel fine" says. Back to the first step.
        key = {"idempotency_key": form["idempotency_key"].value()}
        first = SymptomsForm(key, lang=visit.lang, flags=red_flags(load_kb(), days))
        first.is_valid()  # nothing ticked
        first.nothing_chosen()
        return _symptoms_page(request, visit, first, status=400)
    if form.is_valid():
        cleaned = []
        try:
            cleaned = [photos.clean_photo(upload) for upload in form.cleaned_data["photo"]]
        except photos.PhotoError as exc:
            form.add_error("photo", str(exc))
        if not form.errors:
            try:
                stored, _created = _submit(visit, form.answers(), form.cleaned_data["idempotency_key"])
            except checkins.TooManyCheckIns:
                form.add_error(None, _(TOO_MANY))
                return _details_page(request, visit, form, status=429)
            except DomainError as exc:
                form.add_error(None, _("Please check your answers: %(field)s") % {"field": exc.field})
            else:
                _store_photos(request, stored, cleaned)  # sent again: stored if the first sending could not
                return redirect("portal:checkin_result", visit.token, stored.id)
    # a browser cannot keep chosen files across a page load: say so when the form comes back
    lost = bool(request.FILES.getlist("photo"))
    return _details_page(request, visit, form, status=400, photos_lost=lost)


def _store_photos(request: HttpRequest, stored: CheckIn, cleaned: list[tuple[bytes, str]]) -> None:
    """The check-in is stored whatever becomes of its photos: one refused (the link's photos a day) is said
    on the result page, with the reason; one the server could not write (a full disk) is said there too. The
    photos after it are not tried."""
    if not cleaned:
        return
    try:
        photos.store_sent_with(stored, cleaned)
    except DomainError as exc:
        messages.warning(
            request,
            _("Your check-in was sent, but a photo was not saved: %(reason)s") % {"reason": exc.message},
        )
    except photos.PhotoNotSaved:
        messages.warning(request, _(PHOTO_NOT_SAVED))


def _symptoms_page(request: HttpRequest, visit: Visit, form: SymptomsForm, status: int = 200) -> HttpResponse:
    # every symptom's answers are carried: "Next" keeps only those of the symptoms then ticked
    carried = _carried(request, visit, form.codes, checkins.days_since(visit.treatment))
    # a refused check-in (429) puts the call first
    context = visit.context("checkin", form=form, rows=form.rows(), call_now=status == 429, carried=carried)
    return render(request, "portal/checkin.html", context, status=status)


def _details_page(
    request: HttpRequest, visit: Visit, form: DetailsForm, status: int = 200, photos_lost: bool = False
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "details": form.details(),
        "photo_counts": range(1, photos.MAX_PER_CHECKIN + 1),  # the picker's "N photos chosen" texts
        "photos_lost": photos_lost,
        "call_now": status == 429,  # a refused check-in puts the call first
    }
    return render(request, "portal/checkin_details.html", visit.context("checkin", **context), status=status)


def _submit(visit: Visit, answers: dict[str, Any], key: str) -> tuple[CheckIn, bool]:
    """The form's key makes a double tap one check-in. The same key with other answers is the patient
    going back and changing them: that is a new check-in, judged on its own answers. So is the same key
    sent again past RESEND_WINDOW: the second step's address (which holds the key) opened again from the
    browser's history is a new report, never the old answer shown as if it had been sent."""
    try:
        stored, created = checkins.submit(visit.treatment_link, answers, key, hourly_limit=True)
    except checkins.KeyReused:
        return checkins.submit(visit.treatment_link, answers, uuid.uuid4().hex, hourly_limit=True)
    if not created and db_now() - stored.submitted_at > RESEND_WINDOW:  # the clock it was stamped by
        return checkins.submit(visit.treatment_link, answers, uuid.uuid4().hex, hourly_limit=True)
    return stored, created


@with_link
def checkin_result(request: HttpRequest, visit: Visit, pk: int) -> HttpResponse:
    stored = get_object_or_404(CheckIn, pk=pk, treatment=visit.treatment)
    shown = explain.checkin(stored, visit.lang)
    expected = [
        {**item, "until": present.day_of(visit.treatment.performed_at, item["resolves_by_day"])}
        for item in shown.expected
    ]
    return render(
        request,
        "portal/checkin_result.html",
        visit.context(
            "checkin",
            checkin=stored,
            shown=shown,
            expected=expected,
            answers=symptom_lines(stored.answers, visit.lang, days=stored.days_since_treatment),
            photos=Photo.objects.filter(checkin=stored),
        ),
    )
