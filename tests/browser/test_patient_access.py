"""Patient pages as people with a small phone, large text or a screen reader meet them (issue 15, points
12-15): reflow at 320 px with 200 % text, tap targets, help texts announced, Latin runs isolated in Arabic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import violations
from tests.pages_fixtures import Case

pytestmark = pytest.mark.browser


def descriptions(page: Any, selector: str) -> list[str]:
    """The accessible description Chromium computes for each element matching `selector` (what a screen
    reader announces after the name)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    out = []
    for node_id in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        backend = cdp.send("DOM.describeNode", {"nodeId": node_id})["node"]["backendNodeId"]
        (node, *_) = cdp.send(
            "Accessibility.getPartialAXTree", {"backendNodeId": backend, "fetchRelatives": False}
        )["nodes"]
        out.append(" ".join(str(node.get("description", {}).get("value", "")).split()))
    return out


@pytest.mark.parametrize(
    ("lang", "help_text", "error"),
    [
        ("en", "Separate several with commas.", "Please write what you are allergic to."),
        ("ar", "يُرجى الفصل بين العناصر بفواصل.", None),
    ],
)
def test_help_texts_are_announced(
    page: Any, live_server: Any, make_case: Any, lang: str, help_text: str, error: str | None
) -> None:
    case = make_case(lang=lang)
    page.goto(live_server.url + case.url("screening/"))
    described = page.locator("[aria-describedby]")
    assert described.count() >= 2
    # every id an aria-describedby names is on the page
    missing = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(e =>
             e.getAttribute('aria-describedby').split(/\\s+/).filter(id => !document.getElementById(id)))"""
    )
    assert missing == []
    page.locator("#id_has_allergies_1").check()  # "yes" shows the follow-up questions
    page.locator("#id_has_conditions_1").check()
    assert descriptions(page, "#id_allergies, #id_conditions") == [help_text, help_text]
    if error:
        page.get_by_role("button", name="See the answer").click()
        page.wait_for_load_state()  # "yes" without saying what
        assert descriptions(page, "#id_allergies") == [f"{help_text} {error}"]
    assert violations(page) == []


NARROW = {"width": 320, "height": 568}  # WCAG 1.4.10's 320 CSS px, on the smallest phone screen in use
LARGE_TEXT = "html { font-size: 200% !important; }"
TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, summary, select, input:not([type=hidden]):not([type=radio]):not([type=checkbox]),'
    + ' label.opt, label.check')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 1 && r.right > 0
                 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('svg'); })
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 80), w: Math.round(r.width), h: Math.round(r.height)}; })"""


def _narrow_large_text(browser: Any) -> Any:
    context = browser.new_context(viewport=NARROW, device_scale_factor=1, is_mobile=True, has_touch=True)
    return context.new_page()


def _large_text(page: Any) -> None:
    """The reader's own 200 % text, as a constructed style sheet (a <style> tag would be refused by the
    page's Content-Security-Policy, which a user style is not subject to)."""
    page.evaluate(
        "(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);"
        " document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }",
        LARGE_TEXT,
    )


def checkin_steps(page: Any, base: str, case: Case, large_text: bool = False) -> Iterator[str]:
    """Open the check-in's two steps in turn, yielding on each: the symptoms, then the questions about
    three symptoms (with severity, trend and spreading asked), the temperature and the photos."""
    page.goto(base + case.url("checkin/"))
    if large_text:
        _large_text(page)
    yield "checkin/ (step 1)"
    for code in ("pain", "swelling", "redness"):
        page.locator(f"#id_sym_{code}").check()
    page.locator("button[value=symptoms]").click()
    page.wait_for_selector("button[value=details]")
    if large_text:
        _large_text(page)
    assert page.locator("input[name^=sev_]").count() >= 3
    yield "checkin/ (step 2)"


