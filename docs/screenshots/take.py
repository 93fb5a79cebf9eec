"""Make the screenshots of the pages listed in docs/pages.md and docs/signals.md: patient, clinic and registry
pages at 360 px (a phone) and 1366 px (a desk), in English and Arabic.

Run from the repository root:  .venv/bin/python docs/screenshots/take.py   (about two minutes)
It builds a throw-away database with demo data in a temporary directory (patients with check-ins, an
emergency, a silent patient; a finished registry report of the seeded synthetic registry), serves the app on
a local port and photographs each page, whole, with Debian's Chromium (through Playwright). Names:

  patient-<page>-<lang>.png           360 px        patient-<page>-desktop-<lang>.png  1366 px
  clinic-<page>-phone.png             360 px, English (-ar: Arabic)
  clinic-<page>-desktop.png           1366 px, English (-ar: Arabic)
  registry-<phone|desktop>-<lang>.png the page's first screen; -funnel: the infection funnel and its table
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ["MESOSAFE_DATA_DIR"] = tempfile.mkdtemp(prefix="mesosafe-shots-")
os.environ.setdefault("MESOSAFE_SECRET_KEY", "screenshots-only")
os.environ.setdefault("MESOSAFE_TIME_ZONE", "Asia/Dubai")
os.environ["DJANGO_SETTINGS_MODULE"] = "mesosafe.web.settings"
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from tests.pages_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from mesosafe.checkins.models import CheckIn  # noqa: E402
from mesosafe.clinic_safety.demo import demo_tables  # noqa: E402
from mesosafe.clinic_safety.report import write_report  # noqa: E402
from mesosafe.engines import CheckIn as CheckInInput  # noqa: E402
from mesosafe.engines import parse, triage  # noqa: E402
from mesosafe.engines.inputs import YES_NO  # noqa: E402
from mesosafe.patients.services import run_screening  # noqa: E402
from mesosafe.registry import services as registry  # noqa: E402
from mesosafe.registry.models import RegistryReport  # noqa: E402
from mesosafe.treatments.services import reissue_link  # noqa: E402

PHONE = {"width": 360, "height": 780}  # the narrowest phone the pages must work on (tests/browser)
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
STAFF_PASSWORD = "correct-horse-battery-staple"  # tests.pages_fixtures.PASSWORD
ANALYST_PASSWORD = "screenshots-analyst-1"


def demo() -> dict[str, Any]:
    from tests.pages_fixtures import build_case, build_site

    from mesosafe.workers.heartbeat import beat

    call_command("migrate", verbosity=0)
    site = build_site("Dubai Skin Clinic", "dr.sara", "NC-2407-A")
    cases = {
        lang: build_case(site, name=name, lang=lang, days_ago=10)
        for lang, name in (("en", "Amal Haddad"), ("ar", "ليلى أحمد"))
    }
    history = [
        (
            1,
            [
                {"code": "redness", "severity": "moderate"},
                {"code": "swelling", "severity": "moderate"},
                {"code": "bruising", "severity": "mild"},
            ],
        ),
        (3, [{"code": "redness", "severity": "mild"}, {"code": "bruising", "severity": "mild"}]),
        (7, [{"code": "bruising", "severity": "mild", "trend": "improving"}]),
    ]
    latest = {}
    for lang, case in cases.items():
        for day, symptoms in history:
            stored = case.checkin(symptoms)
            back_date(stored, case.treatment.performed_at, day)
        latest[lang] = stored  # day 7, a fading bruise: self-care
        aspirin = {"name": "Aspirin", "last_taken_days_ago": 1, "prescribed": False}
        run_screening(case.patient, {"age": 35, **dict.fromkeys(YES_NO, False), "medications": [aspirin]})
    self_care = build_case(site, name="Rana Aziz", days_ago=1).checkin([{"code": "redness"}])
    emergency = {
        lang: build_case(site, name=name, lang=lang, days_ago=2).checkin(
            [{"code": "face_throat_swelling", "severity": "severe"}]
        )
        for lang, name in (("en", "Noor Saleh"), ("ar", "نور صالح"))
    }
    huda = build_case(site, name="Huda Karim", days_ago=2)
    huda.checkin([{"code": "pus"}])
    recall(site, cases["en"].patient, huda.patient)
    build_case(site, name="Mariam Yousef", days_ago=20)  # silent since treatment: overdue on "Today"
    beat("screenshots", timezone.now())  # a worker is running, as under `bash scripts/run`
    return {"site": site, "cases": cases, "self_care": self_care, "emergency": emergency, "latest": latest}


def recall(site: Any, emailed: Any, called: Any) -> None:
    """The lot's recall started (the patients with an address e-mailed), one patient reached by phone."""
    from mesosafe.patients.models import Patient
    from mesosafe.treatments.recall_contacts import mark_contacted, send_recall

    Patient.objects.filter(pk=emailed.pk).update(email="amal@example.com")
    send_recall(site.clinic, "NC-2407-A", site.user, "Supplier notice: the lot may not be sterile")
    mark_contacted(site.clinic, "NC-2407-A", called, site.user, "phone", "Check booked for Monday")


