"""Background work for check-ins, run by `mesosafe worker`."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.knowledge import Lang


@task()
def notify_escalation(checkin_id: int) -> int:
    """Email the clinic's staff about an urgent or emergency check-in; returns how many were emailed."""
    checkin = CheckIn.objects.select_related("treatment__patient__clinic").get(id=checkin_id)
    clinic = checkin.treatment.patient.clinic
    recipients = sorted(
        {
            email
            for email in clinic.staff.filter(user__is_active=True).values_list("user__email", flat=True)
            if email
        }
    )
    if not recipients:
        return 0
    subject, message = alert(checkin, Lang(clinic.default_language))  # the clinic's staff read its language
    send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)
    return len(recipients)


def alert(checkin: CheckIn, lang: Lang) -> tuple[str, str]:
    """The staff alert's subject and text, in `lang`."""
    page = settings.MESOSAFE_BASE_URL + reverse("clinicui:checkin", args=[checkin.id])
    level = explain.label(checkin, lang)
    with translation.override(lang.value):
        subject = _("[mesosafe] Check-in #%(id)s: %(level)s") % {"id": checkin.id, "level": level}
        message = _(
            "A patient's check-in was triaged as: %(level)s (treatment #%(treatment)s, %(since)s).\n"
            "Open the check-in to see the answers and the reasons, and contact the patient:\n%(page)s\n"
        ) % {
            "level": level,
            "treatment": checkin.treatment_id,
            "since": since_treatment(checkin.days_since_treatment),
            "page": page,
        }
    return subject, message


def since_treatment(days: float) -> str:
    """'5 hours after treatment', '1 day after treatment', '3 days after treatment'."""
    if days < 1:
        hours = round(days * 24)
        return ngettext("%(n)s hour after treatment", "%(n)s hours after treatment", hours) % {"n": hours}
    whole = int(days)
    return ngettext("%(n)s day after treatment", "%(n)s days after treatment", whole) % {"n": whole}
