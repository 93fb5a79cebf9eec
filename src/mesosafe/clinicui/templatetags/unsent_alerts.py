"""{% unsent_alerts_warning staff.clinic %}: banners on the clinic pages while urgent and emergency check-ins
are not e-mailed to the clinic's staff (`checkins.alerts`): nobody can be e-mailed (no active staff with an
e-mail address), with how many went unsent; or sending keeps failing (the mail server down, refusing, an
address it does not know) or is late, with how many, since when and the last error in plain words."""

from __future__ import annotations

from typing import Any

from django import template

from mesosafe.checkins import alerts
from mesosafe.clinics.models import Clinic
from mesosafe.clinicui.mail_errors import plain_error

register = template.Library()


@register.inclusion_tag("clinicui/_unsent_alerts.html")
def unsent_alerts_warning(clinic: Clinic | None) -> dict[str, Any]:
    if not isinstance(clinic, Clinic):
        return {"nobody": False, "failing": None}
    unsent = alerts.unsent_for_want_of_recipients(clinic)
    failing = alerts.failing_alerts(clinic) if unsent is None else None
    return {
        "clinic": clinic,
        "nobody": unsent is not None,
        "unsent": unsent or 0,
        "failing": failing,
        "reason": plain_error(failing.last.error, failing.reply) if failing and failing.last else "",
    }