def back_date(stored: CheckIn, treated_at: Any, day: float) -> None:
    """Move a demo check-in to `day` after treatment and judge it again as of that day."""
    answers = parse(CheckInInput, {**stored.answers, "days_since_treatment": day})
    result = triage(answers)
    CheckIn.objects.filter(pk=stored.pk).update(
        days_since_treatment=day,
        submitted_at=treated_at + timedelta(days=day),
        disposition=result.disposition.value,
        disposition_rank=result.disposition.rank,
        reasons=[r.model_dump(mode="json") for r in result.reasons],
        next_session_ok=result.next_session_ok,
    )


def demo_report() -> None:
    """A finished registry report of the seeded synthetic registry, and an analyst who may read it."""
    analyst = User.objects.create_user("analyst", password=ANALYST_PASSWORD)
    analyst.user_permissions.add(Permission.objects.get(codename="view_registry"))
    report = RegistryReport.objects.create(requested_by=analyst)
    registry.folder(report).parent.mkdir(parents=True, exist_ok=True)
    summary = write_report(demo_tables(), registry.folder(report))
    report.status = RegistryReport.Status.DONE
    report.treatments, report.infections = summary.treatments, summary.infections
    report.outliers, report.alerts = summary.outliers, summary.alerts
    report.finished_at = timezone.now()
    report.save()


def snap(page: Page, url: str, name: str) -> str:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    return name


def log_in(browser: Any, base: str, viewport: dict[str, int], lang: str, user: str, password: str) -> Page:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(120_000)  # the registry page reads a whole report; a busy machine is slow
    context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    page = context.new_page()
    page.goto(base + "/clinic/login/")
    page.locator("#id_username").fill(user)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    return page


def patient_pages(browser: Any, base: str, data: dict[str, Any]) -> list[str]:
    made = []
    for lang, case in data["cases"].items():
        for size, viewport in VIEWPORTS.items():
            mobile = size == "phone"
            context = browser.new_context(
                viewport=viewport, device_scale_factor=1, is_mobile=mobile, has_touch=mobile
            )
            page = context.new_page()
            suffix = lang if mobile else f"desktop-{lang}"
            screening = case.patient.screenings.first()
            session = (timezone.localdate() + timedelta(days=10)).isoformat()
            result = data["latest"][lang]
            for path, name in [
                ("", "home"),
                ("screening/", "screening"),
                (f"screening/{screening.id}/?session_date={session}", "screening-result"),
                ("aftercare/", "aftercare"),
                ("checkin/", "checkin"),
                (f"checkin/{result.id}/", "checkin-result"),
                ("recovery/", "recovery"),
                ("faq/", "faq"),
            ]:
                made.append(snap(page, base + case.url(path), f"patient-{name}-{suffix}"))
            stored = data["emergency"][lang]
            token = data["emergency_tokens"][lang]
            made.append(snap(page, base + f"/p/{token}/checkin/{stored.id}/", f"patient-emergency-{suffix}"))
            context.close()
    return made


def clinic_pages(browser: Any, base: str, data: dict[str, Any]) -> list[str]:
    made = []
    patient = data["cases"]["en"].patient
    for size, viewport in VIEWPORTS.items():
        for lang in ("en", "ar"):
            page = log_in(browser, base, viewport, lang, "dr.sara", STAFF_PASSWORD)
            suffix = size if lang == "en" else f"{size}-{lang}"
            for path, name in [
                ("/clinic/", "queue"),
                (f"/clinic/checkins/{data['emergency']['en'].id}/", "checkin"),
                ("/clinic/today/", "today"),
                (f"/clinic/patients/{patient.id}/", "patient"),
                (f"/clinic/patients/{patient.id}/treatments/new/", "treatment-form"),
                ("/clinic/recall/?lot=NC-2407-A", "recall"),
                ("/clinic/products/", "products"),
            ]:
                made.append(snap(page, base + path, f"clinic-{name}-{suffix}"))
            page.context.close()
    return made


def registry_pages(browser: Any, base: str) -> list[str]:
    made = []
    for size, viewport in VIEWPORTS.items():
        for lang in ("en", "ar"):
            page = log_in(browser, base, viewport, lang, "analyst", ANALYST_PASSWORD)
            page.goto(base + "/registry/")
            page.wait_for_load_state("networkidle")
            name = f"registry-{size}-{lang}"
            page.screenshot(path=str(OUT / f"{name}.png"))  # the first screen: the whole page is long
            funnel = page.locator("#funnel-clinic_infection")
            funnel.scroll_into_view_if_needed()
            funnel.screenshot(path=str(OUT / f"{name}-funnel.png"))
            made += [name, f"{name}-funnel"]
            page.context.close()
    return made


def main() -> None:
    data = demo()
    data["emergency_tokens"] = {lang: reissue_link(c.treatment) for lang, c in data["emergency"].items()}
    demo_report()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        made = (
            patient_pages(browser, base, data)
            + clinic_pages(browser, base, data)
            + registry_pages(browser, base)
        )
        browser.close()
    server.terminate()
    print("\n".join(f"docs/screenshots/{name}.png" for name in made))


if __name__ == "__main__":
    main()
