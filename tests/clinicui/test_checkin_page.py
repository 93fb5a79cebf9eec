"""One check-in's page: what a nurse needs to act, acknowledging from it, and returning an acknowledged
check-in to the review queue (with a reason, audited, race-safe); other clinics get 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.test import Client

from mesosafe import explain
from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import REOPEN, acknowledge, return_to_queue, submit
from mesosafe.knowledge import load as load_kb
from mesosafe.patients.services import run_screening
from mesosafe.treatments.services import link_for_token
from tests.pages_fixtures import Case, ClinicSite


def page_url(checkin: CheckIn) -> str:
    return f"/clinic/checkins/{checkin.id}/"


def reopen_url(checkin: CheckIn) -> str:
    return f"/clinic/checkins/{checkin.id}/reopen/"


def acknowledged(case: Case, note: str = "Called her") -> CheckIn:
    stored = case.checkin([{"code": "pus", "severity": "moderate", "trend": "worse", "spreading": True}])
    assert acknowledge(stored, case.site.user, note)
    stored.refresh_from_db()
    return stored


def reviewed_at(checkin: CheckIn) -> datetime:
    assert checkin.reviewed_at is not None
    return checkin.reviewed_at


def reopen_data(checkin: CheckIn, reason: str = "Acknowledged the wrong patient") -> dict[str, str]:
    return {"reason": reason, "reviewed_at": reviewed_at(checkin).isoformat()}


def updates(checkin: CheckIn) -> list[AuditEvent]:
    """The audited returns to the queue (acknowledgements are audited too, by the service)."""
    found = AuditEvent.objects.filter(
        action="update", object_type="checkin", object_id=str(checkin.id), detail__change=REOPEN
    )
    return list(found.order_by("id"))


def test_page_shows_what_a_nurse_needs(case: Case, staff_client: Client) -> None:
    stored = case.checkin(
        [{"code": "warmth", "severity": "moderate", "trend": "worse", "spreading": True}, {"code": "pus"}],
        temperature=38.4,
    )
    response = staff_client.get(page_url(stored))
    page = response.content.decode()
    assert response.status_code == 200
    warmth, pus = load_kb().effects["warmth"].name.en, load_kb().effects["pus"].name.en
    assert f"{warmth} (how bad: Moderate, since yesterday: Worse, spreading: yes)" in page
    assert "Temperature 38.4 °C" in page
    # pus asks no follow-up question: its name alone, no question named, never a value (review item 3)
    assert f"<li>{pus}</li>" in page
    assert stored.reasons and all(r["text"] in page for r in stored.reasons)
    assert stored.kb_version in page
    assert f'href="/clinic/patients/{case.patient.id}/"' in page and "Amal" in page
    assert '<a class="phone" href="tel:+971500000001">' in page
    assert "LOT-A-001" in page and "alice" in page and "Day 2 after treatment" in page
    assert f'href="/clinic/treatments/{case.treatment.id}/complications/new/?checkin={stored.id}"' in page
    assert f'action="/clinic/checkins/{stored.id}/acknowledge/"' in page
    assert "Return to the queue" not in page


def test_queue_card_and_patient_page_link_to_it(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    link = f'href="{page_url(stored)}"'
    assert link in staff_client.get("/clinic/").content.decode()
    assert link in staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()


def test_lists_the_treatments_check_ins_in_time_order(case: Case, staff_client: Client) -> None:
    first = case.checkin([{"code": "redness"}])
    second = case.checkin([{"code": "pus"}])
    third = case.checkin([{"code": "bruising"}])
    page = staff_client.get(page_url(second)).content.decode()
    listed = page[page.index('id="checkins"') :]
    assert listed.index(f'href="{page_url(first)}"') < listed.index('aria-current="page"')
    assert listed.index('aria-current="page"') < listed.index(f'href="{page_url(third)}"')
    assert f'href="{page_url(second)}"' not in listed  # this one is not a link to itself


def test_acknowledge_from_the_page_comes_back_to_it(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    data = {f"c{stored.id}-note": "Phoned, seen today", "next": page_url(stored)}
    response = staff_client.post(f"/clinic/checkins/{stored.id}/acknowledge/", data, follow=True)
    assert response.redirect_chain == [(page_url(stored), 302)]
    page = response.content.decode()
    assert "Check-in acknowledged." in page and "Acknowledged by <bdi>alice</bdi>" in page
    assert "Phoned, seen today" in page and "Return to the queue" in page
    assert CheckIn.objects.get(pk=stored.id).review_note == "Phoned, seen today"


def test_a_too_long_note_from_the_page_is_named(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    data = {f"c{stored.id}-note": "x" * 3000, "next": page_url(stored)}
    response = staff_client.post(f"/clinic/checkins/{stored.id}/acknowledge/", data, follow=True)
    assert (
        response.status_code == 200
        and "Note: Ensure this value has at most 2000" in response.content.decode()
    )
    assert CheckIn.objects.get(pk=stored.id).reviewed_at is None


def test_second_acknowledgement_from_the_page_gets_the_message(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    assert acknowledge(stored, case.site.user, "First")
    data = {f"c{stored.id}-note": "Second", "next": page_url(stored)}
    response = staff_client.post(f"/clinic/checkins/{stored.id}/acknowledge/", data, follow=True)
    assert "had already acknowledged this check-in" in response.content.decode()
    assert CheckIn.objects.get(pk=stored.id).review_note == "First"


def test_reopen_puts_it_back_in_the_queue_and_is_audited(case: Case, staff_client: Client) -> None:
    stored = acknowledged(case)
    assert f'id="checkin-{stored.id}"' not in staff_client.get("/clinic/").content.decode()
    page = staff_client.get(page_url(stored)).content.decode()
    assert f'value="{reviewed_at(stored).isoformat()}"' in page
    response = staff_client.post(reopen_url(stored), reopen_data(stored), follow=True)
    assert response.redirect_chain == [(page_url(stored), 302)]
    assert "The check-in is back in the review queue." in response.content.decode()
    again = CheckIn.objects.get(pk=stored.id)
    assert again.reviewed_at is None and again.reviewed_by is None and again.review_note == ""
    assert f'id="checkin-{stored.id}"' in staff_client.get("/clinic/").content.decode()
    [event] = updates(stored)
    assert event.user == case.site.user and event.patient_id == case.patient.id
    assert event.detail == {
        "change": "reopen",
        "reason": "Acknowledged the wrong patient",
        "undone": {
            "reviewed_by": case.site.user.id,
            "reviewed_at": reviewed_at(stored).isoformat(),
            "note": "Called her",
        },
    }
    shown = staff_client.get(page_url(stored)).content.decode()
    assert "Returned to the queue" in shown and "Acknowledged the wrong patient" in shown


def test_two_reopens_the_second_gets_the_message(case: Case, staff_client: Client, client: Client) -> None:
    stored = acknowledged(case)
    client.force_login(case.site.user)
    data = reopen_data(stored)  # both nurses opened the page while it was acknowledged
    assert staff_client.post(reopen_url(stored), data).status_code == 302
    response = client.post(reopen_url(stored), data, follow=True)
    assert response.status_code == 200
    assert "This check-in is not acknowledged, so there is nothing to undo." in response.content.decode()
    assert len(updates(stored)) == 1


def test_reopen_after_a_new_acknowledgement_keeps_it(case: Case, staff_client: Client) -> None:
    stored = acknowledged(case)
    stale = reopen_data(stored)  # the page as it was
    assert staff_client.post(reopen_url(stored), reopen_data(stored)).status_code == 302
    fresh = CheckIn.objects.get(pk=stored.id)
    assert acknowledge(fresh, case.site.user, "Looked again: it was right")
    response = staff_client.post(reopen_url(stored), stale, follow=True)
    assert "acknowledged this check-in again after you opened it" in response.content.decode()
    assert CheckIn.objects.get(pk=stored.id).review_note == "Looked again: it was right"
    assert len(updates(stored)) == 1


def test_reopens_at_the_same_moment_undo_one_review(case: Case) -> None:
    stored = acknowledged(case)
    mine, theirs = CheckIn.objects.get(pk=stored.id), CheckIn.objects.get(pk=stored.id)  # both see it
    assert return_to_queue(case.site.staff, mine, reviewed_at(stored), "Wrong patient")
    assert not return_to_queue(case.site.staff, theirs, reviewed_at(stored), "Me too")
    assert theirs.reviewed_at is None  # refreshed: the page will say it is not acknowledged
    assert [(e.detail or {}).get("reason") for e in updates(stored)] == ["Wrong patient"]


def test_a_late_reopen_leaves_a_newer_acknowledgement(case: Case) -> None:
    stored = acknowledged(case)
    late = CheckIn.objects.get(pk=stored.id)  # loaded before the others act
    assert return_to_queue(case.site.staff, CheckIn.objects.get(pk=stored.id), reviewed_at(stored), "Wrong")
    assert acknowledge(CheckIn.objects.get(pk=stored.id), case.site.user, "Right after all")
    assert not return_to_queue(case.site.staff, late, reviewed_at(stored), "Wrong")
    assert late.review_note == "Right after all"
    assert CheckIn.objects.get(pk=stored.id).review_note == "Right after all"
    assert len(updates(stored)) == 1


def test_reopen_without_a_reason_names_the_field(case: Case, staff_client: Client) -> None:
    stored = acknowledged(case)
    response = staff_client.post(reopen_url(stored), reopen_data(stored, reason="  "))
    page = response.content.decode()
    assert response.status_code == 400
    assert '<label for="id_reason">Reason for returning it to the queue</label>' in page
    assert 'id="id_reason_error">Give a reason for returning this check-in to the queue.' in page
    assert CheckIn.objects.get(pk=stored.id).reviewed_at == stored.reviewed_at
    assert updates(stored) == []


def test_reopen_without_a_reason_is_in_the_error_summary(case: Case, staff_client: Client) -> None:
    """The page's own alert said only "Please correct the fields marked below."; the summary names the field
    and links to it, as the other forms' do."""
    stored = acknowledged(case)
    page = staff_client.post(reopen_url(stored), reopen_data(stored, reason="")).content.decode()
    assert 'id="errors"' in page and "What you typed is kept." in page
    assert (
        '<a href="#id_reason">Reason for returning it to the queue — Give a reason for returning this'
        " check-in to the queue.</a>" in page
    )
    assert "fields marked below" not in page


