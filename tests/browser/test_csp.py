"""The Content-Security-Policy in Chromium (issue 14.9): the API docs run Swagger UI from this origin alone,
and the watch in conftest.py, which fails every browser test on a refusal, does see one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

REFUSAL = "Content Security Policy"


def test_api_docs_run_swagger_ui_from_this_origin(desktop: Any, live_server: Any) -> None:
    origin = urlsplit(live_server.url).netloc
    requested: list[str] = []
    desktop.on("request", lambda request: requested.append(request.url))
    desktop.goto(live_server.url + "/api/v1/docs")
    desktop.locator(".opblock-summary").first.wait_for()  # the operations, from /api/v1/openapi.json
    assert desktop.locator(".opblock").count() > 10
    assert desktop.locator(".info .title").inner_text().startswith("mesosafe clinic API")
    elsewhere = [url for url in requested if not url.startswith("data:") and urlsplit(url).netloc != origin]
    assert elsewhere == []
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in requested)


def test_an_inline_script_or_style_is_refused_and_seen(
    desktop: Any, live_server: Any, csp_watch: list[str]
) -> None:
    """What the policy is for, on a real page: script and style put into the page are refused, and the
    watch notes it (here the test takes the notes back, so that it may pass)."""
    desktop.goto(live_server.url + "/clinic/login/")
    with desktop.expect_console_message(lambda message: REFUSAL in message.text):
        desktop.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.injected = true'; document.head.appendChild(s); }"""
        )
    with desktop.expect_console_message(lambda message: REFUSAL in message.text):
        desktop.evaluate("() => document.body.setAttribute('style', 'background-color: rgb(255, 0, 0)')")
    assert desktop.evaluate("() => window.injected") is None
    background = desktop.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"
    assert any("script-src" in note for note in csp_watch)
    assert any("style-src" in note for note in csp_watch)
    csp_watch.clear()


def test_htmx_keeps_its_own_style_out_of_the_page(desktop: Any, live_server: Any) -> None:
    """htmx adds no <style> element (its indicator rules are in site.css): the page has only its own."""
    desktop.goto(live_server.url + "/clinic/login/")
    desktop.wait_for_function("() => window.htmx && htmx.config.includeIndicatorStyles === false")
    assert desktop.locator("style").count() == 0
    assert desktop.evaluate("() => htmx.config.allowEval") is False
