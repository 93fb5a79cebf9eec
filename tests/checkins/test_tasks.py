"""The staff alert: its wording of the time since treatment, and its language (the clinic's)."""

from __future__ import annotations

import pytest
from django.utils import translation

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import alert, since_treatment
from mesosafe.knowledge import Lang


@pytest.mark.parametrize(
    ("days", "text"),
    [(0.2, "5 hours after treatment"), (1 / 24, "1 hour after treatment"), (1.0, "1 day after treatment"),
     (2.0, "2 days after treatment"), (3.9, "3 days after treatment"), (84.5, "84 days after treatment")],
)  # fmt: skip
def test_since_treatment(days: float, text: str) -> None:
    assert since_treatment(days) == text


@pytest.mark.parametrize(
    ("days", "text"),
    [(0.2, "بعد العلاج بـ5 ساعات"), (1.0, "بعد العلاج بيوم واحد"), (2.5, "بعد العلاج بيومين"),
     (3.9, "بعد العلاج بـ3 أيام"), (14.0, "بعد العلاج بـ14 يومًا")],
)  # fmt: skip
def test_since_treatment_in_arabic(days: float, text: str) -> None:
    with translation.override("ar"):
        assert since_treatment(days) == text


def test_an_arabic_clinics_alert_is_in_arabic() -> None:
    checkin = CheckIn(id=41, treatment_id=7, disposition="emergency", days_since_treatment=2.2)
    with translation.override("ar"):
        subject, message = alert(checkin, Lang.AR)
    assert subject.startswith("[mesosafe] المتابعة رقم 41: ") and "حالة طارئة" in subject
    assert "العلاج رقم 7" in message and "بعد العلاج بيومين" in message
    assert message.rstrip().endswith("/clinic/checkins/41/")
    with translation.override("en"):
        subject, message = alert(checkin, Lang.EN)
    assert subject == "[mesosafe] Check-in #41: Emergency — call now"
    assert "triaged as: Emergency — call now (treatment #7, 2 days after treatment)" in message
