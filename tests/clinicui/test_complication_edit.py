"""Correcting a recorded complication from the clinic pages (views/complication_edit.py): what the API's PATCH
takes, by the same service and rules, audited as its change is."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from mesosafe.audit.models import AuditEvent
from mesosafe.clinicui.forms import seen
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn, ComplicationPatch
from mesosafe.complications.services import create, update
from tests.pages_fixtures import Case, ClinicSite


def recorded(case: Case, checkin: Any = None, **values: Any) -> Complication:
    fields: dict[str, Any] = {
        "onset_date": timezone.localdate(),
        "grade": 2,
        "relatedness": "probably",
        "symptom_codes": ["something_else"],
        "description": "a lump under teh chin",
        "outcome": "recovering",
        "action_taken": "Massage",
        **values,
    }
    return create(case.treatment, ComplicationIn(**fields), by=case.site.user, checkin=checkin)


def url(complication: Complication) -> str:
    return f"/clinic/complications/{complication.id}/edit/"


def as_shown(complication: Complication, **changes: Any) -> dict[str, Any]:
    """The form as the page prefills it for `complication`, with `changes`."""
    form: dict[str, Any] = {
        "grade": str(complication.grade),
        "relatedness": complication.relatedness,
        "serious_reason": complication.serious_reason,
        "outcome": complication.outcome,
        "outcome_date": complication.outcome_date.isoformat() if complication.outcome_date else "",
        "action_taken": complication.action_taken,
        "description": complication.description,
        "reported_on": complication.reported_on.isoformat() if complication.reported_on else "",
    }
    for flag in ("serious", "suspected_infection", "reported_to_regulator"):
        if getattr(complication, flag):
            form[flag] = "on"
    form["seen"] = seen(
        Complication.objects.get(pk=complication.pk), ComplicationPatch.model_fields
    )  # the digest the page sends back
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def updates(complication: Complication) -> int:
    return AuditEvent.objects.filter(
        action="update", object_type="complication", object_id=str(complication.id)
    ).count()


def test_the_timeline_links_each_complication_to_its_edit_form(case: Case, staff_client: Client) -> None:
    complication = recorded(case)
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert f'href="{url(complication)}" class="edit-complication">Edit<span class="visually-hidden">' in page


def test_the_form_takes_what_the_patch_takes_prefilled(case: Case, staff_client: Client) -> None:
    complication = recorded(case, serious=True, serious_reason="disfigurement", grade=3)
    response = staff_client.get(url(complication))
    page = response.content.decode()
    assert response.status_code == 200
    form = page.split('<form method="post" novalidate')[1].split("</form>")[0]
    named = set(re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', form)) - {
        "csrfmiddlewaretoken",
        "seen",
    }
    assert named == set(ComplicationPatch.model_fields)
    assert '<option value="3" selected>3</option>' in page
    assert '<option value="disfigurement" selected>' in page
    assert '<option value="probably" selected>' in page
    assert re.search(r'<input type="checkbox" name="serious"[^>]* checked>', page)
    assert 'value="a lump under teh chin"' in page and ">\nMassage</textarea>" in page
    assert "Something else" in page  # its symptoms and onset, kept, are shown beside the form
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_mistyped_description_is_corrected_audited_and_a_new_report_version(
    case: Case, staff_client: Client
) -> None:
    complication = recorded(case)
    before = complication.updated_at
    response = staff_client.post(
        url(complication), as_shown(complication, description="a lump under the chin")
    )
    assert response.status_code == 302 and response["Location"] == f"/clinic/patients/{case.patient.id}/"
    complication.refresh_from_db()
    assert complication.description == "a lump under the chin" and complication.action_taken == "Massage"
    assert complication.updated_at is not None and before is not None and complication.updated_at > before
    event = AuditEvent.objects.get(action="update", object_type="complication")
    assert event.object_id == str(complication.id) and event.patient_id == case.patient.id
    assert event.user_id == case.site.user.id
    page = staff_client.get(response["Location"]).content.decode()
    assert f"Complication #{complication.id} updated." in page
    assert '<q dir="auto" class="own-words">a lump under the chin</q>' in page


def test_every_field_the_patch_takes_is_changed_and_the_optional_ones_cleared(
    case: Case, staff_client: Client
) -> None:
    # "something else" recorded without a check-in keeps its words (a field error to clear them), so not here
    complication = recorded(case, outcome_date=timezone.localdate(), symptom_codes=["pain"], description=None)
    today = timezone.localdate().isoformat()
    changed = as_shown(
        complication,
        grade="4",
        relatedness="definitely",
        serious="on",
        serious_reason="hospitalisation",
        suspected_infection="on",
        outcome="recovered",
        outcome_date="",
        action_taken="Antibiotics",
        description="",
        reported_to_regulator="on",
        reported_on=today,
    )
    assert staff_client.post(url(complication), changed).status_code == 302
    complication.refresh_from_db()
    assert (complication.grade, complication.relatedness, complication.serious) == (4, "definitely", True)
    assert (complication.serious_reason, complication.suspected_infection) == ("hospitalisation", True)
    assert (complication.outcome, complication.outcome_date) == ("recovered", None)
    assert (complication.action_taken, complication.description) == ("Antibiotics", "")
    assert complication.reported_to_regulator and complication.reported_on == timezone.localdate()
    assert complication.report_id.endswith(f"-{complication.id}") and complication.report_version


def test_the_same_form_again_changes_nothing(case: Case, staff_client: Client) -> None:
    """A second send (a reload, a double click) finds nothing changed: no new version, no audit."""
    complication = recorded(case)
    before = complication.updated_at
    sent = as_shown(complication)
    assert staff_client.post(url(complication), sent).status_code == 302
    complication.refresh_from_db()
    assert complication.updated_at == before and updates(complication) == 0


def test_only_the_fields_changed_are_checked(case: Case, staff_client: Client) -> None:
    """An older record whose staff words sit beside the patient's own (stored before they were refused) keeps
    them through a change of its outcome, as through the API's PATCH of the outcome alone."""
    stored = case.checkin([{"code": "something_else", "severity": "moderate", "description": "حكة"}])
    complication = recorded(case, checkin=stored, description=None)
    Complication.objects.filter(pk=complication.pk).update(description="itching")
    complication.refresh_from_db()
    response = staff_client.post(url(complication), as_shown(complication, outcome="recovered"))
    assert response.status_code == 302
    complication.refresh_from_db()
    assert (complication.outcome, complication.description) == ("recovered", "itching")


