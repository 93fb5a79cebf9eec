"""Stopping a patient link in Chromium: a confirmation in the destructive style first, then the holder of the
stopped link sees the clinic's name and phone (410); an unknown token stays a bare 404."""

from __future__ import annotations

from typing import Any

import pytest

from mesosafe.treatments.models import CheckinLink
from tests.browser.conftest import fits_width, serious_violations
from tests.browser.test_clinic_pages import login
from tests.pages_fixtures import Case

pytestmark = pytest.mark.browser


def test_stopping_a_link_is_confirmed_and_its_holder_told_whom_to_call(
    desktop: Any, page: Any, live_server: Any, case: Case
) -> None:
    login(desktop, live_server.url, "alice")
    desktop.goto(live_server.url + f"/clinic/patients/{case.patient.id}/")
    stop = desktop.get_by_role("link", name="Stop the patient link…")
    issue = desktop.get_by_role("button", name="Issue a new patient link")
    red = stop.evaluate("e => getComputedStyle(e).backgroundColor")
    assert red != issue.evaluate("e => getComputedStyle(e).backgroundColor")  # not the same style
    stop.click()
    desktop.get_by_role("heading", name="Stop the patient link?").wait_for()
    assert serious_violations(desktop) == []
    desktop.get_by_role("link", name="Cancel, keep the link").click()  # changed her mind: nothing stops
    desktop.wait_for_url(live_server.url + f"/clinic/patients/{case.patient.id}/")
    assert CheckinLink.objects.get(treatment=case.treatment).revoked_at is None
    desktop.get_by_role("link", name="Stop the patient link…").click()
    desktop.get_by_role("button", name="Stop the patient link").click()
    desktop.locator(".messages", has_text="The patient link no longer works").wait_for()
    assert CheckinLink.objects.get(treatment=case.treatment).revoked_at is not None

    response = page.goto(live_server.url + case.url())  # the patient, on a phone
    assert response.status == 410
    assert "Clinic A" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Call the clinic").get_attribute("href") == "tel:+971 4 000 0000"
    assert fits_width(page) and serious_violations(page) == []
    unknown = page.goto(live_server.url + "/p/" + "x" * 43 + "/")
    assert unknown.status == 404 and "Clinic A" not in page.content()


def test_clinic_form_errors_are_summarised_linked_and_focused(
    desktop: Any, live_server: Any, case: Case
) -> None:
    login(desktop, live_server.url, "alice")
    desktop.goto(live_server.url + f"/clinic/patients/{case.patient.id}/treatments/new/")
    desktop.get_by_label("Areas treated").fill("")
    desktop.locator("#id_volume_0").fill("1.5")  # a volume with no product: an error on the product
    desktop.get_by_role("button", name="Record the treatment").click()
    summary = desktop.locator("#errors")
    # focus moves to the summary once the deferred script runs (a timeout here means it never moved)
    desktop.wait_for_function("() => document.activeElement && document.activeElement.id === 'errors'")
    links = summary.locator("a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "#id_areas" in targets and "#id_batch_0" in targets
    summary.get_by_role("link", name="Areas treated", exact=False).click()
    assert desktop.evaluate("() => document.activeElement.id") == "id_areas"
    assert serious_violations(desktop) == []
    desktop.goto(live_server.url + "/clinic/patients/new/")
    desktop.get_by_role("button", name="Add the patient").click()
    desktop.wait_for_function("() => document.activeElement && document.activeElement.id === 'errors'")
    assert desktop.locator("#errors a[href='#id_name']").count() == 1
    assert serious_violations(desktop) == []


def test_the_link_issued_page_copies_the_link_and_shows_its_qr_code(
    browser: Any, live_server: Any, case: Case
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    desktop = context.new_page()
    try:
        login(desktop, live_server.url, "alice")
        desktop.goto(live_server.url + f"/clinic/patients/{case.patient.id}/")
        desktop.get_by_role("button", name="Issue a new patient link").click()
        url = desktop.locator("#patient-link").input_value()
        desktop.get_by_role("button", name="Copy the link").click()
        desktop.locator("#patient-link-copied", has_text="Link copied.").wait_for()
        assert desktop.evaluate("() => navigator.clipboard.readText()") == url
        assert desktop.get_by_role("img", name="QR code of the private link").is_visible()
        assert serious_violations(desktop) == []
        desktop.emulate_media(media="print")
        assert not desktop.locator("header.top").is_visible()
        assert desktop.get_by_role("img", name="QR code of the private link").is_visible()
        assert desktop.locator(".link-text").inner_text() == url
    finally:
        context.close()
