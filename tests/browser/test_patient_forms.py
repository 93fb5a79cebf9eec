"""The patient forms on a phone: the emergency box first, nothing answered for the patient, errors that
take the patient to what needs fixing, and results whose colour and words say how urgent they are."""

from __future__ import annotations

from typing import Any

import pytest

from mesosafe.checkins.models import CheckIn
from mesosafe.knowledge import load
from mesosafe.patients.models import Screening
from tests.browser.conftest import PHONE, fits_width, shot, violations
from tests.pages_fixtures import Case
from tests.photo_samples import jpeg_with_gps

pytestmark = pytest.mark.browser
EMERGENCY_RED = "rgb(176, 0, 32)"  # --emergency in site.css


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_emergency_box_is_on_the_first_screen(
    page: Any, live_server: Any, make_case: Any, lang: str
) -> None:
    page.goto(live_server.url + make_case(lang=lang).url("checkin/"))
    box = page.locator(".red-flags")
    call = box.locator("a.call")
    assert call.get_attribute("href") == "tel:998"
    for code in ("breathing_difficulty", "face_throat_swelling"):
        assert load().effects[code].name.get(lang) in box.inner_text()
    first = box.locator(".symptom").first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"]  # the number and the first of them, unscrolled
    assert box.locator("a.call").bounding_box()["y"] < box.locator(".symptom").first.bounding_box()["y"]
    assert call.evaluate("a => getComputedStyle(a).backgroundColor") == EMERGENCY_RED
    assert violations(page) == []
    assert fits_width(page)
    shot(page, f"checkin-emergency-box-{lang}")


def test_an_error_takes_the_patient_to_each_field(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("checkin/"))
    page.locator("#id_sym_redness").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    page.locator("#id_temperature_c").fill("101")
    page.locator("#id_photo").set_input_files(
        {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert page.evaluate("() => document.activeElement.id") == "errors"  # read first, on screen
    text = summary.inner_text()
    assert "101 °F is 38.3 °C" in text and "please choose how bad it is" in text
    assert page.locator("#photo-again").is_visible()
    assert page.locator("input[name=symptoms][value=redness]").count() == 1  # the answers are kept
    summary.get_by_role("link", name="please choose whether it is better").click()
    assert page.evaluate("() => document.activeElement.id") == "id_trend_redness_0"
    name = page.locator(".symptom-details").first.bounding_box()
    assert -1 <= name["y"] < PHONE["height"]  # the symptom it is about is in view (to the subpixel)
    summary.get_by_role("link", name="Temperature").click()
    assert page.evaluate("() => document.activeElement.id") == "id_temperature_c"
    assert violations(page) == []
    assert fits_width(page)
    shot(page, "checkin-errors-en")
    assert not CheckIn.objects.exists()


def test_screening_sent_before_answering(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("screening/"))
    assert page.locator("input[type=radio]:checked").count() == 0
    page.locator("#id_pregnant_0").check()
    page.get_by_role("button", name="See the answer").click()
    page.wait_for_load_state()
    assert page.evaluate("() => document.activeElement.id") == "errors"
    assert page.locator("[data-error-summary] a").count() == 13  # every question but the one answered
    assert page.locator("#id_pregnant_0").is_checked()
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("() => document.activeElement.id") == "id_breastfeeding_0"
    assert violations(page) == []
    assert not Screening.objects.exists()


def test_the_home_card_and_result_say_how_urgent(page: Any, live_server: Any, case: Case) -> None:
    stored = case.checkin([{"code": "breathing_difficulty"}])
    page.goto(live_server.url + case.url())
    card = page.locator("#last-checkin")
    assert card.evaluate("c => getComputedStyle(c).borderInlineStartColor") == EMERGENCY_RED
    badge = card.locator(".badge")
    assert badge.inner_text() == "Emergency — call now"
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") == EMERGENCY_RED
    assert violations(page) == []
    page.goto(live_server.url + case.url(f"checkin/{stored.id}/"))
    assert "Do not wait for them to call you back" in page.locator(".verdict").inner_text()
    assert violations(page) == []
