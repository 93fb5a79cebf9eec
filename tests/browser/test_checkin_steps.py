"""The check-in's two steps in Chromium at 360 px: a red flag shows the call-now box before any detail
question (with and without JavaScript) and alerts the clinic; "not asked" on the nurse's pages; and the taps
and scrolling of three journeys (fine; one mild symptom; an emergency), printed and held to targets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import review_queue, submit
from mesosafe.knowledge import load
from mesosafe.treatments.services import link_for_token
from tests.browser.conftest import PHONE, fits_width, serious_violations, shot, violations
from tests.browser.test_clinic_pages import login
from tests.pages_fixtures import Case

pytestmark = pytest.mark.browser
DETAIL = "input[name^=sev_], input[name^=trend_], input[name^=spread_]"


@pytest.fixture
def no_js(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _tick(page: Any, code: str, lang: str) -> None:
    assert load().effects[code].name.get(lang) in page.locator(f"label[for=id_sym_{code}]").inner_text()
    page.locator(f"#id_sym_{code}").check()


@pytest.mark.parametrize(
    ("lang", "codes", "send"),
    [("en", ["vision_change"], "Send to my clinic"), ("ar", ["fainting", "hives"], "إرسال إلى عيادتي")],
)
@pytest.mark.parametrize("javascript", [True, False])
def test_a_red_flag_shows_the_call_now_box_before_any_detail_question(
    page: Any,
    no_js: Any,
    live_server: Any,
    make_case: Any,
    lang: str,
    codes: list[str],
    send: str,
    javascript: bool,
) -> None:
    tab = page if javascript else no_js
    case = make_case(lang=lang)
    tab.goto(live_server.url + case.url("checkin/"))
    box = tab.locator("#call-now")
    for code in codes:
        _tick(tab, code, lang)
    if javascript:  # the moment they are ticked, before anything is sent
        assert box.is_visible()
        assert box.locator("a.call").get_attribute("href") == "tel:998"
        top = box.bounding_box()
        assert top["y"] >= 0 and top["y"] + top["height"] <= PHONE["height"]  # on screen where the patient is
        assert tab.locator("button[value=symptoms]").inner_text() == send
        assert violations(tab) == []
        shot(tab, f"checkin-red-flag-box-{lang}")
    else:
        assert not box.is_visible()
    assert tab.locator(DETAIL).count() == 0
    tab.locator("button[value=symptoms]").click()
    tab.wait_for_url("**/checkin/*/")
    call = tab.locator("#call-emergency")
    assert call.get_attribute("href") == "tel:998"
    assert call.bounding_box()["y"] < tab.locator("main h1").bounding_box()["y"]
    assert tab.locator(DETAIL).count() == 0  # no detail question was ever shown
    stored = CheckIn.objects.get()
    assert stored.disposition == "emergency"
    assert sorted(s["code"] for s in stored.answers["symptoms"]) == sorted(codes)
    assert list(review_queue(case.site.clinic)) == [stored]  # the clinic's queue has it, at the top
    assert tab.locator("#clinic-knows").is_visible()  # "Your clinic has been alerted"
    if javascript:  # axe-core runs as a script
        assert violations(tab) == []
    assert fits_width(tab)


def test_not_asked_on_the_queue_card_and_the_checkin_page(page: Any, live_server: Any, case: Case) -> None:
    """Chest pain stopped the questions: pain's two read "not asked"; a question pain never has (spreading)
    and chest pain, which asks nothing, are not named."""
    link = link_for_token(case.token)
    assert link is not None
    stored, _ = submit(link, {"symptoms": [{"code": "chest_pain"}, {"code": "pain"}], "temperature_c": None})
    login(page, live_server.url, "alice")
    page.goto(live_server.url + "/clinic/")
    card = page.locator(f"#checkin-{stored.id}").inner_text()
    effects = load().effects
    pain = f"{effects['pain'].name.en} (how bad: not asked, since yesterday: not asked)"
    assert pain in card and f"{effects['chest_pain'].name.en} (" not in card
    assert "spreading" not in card and "Mild" not in card and "The same" not in card
    page.goto(live_server.url + f"/clinic/checkins/{stored.id}/")
    assert pain in page.locator("#answers").inner_text()
    assert serious_violations(page) == []  # a clinic page: the clinic pages' bar


def test_back_from_the_result_is_the_second_step_again(page: Any, live_server: Any, case: Case) -> None:
    """Review item 4: Back from the result was Chrome's "Confirm form resubmission" (net::ERR_CACHE_MISS):
    the second step was the answer to a post. Now it is a page of its own, loaded again with the same key,
    so sending the same answers again is the same check-in."""
    page.goto(live_server.url + case.url("checkin/"))
    page.locator("#id_sym_swelling").check()
    page.locator("button[value=symptoms]").click()
    page.wait_for_url("**/checkin/?symptoms=swelling&key=*")
    second = page.url
    for question in ("sev", "trend", "spread"):
        page.locator(f"#id_{question}_swelling_0").check()
    page.locator("button[value=details]").click()
    page.wait_for_url("**/checkin/*/")
    result = page.url
    page.go_back()
    assert page.url == second and page.locator("main h1").inner_text() == "A few more questions"
    for question in ("sev", "trend", "spread"):
        page.locator(f"#id_{question}_swelling_0").check()
    page.locator("button[value=details]").click()
    page.wait_for_url("**/checkin/*/")
    assert page.url == result and CheckIn.objects.count() == 1


# --- Taps and scrolling: three journeys from the patient's home page ---------------------------------------


class Journey:
    """Counts taps, and the scrolling each step needed (Playwright scrolls a control into view to tap it, as
    a thumb would), on the page a patient is on."""

    def __init__(self, page: Any) -> None:
        self.page, self.taps, self.scrolls, self._step = page, 0, [0], 0

    def tap(self, locator: Any) -> None:
        before = self.page.evaluate("() => window.scrollY")
        # only as far as it takes to bring it on screen (Playwright's own scrolling centres it)
        locator.evaluate("e => e.scrollIntoView({block: 'nearest'})")
        after = self.page.evaluate("() => window.scrollY")
        self.scrolls[-1] += abs(after - before)
        locator.click() if locator.get_attribute("type") != "checkbox" else locator.check()
        self.taps += 1

    def new_page(self) -> None:
        self.page.wait_for_load_state()
        self.scrolls.append(0)

    def report(self, name: str) -> str:
        screen = PHONE["height"]
        return f"journey {name}: {self.taps} taps, scrolling per page {self.scrolls} px (screen {screen})"


def _start(page: Any, base: str, case: Case) -> Journey:
    page.goto(base + case.url())
    journey = Journey(page)
    journey.tap(page.locator(f"main a[href='{case.url('checkin/')}']").first)
    journey.new_page()
    return journey


def test_journey_i_feel_fine(page: Any, live_server: Any, case: Case) -> None:
    journey = _start(page, live_server.url, case)
    journey.tap(page.get_by_role("button", name="I feel fine"))
    page.wait_for_url("**/checkin/*/")
    print(journey.report("fine"))
    assert journey.taps == 2 and max(journey.scrolls) <= PHONE["height"]
    assert CheckIn.objects.get().answers["symptoms"] == []


@pytest.mark.parametrize("code", ["pain", "redness"])
def test_journey_one_mild_symptom(page: Any, live_server: Any, case: Case, code: str) -> None:
    journey = _start(page, live_server.url, case)
    journey.tap(page.locator(f"#id_sym_{code}"))
    journey.tap(page.locator("button[value=symptoms]"))
    journey.new_page()
    for question in ("sev", "trend", "spread"):
        first = page.locator(f"#id_{question}_{code}_0")
        if first.count():
            journey.tap(first)
    journey.tap(page.locator("button[value=details]"))
    page.wait_for_url("**/checkin/*/")
    print(journey.report(f"one mild symptom ({code}, {len(load().effects[code].asks)} questions)"))
    assert max(journey.scrolls) <= PHONE["height"]
    # from the home page: open, tick, next, one tap per question, send
    assert journey.taps == 4 + len(load().effects[code].asks)
    if code == "pain":  # two questions: the target of 6 taps
        assert journey.taps <= 6
    assert CheckIn.objects.get().disposition == "self_care"


def test_journey_an_emergency(page: Any, live_server: Any, case: Case) -> None:
    journey = _start(page, live_server.url, case)
    journey.tap(page.locator("#id_sym_vision_change"))
    assert page.locator("#call-now a.call").is_visible()  # the number to call, on screen
    to_box = journey.taps
    journey.tap(page.locator("button[value=symptoms]"))
    page.wait_for_url("**/checkin/*/")
    print(
        journey.report(f"emergency (call-now box after {to_box} taps, clinic alerted after {journey.taps})")
    )
    assert to_box <= 2 and max(journey.scrolls) <= PHONE["height"]
    assert CheckIn.objects.get().disposition == "emergency"


@pytest.mark.parametrize(("lang", "words"), [("en", "a metallic taste"), ("ar", "تساقط الشعر منذ 3 أيام")])
@pytest.mark.parametrize("javascript", [True, False])
def test_something_else_in_the_patients_own_words_at_360_px(
    page: Any, no_js: Any, live_server: Any, make_case: Any, lang: str, words: str, javascript: bool
) -> None:
    """ "Something else" is last in the list; step 2 asks how bad and "What is it?" (with or without
    JavaScript: it is a page of its own); sent empty, the error names the box; then the result and the
    nurse's page show the words as written, quoted."""
    tab = page if javascript else no_js
    case = make_case(lang=lang)
    tab.goto(live_server.url + case.url("checkin/"))
    assert tab.locator("input[name^=sym_]").last.get_attribute("name") == "sym_something_else"
    _tick(tab, "something_else", lang)
    tab.locator("button[value=symptoms]").click()
    box = tab.locator("#id_desc_something_else")
    assert box.is_visible() and box.get_attribute("dir") == "auto"
    tab.locator("input[name=sev_something_else][value=mild]").check()
    tab.locator("button[value=details]").click()  # without words
    summary = tab.locator(".alert a[href='#id_desc_something_else']")
    assert summary.count() == 1 and load().effects["something_else"].name.get(lang) in summary.inner_text()
    assert not CheckIn.objects.exists()
    assert fits_width(tab)
    tab.locator("input[name=sev_something_else][value=mild]").check()
    tab.locator("#id_desc_something_else").fill(words)
    tab.locator("button[value=details]").click()
    tab.wait_for_url("**/checkin/*/")
    stored = CheckIn.objects.get()
    assert stored.disposition == "contact_clinic"
    assert stored.answers["symptoms"][0]["description"] == words
    assert tab.locator("#your-answers q").inner_text() == words
    assert fits_width(tab)
    if javascript:
        assert violations(tab) == []
        shot(tab, f"checkin-something-else-{lang}")


