"""The private link: resolve the token to its treatment (or, before any treatment, to the patient's
pre-treatment link), pick the page language, limit the request rate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control

from mesosafe.clinics.models import Clinic
from mesosafe.knowledge import Lang
from mesosafe.lib.ratelimit import failed_lookup_over_limit, over_limit
from mesosafe.lib.tokens import digest
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, ScreeningLink, Treatment
from mesosafe.treatments.services import any_link_for_token, stopped_link

View = Callable[..., HttpResponseBase]


def page_language(request: HttpRequest, preferred: str) -> Lang:
    """The language the patient chose with the switch (cookie), else the one the clinic recorded."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return Lang(chosen) if chosen in {lang.value for lang in Lang} else Lang(preferred)


def _resolve(view: View, pre_treatment_ok: bool, sends_checkin: bool = False) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        sending = sends_checkin and request.method == "POST"
        # pages load more often than API calls; sending a check-in is never refused by this count (an
        # emergency would be lost): the check-in service's hourly limit refuses only those needing no contact
        limited = not sending and over_limit(
            f"page:tok:{digest(token)[:32]}", settings.MESOSAFE_PATIENT_RATE * 3
        )
        link = any_link_for_token(token)
        if link is None:
            # guessing links from one address is limited (a stopped or expired link is a failed lookup too);
            # a valid link never is (patients share addresses)
            if failed_lookup_over_limit(request):
                return too_many(request, stopped_link(token))
            if (holder := stopped_link(token)) is not None:
                return gone(request, holder, not_sent=sending)
            raise Http404
        if isinstance(link, ScreeningLink) and not pre_treatment_ok:
            raise Http404
        owner = link.patient if isinstance(link, ScreeningLink) else link.treatment.patient
        if limited:
            return too_many(request, owner)
        lang = page_language(request, owner.preferred_language)
        translation.activate(lang.value)
        request.LANGUAGE_CODE = lang.value
        response = view(request, Visit(link, token, lang), *args, **kwargs)
        # The token is in the URL: keep these pages out of shared caches and the browser's disk cache.
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper


def _in_language_of(request: HttpRequest, patient: Patient) -> None:
    lang = page_language(request, patient.preferred_language)
    translation.activate(lang.value)
    request.LANGUAGE_CODE = lang.value


def gone(request: HttpRequest, patient: Patient, not_sent: bool = False) -> HttpResponseBase:
    """A stopped or expired link: 410, with the clinic's name and phone, in the patient's language. When it
    answers a check-in being sent (`not_sent`), it says first that the check-in was not sent."""
    _in_language_of(request, patient)
    context = {"clinic": patient.clinic, "not_sent": not_sent}
    response = render(request, "portal/link_stopped.html", context, status=410)
    patch_cache_control(response, private=True, no_store=True)
    return response


def too_many(request: HttpRequest, patient: Patient | None) -> HttpResponseBase:
    """429, with the call-now box: the clinic's emergency number in the patient's language when the link is
    known (a valid or stopped one), else the advice to call the emergency number."""
    if patient is not None:
        _in_language_of(request, patient)
    context = {"clinic": patient.clinic if patient is not None else None}
    response = render(request, "portal/too_many.html", context, status=429)
    patch_cache_control(response, private=True, no_store=True)
    return response


def with_link(view: View) -> View:
    """Resolve /p/<token>/ to a usable treatment link (else a plain 404) and activate the patient's
    language. A pre-treatment link is a 404 here: these pages need a treatment."""
    return _resolve(view, pre_treatment_ok=False)


def with_checkin_link(view: View) -> View:
    """Like with_link, for the check-in form: its POSTs send a check-in, so the link's request limit never
    refuses them (the check-in service's hourly limit does, for one that needs no clinic contact), and on a
    stopped link the page says the check-in was not sent."""
    return _resolve(view, pre_treatment_ok=False, sends_checkin=True)


def with_any_link(view: View) -> View:
    """Like with_link, but a pre-treatment link is accepted too (home, screening, FAQ)."""
    return _resolve(view, pre_treatment_ok=True)


@dataclass(frozen=True)
class Visit:
    """One request through a patient's link."""

    link: CheckinLink | ScreeningLink
    token: str
    lang: Lang

    @property
    def pre_treatment(self) -> bool:
        """A pre-treatment link: the patient has no treatment through this link (screening and FAQ only)."""
        return isinstance(self.link, ScreeningLink)

    @property
    def treatment_link(self) -> CheckinLink:
        if isinstance(self.link, ScreeningLink):
            raise Http404
        return self.link

    @property
    def treatment(self) -> Treatment:
        treatment: Treatment = self.treatment_link.treatment
        return treatment

    @property
    def patient(self) -> Patient:
        if isinstance(self.link, ScreeningLink):
            owner: Patient = self.link.patient
            return owner
        patient: Patient = self.treatment.patient
        return patient

    @property
    def clinic(self) -> Clinic:
        clinic: Clinic = self.patient.clinic
        return clinic

    def context(self, page: str, **extra: Any) -> dict[str, Any]:
        return {
            "token": self.token,
            "treatment": None if self.pre_treatment else self.treatment,
            "pre_treatment": self.pre_treatment,
            "patient": self.patient,
            "clinic": self.clinic,
            "page": page,
            "lang": self.lang.value,
            **extra,
        }
