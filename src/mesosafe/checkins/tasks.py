"""Background work for check-ins, run by `mesosafe worker`."""

from __future__ import annotations

from django.core.mail import send_mail
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
    send_mail(
        subject=f"[mesosafe] {checkin.disposition.upper()} check-in #{checkin.id}",
        message=(
            f"A patient's check-in was triaged as {checkin.disposition} "
            f"(treatment #{checkin.treatment_id}, day {checkin.days_since_treatment:.1f}).\n"
            "Open the review queue to see the reasons and contact the patient."
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)
