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


@pytest.mark.parametrize(
    ("lang", "subject", "said"),
    [
        ("en", "Please contact Clinic about your treatment", "You were treated with it on 12 March 2026."),
        ("ar", "يُرجى التواصل مع Clinic بشأن علاجك", "وكان علاجك به في ١٢ مارس ٢٠٢٦."),
    ],
)
def test_recall_email_in_the_patients_language(db: Any, lang: str, subject: str, said: str) -> None:
    from datetime import UTC, datetime

    from mesosafe.treatments.models import Recall, RecallContact, Treatment

    site = build_site("Clinic", "nurse", "LOT-1")
    case = build_case(site, lang=lang)
    # 22:30 UTC is already the next day in Dubai: the date is the clinic's
    Treatment.objects.filter(pk=case.treatment.pk).update(
        performed_at=datetime(2026, 3, 11, 22, 30, tzinfo=UTC)
    )
    recall = Recall.objects.create(
        clinic=site.clinic, lot_number="LOT-1", reason="Supplier notice", created_by=site.user
    )
    contact = RecallContact.objects.select_related("patient__clinic", "treatment", "recall").get(
        pk=RecallContact.objects.create(recall=recall, patient=case.patient, treatment=case.treatment).pk
    )
    got_subject, body = emails.recall_message(contact)
    assert got_subject == subject and said in body
    assert "LOT-1" in body and "+971 4 000 0000" in body and "998" in body
    assert "Supplier notice" not in body  # the staff's reason stays in the record
