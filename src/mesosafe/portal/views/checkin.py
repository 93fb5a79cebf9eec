"""Check-in: symptoms, severity, trend, spreading, temperature, photos; then the triaged result."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mesosafe import explain
from mesosafe.checkins import photos
from mesosafe.checkins import services as checkins
from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.errors import DomainError
from mesosafe.portal import present
from mesosafe.portal.access import Visit, with_link
from mesosafe.portal.forms import CheckInForm

TOO_MANY = gettext_noop(
    "You have sent many check-ins in the last hour, so this one was not saved. If you feel worse, call your "
    "clinic. In an emergency, call your emergency number now."
)


@with_link
def checkin(request: HttpRequest, visit: Visit) -> HttpResponse:
    form = CheckInForm(request.POST or None, request.FILES or None, lang=visit.lang)
    limited = False
    if request.method == "POST" and form.is_valid():
        cleaned = []
        try:
            cleaned = [photos.clean_photo(upload) for upload in form.cleaned_data["photo"]]
        except photos.PhotoError as exc:
            form.add_error("photo", str(exc))
        if not form.errors:
            try:
                stored, created = submit(visit, form)
            except checkins.TooManyCheckIns:
                limited = True
                form.add_error(None, _(TOO_MANY))
            except DomainError as exc:
                form.add_error(None, _("Please check your answers: %(field)s") % {"field": exc.field})
            else:
                if created:
                    for data, ext in cleaned:
                        photos.store(stored, data, ext)
                return redirect("portal:checkin_result", visit.token, stored.id)
    status = 429 if limited else 400 if request.method == "POST" else 200
    return render(
        request,
        "portal/checkin.html",
        visit.context(
            "checkin",
            form=form,
            rows=form.symptom_rows(),
            photo_counts=range(1, photos.MAX_PER_CHECKIN + 1),  # the picker's "N photos chosen" texts
            emergency_names=form.emergency_names,
            # a browser cannot keep chosen files across a page load: say so when the form comes back
            photos_lost=request.method == "POST" and bool(request.FILES.getlist("photo")),
        ),
        status=status,
    )


def submit(visit: Visit, form: CheckInForm) -> tuple[CheckIn, bool]:
    """The form's key makes a double tap one check-in. The same key with other answers is the patient
    going back and changing them: that is a new check-in, judged on its own answers."""
    try:
        return checkins.submit(
            visit.treatment_link, form.answers(), form.cleaned_data["idempotency_key"], hourly_limit=True
        )
    except checkins.KeyReused:
        return checkins.submit(visit.treatment_link, form.answers(), uuid.uuid4().hex, hourly_limit=True)


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
            photos=Photo.objects.filter(checkin=stored),
        ),
    )
