"""Make the screenshots of the main pages listed in docs/pages.md.

Run from the repository root:  .venv/bin/python docs/screenshots/take.py
It builds a throw-away database with demo data in a temporary directory, serves the app on a local port and
photographs each page with Debian's Chromium (through Playwright) at phone width, in English and Arabic.
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
os.environ["DJANGO_SETTINGS_MODULE"] = "mesosafe.web.settings"
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from tests.pages_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from mesosafe.checkins.models import CheckIn  # noqa: E402
from mesosafe.engines import CheckIn as CheckInInput  # noqa: E402
from mesosafe.engines import parse, triage  # noqa: E402
from mesosafe.patients.services import run_screening  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def demo() -> dict[str, Any]:
    from mesosafe.workers.heartbeat import beat
    from tests.pages_fixtures import build_case, build_site

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
        aspirin = {"name": "Aspirin", "last_taken_days_ago": 1}
        run_screening(case.patient, {"age": 35, "medications": [aspirin]})
    self_care = build_case(site, name="Rana Aziz", days_ago=1).checkin([{"code": "redness"}])
    emergency = build_case(site, name="Noor Saleh", days_ago=2).checkin(
        [{"code": "face_throat_swelling", "severity": "severe"}]
    )
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


def snap(page: Page, url: str, name: str) -> str:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    return name


def main() -> None:
    data = demo()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    made: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang, case in data["cases"].items():
            page = browser.new_context(viewport=PHONE, device_scale_factor=1).new_page()
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
                made.append(snap(page, base + case.url(path), f"patient-{name}-{lang}"))
            if lang == "en":
                noor = CheckIn.objects.get(pk=data["emergency"].pk).treatment
                from mesosafe.treatments.services import reissue_link

                token = reissue_link(noor)
                url = base + f"/p/{token}/checkin/{data['emergency'].id}/"
                made.append(snap(page, url, "patient-emergency-en"))
            page.context.close()
        for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(base + "/clinic/login/")
            page.get_by_label("Username").fill("dr.sara")
            page.get_by_label("Password").fill("correct-horse-battery-staple")
            page.get_by_role("button", name="Log in").click()
            patient = data["cases"]["en"].patient
            for path, name in [
                ("/clinic/", "queue"),
                (f"/clinic/checkins/{data['emergency'].id}/", "checkin"),
                ("/clinic/today/", "today"),
                (f"/clinic/patients/{patient.id}/", "patient"),
                (f"/clinic/patients/{patient.id}/treatments/new/", "treatment-form"),
                ("/clinic/recall/?lot=NC-2407-A", "recall"),
                ("/clinic/products/", "products"),
            ]:
                made.append(snap(page, base + path, f"clinic-{name}-{suffix}"))
            page.context.close()
        browser.close()
    server.terminate()
    print("\n".join(f"docs/screenshots/{name}.png" for name in made))


if __name__ == "__main__":
    main()
