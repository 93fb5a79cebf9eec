"""The clinic pages warn while nobody at the clinic can be e-mailed about urgent check-ins (no active staff
with an e-mail address), with how many went unsent; in English and Arabic."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from mesosafe.checkins.models import CheckIn
from tests.pages_fixtures import Case, ClinicSite, build_site

PUS = [{"code": "pus"}]


def _no_address(site: ClinicSite) -> None:
    site.user.email = ""
    site.user.save()


def test_no_warning_while_someone_has_an_address(case: Case, staff_client: Client) -> None:
    case.checkin(PUS)  # unsent yet, but someone will get it
    assert 'id="alerts-unsent"' not in staff_client.get("/clinic/").content.decode()


def test_warns_that_nobody_is_emailed_before_any_urgent_checkin(
    site_a: ClinicSite, staff_client: Client
) -> None:
    _no_address(site_a)
    page = staff_client.get("/clinic/today/").content.decode()
    assert 'id="alerts-unsent"' in page
    assert "Nobody is e-mailed about urgent check-ins: add a staff e-mail address." in page


def test_counts_the_urgent_checkins_nobody_was_emailed_about(case: Case, staff_client: Client) -> None:
    _no_address(case.site)
    case.checkin(PUS)
    page = staff_client.get("/clinic/").content.decode()
    assert "1 urgent check-in could not be e-mailed to anyone: add a staff e-mail address." in page
    case.checkin(PUS)
    emergency = case.checkin([{"code": "breathing_difficulty"}])
    case.checkin([{"code": "bruising"}])  # self-care: no alert
    page = staff_client.get("/clinic/").content.decode()
    assert "3 urgent check-ins could not be e-mailed to anyone: add a staff e-mail address." in page
    assert "Keep an eye on the review queue." in page
    CheckIn.objects.filter(id=emergency.id).update(reviewed_at=timezone.now())
    assert "2 urgent check-ins could not" in staff_client.get("/clinic/").content.decode()


def test_an_inactive_colleagues_address_does_not_count(site_a: ClinicSite, staff_client: Client) -> None:
    other = build_site("Clinic A bis", "carol", "LOT-C-001")
    other.staff.clinic = site_a.clinic
    other.staff.save()
    _no_address(site_a)
    assert 'id="alerts-unsent"' not in staff_client.get("/clinic/").content.decode()
    other.user.is_active = False
    other.user.save()
    assert 'id="alerts-unsent"' in staff_client.get("/clinic/").content.decode()


def test_warning_in_arabic(case: Case, staff_client: Client) -> None:
    _no_address(case.site)
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/").content.decode()
    assert (
        "لا أحد يتلقى بريدًا إلكترونيًا عن المتابعات العاجلة: أضيفوا عنوان بريد إلكتروني لأحد الموظفين." in page
    )
    for _ in range(2):
        case.checkin(PUS)
    page = staff_client.get("/clinic/").content.decode()
    assert (
        "متابعتان عاجلتان لم يُبلَّغ عنهما أحد بالبريد الإلكتروني: أضيفوا عنوان بريد إلكتروني لأحد الموظفين."
        in page
    )
    assert "راقبوا قائمة المراجعة." in page
    for _ in range(3):
        case.checkin(PUS)
    assert "5 متابعات عاجلة لم يُبلَّغ عنها أحد" in staff_client.get("/clinic/").content.decode()


def test_login_page_shows_no_warning(client: Client, site_a: ClinicSite) -> None:
    _no_address(site_a)
    assert 'id="alerts-unsent"' not in client.get("/clinic/login/").content.decode()
