"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Chromium missing → the tests skip, visibly; with MESOSAFE_REQUIRE_SERVICES=1 (CI) they fail instead.

Every browser context a test opens watches the Content-Security-Policy: a test fails when Chromium refused
anything on its pages (an inline script or style, a resource from elsewhere), so each test here also checks
that its pages work under the policy. A context opened with bypass_csp=True is not watched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # sync Playwright runs an event loop in this thread

from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import CHROMIUM as CHROMIUM_PATH
from tests.pages_fixtures import CHROMIUM_ARGS as ARGS
from tests.pages_fixtures import ClinicSite, build_site

CHROMIUM = Path(CHROMIUM_PATH)
AXE = Path(__file__).with_name("axe.min.js")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 780}  # the narrowest phone the pages must work on


def _unavailable(reason: str) -> None:
    if os.environ.get("MESOSAFE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"browser tests need Chromium: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


# Chromium logs a refusal to the console ("Refused to ... because it violates the following Content Security
# Policy directive"); the page's securitypolicyviolation event is logged too, as a second witness.
CSP_WORDS = "Content Security Policy"
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  'Content Security Policy violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline')
  + ' at ' + e.sourceFile + ':' + e.lineNumber));"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test itself (not its teardown) on a CSP refusal seen while it ran."""
    result = yield
    refused = getattr(item, "csp_refusals", [])
    if refused:
        pytest.fail("the Content-Security-Policy refused:\n" + "\n".join(dict.fromkeys(refused)))
    return result


@pytest.fixture(autouse=True)
def csp_watch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every context the test opens from the `browser` fixture reports its CSP refusals on the test."""
    refused: list[str] = []
    request.node.csp_refusals = refused
    if "browser" not in request.fixturenames:
        yield refused
        return
    instance = request.getfixturevalue("browser")
    opened = instance.new_context

    def new_context(*args: Any, **kwargs: Any) -> Any:
        context = opened(*args, **kwargs)
        if not kwargs.get("bypass_csp"):
            context.add_init_script(script=CSP_LISTENER)
            context.on("console", lambda message: _note_refusal(message, refused))
        return context

    monkeypatch.setattr(instance, "new_context", new_context)
    yield refused


def _note_refusal(message: Any, refused: list[str]) -> None:
    if CSP_WORDS in message.text:
        refused.append(f"{message.location.get('url', '?')}: {message.text}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


# The live server runs in another thread: the data must be committed, so these use transactional_db.
@pytest.fixture
def site_a(transactional_db: Any) -> ClinicSite:
    return build_site("Clinic A", "alice", "LOT-A-001")


@pytest.fixture
def site_b(transactional_db: Any) -> ClinicSite:
    return build_site("Clinic B", "bob", "LOT-B-001")


def inject_axe(page: Any) -> None:
    """axe-core from the repository, never part of the served pages: evaluated through the DevTools protocol,
    which the page's CSP does not govern (a <script> tag with it inline would be refused)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))


def violations(
    page: Any, impacts: tuple[str, ...] = ("minor", "moderate", "serious", "critical")
) -> list[dict[str, Any]]:
    """Run axe-core on the open page: its violations of the given impacts (by default every impact: the
    patient pages are held to none at all)."""
    inject_axe(page)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations (the clinic pages' bar)."""
    return violations(page, ("serious", "critical"))


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_width(page: Any) -> bool:
    """Nothing wider than the viewport the test asked for. Not window.innerWidth: on an emulated phone
    Chromium widens the layout viewport to fit an overflowing page, so that check passed a 368 px page."""
    width = page.viewport_size["width"]
    return bool(page.evaluate("(w) => document.documentElement.scrollWidth <= w + 1", width))


def answer_no_to_every_screening_question(page: Any) -> None:
    """The screening's yes/no questions start unanswered; click "No" on each (the first choice)."""
    from mesosafe.portal.forms import YES_NO, ScreeningForm

    for name, field in ScreeningForm.base_fields.items():
        if getattr(field, "choices", None) == YES_NO:
            page.locator(f"#id_{name}_0").check()