def test_staff_words_beside_the_patients_own_are_a_field_error_in_both_languages(
    case: Case, staff_client: Client
) -> None:
    stored = case.checkin(
        [{"code": "something_else", "severity": "moderate", "description": "حكة منذ ٣ أيام"}]
    )
    complication = recorded(case, checkin=stored, description=None)
    sentence = (
        "The patient's own words are kept; the check-in already says what this symptom was, and words here"
        " would be neither shown nor reported: leave this empty (a note can go under Action taken)."
    )
    for lang in ("en", "ar"):
        staff_client.cookies["django_language"] = lang
        refused = staff_client.post(url(complication), as_shown(complication, description="itching"))
        page = refused.content.decode()
        with translation.override(lang):
            said = gettext(sentence)
        assert lang == "en" or said != sentence
        assert refused.status_code == 400 and said.replace("'", "&#x27;") in page
        assert re.search(r'<input type="text" name="description"[^>]*aria-invalid="true"', page)
        assert '<a href="#id_description">' in page
        assert 'value="itching"' in page  # the input is kept
    complication.refresh_from_db()
    assert complication.description == "" and updates(complication) == 0


def test_words_without_something_else_are_a_field_error(case: Case, staff_client: Client) -> None:
    complication = recorded(case, symptom_codes=["pain"], description=None)
    staff_client.cookies["django_language"] = "ar"
    refused = staff_client.post(url(complication), as_shown(complication, description="a lump"))
    page = refused.content.decode()
    sentence = (
        "Only a complication with “Something else” among its symptoms takes these words: leave this empty."
    )
    with translation.override("ar"):
        said = gettext(sentence)
    assert said != sentence and refused.status_code == 400 and said in page
    assert re.search(r'<input type="text" name="description"[^>]*aria-invalid="true"', page)
    for words in ("x" * 201, "a\x07bell"):  # a patient's description rules, as for the API
        refused = staff_client.post(url(complication), as_shown(complication, description=words))
        assert refused.status_code == 400
        assert re.search(
            r'<input type="text" name="description"[^>]*aria-invalid="true"', refused.content.decode()
        )
    complication.refresh_from_db()
    assert complication.description == "" and updates(complication) == 0


