"""The registry page in Chromium (issue 15.18–21): numbered funnel-plot labels that never overlap, each
keyed to a row of the table beside the plot, the table sortable by its headings, the page updating itself
when the worker has built the report, and axe-core clean in English and Arabic at 1366 px and 360 px."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from mesosafe.registry import services
from mesosafe.registry.models import RegistryReport
from tests.browser.conftest import PHONE, fits_width, inject_axe, shot

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def report_files(tmp_path_factory: Any) -> Path:
    """A report of a seeded synthetic registry (15 clinics over 400 days), written once for the module."""
    from mesosafe.clinic_safety.demo import DemoSpec, demo_tables
    from mesosafe.clinic_safety.report import write_report

    out = tmp_path_factory.mktemp("registry") / "report"
    write_report(demo_tables(spec=DemoSpec(clinics=15, days=400)), out)
    return out


@pytest.fixture
def analyst(transactional_db: Any) -> User:
    user = User.objects.create_user("analyst", password="pw-analyst-1")
    user.user_permissions.add(Permission.objects.get(codename="view_registry"))
    return user


def _finish(report: RegistryReport, files: Path) -> None:
    shutil.copytree(files, services.folder(report))
    report.status, report.finished_at = RegistryReport.Status.DONE, timezone.now()
    report.treatments, report.infections = 100, 2
    report.save()


def _open(browser: Any, live_server: Any, user: User, lang: str, viewport: dict[str, int]) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies([
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": "django_language", "value": lang, "url": live_server.url},
    ])  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _all_violations(page: Any) -> list[dict[str, Any]]:
    inject_axe(page)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


LABELS_AND_ROWS = """(section) => {
  const boxes = [...section.querySelectorAll('svg text.label')].map(t => {
    const r = t.getBoundingClientRect();
    return {n: t.textContent, l: r.left, t: r.top, r: r.right, b: r.bottom};
  });
  const plot = section.querySelector('svg').getBoundingClientRect();
  const numbers = [...section.querySelectorAll('tbody tr td:first-child')].map(td => td.textContent.trim());
  return {boxes, numbers, plot: {l: plot.left, t: plot.top, r: plot.right, b: plot.bottom}};
}"""


def test_labels_are_readable_and_keyed_to_a_sortable_table(
    browser: Any, live_server: Any, analyst: User, report_files: Path, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    report = RegistryReport.objects.create(requested_by=analyst)
    _finish(report, report_files)
    labelled = 0
    for lang in ("en", "ar"):
        for viewport in (DESKTOP, PHONE):
            page = _open(browser, live_server, analyst, lang, viewport)
            page.goto(live_server.url + "/registry/")
            assert page.locator("html").get_attribute("lang") == lang
            for name in services.FUNNEL_NAMES:
                data = json.loads((report_files / f"funnel_{name}.json").read_text(encoding="utf-8"))
                found = page.locator(f"#funnel-{name}").evaluate(LABELS_AND_ROWS)
                assert len(found["numbers"]) == len(data["units"])  # every unit is listed
                boxes = found["boxes"]
                labelled += len(boxes)
                for i, a in enumerate(boxes):
                    assert a["n"] in found["numbers"]  # each label is a row of the table
                    inside = found["plot"]
                    assert a["l"] >= inside["l"] - 1 and a["r"] <= inside["r"] + 1
                    for b in boxes[i + 1 :]:
                        apart = a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"]
                        assert apart, (name, a, b)
            assert fits_width(page)  # the tables scroll inside their own region, not the page
            violations = _all_violations(page)
            shot(page, f"registry-{lang}-{viewport['width']}")
            assert violations == [], violations
            page.context.close()
    assert labelled > 0

    page = _open(browser, live_server, analyst, "en", DESKTOP)
    page.goto(live_server.url + "/registry/")
    table = page.locator("#funnel-clinic_complication table")
    heading = table.locator("thead th").nth(2)
    heading.get_by_role("button").click()
    counts = [int(t) for t in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert counts == sorted(counts) and heading.get_attribute("aria-sort") == "ascending"
    heading.get_by_role("button").click()
    counts = [int(t) for t in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and heading.get_attribute("aria-sort") == "descending"
    assert page.locator("script:not([src])").count() == 0
    page.context.close()


def test_the_page_shows_the_report_once_the_worker_has_built_it(
    browser: Any, live_server: Any, analyst: User, report_files: Path, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    report = RegistryReport.objects.create(requested_by=analyst)
    page = _open(browser, live_server, analyst, "en", DESKTOP)
    page.goto(live_server.url + "/registry/")
    assert "the worker is building it" in page.locator("main").inner_text()
    button = page.get_by_role("button", name="Build a new report")
    assert button.evaluate("b => b.getBoundingClientRect().height") >= 44
    _finish(report, report_files)  # as the worker does
    page.locator("#funnel-clinic_infection svg[role=img]").wait_for(timeout=15_000)  # no reload by hand
    assert "Report of" in page.locator("main").inner_text()
    page.context.close()


def test_the_report_documents_open_under_their_own_policy(
    browser: Any, live_server: Any, analyst: User, report_files: Path, tmp_path: Path, settings: Any
) -> None:
    """The summary and its funnel SVGs carry their styles inline (as the CLI writes them): opened from the
    page they get their own policy (styles, our images, no script), so they show as written and the CSP
    watch sees no refusal."""
    settings.DATA_DIR = tmp_path
    report = RegistryReport.objects.create(requested_by=analyst)
    _finish(report, report_files)
    page = _open(browser, live_server, analyst, "en", DESKTOP)
    page.goto(live_server.url + f"/registry/reports/{report.pk}/summary.html")
    page.wait_for_load_state("load")
    assert page.evaluate("() => getComputedStyle(document.querySelector('figure')).display") == "inline-block"
    images = page.evaluate("() => [...document.images].map(i => i.complete && i.naturalWidth > 0)")
    assert images and all(images)
    page.goto(live_server.url + f"/registry/reports/{report.pk}/{services.FUNNELS[0]}")
    assert page.locator("svg").count() >= 1
    page.context.close()
