"""The clinic pages warn while nobody at the clinic can be e-mailed about urgent check-ins (no active staff
with an e-mail address), with how many went unsent; and while their alert e-mails fail to go out (the mail
server down or refusing the address) or are late, with how many, since when and the last error; in English
and Arabic, each clinic about its own."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import alert_tasks
from tests.pages_fixtures import Case, ClinicSite, build_case, build_site

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


class UnknownUserBackend(BaseEmailBackend):
    """A mail server that does not know the staff address (550 at RCPT)."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPRecipientsRefused({"alice@example.com": (550, b"5.1.1 user unknown")})


MAIL_REFUSED = override_settings(EMAIL_BACKEND="tests.clinicui.test_unsent_alerts.UnknownUserBackend")


def run_alerts() -> None:
    """The worker runs the alert tasks that are due (reminders dropped)."""
    DBTaskResult.objects.exclude(id__in=alert_tasks().values("id")).delete()
    call_command("db_worker", batch=True, verbosity=0)


def fail_alerts() -> None:
    with MAIL_REFUSED:
        run_alerts()


def retries_due_now() -> None:
    alert_tasks(TaskResultStatus.READY).update(run_after=timezone.now() - timedelta(seconds=1))


FAILING = 'id="alerts-failing"'


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_an_alert_the_mail_server_refuses_is_on_the_clinic_pages_until_it_goes_out(
    case: Case, staff_client: Client
) -> None:
    """Review finding F6: a refused alert was only in the worker's log and the task table."""
    case.checkin(PUS)
    assert FAILING not in staff_client.get("/clinic/").content.decode()  # queued, not failed
    fail_alerts()
    page = staff_client.get("/clinic/").content.decode()
    assert FAILING in page
    assert "The alert e-mail about 1 urgent check-in has not gone out (since " in page
    assert "Last error: the mail server refused the staff e-mail addresses (mail server reply 550)." in page
    assert "Phone these patients now" in page
    assert FAILING in staff_client.get("/clinic/today/").content.decode()  # every clinic page
    case.checkin([{"code": "breathing_difficulty"}])
    retries_due_now()
    fail_alerts()
    page = staff_client.get("/clinic/").content.decode()
    assert "The alert e-mails about 2 urgent check-ins have not gone out (the oldest since " in page
    retries_due_now()
    run_alerts()  # the mail server takes it now
    assert FAILING not in staff_client.get("/clinic/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_another_clinics_failing_alerts_are_not_shown(case: Case, site_b: ClinicSite) -> None:
    case.checkin(PUS)
    fail_alerts()
    other = Client()
    other.force_login(site_b.user)
    assert FAILING not in other.get("/clinic/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failure_before_a_checkin_was_stored_is_not_its_failure(case: Case, staff_client: Client) -> None:
    """An alert that failed and then went out says nothing about a check-in stored afterwards (it waits
    for the grouping window, or its own attempt)."""
    case.checkin(PUS)
    fail_alerts()
    retries_due_now()
    run_alerts()
    case.checkin(PUS)  # held for the grouping window: not failing
    assert FAILING not in staff_client.get("/clinic/").content.decode()


def test_an_alert_still_unsent_long_after_its_checkin_is_late(case: Case, staff_client: Client) -> None:
    """No attempt failed (its task never ran, or never ends), but half an hour later it is still unsent."""
    stored = case.checkin(PUS)
    assert FAILING not in staff_client.get("/clinic/").content.decode()
    CheckIn.objects.filter(id=stored.id).update(submitted_at=timezone.now() - timedelta(minutes=30))
    page = staff_client.get("/clinic/").content.decode()
    assert "The alert e-mail about 1 urgent check-in has not gone out (since " in page
    assert "Last error" not in page
    CheckIn.objects.filter(id=stored.id).update(reviewed_at=timezone.now())  # handled: no longer asked
    assert FAILING not in staff_client.get("/clinic/").content.decode()


def test_no_failing_banner_while_nobody_can_be_emailed(case: Case, staff_client: Client) -> None:
    """The banner of its own says that (add an address), not this one."""
    _no_address(case.site)
    stored = case.checkin(PUS)
    CheckIn.objects.filter(id=stored.id).update(submitted_at=timezone.now() - timedelta(minutes=30))
    page = staff_client.get("/clinic/").content.decode()
    assert 'id="alerts-unsent"' in page and FAILING not in page


@pytest.mark.django_db(transaction=True)
def test_failing_alerts_in_arabic_with_western_digits(site_a: ClinicSite, staff_client: Client) -> None:
    for name in ("Amal", "Huda", "Noor"):
        build_case(site_a, name=name).checkin(PUS)
    fail_alerts()
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/").content.decode()
    assert "لم تُرسَل رسائل التنبيه عن 3 متابعات عاجلة (أقدمها منذ " in page
    assert "آخر خطأ: رفض خادم البريد عناوين البريد الإلكتروني للموظفين (رمز رد خادم البريد 550)." in page
    assert "اتصلوا بهؤلاء المرضى هاتفيًا الآن" in page
