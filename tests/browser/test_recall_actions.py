"""Batch recall in Chromium: a nurse starts the recall (the patients with an address are e-mailed by the
worker), marks a patient without one as reached by phone, and sees who is reached and who is not yet, in
English and in Arabic; on a 360 px phone each table's rows are cards, and nothing scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from mesosafe.patients.models import Patient
from mesosafe.treatments.models import RecallContact
from tests.browser.conftest import PHONE, fits_width, serious_violations, shot
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

    desktop.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    desktop.reload()
    assert desktop.locator("html").get_attribute("dir") == "rtl"
    assert "تم التواصل مع: 1" in desktop.locator("#recall-counts").inner_text()
    assert "الهاتف" in desktop.locator("#reached").inner_text()
    assert serious_violations(desktop) == []


# Each table of the recall page, and how far its content reaches past its box (0: it does not scroll).
OVERFLOW = """(width) => [...document.querySelectorAll('main .table-wrap, main table')].map(
  (el) => [el.id || el.className, el.scrollWidth - el.clientWidth,
           Math.round(Math.max(0, el.getBoundingClientRect().right - width,
                               -el.getBoundingClientRect().left))])"""


def test_the_recall_tables_fit_a_phone_in_english_and_arabic(
    page: Any, live_server: Any, site_a: ClinicSite
) -> None:
    amal = build_case(site_a, name="Amal Abdulrahman Al-Mansouri")
    Patient.objects.filter(pk=amal.patient.pk).update(email="amal.abdulrahman.almansouri@example.com")
    huda = build_case(site_a, name="هدى عبد الله", lang="ar")  # no address: to be called
    noor = build_case(site_a, name="Noor")
    Patient.objects.filter(pk=noor.patient.pk).update(email="noor@example.com")
    login(page, live_server.url, "alice")
    page.goto(live_server.url + "/clinic/recall/?lot=LOT-A-001")
    page.get_by_label("Reason for the recall").fill("Supplier notice: possible contamination")
    page.get_by_role("button", name="Start the recall and e-mail the patients").click()
    page.locator(".messages", has_text="2 recall e-mails queued.").wait_for()
    call_command("db_worker", batch=True, verbosity=0)  # sent: each row offers "Send again"
    row = page.locator(f"#patient-{huda.patient.id}")
    row.get_by_label("How").select_option("phone")
    row.get_by_label("Note").fill("Booked a check on Monday morning")
    row.get_by_role("button", name="Reached").click()
    page.locator(".messages", has_text="is marked as reached.").wait_for()
    page.reload()
    for lang in ("en", "ar"):
        if lang == "ar":
            page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
            page.reload()
            assert page.locator("html").get_attribute("dir") == "rtl"
        page.locator("#not-reached").wait_for()
        page.locator(f"#reached-{huda.patient.id} summary").click()  # the undo form shown too
        # against the phone's width, not innerWidth: a mobile browser widens its layout viewport to fit a
        # page that overflows (innerWidth was 368 here when the lot's input overflowed in Arabic)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], lang
        assert fits_width(page), lang
        assert [t for t in page.evaluate(OVERFLOW, PHONE["width"]) if t[1] > 1 or t[2] > 1] == [], lang
        button = page.locator(f"#patient-{amal.patient.id} form[action$='/contacted/'] button").bounding_box()
        assert button is not None and 0 <= button["x"] <= button["x"] + button["width"] <= PHONE["width"]
        shot(page, f"clinic-recall-phone-{lang}")
        assert serious_violations(page) == []
