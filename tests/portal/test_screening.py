from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext

from mesosafe.audit.models import AuditEvent
from mesosafe.patients.models import Screening
from mesosafe.portal.forms import TOO_LONG_ITEM, ScreeningForm
from tests.pages_fixtures import Case

NO = [
    "pregnant",
    "breastfeeding",
    "has_allergies",
    "takes_medicines",
    "has_conditions",
    "recent_sun",
    "recent_irritants",
    "skin_infection",
    "sunburn_at_site",
    "bruising_left",
    "low_pain_threshold",
    "keloid_history",
    "previous_anaphylaxis",
    "previous_mesotherapy_reaction",
]
TOO_MANY = "Please list at most 50, the most important first."


def answers(**changes: Any) -> dict[str, Any]:
    return {**dict.fromkeys(NO, "no"), **changes}


def test_form_asks_the_questions(case: Case, client: Client) -> None:
    page = client.get(case.url("screening/")).content.decode()
    assert "Are you pregnant?" in page
    assert "Medicine 1: when did you last take it?" in page  # shown when "takes medicines" is yes (CSS :has)
    assert 'class="reveal"' in page


def test_all_no_proceeds(case: Case, client: Client) -> None:
    response = client.post(case.url("screening/"), answers())
    stored = Screening.objects.get(patient=case.patient)
    assert response.status_code == 302 and response["Location"] == case.url(f"screening/{stored.id}/")
    assert stored.decision == "proceed" and stored.created_by is None
    assert AuditEvent.objects.filter(object_type="screening", actor="patient", action="create").exists()
    page = client.get(response["Location"]).content.decode()
    assert "You can go ahead" in page


def test_pregnancy_is_do_not_treat_with_reason(case: Case, client: Client) -> None:
    response = client.post(case.url("screening/"), answers(pregnant="yes"), follow=True)
    page = response.content.decode()
    assert "Treatment is not recommended" in page
    assert "not recommended during pregnancy" in page


@pytest.mark.parametrize(
    ("question", "decision"),
    [
        ("sunburn_at_site", "defer"),
        ("keloid_history", "clinician_review"),
        ("previous_anaphylaxis", "clinician_review"),
        ("previous_mesotherapy_reaction", "clinician_review"),
    ],
)
def test_the_form_asks_what_the_screening_rules_read(
    case: Case, client: Client, question: str, decision: str
) -> None:
    """Review: the form never asked these four; their rules could not fire for a patient, whose screening
    then stored (and exported) a "no" nobody gave."""
    client.post(case.url("screening/"), answers(**{question: "yes"}))
    stored = Screening.objects.get(patient=case.patient)
    assert stored.decision == decision and stored.answers[question] is True
    assert [reason["rule"] for reason in stored.reasons] == [question]


def test_recent_aspirin_defers_and_names_the_medicine(case: Case, client: Client) -> None:
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = answers(takes_medicines="yes", med_0_name="Aspirin", med_0_last=yesterday)
    page = client.post(case.url("screening/"), data, follow=True).content.decode()
    assert "Wait before treatment" in page
    assert '<bdi class="data">(Aspirin)</bdi>' in page  # brackets inside the isolated run (point 15)
    stored = Screening.objects.get()
    assert stored.answers["medications"][0]["last_taken_days_ago"] == 1.0
    assert stored.defer_days == 2
    ready = dateformat.format(timezone.localtime(stored.created_at + timedelta(days=2)), "l j F")
    assert f"You can be treated from {ready}." in page