def test_the_services_rules_are_said_in_the_pages_language_on_their_field(
    case: Case, staff_client: Client
) -> None:
    """The rules are the service's, as for the API's PATCH; the page says each on its field, in Arabic too."""
    complication = recorded(case)
    today = timezone.localdate()
    staff_client.cookies["django_language"] = "ar"
    cases = [
        ({"serious": "on"}, "serious_reason", "A serious complication needs its reason."),
        ({"serious_reason": "disability"}, "serious_reason", "Only a serious complication has a reason."),
        (
            {"reported_on": today.isoformat()},
            "reported_on",
            "Tick 'reported to the regulator' when giving the report date.",
        ),
        (
            {"grade": "5"},
            "serious",
            "A death, or a grade 4 or 5 complication, is serious: tick Serious and say why.",
        ),
        (
            {"outcome_date": (today - timedelta(days=30)).isoformat()},
            "outcome_date",
            "The outcome cannot come before the onset.",
        ),
        ({"outcome_date": (today + timedelta(days=30)).isoformat()}, "outcome_date", None),
    ]
    for changes, field, sentence in cases:
        refused = staff_client.post(url(complication), as_shown(complication, **changes))
        page = refused.content.decode()
        assert refused.status_code == 400 and f'<a href="#id_{field}">' in page, changes
        if sentence is not None:
            with translation.override("ar"):
                said = gettext(sentence)
            assert said != sentence and said.replace("'", "&#x27;") in page, changes
    assert updates(complication) == 0


def test_a_reported_complication_keeps_its_report_date(case: Case, staff_client: Client) -> None:
    complication = recorded(case, reported_to_regulator=True)
    assert complication.reported_on is not None
    staff_client.cookies["django_language"] = "ar"
    refused = staff_client.post(url(complication), as_shown(complication, reported_on=""))
    sentence = (
        "A complication reported to the regulator keeps its report date: give the date, or untick Reported to"
        " the regulator."
    )
    with translation.override("ar"):
        said = gettext(sentence)
    page = refused.content.decode()
    assert (
        refused.status_code == 400
        and said != sentence
        and said in page
        and '<a href="#id_reported_on">' in page
    )
    complication.refresh_from_db()
    assert complication.reported_on is not None and updates(complication) == 0


def test_another_clinics_complication_is_404_and_unchanged(
    case: Case, site_b: ClinicSite, client: Client
) -> None:
    complication = recorded(case)
    client.force_login(site_b.user)
    assert client.get(url(complication)).status_code == 404
    assert client.post(url(complication), as_shown(complication, description="taken over")).status_code == 404
    complication.refresh_from_db()
    assert complication.description == "a lump under teh chin" and updates(complication) == 0
    assert not AuditEvent.objects.filter(object_type="complication", action="read").exists()


def test_the_form_read_is_audited(case: Case, staff_client: Client) -> None:
    complication = recorded(case)
    staff_client.get(url(complication))
    read = AuditEvent.objects.get(action="read", object_type="complication")
    assert read.object_id == str(complication.id) and read.patient_id == case.patient.id


def test_a_post_without_the_csrf_token_is_refused(case: Case, site_a: ClinicSite) -> None:
    complication = recorded(case)
    client = Client(enforce_csrf_checks=True)
    client.force_login(site_a.user)
    assert client.post(url(complication), as_shown(complication, description="x")).status_code == 403
    complication.refresh_from_db()
    assert complication.description == "a lump under teh chin"


def test_only_staff_may_edit(case: Case, client: Client) -> None:
    """As for recording one: a login without a staff record is refused, and nobody logged in is sent to log
    in."""
    complication = recorded(case)
    answer = client.get(url(complication))
    assert answer.status_code == 302 and answer["Location"].startswith("/clinic/login/")
    client.force_login(User.objects.create_user("visitor"))
    assert client.get(url(complication)).status_code == 403
    assert client.post(url(complication), as_shown(complication, description="x")).status_code == 403
    complication.refresh_from_db()
    assert complication.description == "a lump under teh chin" and updates(complication) == 0


def test_clearing_the_words_for_something_else_is_a_field_error(case: Case, staff_client: Client) -> None:
    """Recorded without a check-in, nobody else says what "something else" was: the words stay."""
    complication = recorded(case)
    staff_client.cookies["django_language"] = "ar"
    refused = staff_client.post(url(complication), as_shown(complication, description=""))
    with translation.override("ar"):
        said = gettext("Say what “Something else” was: no check-in says it.")
    page = refused.content.decode()
    assert refused.status_code == 400 and said in page
    assert re.search(r'<input type="text" name="description"[^>]*aria-invalid="true"', page)
    complication.refresh_from_db()
    assert complication.description == "a lump under teh chin"


