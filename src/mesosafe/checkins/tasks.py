"""Background work for check-ins, run by `mesosafe worker`."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from mesosafe.checkins.models import CheckIn


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
    page = settings.MESOSAFE_BASE_URL + reverse("clinicui:checkin", args=[checkin.id])
    send_mail(
        subject=f"[mesosafe] {checkin.disposition.upper()} check-in #{checkin.id}",
        message=(
            f"A patient's check-in was triaged as {checkin.disposition.replace('_', ' ')} "
            f"(treatment #{checkin.treatment_id}, {since_treatment(checkin.days_since_treatment)}).\n"
            f"Open the check-in to see the answers and the reasons, and contact the patient:\n{page}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def since_treatment(days: float) -> str:
    """'5 hours after treatment', '1 day after treatment', '3 days after treatment'."""
    if days < 1:
        hours = round(days * 24)
        return f"{hours} hour{'s' if hours != 1 else ''} after treatment"
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''} after treatment"