def test_missing_follow_up_answer_keeps_what_was_typed(case: Case, client: Client) -> None:
    data = answers(takes_medicines="yes", med_0_name="Warfarin", has_allergies="yes", allergies="")
    response = client.post(case.url("screening/"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please give the date you last took it." in page
    assert "Please write what you are allergic to." in page
    assert 'value="Warfarin"' in page
    assert not Screening.objects.exists()


def _summary(page: str) -> str:
    start = page.index('<section class="alert"')
    return page[start : page.index("</section>", start)]


def test_a_missing_date_names_its_medicine(case: Case, client: Client) -> None:
    """Review item 6: three blocks ask "When did you last take it?", so the summary did not say which."""
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = answers(takes_medicines="yes", med_0_name="Aspirin", med_0_last=yesterday, med_1_name="أسبرين")
    page = client.post(case.url("screening/"), data).content.decode()
    said = "Medicine 2: when did you last take it?"
    assert f'<a href="#id_med_1_last">{said} — Please give the date you last took it.</a>' in _summary(page)
    assert f'<label for="id_med_1_last">{said}</label>' in page  # its name for a screen reader too
    assert "Medicine 1: when did you last take it?" not in _summary(page)


def test_a_missing_date_names_its_medicine_in_arabic_digits(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    data = answers(takes_medicines="yes", med_2_name="Aspirin")
    link = re.search(
        r'<a href="#id_med_2_last">([^<]+)</a>',
        _summary(client.post(case.url("screening/"), data).content.decode()),
    )
    assert link is not None and "٣" in link[1] and "3" not in link[1]


def test_errors_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(case.url("screening/"), answers(recent_sun="yes", sun_date=future))
    assert response.status_code == 400
    assert "هذا التاريخ في المستقبل." in response.content.decode()


def test_garbage_answers_are_400_not_500(case: Case, client: Client) -> None:
    response = client.post(case.url("screening/"), {"pregnant": "maybe", "med_0_last": "not-a-date"})
    assert response.status_code == 400


def test_checklist_with_real_dates(case: Case, client: Client) -> None:
    client.post(case.url("screening/"), answers())
    stored = Screening.objects.get()
    session = timezone.localdate() + timedelta(days=30)
    url = case.url(f"screening/{stored.id}/")
    page = client.get(url, {"session_date": session.isoformat()}).content.decode()

    def day(before: int) -> str:
        return dateformat.format(session - timedelta(days=before), "l j F")

    assert "Pause blood thinners" in page
    assert f"From {day(5)} to {day(0)}" in page  # off blood thinners from 5 days before until the session
    assert f"From {day(7)} to {day(0)}" in page  # sun and irritants: the week before
    without = client.get(url).content.decode()
    assert "In the 5 days before your session" in without


def test_the_checklist_never_starts_before_today(case: Case, client: Client) -> None:
    """Review item 9: with the session in 3 days, "the week before" said "From" a day already past."""
    client.post(case.url("screening/"), answers())
    today = timezone.localdate()
    session = today + timedelta(days=3)
    page = client.get(
        case.url(f"screening/{Screening.objects.get().id}/"), {"session_date": session.isoformat()}
    )
    checklist = page.content.decode()
    checklist = checklist[checklist.index('<ol class="checklist">') :]
    ends = dateformat.format(session, "l j F")
    assert checklist.count(f"From today to {ends}") == 4  # the 14, 5, 7 and 7 days before: all began already
    assert f"On {ends}" in checklist  # on the day itself
    for back in range(1, 15):
        assert dateformat.format(today - timedelta(days=back), "l j F") not in checklist


def test_a_checklist_for_a_past_session_keeps_its_dates(case: Case, client: Client) -> None:
    client.post(case.url("screening/"), answers())
    session = timezone.localdate() - timedelta(days=20)
    url = case.url(f"screening/{Screening.objects.get().id}/")
    page = client.get(url, {"session_date": session.isoformat()}).content.decode()
    day = dateformat.format(session - timedelta(days=7), "l j F")
    assert f"From {day} to {dateformat.format(session, 'l j F')}" in page and "From today" not in page


def test_another_patients_screening_is_404(case: Case, make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    other = make_case(name="Other")
    client.post(other.url("screening/"), answers())
    stored = Screening.objects.get(patient=other.patient)
    assert client.get(case.url(f"screening/{stored.id}/")).status_code == 404


def test_absurd_dates_are_field_errors_not_500(case: Case, client: Client) -> None:
    response = client.post(
        case.url("screening/"), answers(takes_medicines="yes", med_0_name="Aspirin", med_0_last="0001-01-01")
    )
    assert response.status_code == 400 and "This date is too long ago." in response.content.decode()
    client.post(case.url("screening/"), answers())
    stored = Screening.objects.get()
    for day in ("0001-01-01", "9999-12-31", "2026-02-30"):
        page = client.get(case.url(f"screening/{stored.id}/"), {"session_date": day})
        assert page.status_code == 200
        assert 'class="error"' in page.content.decode()


def test_every_question_starts_unanswered(case: Case, client: Client) -> None:
    page = client.get(case.url("screening/")).content.decode()
    for name in NO:
        assert f'name="{name}" value="no"' in page and f'name="{name}" value="yes"' in page
    assert "checked" not in page


def test_each_unanswered_question_is_named_and_the_answers_are_kept(case: Case, client: Client) -> None:
    data = {"pregnant": "no", "has_allergies": "yes", "allergies": "latex"}
    response = client.post(case.url("screening/"), data)
    page = response.content.decode()
    assert response.status_code == 400
    start = page.index('<section class="alert"')
    summary = page[start : page.index("</section>", start)]
    links = re.findall(r'<a href="#id_([a-z_]+)_0">([^<]+)</a>', summary)
    unanswered = [name for name in NO if name not in data]
    assert [name for name, _ in links] == unanswered
    form = ScreeningForm()
    for name, text in links:
        assert text == f"{form.fields[name].label} — Please answer yes or no."
    assert re.search(r'name="pregnant" value="no"[^>]*checked', page)
    assert re.search(r'name="has_allergies" value="yes"[^>]*checked', page)
    assert 'value="latex"' in page


def test_unanswered_questions_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    response = client.post(case.url("screening/"), answers(pregnant=""))
    page = response.content.decode()
    assert response.status_code == 400
    with translation.override("ar"):
        question = str(ScreeningForm().fields["pregnant"].label)
    assert question != "Are you pregnant?"
    assert re.search(rf'<a href="#id_pregnant_0">{re.escape(question)} — ', page)
    assert re.search(r'name="breastfeeding" value="no"[^>]*checked', page)


# --- A list is never cut short: past the limit it is an error on its field ---------------------------------


@pytest.mark.parametrize(("yes", "field"), [("has_allergies", "allergies"), ("has_conditions", "conditions")])
def test_a_list_over_the_limit_is_an_error_not_cut_short(
    case: Case, client: Client, yes: str, field: str
) -> None:
    """Review: everything after the 50th allergy or condition was dropped without a word."""
    typed = ", ".join(f"item {n}" for n in range(51))
    response = client.post(case.url("screening/"), answers(**{yes: "yes", field: typed}))
    page = response.content.decode()
    assert response.status_code == 400 and not Screening.objects.exists()
    start = page.index('<section class="alert"')
    summary = page[start : page.index("</section>", start)]
    label = ScreeningForm().fields[field].label
    assert f'<a href="#id_{field}">{label} — {TOO_MANY}</a>' in summary
    assert f'id="id_{field}_error"' in page and f'value="{typed}"' in page  # what was typed is kept
    assert "item 50" not in summary


def test_repeated_allergies_count_once_and_none_is_dropped(case: Case, client: Client) -> None:
    """The reviewer's repro: 50 times "dust", then the product's own ingredient. Repeats (in any case) are
    one allergy, so the list is within the limit, and the allergy to the ingredient is judged."""
    typed = ",".join(["dust", "Dust "] * 25 + ["hyaluronic acid"])
    response = client.post(case.url("screening/"), answers(has_allergies="yes", allergies=typed))
    assert response.status_code == 302
    stored = Screening.objects.get()
    assert stored.answers["allergies"] == ["dust", "hyaluronic acid"]
    assert stored.decision == "do_not_treat"
    assert "allergy_to_ingredient" in [reason["rule"] for reason in stored.reasons]


def test_repeated_conditions_count_once(case: Case, client: Client) -> None:
    typed = "، ".join(["asthma"] * 60 + ["Diabetes", "diabetes"])  # the Arabic comma too
    response = client.post(case.url("screening/"), answers(has_conditions="yes", conditions=typed))
    assert response.status_code == 302
    assert Screening.objects.get().answers["conditions"] == ["asthma", "Diabetes"]


@pytest.mark.parametrize(("yes", "field"), [("has_allergies", "allergies"), ("has_conditions", "conditions")])
def test_a_list_splits_at_semicolons_and_arabic_separators_too(
    case: Case, client: Client, yes: str, field: str
) -> None:
    """Review item 10: "diabetes; diabetes; السكري" was one condition; "؛" is the Arabic keyboard's
    semicolon, "،" its comma."""
    typed = "diabetes; Diabetes؛ السكري،asthma\r\n asthma ;"
    response = client.post(case.url("screening/"), answers(**{yes: "yes", field: typed}))
    assert response.status_code == 302
    assert Screening.objects.get().answers[field] == ["diabetes", "السكري", "asthma"]


def test_the_limit_message_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    typed = ",".join(f"a{n}" for n in range(51))
    response = client.post(case.url("screening/"), answers(has_allergies="yes", allergies=typed))
    page = response.content.decode()
    assert response.status_code == 400
    with translation.override("ar"):
        message = gettext(TOO_MANY)
    error = page[page.index('id="id_allergies_error"') :]
    assert message in error[: error.index("</p>")]


def test_an_allergy_too_long_for_the_engine_is_named_in_plain_words(case: Case, client: Client) -> None:
    """It was "Please check your answers: allergies[0]", the engine's field path."""
    response = client.post(case.url("screening/"), answers(has_allergies="yes", allergies="x" * 201))
    page = response.content.decode()
    assert response.status_code == 400 and not Screening.objects.exists()
    assert 'id="id_allergies_error"' in page and str(TOO_LONG_ITEM) in page
    assert "allergies[0]" not in page


def test_a_medicine_name_too_long_says_so_and_nothing_else(case: Case, client: Client) -> None:
    body = answers(takes_medicines="yes", med_0_name="m" * 201, med_0_last="2026-01-01")
    page = client.post(case.url("screening/"), body).content.decode()
    assert "at most 200 characters" in page
    assert "Please write the name of at least one medicine." not in page