def test_a_form_opened_before_another_change_does_not_undo_it(case: Case, staff_client: Client) -> None:
    """Staff A opens the form; staff B (another page, or the API's PATCH) raises the grade and reports the
    complication; A's send, changing only the action taken, put back the grade and the unreported state it
    showed (every field of the form is sent, and compared with the record as it is now). It is refused with
    the form again as the record now is, in the page's language, and nothing of B's is lost."""
    complication = recorded(case)
    opened = as_shown(complication)  # what A's page holds
    update(complication, ComplicationPatch(grade=3, reported_to_regulator=True), by=case.site.user)
    staff_client.cookies["django_language"] = "ar"
    refused = staff_client.post(url(complication), {**opened, "action_taken": "Massage and ice"})
    sentence = (
        "Someone else changed this complication after this page was opened, so nothing was saved. The form"
        " now shows it as it is: make your change again."
    )
    with translation.override("ar"):
        said = gettext(sentence)
    page = refused.content.decode()
    assert refused.status_code == 409 and said != sentence and said in page
    assert '<option value="3" selected>3</option>' in page  # B's grade, not A's
    assert re.search(r'<input type="checkbox" name="reported_to_regulator"[^>]* checked>', page)
    complication.refresh_from_db()
    assert (complication.grade, complication.reported_to_regulator) == (3, True)
    assert complication.reported_on is not None and complication.action_taken == "Massage"
    again = staff_client.post(url(complication), as_shown(complication, action_taken="Massage and ice"))
    assert again.status_code == 302  # sent from the page as it is now
    complication.refresh_from_db()
    assert (complication.grade, complication.action_taken) == (3, "Massage and ice")
    assert complication.reported_to_regulator
    for sent in ({}, {k: v for k, v in as_shown(complication).items() if k != "seen"}):  # no digest
        assert staff_client.post(url(complication), {**sent, "grade": "1"}).status_code == 409
    complication.refresh_from_db()
    assert complication.grade == 3


def test_a_double_click_saves_once_and_is_not_refused(case: Case, staff_client: Client) -> None:
    complication = recorded(case)
    sent = as_shown(complication, grade="3")
    assert staff_client.post(url(complication), sent).status_code == 302
    assert staff_client.post(url(complication), sent).status_code == 302  # the record as it sends it
    complication.refresh_from_db()
    assert complication.grade == 3 and updates(complication) == 1


def test_a_browser_sending_back_multi_line_words_unchanged_changes_nothing(
    case: Case, staff_client: Client
) -> None:
    """A browser sends a textarea's line breaks as CRLF (HTML's form submission), so words of several lines
    recorded through the API (LF) were read as changed whenever the form was saved: rewritten with CR
    characters, audited as an update and a new report version, though nobody had touched them."""
    complication = recorded(case, action_taken="Massage\nIce twice a day")
    before = complication.updated_at
    sent = as_shown(complication, action_taken="Massage\r\nIce twice a day")
    assert staff_client.post(url(complication), sent).status_code == 302
    complication.refresh_from_db()
    assert complication.action_taken == "Massage\nIce twice a day"
    assert complication.updated_at == before and updates(complication) == 0
    changed = as_shown(complication, action_taken="Massage\r\nIce three times a day")
    assert staff_client.post(url(complication), changed).status_code == 302
    complication.refresh_from_db()
    assert complication.action_taken.splitlines() == ["Massage", "Ice three times a day"]
    assert updates(complication) == 1


def test_staff_words_with_a_line_break_are_kept_through_another_change(
    case: Case, staff_client: Client
) -> None:
    """Words the API stored with a line break sit in a one-line text box, whose value a browser sends back
    without it (HTML strips line breaks from a text input): a change of the outcome alone rewrote them,
    run together ("a lumpunder the chin"), as a change of the words."""
    complication = recorded(case, description="a lump\nunder the chin")
    sent = as_shown(complication, description="a lumpunder the chin", outcome="recovered")
    assert staff_client.post(url(complication), sent).status_code == 302
    complication.refresh_from_db()
    assert (complication.outcome, complication.description) == ("recovered", "a lump\nunder the chin")
    retyped = as_shown(complication, description="a lump under the chin")
    assert staff_client.post(url(complication), retyped).status_code == 302
    complication.refresh_from_db()
    assert complication.description == "a lump under the chin"


def test_words_with_spaces_around_them_sent_back_unchanged_change_nothing(
    case: Case, staff_client: Client
) -> None:
    """The form reads its text boxes without the spaces around them, so words the API stored with one (a
    trailing space, a line break at the end) were read as changed at every save: rewritten, audited as an
    update and a new report version."""
    complication = recorded(case, action_taken="Massage\n", description=" a lump under the chin ")
    before = complication.updated_at
    assert staff_client.post(url(complication), as_shown(complication)).status_code == 302
    complication.refresh_from_db()
    assert (complication.action_taken, complication.description) == ("Massage\n", " a lump under the chin ")
    assert complication.updated_at == before and updates(complication) == 0