def test_a_broken_form_is_said_in_the_summary_without_a_link(case: Case, staff_client: Client) -> None:
    stored = acknowledged(case)
    page = staff_client.post(reopen_url(stored), {"reason": "Wrong one", "reviewed_at": ""}).content.decode()
    summary = page.split('id="errors"')[1].split("</section>")[0]
    assert "<li>The form was incomplete; please try again.</li>" in summary
    assert "Wrong one</textarea>" in page


def test_reopen_with_a_broken_form_changes_nothing(case: Case, staff_client: Client) -> None:
    stored = acknowledged(case)
    for seen in ["yesterday", "", "2024-01-01T10:00", "0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00"]:
        response = staff_client.post(reopen_url(stored), {"reason": "Wrong one", "reviewed_at": seen})
        assert response.status_code == 400 and "The form was incomplete" in response.content.decode(), seen
    assert CheckIn.objects.get(pk=stored.id).reviewed_at == stored.reviewed_at
    assert updates(stored) == []


def test_reopen_of_an_unreviewed_check_in_says_so(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    response = staff_client.post(reopen_url(stored), {"reason": "Oops", "reviewed_at": ""}, follow=True)
    assert response.status_code == 200
    assert "This check-in is not acknowledged, so there is nothing to undo." in response.content.decode()
    assert updates(stored) == []


def test_reopen_needs_post(case: Case, staff_client: Client) -> None:
    stored = acknowledged(case)
    assert staff_client.get(reopen_url(stored)).status_code == 405


def test_unknown_check_in_is_404(site_a: ClinicSite, staff_client: Client) -> None:
    assert staff_client.get("/clinic/checkins/999999/").status_code == 404
    assert staff_client.post("/clinic/checkins/999999/reopen/", {"reason": "x"}).status_code == 404


def test_other_clinic_gets_404_on_every_url(case: Case, site_b: ClinicSite, client: Client) -> None:
    stored = acknowledged(case)
    client.force_login(site_b.user)
    assert client.get(page_url(stored)).status_code == 404
    assert client.post(reopen_url(stored), reopen_data(stored)).status_code == 404
    unreviewed = case.checkin([{"code": "pus"}])
    assert client.get(page_url(unreviewed)).status_code == 404
    data = {f"c{unreviewed.id}-note": "Not mine", "next": page_url(unreviewed)}
    assert client.post(f"/clinic/checkins/{unreviewed.id}/acknowledge/", data).status_code == 404
    assert CheckIn.objects.get(pk=stored.id).reviewed_at == stored.reviewed_at
    assert CheckIn.objects.get(pk=unreviewed.id).reviewed_at is None
    assert not AuditEvent.objects.filter(user=site_b.user).exists()


def test_every_read_is_audited(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    reads = AuditEvent.objects.filter(action="read", object_type="checkin", object_id=str(stored.id))
    staff_client.get(page_url(stored))
    staff_client.get(page_url(stored))
    assert reads.count() == 2
    assert {(e.user_id, e.patient_id, e.clinic_id) for e in reads} == {
        (case.site.user.id, case.patient.id, case.site.clinic.id)
    }


def test_page_in_arabic_keeps_the_phone_left_to_right(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "pus"}])
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get(page_url(stored)).content.decode()
    assert 'dir="rtl"' in page and '<span dir="ltr">+971500000001</span>' in page


