"""{% unsent_alerts_warning staff.clinic %}: a banner on the clinic pages while nobody at the clinic can be
e-mailed about urgent and emergency check-ins (no active staff with an e-mail address), with how many
went unsent (`checkins.alerts`)."""

from __future__ import annotations

from typing import Any

from django import template

from mesosafe.checkins import alerts
from mesosafe.clinics.models import Clinic

register = template.Library()


@register.inclusion_tag("clinicui/_unsent_alerts.html")
def unsent_alerts_warning(clinic: Clinic | None) -> dict[str, Any]:
    unsent = alerts.unsent_for_want_of_recipients(clinic) if isinstance(clinic, Clinic) else None
    return {"nobody": unsent is not None, "unsent": unsent or 0}