@pytest.mark.parametrize("javascript", [True, False])
def test_change_my_symptoms_keeps_the_answers_at_360_px(
    page: Any, no_js: Any, live_server: Any, make_case: Any, javascript: bool
) -> None:
    """The bug: back from "Change my symptoms" to tick a forgotten symptom, every answer of the second step
    was gone, the patient's words too. Now they come back as given; the new symptom starts unanswered."""
    tab = page if javascript else no_js
    case = make_case(lang="ar")
    words = "تساقط الشعر\nمنذ 3 أيام"
    given = {"sev_swelling": "moderate", "trend_swelling": "worse", "spread_swelling": "yes"}
    given["sev_something_else"] = "severe"
    tab.goto(live_server.url + case.url("checkin/"))
    _tick(tab, "swelling", "ar")
    _tick(tab, "something_else", "ar")
    tab.locator("button[value=symptoms]").click()
    for name, value in given.items():
        tab.locator(f"input[name={name}][value={value}]").check()
    tab.locator("#id_desc_something_else").fill(words)
    tab.locator("#id_temperature_c").fill("37.8")
    tab.locator("button[value=change]").click()
    assert tab.locator("#id_sym_swelling").is_checked() and tab.locator("#id_sym_something_else").is_checked()
    _tick(tab, "pain", "ar")
    tab.locator("button[value=symptoms]").click()
    for name, value in given.items():
        assert tab.locator(f"input[name={name}][value={value}]").is_checked()
    assert tab.locator("#id_desc_something_else").input_value() == words
    assert tab.locator("#id_temperature_c").input_value() == "37.8"
    assert tab.locator("input[name^=sev_pain]").count() == 3
    assert tab.locator("input[name$=_pain]:checked").count() == 0  # never answered for the patient
    assert fits_width(tab) and not CheckIn.objects.exists()
    tab.locator("input[name=sev_pain][value=mild]").check()
    tab.locator("input[name=trend_pain][value=same]").check()
    tab.locator("button[value=details]").click()
    tab.wait_for_url("**/checkin/*/")
    stored = CheckIn.objects.get()
    symptoms = {s["code"]: s for s in stored.answers["symptoms"]}
    assert symptoms["something_else"] == {
        "code": "something_else",
        "severity": "severe",
        "description": words,
    }
    assert symptoms["swelling"] == {
        "code": "swelling",
        "severity": "moderate",
        "trend": "worse",
        "spreading": True,
    }
    assert symptoms["pain"] == {"code": "pain", "severity": "mild", "trend": "same"}
    assert stored.answers["temperature_c"] == 37.8
