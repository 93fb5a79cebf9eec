"""Make the screenshots of the registry page (/registry/) at 1366 px and 360 px, in English and Arabic.

Run from the repository root:  .venv/bin/python docs/screenshots/take_registry.py
It builds a throw-away database in a temporary directory, writes a registry report of the seeded synthetic
registry (`mesosafe registry report --demo-data`: 40 clinics over two years with one planted outbreak) as
a finished report of the page, serves the app on a local port and photographs the page with Debian's
Chromium (through Playwright): the page's first screen (`registry-<desktop|phone>-<lang>.png`) and the
suspected-infection funnel by clinic with its table (`registry-<desktop|phone>-<lang>-funnel.png`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

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
from playwright.sync_api import sync_playwright  # noqa: E402
from tests.pages_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from mesosafe.clinic_safety.demo import demo_tables  # noqa: E402
from mesosafe.clinic_safety.report import write_report  # noqa: E402
from mesosafe.registry import services  # noqa: E402
from mesosafe.registry.models import RegistryReport  # noqa: E402

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 780}}
PASSWORD = "screenshots-analyst-1"


def demo_report() -> None:
    call_command("migrate", verbosity=0)
    analyst = User.objects.create_user("analyst", password=PASSWORD)
    analyst.user_permissions.add(Permission.objects.get(codename="view_registry"))
    report = RegistryReport.objects.create(requested_by=analyst)
    services.folder(report).parent.mkdir(parents=True, exist_ok=True)
    summary = write_report(demo_tables(), services.folder(report))
    report.status = RegistryReport.Status.DONE
    report.treatments, report.infections = summary.treatments, summary.infections
    report.outliers, report.alerts = summary.outliers, summary.alerts
    report.finished_at = timezone.now()
    report.save()


def main() -> None:
    demo_report()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    made = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for suffix, viewport in VIEWPORTS.items():
            for lang in ("en", "ar"):
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
                page = context.new_page()
                page.goto(base + "/clinic/login/")
                page.locator("#id_username").fill("analyst")
                page.locator("#id_password").fill(PASSWORD)
                page.locator("form button[type=submit]").last.click()
                page.goto(base + "/registry/")
                page.wait_for_load_state("networkidle")
                name = f"registry-{suffix}-{lang}"
                page.screenshot(path=str(OUT / f"{name}.png"))
                page.locator("#funnel-clinic_infection").scroll_into_view_if_needed()
                page.locator("#funnel-clinic_infection").screenshot(path=str(OUT / f"{name}-funnel.png"))
                made += [name, f"{name}-funnel"]
                context.close()
        browser.close()
    server.terminate()
    print("\n".join(f"docs/screenshots/{name}.png" for name in made))


if __name__ == "__main__":
    main()