def _no_engine(*args: object, **kwargs: object) -> None:
    raise AssertionError("an engine ran to show a stored answer")


def test_stored_answers_are_shown_without_running_an_engine(
    case: Case, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clinic pages show each check-in and screening from what was stored, in the page's language."""
    stored = case.checkin([{"code": "pus", "severity": "moderate", "trend": "worse", "spreading": True}])
    screening = run_screening(case.patient, {"age": 30, "pregnant": True})
    for name in ("run_triage", "run_screen"):
        monkeypatch.setattr(explain, name, _no_engine)
    reason, level = stored.explanation["reasons"][0]["ar"], stored.explanation["label"]["ar"]
    shown = {
        "/clinic/": [reason, level],
        page_url(stored): [reason, level],
        f"/clinic/patients/{case.patient.id}/": [level, screening.explanation["reasons"][0]["ar"]],
    }
    for url, texts in shown.items():
        assert staff_client.get(url).status_code == 200, url
        page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
        assert all(text in page for text in texts), url
    treatment_form = f"/clinic/patients/{case.patient.id}/treatments/new/"
    assert staff_client.get(treatment_form).status_code == 200


def test_a_check_in_stored_before_explanations_shows_its_stored_reasons(
    case: Case, staff_client: Client
) -> None:
    stored = case.checkin([{"code": "pus", "severity": "moderate"}])
    kept = [{**reason, "text": f"As stored: {reason['text']}"} for reason in stored.reasons]
    CheckIn.objects.filter(pk=stored.pk).update(explanation=None, reasons=kept)
    page = staff_client.get(page_url(stored), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert all(reason["text"] in page for reason in kept)


def unanswered_beside_a_red_flag(case: Case) -> CheckIn:
    """Chest pain and pain, as stored when the red flag stopped the questions: no answer about the pain."""
    link = link_for_token(case.token)
    assert link is not None
    stored, _ = submit(link, {"symptoms": [{"code": "chest_pain"}, {"code": "pain"}], "temperature_c": None})
    return stored


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_symptom_not_asked_about_is_not_assessed_never_normal_healing(
    case: Case, staff_client: Client, lang: str
) -> None:
    """Review F8: the nurse is not told that pain nobody asked about is normal healing."""
    stored = unanswered_beside_a_red_flag(case)
    assert stored.disposition == "emergency"
    staff_client.cookies["django_language"] = lang
    page = staff_client.get(page_url(stored)).content.decode()
    kb = load_kb()
    pain = kb.effects["pain"]
    assert f"{pain.name.get(lang)}: {kb.triage.questions.not_assessed.get(lang)}" in page
    assert pain.expected is not None and pain.expected.course.get(lang) not in page


def test_the_day_after_treatment_is_whole_days_as_the_engine_counts_them(
    make_case: Callable[..., Case], staff_client: Client
) -> None:
    """17 hours after treatment is day 0, for the check-in and for its treatment's other check-ins, as the
    engine counted it (no "since yesterday" asked) and the patient's pages show it."""
    case = make_case(days_ago=17 / 24)
    first, second = case.checkin([{"code": "pus"}]), case.checkin([{"code": "fever"}])
    assert first.days_since_treatment < 1 and second.days_since_treatment < 1
    page = staff_client.get(page_url(second)).content.decode()
    assert "Day 0 after treatment" in page and "Day 1" not in page
    other = page[page.index(f'href="{page_url(first)}"') :].split("</li>")[0]
    assert "day 0" in other and "day 1" not in other


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_the_page_says_whether_the_alert_email_went_out(case: Case, staff_client: Client) -> None:
    """Review finding F6: nothing on the check-in's page said its alert had failed to go out."""
    from tests.clinicui.test_unsent_alerts import fail_alerts, retries_due_now, run_alerts

    stored = case.checkin([{"code": "pus"}])
    url = f"/clinic/checkins/{stored.id}/"
    assert "The staff alert e-mail has not gone out yet." in staff_client.get(url).content.decode()
    fail_alerts()
    page = staff_client.get(url).content.decode()
    assert "The staff alert e-mail has not gone out: 1 attempt failed, on " in page
    assert "Last error: the mail server refused the staff e-mail addresses (mail server reply 550)." in page
    assert "Phone the patient." in page
    retries_due_now()
    fail_alerts()
    assert "2 attempts failed, the first on " in staff_client.get(url).content.decode()
    retries_due_now()
    run_alerts()
    page = staff_client.get(url).content.decode()
    assert "The staff alert e-mail went out on " in page and "attempts failed" not in page
    staff_client.cookies["django_language"] = "ar"
    assert "أُرسلت رسالة التنبيه إلى الموظفين في " in staff_client.get(url).content.decode()


def test_no_alert_line_for_a_checkin_below_urgent(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "bruising"}])
    assert 'id="alert-email"' not in staff_client.get(f"/clinic/checkins/{stored.id}/").content.decode()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_patients_own_words_are_shown_as_theirs_escaped_and_untouched(
    case: Case, staff_client: Client, lang: str
) -> None:
    """Staff see what the patient wrote for "something else" quoted, in its own direction (dir="auto"),
    escaped (it is untrusted text) and with its digits as typed, on the page and on the queue card."""
    words = "ألم في الأسنان منذ ٣ أيام <img src=x onerror=alert(1)>"
    stored = case.checkin([{"code": "something_else", "severity": "severe", "description": words}])
    assert stored.disposition == "urgent"
    staff_client.cookies["django_language"] = lang
    page = staff_client.get(page_url(stored)).content.decode()
    escaped = "ألم في الأسنان منذ ٣ أيام &lt;img src=x onerror=alert(1)&gt;"
    as_written = "as written" if lang == "en" else "كما كُتب"
    assert f'{as_written}: <q dir="auto" class="own-words">{escaped}</q>' in page
    assert "<img src=x" not in page
    queue = staff_client.get("/clinic/").content.decode()
    assert "<img src=x" not in queue and "ألم في الأسنان" in queue
