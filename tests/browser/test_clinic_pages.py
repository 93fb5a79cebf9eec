"""The clinic's pages in Chromium: login → review queue (one card per treatment) → acknowledge a card's
check-ins, with HTMX and without JavaScript; a check-in's page, acknowledged and returned to the queue; a
complication corrected from the patient's timeline; other clinics' patients are 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn
from mesosafe.complications.services import create
from tests.browser.conftest import fits_width, serious_violations, shot
from tests.pages_fixtures import PASSWORD, Case, ClinicSite

pytestmark = pytest.mark.browser


def login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/clinic/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/clinic/")


def test_login_queue_acknowledge(desktop: Any, live_server: Any, case: Case, make_case: Any) -> None:
    urgent = case.checkin([{"code": "pus"}])
    worse = case.checkin([{"code": "fever"}], temperature=38.9)  # the same patient, the next day
    emergency = make_case(name="Layla").checkin([{"code": "face_throat_swelling", "severity": "severe"}])
    login(desktop, live_server.url, "alice")
    assert desktop.title().startswith("Review queue · 3 check-ins from 2 patients")
    cards = desktop.locator(".queue-item")
    assert cards.count() == 2
    assert cards.first.get_attribute("id") == f"treatment-{emergency.treatment_id}"
    assert "Layla" in cards.first.inner_text()
    assert serious_violations(desktop) == []
    shot(desktop, "clinic-queue-desktop")
    card = desktop.locator(f"#treatment-{case.treatment.id}")
    assert card.locator(".queue-checkins > li").count() == 2
    newer = case.checkin([{"code": "breathing_difficulty"}])  # arrives while the nurse reads the card
    card.get_by_label("Note").fill("Phoned, seen today")
    card.get_by_role("button", name="Acknowledge all 2 check-ins").click()
    card.locator("[role=status]", has_text="1 newer check-in arrived").wait_for()  # swapped in place by HTMX
    assert "2 check-ins of Amal acknowledged." in card.inner_text()
    assert card.locator(".queue-checkins > li").count() == 1
    assert card.locator(f"#checkin-{newer.id}").is_visible()
    for stored in CheckIn.objects.filter(pk__in=[urgent.pk, worse.pk]):
        assert stored.reviewed_at is not None and stored.review_note == "Phoned, seen today"
    assert CheckIn.objects.get(pk=newer.pk).reviewed_at is None
    assert serious_violations(desktop) == []  # with the message showing
    card.get_by_label("Note").fill("Sent to the emergency department")
    card.get_by_role("button", name="Acknowledge").click()
    desktop.locator(f"#treatment-{case.treatment.id}.done").wait_for()
    assert (
        "1 check-in of Amal acknowledged." in desktop.locator(f"#treatment-{case.treatment.id}").inner_text()
    )
    assert CheckIn.objects.get(pk=newer.pk).review_note == "Sent to the emergency department"


def test_queue_card_without_javascript(browser: Any, live_server: Any, case: Case) -> None:
    itching = {"code": "itching", "severity": "mild", "trend": "same"}  # past its window, not improving
    first, second = case.checkin([itching]), case.checkin([{"code": "pus"}])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server.url, "alice")
        card = page.locator(f"#treatment-{case.treatment.id}")
        card.get_by_label("Note").fill("Called her")
        card.get_by_role("button", name="Acknowledge all 2 check-ins").click()
        page.locator(".messages", has_text="2 check-ins of Amal acknowledged.").wait_for()
        assert page.locator(".queue-item").count() == 0 and "Nothing to review." in page.content()
    finally:
        context.close()
    for stored in CheckIn.objects.filter(pk__in=[first.pk, second.pk]):
        assert stored.review_note == "Called her"


def test_checkin_page_acknowledge_and_return(page: Any, live_server: Any, case: Case) -> None:
    urgent = case.checkin([{"code": "pus", "severity": "moderate", "trend": "worse"}], temperature=38.2)
    login(page, live_server.url, "alice")
    page.locator(f"#checkin-{urgent.id}").get_by_role("link", name=f"Open check-in #{urgent.id}").click()
    page.wait_for_url(live_server.url + f"/clinic/checkins/{urgent.id}/")
    assert "Temperature 38.2 °C" in page.locator("#answers").inner_text()
    assert page.locator("#patient a.phone").get_attribute("href") == "tel:+971500000001"
    assert fits_width(page)
    assert serious_violations(page) == []
    page.get_by_label("Note").fill("Phoned, seen today")
    page.get_by_role("button", name="Acknowledge").click()
    page.locator("#review", has_text="Acknowledged by alice").wait_for()  # the page again, after the POST
    page.get_by_role("button", name="Return to the queue").click()  # no reason yet
    page.locator("#id_reason_error").wait_for()
    assert CheckIn.objects.get(pk=urgent.pk).review_note == "Phoned, seen today"
    assert serious_violations(page) == []  # with the error showing
    page.get_by_label("Reason for returning it to the queue").fill("Meant another patient")
    page.get_by_role("button", name="Return to the queue").click()
    page.locator(".messages", has_text="back in the review queue").wait_for()
    assert "Meant another patient" in page.locator("#review").inner_text()
    assert CheckIn.objects.get(pk=urgent.pk).reviewed_at is None
    assert fits_width(page)


def test_clinic_b_gets_404_for_clinic_a_patient(
    desktop: Any, live_server: Any, case: Case, site_b: ClinicSite
) -> None:
    login(desktop, live_server.url, "bob")
    response = desktop.goto(live_server.url + f"/clinic/patients/{case.patient.id}/")
    assert response.status == 404
    assert "Amal" not in desktop.content()


def test_staff_pages_pass_axe(desktop: Any, live_server: Any, case: Case) -> None:
    checkin = case.checkin([{"code": "bruising", "severity": "moderate"}])
    login(desktop, live_server.url, "alice")
    for path in [
        "/clinic/today/",
        "/clinic/patients/",
        f"/clinic/patients/{case.patient.id}/",
        f"/clinic/patients/{case.patient.id}/treatments/new/",
        f"/clinic/treatments/{case.treatment.id}/complications/new/",
        "/clinic/recall/?lot=LOT-A-001",
        "/clinic/recall/?lot=nope",
        "/clinic/patients/new/",
        f"/clinic/patients/{case.patient.id}/edit/",
        f"/clinic/checkins/{checkin.id}/",
    ]:
        desktop.goto(live_server.url + path)
        assert serious_violations(desktop) == [], path


def test_correct_a_complication_from_the_timeline(page: Any, live_server: Any, case: Case) -> None:
    recorded = create(
        case.treatment,
        ComplicationIn(
            onset_date=timezone.localdate(),
            grade=2,
            relatedness="possibly",
            symptom_codes=["something_else"],
            description="a lump undr the chin",
        ),
        by=case.site.user,
    )
    login(page, live_server.url, "alice")
    page.goto(live_server.url + f"/clinic/patients/{case.patient.id}/")
    page.locator(".edit-complication").click()
    page.wait_for_url(live_server.url + f"/clinic/complications/{recorded.id}/edit/")
    assert page.get_by_label("Something else: what is it?").input_value() == "a lump undr the chin"
    assert serious_violations(page) == [] and fits_width(page)
    page.get_by_label("Serious", exact=True).check()
    page.get_by_role("button", name="Save the complication").click()
    page.locator("#id_serious_reason_error").wait_for()  # the service's rule, on its field
    assert serious_violations(page) == [] and fits_width(page)  # with the error showing
    page.get_by_label("Serious", exact=True).uncheck()
    page.get_by_label("Something else: what is it?").fill("a lump under the chin")
    page.get_by_role("button", name="Save the complication").click()
    page.locator(".messages", has_text=f"Complication #{recorded.id} updated.").wait_for()
    assert page.locator(".own-words", has_text="a lump under the chin").count() == 1
    assert Complication.objects.get().description == "a lump under the chin"


def test_staff_pages_fit_a_phone(page: Any, live_server: Any, case: Case) -> None:
    checkin = case.checkin([{"code": "pus"}])
    login(page, live_server.url, "alice")
    for path in [
        "/clinic/",
        "/clinic/today/",
        f"/clinic/patients/{case.patient.id}/",
        "/clinic/recall/?lot=LOT-A-001",
        "/clinic/patients/new/",
        f"/clinic/patients/{case.patient.id}/treatments/new/",
        f"/clinic/checkins/{checkin.id}/",
    ]:
        page.goto(live_server.url + path)
        assert fits_width(page), path


def test_record_treatment_warns_and_keeps_input(desktop: Any, live_server: Any, case: Case) -> None:
    login(desktop, live_server.url, "alice")
    desktop.goto(live_server.url + f"/clinic/patients/{case.patient.id}/treatments/new/")
    desktop.get_by_label("Areas treated").fill("scalp")
    desktop.get_by_role("button", name="Record the treatment").click()
    assert desktop.locator(".alert:not(#worker-down)").is_visible()  # no product chosen (and no worker runs)
    assert desktop.get_by_label("Areas treated").input_value() == "scalp"
    desktop.locator("#id_batch_0").select_option(index=1)
    desktop.locator("#id_volume_0").fill("1.5")
    desktop.get_by_role("button", name="Record the treatment").click()
    assert desktop.locator("h1").inner_text() == "Treatment recorded"
    assert "/p/" in desktop.locator("#patient-link").input_value()


def test_add_a_patient(desktop: Any, live_server: Any, site_a: ClinicSite) -> None:
    login(desktop, live_server.url, "alice")
    desktop.goto(live_server.url + "/clinic/patients/")
    desktop.get_by_role("link", name="New patient").click()
    desktop.get_by_label("Name").fill("Huda Mansour")
    desktop.get_by_label("Date of birth").fill("1988-04-21")
    desktop.get_by_label("Email").fill("huda@")
    desktop.get_by_label("Phone").fill("+971 50 123 4567")
    desktop.get_by_label("العربية").check()
    desktop.get_by_role("button", name="Add the patient").click()
    assert desktop.locator("#id_email_error").is_visible()  # the field is named, the rest is kept
    assert desktop.get_by_label("Name").input_value() == "Huda Mansour"
    assert desktop.get_by_label("العربية").is_checked()
    desktop.get_by_label("Email").fill("huda@example.test")
    desktop.get_by_role("button", name="Add the patient").click()
    desktop.wait_for_url(live_server.url + "/clinic/patients/*/")
    assert desktop.locator("h1").inner_text() == "Huda Mansour"
    assert "Patient added." in desktop.locator(".messages").inner_text()
    shot(desktop, "clinic-new-patient-desktop")


def test_queue_phone_in_arabic(page: Any, live_server: Any, case: Case) -> None:
    urgent = case.checkin([{"code": "pus"}])
    login(page, live_server.url, "alice")
    page.get_by_role("button", name="العربية").click()
    page.wait_for_selector('html[dir="rtl"]')
    phone = page.locator(f"#treatment-{urgent.treatment_id} a.phone")
    assert phone.get_attribute("href") == "tel:+971500000001"
    assert phone.inner_text() == "+971500000001"
    assert phone.locator("span").evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert fits_width(page)
    assert serious_violations(page) == []


def test_add_a_lot_then_pick_it_for_a_treatment(page: Any, live_server: Any, case: Case) -> None:
    login(page, live_server.url, "alice")
    page.get_by_role("link", name="Products and lots").click()
    page.get_by_label("Product", exact=True).select_option(label="NCTF 135HA (Acme)")
    page.get_by_label("Lot number").fill("LOT 9")
    page.get_by_label("Expiry date").fill("2030-06-30")
    page.get_by_role("button", name="Add the lot").click()
    assert page.locator("#id_lot_number_error").is_visible()  # the field is named, the rest is kept
    assert page.get_by_label("Expiry date").input_value() == "2030-06-30"
    page.get_by_label("Lot number").fill("LOT-9")
    page.get_by_label("Multi-dose vial").check()
    page.get_by_role("button", name="Add the lot").click()
    assert "Lot LOT-9 of NCTF 135HA added." in page.locator(".messages").inner_text()
    assert "30 Jun 2030" in page.locator("tr", has_text="LOT-9").inner_text()
    assert fits_width(page)
    shot(page, "clinic-products-phone")
    assert serious_violations(page) == []  # with the message showing
    page.goto(live_server.url + f"/clinic/patients/{case.patient.id}/treatments/new/")
    page.locator("#id_batch_0").select_option(label="NCTF 135HA — lot LOT-9 — 30 Jun 2030")
    page.locator("#id_volume_0").fill("1")
    page.get_by_label("Areas treated").fill("face")
    page.get_by_role("button", name="Record the treatment").click()
    assert page.locator("h1").inner_text() == "Treatment recorded"
    assert fits_width(page)


def test_acknowledging_a_card_updates_the_counts_and_moves_focus_on(
    desktop: Any, live_server: Any, case: Case, make_case: Any
) -> None:
    case.checkin([{"code": "pus"}])
    case.checkin([{"code": "pus"}])
    layla = make_case(name="Layla")
    layla.checkin([{"code": "face_throat_swelling", "severity": "severe"}])
    login(desktop, live_server.url, "alice")
    assert desktop.title() == "Review queue · 3 check-ins from 2 patients · mesosafe"
    first = desktop.locator(f"#treatment-{layla.treatment.id}")
    first.get_by_role("button", name="Acknowledge").click()
    desktop.locator(f"#treatment-{layla.treatment.id}.done").wait_for()
    desktop.wait_for_function("() => document.title.includes('2 check-ins from 1 patient')")
    assert desktop.title() == "Review queue · 2 check-ins from 1 patient · mesosafe"
    assert desktop.locator("#queue-count").inner_text() == "2 check-ins from 1 patient"
    focused = desktop.evaluate("() => document.activeElement.id")
    assert focused == f"treatment-{case.treatment.id}-h"  # the next card, not the page body
    assert serious_violations(desktop) == []
    desktop.keyboard.press("Tab")  # the next stop is inside that card
    assert desktop.evaluate(f"() => !!document.activeElement.closest('#treatment-{case.treatment.id}')")
    desktop.locator(f"#treatment-{case.treatment.id}").get_by_role("button", name="Acknowledge all 2").click()
    desktop.locator(f"#treatment-{case.treatment.id}.done").wait_for()
    desktop.wait_for_function("() => document.title === 'Review queue · mesosafe'")
    assert desktop.locator("#queue-count").inner_text() == "Nothing to review."
    assert desktop.evaluate("() => document.activeElement.id") == "queue-count"
