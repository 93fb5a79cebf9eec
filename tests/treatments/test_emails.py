"""Emails to the patient: the check-in reminder counts the days in the patient's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from mesosafe.treatments import emails
from mesosafe.treatments.emails import arabic_days, send_reminder
from mesosafe.treatments.models import ScheduledCheckin
from tests.arabic_forms import arabic_of, masculine_forms
from tests.pages_fixtures import build_case, build_site


@pytest.mark.parametrize(
    ("day", "text"),
    [(1, "يوم واحد"), (2, "يومان"), (3, "٣ أيام"), (7, "٧ أيام"), (14, "١٤ يومًا"), (84, "٨٤ يومًا"),
     (103, "١٠٣ أيام"), (0.5, "٠٫٥ يوم")],
)  # fmt: skip
def test_arabic_day_counts(day: float, text: str) -> None:
    assert arabic_days(float(day)) == text


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "It is day 7 since your treatment"), ("ar", "مرّ ٧ أيام على علاجك")]
)
def test_reminder_text(db: Any, lang: str, expected: str) -> None:
    case = build_case(build_site("Clinic", "nurse", "LOT-1"), lang=lang)
    case.patient.email = "patient@example.com"
    case.patient.save()
    mail.outbox.clear()
    scheduled = ScheduledCheckin.objects.get(treatment=case.treatment, day=7)
    assert send_reminder(scheduled)
    assert expected in mail.outbox[0].body


def test_arabic_emails_address_a_woman_as_well_as_a_man() -> None:
    texts = arabic_of(emails)
    assert len(texts) >= 6  # subjects and bodies of the three emails
    assert {name: forms for name, text in texts.items() if (forms := masculine_forms(text))} == {}
