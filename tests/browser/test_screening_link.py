"""A first-time patient in Chromium: staff send a screening link → the patient opens it on their phone,
answers the screening and sees the decision → the clinic's treatment form warns about it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from mesosafe.patients.models import Patient
from tests.browser.conftest import answer_no_to_every_screening_question, fits_width, shot, violations
from tests.browser.test_clinic_pages import login
from tests.pages_fixtures import ClinicSite

pytestmark = pytest.mark.browser


def test_staff_send_a_screening_link_and_the_patient_screens(
    desktop: Any, page: Any, live_server: Any, site_a: ClinicSite
) -> None:
    patient = Patient.objects.create(
        clinic=site_a.clinic, name="Noor", date_of_birth=date(1992, 3, 4), preferred_language="en"
    )
    login(desktop, live_server.url, "alice")
    desktop.goto(live_server.url + f"/clinic/patients/{patient.id}/")
    desktop.get_by_role("button", name="Send a screening link").click()
    assert desktop.locator("h1").inner_text() == "Screening link"
    url = desktop.locator("#patient-link").input_value()
    assert "/p/" in url

    page.goto(url)
    assert page.locator("h2", has_text="Next step: health questions").is_visible()
    assert page.get_by_role("link", name="Check-in").count() == 0  # no treatment pages before a treatment
    assert violations(page) == []
    assert fits_width(page)
    page.get_by_role("link", name="Answer the health questions").click()
    page.wait_for_url("**/screening/")
    answer_no_to_every_screening_question(page)
    page.locator("#id_pregnant_1").check()
    page.get_by_role("button", name="See the answer").click()
    page.wait_for_url("**/screening/*/")
    assert page.locator("h1").inner_text() == "Treatment is not recommended"
    assert page.locator(".checklist li").count() > 0
    assert violations(page) == []
    shot(page, "pre-treatment-screening-result-en")

    desktop.goto(live_server.url + f"/clinic/patients/{patient.id}/treatments/new/")
    assert desktop.locator("#screening-warning").is_visible()
