"""Batch recall in Chromium: a nurse starts the recall (the patients with an address are e-mailed by the
worker), marks a patient without one as reached by phone, and sees who is reached and who is not yet."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from mesosafe.patients.models import Patient
from mesosafe.treatments.models import RecallContact
from tests.browser.conftest import serious_violations
from tests.browser.test_clinic_pages import login
from tests.pages_fixtures import ClinicSite, build_case

pytestmark = pytest.mark.browser


def test_a_nurse_sends_the_recall_and_marks_a_patient_reached(
    desktop: Any, live_server: Any, site_a: ClinicSite
) -> None:
    amal = build_case(site_a, name="Amal")
    Patient.objects.filter(pk=amal.patient.pk).update(email="amal@example.com")
    huda = build_case(site_a, name="Huda", lang="ar")  # no address: to be called
    login(desktop, live_server.url, "alice")
    desktop.goto(live_server.url + "/clinic/recall/?lot=LOT-A-001")
    desktop.get_by_role("button", name="Start the recall and e-mail the patients").click()
    desktop.wait_for_function("() => document.activeElement && document.activeElement.id === 'errors'")
    assert desktop.locator("#errors a[href='#id_reason']").count() == 1  # the reason is needed
    desktop.get_by_label("Reason for the recall").fill("Supplier notice: possible contamination")
    desktop.get_by_role("button", name="Start the recall and e-mail the patients").click()
    desktop.locator(".messages", has_text="1 recall e-mail queued.").wait_for()
    counts = desktop.locator("#recall-counts").inner_text()
    assert (
        "0 patients reached" in counts and "2 not yet reached" in counts and "1 without an e-mail" in counts
    )
    assert serious_violations(desktop) == []

    call_command("db_worker", batch=True, verbosity=0)  # the worker sends the e-mail
    assert [m.to for m in mail.outbox] == [["amal@example.com"]]

    row = desktop.locator(f"#patient-{huda.patient.id}")
    assert "No e-mail address: call" in row.inner_text()
    row.get_by_label("How").select_option("phone")
    row.get_by_label("Note").fill("Booked a check")
    row.get_by_role("button", name="Reached").click()
    desktop.locator(".messages", has_text="Huda is marked as reached.").wait_for()
    reached = desktop.locator("#reached").inner_text()
    assert "Huda" in reached and "Phone" in reached and "alice" in reached and "Booked a check" in reached
    assert "1 patient reached" in desktop.locator("#recall-counts").inner_text()
    assert "Sent" in desktop.locator(f"#patient-{amal.patient.id}").inner_text()
    contact = RecallContact.objects.get(patient=huda.patient)
    assert contact.contacted_by == site_a.user and contact.method == "phone"
    assert serious_violations(desktop) == []
