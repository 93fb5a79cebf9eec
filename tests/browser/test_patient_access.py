"""Patient pages as people with a small phone, large text or a screen reader meet them (issue 15, points
12-15): reflow at 320 px with 200 % text, tap targets, help texts announced, Latin runs isolated in Arabic."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import serious_violations

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
    assert serious_violations(page) == []
