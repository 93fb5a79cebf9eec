"""Patient pages in Chromium: screening → decision, check-ins in English and Arabic, emergency, photo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mesosafe.checkins.models import CheckIn, Photo
from tests.browser.conftest import answer_no_to_every_screening_question, fits_width, shot, violations
from tests.pages_fixtures import Case
from tests.photo_samples import has_gps, jpeg_with_gps

pytestmark = pytest.mark.browser


def test_screening_to_decision(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("screening/"))
    follow_up = page.get_by_label("Medicine or supplement").first
    assert not follow_up.is_visible()  # asked only when it applies
    answer_no_to_every_screening_question(page)  # every question starts unanswered
    page.locator("#id_takes_medicines_1").check()
    assert follow_up.is_visible()
    assert violations(page) == []
    assert fits_width(page)
    follow_up.fill("Aspirin")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page.locator("#id_med_0_last").fill(yesterday)
    page.get_by_role("button", name="See the answer").click()
    page.wait_for_url("**/screening/*/")
    assert page.locator("h1").inner_text() == "Wait before treatment"
    assert "Aspirin" in page.locator(".reasons").inner_text()
    page.locator("#id_session_date").fill((timezone.localdate() + timedelta(days=10)).isoformat())
    page.evaluate("() => { window.stillHere = true; }")
    page.get_by_role("button", name="Show my dates").click()
    page.wait_for_url("**session_date=*")
    assert page.locator(".checklist .when").first.inner_text().startswith("From ")
    assert page.evaluate("() => window.stillHere === true")  # swapped in place by HTMX, no page load
    assert violations(page) == []
    shot(page, "screening-result-en")


def test_checkin_in_english(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("checkin/"))
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert violations(page) == []
    assert fits_width(page)
    page.locator("#id_sym_redness").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    page.locator("#id_sev_redness_1").check()  # moderate
    page.locator("#id_trend_redness_1").check()  # the same
    page.locator("#id_spread_redness_0").check()  # not spreading
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/checkin/*/")
    assert "What to expect" in page.content()
    assert page.locator(".watch li").count() > 0
    assert violations(page) == []
    shot(page, "checkin-result-en")
    assert CheckIn.objects.get().answers["symptoms"][0] == {
        "code": "redness",
        "severity": "moderate",
        "trend": "same",
        "spreading": False,
    }


def test_checkin_in_arabic(page: Any, live_server: Any, make_case: Any) -> None:
    case = make_case(lang="ar")
    page.goto(live_server.url + case.url("checkin/"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("h1").inner_text() == "كيف حال بشرتك اليوم؟"
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "Noto Naskh Arabic" in font
    assert violations(page) == []
    assert fits_width(page)
    shot(page, "checkin-form-ar")
    page.locator("#id_sym_swelling").check()
    page.get_by_role("button", name="التالي").click()
    page.wait_for_load_state()
    page.locator("#id_sev_swelling_0").check()
    page.locator("#id_trend_swelling_0").check()
    page.locator("#id_spread_swelling_0").check()  # not spreading
    page.get_by_role("button", name="إرسال").click()
    page.wait_for_url("**/checkin/*/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "ما المتوقع" in page.content()
    assert violations(page) == []
    shot(page, "checkin-result-ar")


def test_emergency_result_shows_the_number_first(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("checkin/"))
    page.locator("#id_sym_breathing_difficulty").check()
    page.get_by_role("button", name="Send to my clinic").click()
    page.wait_for_url("**/checkin/*/")
    first_link = page.locator("a:not(.skip)").first  # above the header and the heading
    assert first_link.get_attribute("href") == "tel:998"
    call_box, heading_box = first_link.bounding_box(), page.locator("main h1").bounding_box()
    assert call_box["y"] < heading_box["y"] and call_box["y"] < page.locator("header").bounding_box()["y"]
    assert call_box["y"] < 200  # above the fold on a phone
    assert violations(page) == []
    shot(page, "checkin-emergency-en")


def test_error_keeps_answers(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("checkin/"))
    page.locator("#id_sym_swelling").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    page.locator("#id_sev_swelling_0").check()
    page.locator("#id_temperature_c").fill("55")
    page.get_by_role("button", name="Send").click()
    assert page.locator(".alert").is_visible()
    assert page.locator("#id_sev_swelling_0").is_checked()
    assert page.locator("#id_temperature_c").input_value() == "55"
    assert not CheckIn.objects.exists()


def test_photo_upload_strips_exif(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url("checkin/"))
    page.locator("#id_sym_bruising").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    page.locator("#id_sev_bruising_0").check()
    page.locator("#id_trend_bruising_0").check()
    page.locator("#id_spread_bruising_0").check()  # not spreading
    page.locator("#id_photo").set_input_files(
        {"name": "skin.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/checkin/*/")
    photo = Photo.objects.get()
    with photo.image.open("rb") as handle:
        assert not has_gps(handle.read())
    image = page.locator("img.photo")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


def _pick(page: Any, count: int) -> None:
    page.locator("#id_photo").set_input_files(
        [{"name": f"skin{n}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()} for n in range(count)]
    )


@pytest.mark.parametrize(
    ("lang", "button", "none", "two", "six"),
    [
        ("en", "Choose photos", "No photo chosen", "2 photos chosen", "Please send at most 5 photos."),
        ("ar", "اختيار الصور", "لم يتم اختيار أي صورة", "تم اختيار صورتين", "يُرجى إرسال ٥ صور على الأكثر."),
    ],
)
def test_photo_picker_speaks_the_page_language(
    page: Any, live_server: Any, make_case: Any, lang: str, button: str, none: str, two: str, six: str
) -> None:
    """The browser's own file input is labelled in the browser's language; the page shows its own."""
    page.goto(live_server.url + make_case(lang=lang).url("checkin/"))
    page.locator("#id_sym_bruising").check()
    page.locator("button[value=symptoms]").click()  # the second step has the photos
    page.wait_for_load_state()
    pick = page.locator("[data-file-pick]")
    status = pick.locator(".file-status")
    assert pick.locator(".button").inner_text() == button
    assert status.inner_text() == none
    _pick(page, 2)
    assert status.inner_text() == two
    _pick(page, 6)
    assert status.inner_text() == six
    # the real input stays the labelled, focusable control, over the page's button
    assert page.get_by_label(page.locator("label[for=id_photo]").inner_text()).count() == 1
    page.locator("#id_photo").focus()
    assert page.evaluate("() => document.activeElement.id") == "id_photo"
    input_box, button_box = page.locator("#id_photo").bounding_box(), pick.locator(".button").bounding_box()
    assert input_box["x"] <= button_box["x"] and input_box["width"] >= button_box["width"]
    assert violations(page) == []
    assert fits_width(page)


def test_language_switch_is_remembered(page: Any, live_server: Any, case: Case) -> None:
    page.goto(live_server.url + case.url())
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto(live_server.url + case.url("aftercare/"))
    assert page.locator("html").get_attribute("lang") == "ar"
    # the steps count in Arabic-Indic digits, like the text around them
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('main ol')).listStyleType")
        == "arabic-indic"
    )
    assert violations(page) == []
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"


@pytest.mark.parametrize("path", ["", "aftercare/", "recovery/", "faq/", "screening/"])
def test_main_pages_pass_axe_and_fit_a_phone(page: Any, live_server: Any, case: Case, path: str) -> None:
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    page.goto(live_server.url + case.url(path))
    assert violations(page) == []
    assert fits_width(page)