def _emergency(make_case: Any, lang: str) -> tuple[Case, Any]:
    case = make_case(lang=lang)
    return case, case.checkin([{"code": "breathing_difficulty"}])


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_call_button_on_the_first_screen_at_200_percent_text(
    browser: Any, live_server: Any, make_case: Any, lang: str
) -> None:
    """Issue 15, point 12: at 320 px with 200 % text the call button of the emergency result is visible
    without scrolling, and nothing on the patient pages scrolls sideways (the recovery list and chart too)."""
    case, stored = _emergency(make_case, lang)
    case.checkin([{"code": "redness", "severity": "moderate"}, {"code": "bruising", "severity": "mild"}])
    page = _narrow_large_text(browser)
    for path in (f"checkin/{stored.id}/", ""):  # the result, and home while the emergency is unreviewed
        page.goto(live_server.url + case.url(path))
        _large_text(page)
        call = page.locator("#call-emergency").bounding_box()
        assert call is not None and call["y"] >= 0 and call["y"] + call["height"] <= NARROW["height"], path
        assert page.evaluate(
            "() => getComputedStyle(document.querySelector('#call-emergency')).fontSize"
        ) in (
            "48px",  # 1.5rem at 200 %: the text really is twice the size
        )
    for path in ("", "aftercare/", "recovery/", "faq/", "screening/", f"checkin/{stored.id}/"):
        page.goto(live_server.url + case.url(path))
        _large_text(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{path} is {width} px wide at 320 px with 200 % text"
    for step in checkin_steps(page, live_server.url, case, large_text=True):
        assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "32px", step
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{step} is {width} px wide at 320 px with 200 % text"
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_home_calls_while_the_emergency_is_unreviewed_and_targets_are_44_px(
    page: Any, live_server: Any, make_case: Any, lang: str
) -> None:
    """Issue 15, point 13."""
    case, stored = _emergency(make_case, lang)
    page.goto(live_server.url + case.url())
    assert page.locator("#call-emergency").get_attribute("href") == "tel:998"
    assert violations(page) == []
    small = []
    for path in ("", f"checkin/{stored.id}/", "aftercare/", "recovery/", "faq/", "screening/"):
        page.goto(live_server.url + case.url(path))
        small += [(path, t) for t in page.evaluate(TARGETS) if t["w"] < 44 or t["h"] < 44]
    for step in checkin_steps(page, live_server.url, case):
        targets = page.evaluate(TARGETS)
        assert sum("label" in t["what"] for t in targets) >= 9, step  # symptoms, or answers, are measured
        small += [(step, t) for t in targets if t["w"] < 44 or t["h"] < 44]
    assert small == []
    # once the clinic has looked at it, home no longer opens with the call
    type(stored).objects.filter(pk=stored.pk).update(reviewed_at=stored.submitted_at)
    page.goto(live_server.url + case.url())
    assert page.locator("#call-emergency").count() == 0
    assert page.locator(".help-foot a[href='tel:998']").count() == 1  # the footer's number stays


def test_latin_data_keeps_its_brackets_in_arabic(page: Any, live_server: Any, make_case: Any) -> None:
    """Issue 15, point 15: "(nuts, lidocaine)" on the Arabic screening result, also when it wraps, reads
    "(nuts," … "lidocaine)": each bracket sits on the outside of the Latin run, never "nuts,) (lidocaine"."""
    from mesosafe.patients.services import run_screening

    case = make_case(lang="ar")
    allergies = ["nuts", "lidocaine", "latex", "penicillin", "sesame", "shellfish", "chlorhexidine"]
    stored = run_screening(case.patient, {"age": 35, "allergies": allergies})
    page.goto(live_server.url + case.url(f"screening/{stored.id}/"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    detail = page.locator(".reasons bdi").first
    assert detail.inner_text() == f"({', '.join(allergies)})"
    boxes = detail.evaluate(
        """bdi => { const text = bdi.firstChild, s = text.data, at = i => {
                      const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
                      const b = r.getBoundingClientRect(); return {x: b.x, y: b.y}; };
                    const ys = [...Array(s.length).keys()].map(i => Math.round(at(i).y));
                    return {open: at(0), first: at(1), close: at(s.length - 1), last: at(s.length - 2),
                            lines: new Set(ys).size}; }"""
    )
    assert boxes["lines"] > 1  # the list wraps at 360 px, where the bug showed
    assert boxes["open"]["y"] == boxes["first"]["y"] and boxes["open"]["x"] < boxes["first"]["x"]
    assert boxes["close"]["y"] == boxes["last"]["y"] and boxes["close"]["x"] > boxes["last"]["x"]
    assert violations(page) == []
