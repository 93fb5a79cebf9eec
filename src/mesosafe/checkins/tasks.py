"""Background work for check-ins, run by `mesosafe worker`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from mesosafe import explain
from mesosafe.checkins.models import CheckIn
from mesosafe.knowledge import Disposition, Lang


@task()
def notify_escalation(checkin_id: int) -> int:
    """Email the clinic's staff about an urgent or emergency check-in; returns how many were emailed.

    Alerts for one treatment are grouped: within MESOSAFE_ALERT_GROUP_S of its last alert, a check-in no more
    serious than those already alerted waits for the window's end, and one e-mail then lists every check-in
    not yet alerted. Marking them and sending happen in one transaction: a worker stopped before the commit
    leaves them to be sent again (never lost; at worst sent twice)."""
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update(of=("self",)).select_related("treatment__patient__clinic")
        first = checkin.get(id=checkin_id)
        if first.alerted_at is not None:
            return 0  # named already by a grouped e-mail
        now = timezone.now()
        if (until := _held_until(first, now)) is not None:
            notify_escalation.using(run_after=until).enqueue(checkin_id)
            return 0
        group = list(
            CheckIn.objects.select_for_update()
            .filter(
                treatment_id=first.treatment_id, alerted_at__isnull=True, disposition_rank__gte=URGENT_RANK
            )
            .order_by("submitted_at", "id")
        )
        CheckIn.objects.filter(id__in=[c.id for c in group]).update(alerted_at=now)
        clinic = first.treatment.patient.clinic
        recipients = sorted(
            {
                email
                for email in clinic.staff.filter(user__is_active=True).values_list("user__email", flat=True)
                if email
            }
        )
        if not recipients:
            return 0
        lang = Lang(clinic.default_language)  # the clinic's staff read its language
        subject, message = alert(first, lang) if len(group) <= 1 else grouped_alert(group, lang)
        send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)
        return len(recipients)


URGENT_RANK = Disposition.URGENT.rank


def _held_until(checkin: CheckIn, now: datetime) -> datetime | None:
    """When `checkin`'s alert may go, if it must wait for its treatment's grouping window; None: now."""
    window = timedelta(seconds=settings.MESOSAFE_ALERT_GROUP_S)
    recent = CheckIn.objects.filter(treatment_id=checkin.treatment_id, alerted_at__gt=now - window)
    last = recent.aggregate(at=Max("alerted_at"), rank=Max("disposition_rank"))
    if last["at"] is None or checkin.disposition_rank > last["rank"]:
        return None
    until: datetime = last["at"] + window
    return until


def grouped_alert(checkins: list[CheckIn], lang: Lang) -> tuple[str, str]:
    """One alert for several check-ins of a treatment, listing each with its level and page."""
    first = checkins[0]
    with translation.override(lang.value):
        subject = _("[mesosafe] %(n)s check-ins of treatment #%(treatment)s: %(level)s") % {
            "n": len(checkins),
            "treatment": first.treatment_id,
            "level": explain.label(max(checkins, key=lambda c: c.disposition_rank), lang),
        }
        lines = [
            _("Check-in #%(id)s: %(level)s (%(since)s)\n%(page)s")
            % {
                "id": c.id,
                "level": explain.label(c, lang),
                "since": since_treatment(c.days_since_treatment),
                "page": settings.MESOSAFE_BASE_URL + reverse("clinicui:checkin", args=[c.id]),
            }
            for c in checkins
        ]
        intro = _(
            "A patient sent %(n)s check-ins triaged as urgent or emergency within a few minutes (treatment "
            "#%(treatment)s). Open each to see the answers and the reasons, and contact the patient:"
        ) % {"n": len(checkins), "treatment": first.treatment_id}
    return subject, intro + "\n\n" + "\n".join(lines) + "\n"


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
