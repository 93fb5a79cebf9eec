from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from mesosafe import explain
from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.checkins.photos import MAX_PER_CHECKIN
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.engines.questions import asked
from mesosafe.knowledge import load
from mesosafe.portal.forms import PREFIX
from mesosafe.portal.views.checkin import RESEND_WINDOW
from tests.pages_fixtures import Case
from tests.photo_samples import has_gps, jpeg_with_gps


def symptom(code: str, severity: str = "mild", trend: str = "same", spreading: str = "no") -> dict[str, Any]:
    """A symptom in the second step, with the answers to the questions it asks on day 2 (the fixture's)."""
    answers = {f"sev_{code}": severity, f"trend_{code}": trend, f"spread_{code}": spreading}
    fields = {f"{PREFIX[q]}_{code}" for q in asked(load(), code, 2.0)}
    return {"symptoms": [code], **{k: v for k, v in answers.items() if k in fields}}


def post(client: Client, case: Case, *symptoms: dict[str, Any], key: str = "k1", **extra: Any) -> Any:
    """The second step: the symptoms chosen in the first, with their answers."""
    data: dict[str, Any] = {"idempotency_key": key, "step": "details", "symptoms": [], **extra}
    for s in symptoms:
        data["symptoms"] = data["symptoms"] + s.get("symptoms", [])
        data.update({k: v for k, v in s.items() if k != "symptoms"})
    return client.post(case.url("checkin/"), data)


def first_step(client: Client, case: Case, *codes: str, key: str = "k1", follow: bool = False) -> Any:
    """The first step; with `follow`, the page it leads to (the second step, or the result)."""
    data = {"idempotency_key": key, "step": "symptoms", **{f"sym_{code}": "on" for code in codes}}
    return client.post(case.url("checkin/"), data, follow=follow)


def test_form_lists_symptoms_by_name_with_description(case: Case, client: Client) -> None:
    page = client.get(case.url("checkin/")).content.decode()
    for effect in load().effects.values():
        assert effect.name.en in page
    assert load().effects["bruising"].description.en.replace("'", "&#x27;") in page
    assert 'name="idempotency_key"' in page


FEVER = {"symptoms": ["fever"]}  # asks no question: the temperature is the answer
NOTHING_CHOSEN = "Please tick each symptom you have. If you have none, choose “I feel fine”."


def _summary(page: str) -> str:
    start = page.index('<section class="alert"')
    return page[start : page.index("</section>", start)]


def test_next_with_no_symptom_ticked_is_an_error_not_i_feel_fine(case: Case, client: Client) -> None:
    """Review: "Next" with nothing ticked led to a second step with only the temperature and photos, and
    "Send" stored a check-in saying "you said you feel fine", which the patient never said."""
    response = first_step(client, case, key="none")
    page = _main(response.content.decode())
    assert response.status_code == 400 and not CheckIn.objects.exists()
    first = _emergency_codes()[0]  # the first symptom on the page
    assert f'<a href="#id_sym_{first}">{NOTHING_CHOSEN}</a>' in _summary(page)
    assert 'name="step" value="symptoms"' in page and 'name="temperature_c"' not in page  # still step 1
    # both ways on stay there, with the page's key: "I feel fine" is the check-in without symptoms
    assert re.findall(r'name="idempotency_key" value="([^"]+)"', page) == ["none", "none"]
    fine = client.post(case.url("checkin/"), {"step": "fine", "idempotency_key": "none"})
    stored = CheckIn.objects.get()
    assert fine["Location"] == case.url(f"checkin/{stored.id}/")
    assert stored.answers == {"symptoms": [], "temperature_c": None}
    assert "You reported no symptoms." in client.get(fine["Location"]).content.decode()


@pytest.mark.parametrize("extra", [{}, {"temperature_c": "37.5"}, {"symptoms": ["made_up"]}])
def test_a_second_step_without_symptoms_stores_nothing(
    case: Case, client: Client, extra: dict[str, Any]
) -> None:
    """A second step sent without a symptom (a page from before "Next" asked for one, or a post made up) is
    not "I feel fine" either: the first step again, with the same message and key."""
    response = post(client, case, extra, key="old")
    page = _main(response.content.decode())
    assert response.status_code == 400 and not CheckIn.objects.exists()
    assert NOTHING_CHOSEN in _summary(page) and 'name="step" value="fine"' in page
    assert re.findall(r'name="idempotency_key" value="([^"]+)"', page) == ["old", "old"]


def test_no_symptom_ticked_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    response = first_step(client, case)
    page = response.content.decode()
    with translation.override("ar"):
        said = gettext(NOTHING_CHOSEN)
    assert response.status_code == 400 and 'lang="ar" dir="rtl"' in page
    assert said in _summary(page) and not CheckIn.objects.exists()


def test_i_feel_fine_is_one_tap_at_the_top(case: Case, client: Client) -> None:
    main = _main(client.get(case.url("checkin/")).content.decode())
    fine = main[main.index('<form method="post" class="fine"') : main.index("</form>")]
    assert main.index('class="fine"') < main.index('class="red-flags"')  # before any symptom
    assert 'name="step" value="fine"' in fine and "I feel fine" in fine
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', fine)
    assert key is not None
    response = client.post(case.url("checkin/"), {"step": "fine", "idempotency_key": key[1]})
    again = client.post(case.url("checkin/"), {"step": "fine", "idempotency_key": key[1]})  # a double tap
    stored = CheckIn.objects.get()
    assert response["Location"] == again["Location"] == case.url(f"checkin/{stored.id}/")
    assert stored.answers == {"symptoms": [], "temperature_c": None}
    assert stored.disposition == "self_care"
    result = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert "You reported no symptoms." in result


def test_expected_redness_says_what_to_expect_and_until_when(case: Case, client: Client) -> None:
    post(client, case, symptom("redness"), key="a")
    text = client.get(case.url(f"checkin/{CheckIn.objects.get().id}/")).content.decode()
    assert "What to expect" in text and "Expected to settle by" in text
    assert "Get help sooner if" in text
    for line in [f.watch_for.en for f in load().triage.red_flags][:2]:
        assert line.replace("'", "&#x27;") in text


def test_an_urgent_answer_shows_why_and_keeps_reassurance_below_it(case: Case, client: Client) -> None:
    # pale skin with pain on day 2: "pain usually eases" is true, but never beside "blood supply blocked"
    post(client, case, symptom("pale_or_dusky_skin"), symptom("pain"), key="v")
    stored = CheckIn.objects.get()
    assert stored.disposition == "urgent"
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    why = page[page.index("<h2>Why</h2>") : page.index("</section>", page.index("<h2>Why</h2>"))]
    assert "blood supply" in why and "Usually eases" not in why
    noted = page[page.index('<details class="also-noted">') : page.index("</details>")]
    assert "What to expect" in noted
    assert page.index("<h2>Why</h2>") < page.index('<details class="also-noted">')


def test_emergency_leads_with_the_emergency_number(case: Case, client: Client) -> None:
    text = first_step(client, case, "breathing_difficulty", key="e").content.decode()
    assert text == ""  # redirect
    stored = CheckIn.objects.get()
    assert stored.disposition == "emergency"
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    # the call comes first, above the header (on the first screen at any text size)
    assert page.index('href="tel:998"') < page.index("<header") < page.index("<h1")
    assert page.index('id="call-emergency"') < page.index("Why")
    main = page[page.index('<main id="main">') :]
    assert "Get help sooner if" not in main  # nothing is sooner than an emergency


def test_a_fever_is_not_listed_as_a_reason_to_get_help_sooner(case: Case, client: Client) -> None:
    post(client, case, FEVER, temperature_c="38.5", key="fever")
    page = client.get(case.url(f"checkin/{CheckIn.objects.get().id}/")).content.decode()
    watch = page[page.index('<section class="watch">') :]
    assert "Get help sooner if" in watch and "You have a fever" not in watch


def test_urgent_shows_clinic_phone_and_seek_care_today(case: Case, client: Client) -> None:
    post(client, case, symptom("redness", "moderate", "worse", "yes"), key="u")
    stored = CheckIn.objects.get()
    assert stored.disposition == "urgent"
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert 'id="call-clinic" href="tel:+971 4 000 0000"' in page
    assert "seek medical care today" in page


def test_measured_fever_is_urgent(case: Case, client: Client) -> None:
    post(client, case, FEVER, temperature_c="38.5", key="f")
    assert CheckIn.objects.get().disposition == "urgent"


def test_a_mild_hypothermia_reading_is_taken_and_urgent(case: Case, client: Client) -> None:
    """33.5 °C was refused as a typo ("Enter your temperature in °C"): the reading never reached the
    triage, whose rule makes anything below 35 °C urgent."""
    post(client, case, symptom("dryness"), temperature_c="33.5", key="c")
    stored = CheckIn.objects.get()
    assert stored.answers["temperature_c"] == 33.5 and stored.disposition == "urgent"


@pytest.mark.parametrize("typed", ["٣٨٫٥", "38,5", "۳۸.۵"])
def test_a_fever_typed_on_an_arabic_keyboard_is_read(case: Case, client: Client, typed: str) -> None:
    post(client, case, FEVER, temperature_c=typed, key="f")
    stored = CheckIn.objects.get()
    assert stored.answers["temperature_c"] == 38.5
    assert stored.disposition == "urgent"


def test_bad_temperature_keeps_the_answers(case: Case, client: Client) -> None:
    response = post(client, case, symptom("swelling", "moderate"), temperature_c="55")
    page = response.content.decode()
    assert response.status_code == 400
    assert '<input type="hidden" name="symptoms" value="swelling"' in page
    assert re.search(r'id="id_sev_swelling_1"[^>]*checked', page)
    assert 'value="55"' in page
    assert not CheckIn.objects.exists()


def test_bad_photo_keeps_the_answers_and_stores_nothing(case: Case, client: Client) -> None:
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, case, symptom("bruising"), photo=bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "not a photo we can read" in page
    assert '<input type="hidden" name="symptoms" value="bruising"' in page
    assert not CheckIn.objects.exists()


def test_photo_is_stored_without_exif(case: Case, client: Client) -> None:
    photo = SimpleUploadedFile("skin.jpg", jpeg_with_gps(), content_type="image/jpeg")
    post(client, case, symptom("bruising"), photo=photo, key="p")
    stored = Photo.objects.get()
    with stored.image.open("rb") as handle:
        assert not has_gps(handle.read())
    page = client.get(case.url(f"checkin/{stored.checkin_id}/")).content.decode()
    assert f"/p/{case.token}/photos/{stored.id}" in page


def _jpeg(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


def test_several_photos_are_stored_and_shown(case: Case, client: Client) -> None:
    post(client, case, symptom("redness"), photo=[_jpeg("a.jpg"), _jpeg("b.jpg")], key="two")
    stored = CheckIn.objects.get()
    ids = sorted(stored.photos.values_list("id", flat=True))
    assert len(ids) == 2
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert all(f"/p/{case.token}/photos/{i}" in page for i in ids)


def test_more_than_five_photos_is_a_form_error(case: Case, client: Client) -> None:
    assert MAX_PER_CHECKIN == 5  # the form's texts, in both languages, say 5
    response = post(client, case, symptom("redness"), photo=[_jpeg(f"{n}.jpg") for n in range(6)])
    assert response.status_code == 400
    assert "at most 5 photos" in response.content.decode()
    assert not CheckIn.objects.exists() and not Photo.objects.exists()


def test_one_bad_photo_among_good_ones_stores_nothing(case: Case, client: Client) -> None:
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, case, symptom("redness"), photo=[_jpeg("a.jpg"), bad])
    assert response.status_code == 400 and "not a photo we can read" in response.content.decode()
    assert not CheckIn.objects.exists() and not Photo.objects.exists()


def test_same_key_twice_stores_one_checkin(case: Case, client: Client) -> None:
    first = post(client, case, symptom("itching"), key="same")
    second = post(client, case, symptom("itching"), key="same")
    assert CheckIn.objects.count() == 1 and first["Location"] == second["Location"]


def test_the_same_form_sent_again_from_history_is_a_new_checkin(case: Case, client: Client) -> None:
    # security re-test, stop 28: the second step's address holds the key; opened again days later from the
    # browser's history and sent, it had answered with the old check-in and stored nothing new
    post(client, case, symptom("itching"), key="from-history")
    CheckIn.objects.update(submitted_at=timezone.now() - RESEND_WINDOW - timedelta(minutes=1))
    again = post(client, case, symptom("itching"), key="from-history")
    assert CheckIn.objects.count() == 2
    newest = CheckIn.objects.order_by("-submitted_at").first()
    assert newest is not None and again["Location"].endswith(f"/checkin/{newest.id}/")


def test_going_back_and_changing_the_answers_is_a_new_checkin(case: Case, client: Client) -> None:
    """The browser's back button keeps the form's key: the worse answers must not get the first verdict."""
    post(client, case, symptom("redness"), key="same")
    first_step(client, case, "breathing_difficulty", key="same")
    assert [c.disposition for c in CheckIn.objects.order_by("id")] == ["self_care", "emergency"]


def test_checkin_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    post(client, case, symptom("redness"), key="ar")
    stored = CheckIn.objects.get()
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert 'lang="ar" dir="rtl"' in page
    assert "ما المتوقع" in page and load().effects["redness"].name.ar in page


def test_reasons_follow_the_page_language(case: Case, client: Client) -> None:
    post(client, case, symptom("redness", "moderate", "worse", "yes"), key="lang")
    stored = CheckIn.objects.get()
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert load().effects["redness"].name.ar in page


def test_another_links_checkin_is_404(case: Case, make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    stored = case.checkin([{"code": "redness"}])
    other = make_case(name="Other")
    assert client.get(other.url(f"checkin/{stored.id}/")).status_code == 404


# --- The emergency symptoms come first: a box above the form with the number to call ---------------------


def _emergency_codes() -> list[str]:
    """From the knowledge base: symptoms whose floor is an emergency (an unconditional red flag)."""
    kb = load()
    flagged = {
        c for f in kb.triage.red_flags if f.to.value == "emergency" and f.when.always for c in f.symptoms
    }
    return [code for code in kb.effects if code in flagged]


def _main(page: str) -> str:
    return page[page.index('<main id="main">') :]


def test_the_emergency_symptoms_come_first_with_the_number(case: Case, client: Client) -> None:
    codes = _emergency_codes()
    assert "vision_change" in codes and "confusion" in codes  # issue 12
    page = client.get(case.url("checkin/")).content.decode()
    main = _main(page)
    box = main[main.index('class="red-flags"') : main.index("</fieldset>")]
    assert 'id="call-emergency-first" href="tel:998"' in box and '<span dir="ltr">998</span>' in box
    ticks = re.findall(r'name="sym_([a-z_]+)"', main)
    assert ticks[: len(codes)] == codes and sorted(ticks) == sorted(load().effects)
    for code in codes:
        assert f'name="sym_{code}"' in box and f"<strong>{load().effects[code].name.en}</strong>" in box
        assert re.search(rf'name="sym_{code}"[^>]*data-red-flag', box)
    # a combination that is an emergency: the script shows the box the moment both are ticked
    assert re.search(r'name="sym_fainting"[^>]*data-red-flag-with="[a-z_ ]*hives', main)
    assert 'id="call-now" role="alert" hidden' in main and "mesosafe/js/checkin_steps.js" in page
    assert "<script>" not in page  # no inline script: the page works under a strict CSP


def test_the_emergency_symptoms_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    main = _main(client.get(case.url("checkin/")).content.decode())
    box = main[main.index('class="red-flags"') : main.index("</fieldset>")]
    for code in _emergency_codes():
        assert f"<strong>{load().effects[code].name.ar}</strong>" in box
    assert 'href="tel:998"' in box


# --- Two steps: which symptoms, then only the questions that apply; a red flag stops the questions ---------


def test_the_first_step_asks_no_follow_up_question(case: Case, client: Client) -> None:
    page = client.get(case.url("checkin/")).content.decode()
    assert not re.search(r'name="(sev|trend|spread)_', page)


def test_the_second_step_asks_only_what_the_knowledge_base_asks(case: Case, client: Client) -> None:
    response = first_step(client, case, "redness", "pain", "pus", key="two", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and not CheckIn.objects.exists()
    names = set(re.findall(r'name="((?:sev|trend|spread)_[a-z_]+)"', page))
    assert names == {"sev_redness", "trend_redness", "spread_redness", "sev_pain", "trend_pain"}
    assert "Nothing more to answer about this." in page  # pus asks nothing
    assert 'name="idempotency_key" value="two"' in page
    assert re.findall(r'name="symptoms" value="([a-z_]+)"', page) == ["redness", "pain", "pus"]
    assert not re.search(r'value="[a-z]+"[^>]*checked', page)  # nothing answered in advance


def test_since_yesterday_is_not_asked_on_the_day_of_treatment(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(days_ago=0.2)
    page = first_step(client, case, "redness", follow=True).content.decode()
    assert 'name="sev_redness"' in page and 'name="trend_redness"' not in page
    response = post(client, case, {"symptoms": ["redness"], "sev_redness": "mild", "spread_redness": "no"})
    assert response.status_code == 302
    stored = CheckIn.objects.get()
    assert stored.answers["symptoms"] == [{"code": "redness", "severity": "mild", "spreading": False}]


def test_an_answer_to_a_question_not_asked_is_not_stored(case: Case, client: Client) -> None:
    post(client, case, {"symptoms": ["pain"], "sev_pain": "mild", "trend_pain": "same", "spread_pain": "yes"})
    stored = CheckIn.objects.get().answers["symptoms"]
    assert stored == [{"code": "pain", "severity": "mild", "trend": "same"}]


@pytest.mark.parametrize("codes", [["vision_change"], ["fainting", "hives"], ["redness", "chest_pain"]])
def test_a_red_flag_is_stored_and_alerted_at_the_first_step(
    case: Case, client: Client, codes: list[str]
) -> None:
    response = first_step(client, case, *codes, key="now")
    stored = CheckIn.objects.get()
    assert response.status_code == 302 and response["Location"] == case.url(f"checkin/{stored.id}/")
    assert stored.disposition == "emergency"
    assert sorted(stored.answers["symptoms"], key=str) == [{"code": c} for c in sorted(codes)]  # no answer
    alerts = DBTaskResult.objects.filter(task_path=notify_escalation.module_path)
    assert alerts.count() == 1  # the staff alert, queued in the check-in's own transaction
    whole = client.get(response["Location"]).content.decode()
    assert whole.index('href="tel:998"') < whole.index("<header") < whole.index("<h1")  # the call comes first
    page = _main(whole)
    assert not re.search(r'name="(sev|trend|spread)_', page)
    effects, words = (
        load().effects,
        {"severity": "how bad", "trend": "since yesterday", "spreading": "spreading"},
    )
    for code in codes:  # only the questions it has on day 2, each "not asked": the red flag stopped them
        said = ", ".join(f"{words[q]}: not asked" for q in effects[code].asks)
        assert f"<li>{effects[code].name.en}{f' ({said})' if said else ''}</li>" in page


@pytest.mark.parametrize("sent", [{}, {"idempotency_key": ""}])
def test_a_lost_hidden_key_never_blocks_a_checkin(case: Case, client: Client, sent: dict[str, str]) -> None:
    """Review F4: a page that lost its hidden key (an old copy, a reader or translator extension) gets a
    fresh one at either step: a red flag is stored, not refused with an error the patient cannot fix."""
    emergency = client.post(
        case.url("checkin/"), {"step": "symptoms", "sym_breathing_difficulty": "on", **sent}
    )
    assert emergency.status_code == 302 and CheckIn.objects.get().disposition == "emergency"
    assert client.post(case.url("checkin/"), {"step": "fine", **sent}).status_code == 302
    details = {"step": "details", "symptoms": "pus", **sent}
    assert client.post(case.url("checkin/"), details).status_code == 302
    keys = CheckIn.objects.values_list("idempotency_key", flat=True)
    assert len(set(keys)) == 3 and all(keys)


BAD_KEYS = ["k" * 65, "a key with spaces", "clé", "a\x00b", '"><b>x</b>']


def _keys(page: str) -> list[str]:
    return re.findall(r'name="idempotency_key" value="([^"]*)"', page)


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_a_spoilt_hidden_key_never_blocks_an_emergency(case: Case, client: Client, bad: str) -> None:
    """Review: a hidden key of 65 characters was a 400 naming no field, and the page shown again kept it, so
    sending again never worked. A key that is not one the page could have made is replaced by a fresh one."""
    data = {"step": "symptoms", "sym_chest_pain": "on", "idempotency_key": bad}
    response = client.post(case.url("checkin/"), data)
    stored = CheckIn.objects.get()
    assert response.status_code == 302 and stored.disposition == "emergency"
    assert stored.idempotency_key != bad and re.fullmatch(r"[0-9a-f]{32}", stored.idempotency_key or "")
    assert client.post(case.url("checkin/"), {"step": "fine", "idempotency_key": bad}).status_code == 302
    assert post(client, case, symptom("pus"), key=bad).status_code == 302
    assert CheckIn.objects.count() == 3


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_a_page_shown_again_carries_a_fresh_key(case: Case, client: Client, bad: str) -> None:
    """Whatever sent the spoilt key gets a page with a good one, kept from then on: sending it twice (a
    double tap) is one check-in."""
    again = post(client, case, FEVER, temperature_c="55", key=bad)  # an error: the second step again
    assert again.status_code == 400 and not CheckIn.objects.exists()
    (key,) = _keys(again.content.decode())
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    first = post(client, case, FEVER, temperature_c="37", key=key)
    second = post(client, case, FEVER, temperature_c="37", key=key)
    assert first.status_code == 302 and first["Location"] == second["Location"]
    assert CheckIn.objects.get().idempotency_key == key
    for data in ({"step": "symptoms"}, {"step": "change", "symptoms": "pus"}):  # the first step again
        page = client.post(case.url("checkin/"), {**data, "idempotency_key": bad}).content.decode()
        keys = set(_keys(page))
        assert len(keys) == 1 and re.fullmatch(r"[0-9a-f]{32}", keys.pop())
        assert "Ensure this value" not in page


def test_fainting_alone_goes_on_to_the_questions(case: Case, client: Client) -> None:
    response = first_step(client, case, "fainting", follow=True)
    assert response.status_code == 200 and not CheckIn.objects.exists()
    assert "A few more questions" in response.content.decode()


def test_the_second_step_is_a_page_of_its_own_so_back_never_posts_again(case: Case, client: Client) -> None:
    """Review item 4: the second step was the answer to the first step's post, so Back from the result was
    Chrome's "Confirm form resubmission". The first step now redirects to it, with the symptoms and the key
    in the query (nothing kept on the server); loaded again, it is the same page with the same key, so
    sending the same answers again is the same check-in."""
    response = first_step(client, case, "redness", "pain", key="back")
    second = case.url("checkin/?symptoms=redness&symptoms=pain&key=back")
    assert response.status_code == 302 and response["Location"] == second
    assert not CheckIn.objects.exists()
    page = client.get(second).content.decode()
    assert "A few more questions" in page and _keys(page) == ["back"]
    assert re.findall(r'name="symptoms" value="([a-z_]+)"', page) == ["redness", "pain"]
    answers = (symptom("redness"), symptom("pain"))
    sent = post(client, case, *answers, key="back")
    back = client.get(second)  # the Back button from the result
    assert back.status_code == 200 and _keys(back.content.decode()) == ["back"]
    again = post(client, case, *answers, key="back")
    assert CheckIn.objects.count() == 1 and sent["Location"] == again["Location"]


def test_the_second_step_by_get_stores_nothing(case: Case, client: Client) -> None:
    """Whatever its query names (a red flag; a code we do not know), loading the second step sends nothing."""
    page = client.get(case.url("checkin/"), {"symptoms": "chest_pain", "key": "k"}).content.decode()
    assert "A few more questions" in page and not CheckIn.objects.exists()
    unknown = client.get(case.url("checkin/"), {"symptoms": "made_up", "key": "k"})
    assert unknown.status_code == 302 and unknown["Location"] == case.url("checkin/")
    spoilt = client.get(case.url("checkin/"), {"symptoms": "pain", "key": BAD_KEYS[-1]}).content.decode()
    assert re.fullmatch(r"[0-9a-f]{32}", _keys(spoilt)[0]) and not CheckIn.objects.exists()


def test_your_answers_name_only_the_questions_that_applied(case: Case, client: Client) -> None:
    """Review item 3: pain read "spreading: not asked", a question pain never has."""
    post(client, case, symptom("pain", "moderate"), symptom("dark_patch", spreading="yes"), key="pain")
    page = _main(client.get(case.url(f"checkin/{CheckIn.objects.get().id}/")).content.decode())
    answers = page[page.index('<section id="your-answers">') :]
    pain, patch = load().effects["pain"].name.en, load().effects["dark_patch"].name.en
    assert f"<li>{pain} (how bad: Moderate, since yesterday: The same)</li>" in answers
    assert f"<li>{patch} (spreading: yes)</li>" in answers
    assert "not asked" not in answers


def test_change_my_symptoms_keeps_the_ticks(case: Case, client: Client) -> None:
    data = {"step": "change", "idempotency_key": "k", "symptoms": ["redness", "pain"]}
    page = client.post(case.url("checkin/"), data).content.decode()
    assert 'name="sym_redness" id="id_sym_redness" checked' in page
    assert 'name="sym_pain" id="id_sym_pain" checked' in page and not CheckIn.objects.exists()


# --- A chosen symptom needs its answers: no answer is chosen for the patient -----------------------------


def test_a_symptom_without_its_answers_is_an_error_naming_it(case: Case, client: Client) -> None:
    response = post(client, case, {"symptoms": ["redness"]}, {"symptoms": ["pain"], "sev_pain": "severe"})
    page = response.content.decode()
    redness, pain = load().effects["redness"].name.en, load().effects["pain"].name.en
    assert response.status_code == 400
    assert f"{redness}: please choose how bad it is." in page
    assert f"{redness}: please choose whether it is better, the same or worse." in page
    assert f"{pain}: please choose whether it is better, the same or worse." in page
    assert f"{pain}: please choose how bad it is." not in page
    assert f"{redness}: please say whether it is spreading." in page
    assert re.search(r'value="severe" id="id_sev_pain_2"[^>]*checked', page)  # what was chosen is kept
    assert not CheckIn.objects.exists()


def test_an_unknown_symptom_code_is_a_form_error(case: Case, client: Client) -> None:
    response = post(client, case, {"symptoms": ["made_up"]})
    assert response.status_code == 400 and not CheckIn.objects.exists()


# --- Temperature: a plain message in °C, with the conversion of what looks like °F -----------------------


def test_a_fahrenheit_temperature_gets_its_celsius(case: Case, client: Client) -> None:
    response = post(client, case, FEVER, temperature_c="101")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter your temperature in °C, for example 38.2. 101 °F is 38.3 °C." in page
    assert "less than or equal" not in page
    assert 'value="101"' in page  # not converted for the patient
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("typed", ["55", "20", "abc", "38.25"])
def test_other_bad_temperatures_get_the_plain_message(case: Case, client: Client, typed: str) -> None:
    page = post(client, case, FEVER, temperature_c=typed).content.decode()
    assert "Enter your temperature in °C, for example 38.2." in page
    assert "°F is" not in page
    assert "Ensure" not in page and "Enter a number" not in page


def test_the_temperature_message_in_arabic_has_arabic_digits(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    page = post(client, case, FEVER, temperature_c="١٠١").content.decode()
    error = page[page.index('id="id_temperature_c_error"') :]
    error = error[: error.index("</p>")]
    assert "١٠١" in error and "٣٨٫٣" in error  # whatever the catalogue calls the units
    assert "101 °F" not in page and "38.3" not in page


# --- The error summary names each field with an error and links to it -------------------------------------


def test_the_error_summary_links_to_each_field(case: Case, client: Client) -> None:
    page = post(client, case, {"symptoms": ["redness"]}, temperature_c="101").content.decode()
    main = _main(page)
    start = main.index('<section class="alert"')
    summary = main[start : main.index("</section>", start)]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == [
        "id_sev_redness_0",
        "id_trend_redness_0",
        "id_spread_redness_0",
        "id_temperature_c",
    ]
    assert links[3][1].startswith("Temperature (°C), if you measured it — Enter your temperature in °C")
    for target, _ in links:
        assert f'id="{target}"' in page
    assert 'tabindex="-1"' in summary and "mesosafe/js/error_summary.js" in page
    assert start < main.index("<form") and "data-error-summary" in summary


def test_chosen_photos_must_be_chosen_again_after_an_error(case: Case, client: Client) -> None:
    page = post(client, case, symptom("bruising"), temperature_c="101", photo=_jpeg("a.jpg")).content.decode()
    field = page[page.index('<label for="id_photo">') : page.rindex("</form>")]
    assert 'id="photo-again"' in field and "Your photos were not kept: please choose them again." in field
    assert 'aria-describedby="photo-help photo-status photo-again"' in field
    assert not Photo.objects.exists()
    without = post(client, case, symptom("bruising"), temperature_c="101").content.decode()
    assert "photo-again" not in without


# --- The result says whether the clinic knows --------------------------------------------------------------

ALERTED = "Your clinic has been alerted about this check-in. Do not wait for them to call you back."
IN_THE_LIST = "Your clinic will see this check-in in its review list. Please still call them."


@pytest.mark.parametrize(
    ("symptoms", "level", "said"),
    [
        ([{"code": "breathing_difficulty"}], "emergency", ALERTED),
        ([{"code": "pus"}], "urgent", ALERTED),
        ([{"code": "redness", "trend": "worse"}], "contact_clinic", IN_THE_LIST),
        ([{"code": "redness"}], "self_care", None),
    ],
)
def test_the_result_says_whether_the_clinic_knows(
    case: Case, client: Client, symptoms: list[dict[str, Any]], level: str, said: str | None
) -> None:
    stored = case.checkin(symptoms)
    assert stored.disposition == level
    page = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    verdict = page[page.index('<section class="verdict') : page.index("</section>")]
    if said is None:
        assert ALERTED not in page and IN_THE_LIST not in page
    else:
        assert said in verdict


def test_the_result_is_shown_from_what_was_stored(
    case: Case, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = case.checkin([{"code": "redness", "severity": "mild"}])

    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("an engine ran to show a stored answer")

    monkeypatch.setattr(explain, "run_triage", no_engine)
    for page in (f"checkin/{stored.id}/", "", "recovery/"):
        assert client.get(case.url(page)).status_code == 200, page
    result = client.get(case.url(f"checkin/{stored.id}/")).content.decode()
    assert stored.kb_version in result and stored.explanation["label"]["en"] in result


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_symptom_ticked_beside_a_red_flag_is_not_assessed_never_expected(
    make_case,  # type: ignore[no-untyped-def]
    client: Client,
    lang: str,
) -> None:
    """Review F8: the questions about pain were never asked (chest pain stopped them), so the page says it
    was not assessed and shows no "What to expect" for it, in either language."""
    case = make_case(lang=lang)
    response = first_step(client, case, "chest_pain", "pain", key="f8")
    stored = CheckIn.objects.get()
    assert stored.disposition == "emergency" and stored.answers["symptoms"] == [
        {"code": "chest_pain"},
        {"code": "pain"},
    ]
    assert [r["rule"] for r in stored.reasons][-1] == "pain.not_assessed"
    page = _main(client.get(response["Location"]).content.decode())
    kb = load()
    pain = kb.effects["pain"]
    assert f"{pain.name.get(lang)}: {kb.triage.questions.not_assessed.get(lang)}" in page
    assert pain.expected is not None and pain.expected.course.get(lang) not in page
    assert "What to expect" not in page and "ما المتوقع" not in page
    assert 'class="expected"' not in page


# --- "Something else": a symptom not on the list, in the patient's own words --------------------------------
SOMETHING_ELSE = "something_else"


def test_something_else_is_the_last_symptom_of_the_list(case: Case, client: Client) -> None:
    page = _main(client.get(case.url("checkin/")).content.decode())
    boxes = re.findall(r'name="sym_([a-z_]+)"', page)
    assert boxes[-1] == SOMETHING_ELSE
    assert "Something not on this list: describe it in a few words. Your clinic will look at it." in page


def test_ticking_something_else_asks_how_bad_and_what_it_is(case: Case, client: Client) -> None:
    """Without JavaScript too: the second step is a page of its own with the box for the words."""
    page = _main(first_step(client, case, SOMETHING_ELSE, follow=True).content.decode())
    assert 'name="sev_something_else"' in page and 'name="trend_something_else"' not in page
    box = re.search(r"<textarea[^>]*>", page)
    assert box is not None and 'name="desc_something_else"' in box[0]
    assert 'dir="auto"' in box[0] and 'maxlength="200"' in box[0] and "required" in box[0]
    assert "What is it?" in page


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("", "Something else: please say in a few words what it is."),
        ("\u200b \u200f", "Something else: please say in a few words what it is."),
        ("x" * 201, "Something else: please use 200 characters or fewer."),
        ("a\x07bell", "Something else: please use only letters, numbers and punctuation."),
    ],
)
def test_the_words_are_asked_for_and_each_refusal_names_the_field(
    case: Case, client: Client, words: str, message: str
) -> None:
    answers = {**symptom(SOMETHING_ELSE), "desc_something_else": words}
    response = post(client, case, answers)
    page = _main(response.content.decode())
    assert response.status_code == 400 and not CheckIn.objects.exists()
    assert f'<a href="#id_desc_something_else">{message}</a>' in _summary(page)
    assert 'id="id_desc_something_else_error"' in page


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Something else: please use only letters, numbers and punctuation."),
        ("ar", "شيء آخر: يُرجى استخدام الحروف والأرقام وعلامات الترقيم فقط."),
    ],
)
def test_a_nul_in_the_words_is_refused_naming_the_symptom(
    make_case: Any, client: Client, lang: str, message: str
) -> None:
    """Django's own check for NUL ran first and said "Null characters are not allowed.", naming nothing."""
    case = make_case(lang=lang)
    answers = {**symptom(SOMETHING_ELSE), "desc_something_else": "a\x00b"}
    response = post(client, case, answers)
    page = _main(response.content.decode())
    assert response.status_code == 400 and not CheckIn.objects.exists()
    assert f'<a href="#id_desc_something_else">{message}</a>' in _summary(page)


def test_a_line_break_counts_as_one_character_as_the_browser_counts_it(case: Case, client: Client) -> None:
    """A browser counts a line break in the box as one character (maxlength=200) but sends it as CR LF: 200
    characters typed with a line break came back as 201, "please use 200 characters or fewer". The words are
    stored with LF line breaks, as the API takes them."""
    words = "x" * 99 + "\r\n" + "y" * 100
    answers = {**symptom(SOMETHING_ELSE), "desc_something_else": words}
    response = post(client, case, answers)
    assert response.status_code == 302, _summary(_main(response.content.decode()))
    assert CheckIn.objects.get().answers["symptoms"][0]["description"] == "x" * 99 + "\n" + "y" * 100


def test_the_words_are_stored_as_written_and_shown_quoted_and_escaped(case: Case, client: Client) -> None:
    words = "metallic taste <script>alert(1)</script> since 3 days"
    answers = {**symptom(SOMETHING_ELSE, severity="moderate"), "desc_something_else": words}
    response = post(client, case, answers)
    stored = CheckIn.objects.get()
    assert stored.answers["symptoms"] == [
        {"code": SOMETHING_ELSE, "severity": "moderate", "description": words}
    ]
    assert stored.disposition == "contact_clinic"
    page = client.get(response["Location"]).content.decode()
    shown = "metallic taste &lt;script&gt;alert(1)&lt;/script&gt; since 3 days"
    assert f'Something else (how bad: Moderate), as written: <q dir="auto">{shown}</q>' in page
    assert "<script>alert(1)" not in page


def test_severe_something_else_is_care_today_with_its_reason(case: Case, client: Client) -> None:
    answers = {**symptom(SOMETHING_ELSE, severity="severe"), "desc_something_else": "very bad toothache"}
    page = client.get(post(client, case, answers)["Location"]).content.decode()
    assert CheckIn.objects.get().disposition == "urgent"
    assert "A severe symptom that is not on this list needs medical help today" in page


def test_arabic_words_keep_their_digits_on_an_arabic_result(make_case: Any, client: Client) -> None:
    case = make_case(lang="ar")
    words = "تساقط الشعر منذ 3 أيام"
    answers = {**symptom(SOMETHING_ELSE), "desc_something_else": words}
    page = client.get(post(client, case, answers)["Location"]).content.decode()
    assert f'<q dir="auto">{words}</q>' in page  # the patient's "3", not turned into "٣"
    assert "كما كُتب" in page


# --- "Change my symptoms" keeps the second step's answers --------------------------------------------------


def _answered(page: str) -> dict[str, str]:
    """The second step's answers as the page shows them: each radio checked, the words, the temperature."""
    shown = {}
    for tag in re.findall(r'<input type="radio"[^>]*>', page):
        if " checked" in tag:
            shown[re.findall(r'name="([^"]+)"', tag)[0]] = re.findall(r'value="([^"]*)"', tag)[0]
    for name, words in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL):
        if words:
            shown[name] = html.unescape(words)
    temperature = re.search(r'<input type="text" name="temperature_c"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', temperature[0]) if temperature else None
    if value:
        shown["temperature_c"] = html.unescape(value[1])
    return shown


def _change_and_next(
    client: Client, case: Case, *answers: dict[str, Any], ticks: list[str], **extra: Any
) -> Any:
    """ "Change my symptoms" from the second step with these answers, then "Next" with `ticks`: the second
    step again, as the browser follows the redirect."""
    first = post(client, case, *answers, step="change", **extra).content.decode()
    form = first[first.index("data-checkin-symptoms") :]
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }
    data = {**hidden, "step": "symptoms", **{f"sym_{code}": "on" for code in ticks}}
    response = client.post(case.url("checkin/"), data)
    assert response.status_code == 302 and not CheckIn.objects.exists()
    return client.get(response["Location"])


@pytest.mark.parametrize(("lang", "temperature"), [("en", "37.8"), ("ar", "٣٧٫٨")])
def test_change_my_symptoms_keeps_the_answers(
    make_case: Any, client: Client, lang: str, temperature: str
) -> None:
    """The bug: back from "Change my symptoms" to add a forgotten symptom, every answer was gone."""
    case = make_case(lang=lang)
    given = (symptom("redness", "moderate", "worse", "yes"), symptom("pain", "severe", "improving"))
    second = _change_and_next(
        client, case, *given, ticks=["redness", "pain", "bruising"], temperature_c=temperature
    )
    page = _main(second.content.decode())
    expected = {k: v for s in given for k, v in s.items() if k != "symptoms"}
    assert _answered(page) == {**expected, "temperature_c": temperature}
    assert sorted(re.findall(r'name="symptoms" value="([a-z_]+)"', page)) == ["bruising", "pain", "redness"]
    assert 'class="alert"' not in page  # nothing to correct: no photos were chosen


def test_a_new_symptom_starts_unanswered(case: Case, client: Client) -> None:
    second = _change_and_next(client, case, symptom("pain", "mild"), ticks=["pain", "swelling"])
    page = _main(second.content.decode())
    assert 'name="sev_swelling"' in page and not any(name.endswith("_swelling") for name in _answered(page))
    assert _answered(page) == {k: v for k, v in symptom("pain", "mild").items() if k != "symptoms"}


def test_an_unticked_symptoms_answers_are_dropped(case: Case, client: Client) -> None:
    second = _change_and_next(
        client,
        case,
        symptom("redness", "severe", "worse", "yes"),
        symptom("pain", "moderate"),
        ticks=["pain"],
    )
    page = _main(second.content.decode())
    assert "redness" not in second.request["QUERY_STRING"] and "redness" not in page
    assert _answered(page) == {k: v for k, v in symptom("pain", "moderate").items() if k != "symptoms"}
    # ticked again after that, it starts unanswered
    again = _main(_change_and_next(client, case, symptom("pain"), ticks=["pain", "redness"]).content.decode())
    assert not any(name.endswith("_redness") for name in _answered(again))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_photos_chosen_before_change_are_said_to_be_lost(make_case: Any, client: Client, lang: str) -> None:
    case = make_case(lang=lang)
    second = _change_and_next(client, case, symptom("bruising"), ticks=["bruising"], photo=_jpeg("a.jpg"))
    page = _main(second.content.decode())
    with translation.override(lang):
        said = gettext("Your photos were not kept: please choose them again.")
    assert f'<a href="#id_photo">{said}</a>' in _summary(page) and 'id="photo-again"' in page
    assert not Photo.objects.exists()
    without = _main(_change_and_next(client, case, symptom("bruising"), ticks=["bruising"]).content.decode())
    assert "photo-again" not in without


@pytest.mark.parametrize(
    "made_up",
    [
        {"sev_redness": "awful"},
        {"spread_redness": "maybe"},
        {"trend_pain": "worse"},  # pain was not chosen
        {"sev_made_up": "mild"},
        {"desc_something_else": "x" * 201},  # (a control character: the 400 page, tests/lib/test_nul.py)
        {"desc_something_else": "\u200b "},
        {"temperature_c": "45"},
        {"temperature_c": "101"},
        {"temperature_c": "hot"},
        {"photos_lost": "yes"},
    ],
)
def test_made_up_answers_in_the_query_are_dropped(
    case: Case, client: Client, made_up: dict[str, str]
) -> None:
    query = {"symptoms": ["redness", SOMETHING_ELSE], "key": "k", "trend_redness": "worse", **made_up}
    response = client.get(case.url("checkin/"), query)
    page = _main(response.content.decode())
    assert response.status_code == 200 and "A few more questions" in page
    assert _answered(page) == {"trend_redness": "worse"}  # only the answer the page could have carried
    assert 'class="alert"' not in page and not CheckIn.objects.exists()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_words_are_kept_exactly_across_change(make_case: Any, client: Client, lang: str) -> None:
    case = make_case(lang=lang)
    typed = ' تساقط الشعر\r\nمنذ 3 أيام، <b>"x"</b> & y'  # as a browser sends a line break
    answers = {**symptom(SOMETHING_ELSE, "moderate"), "desc_something_else": typed}
    second = _change_and_next(client, case, answers, ticks=[SOMETHING_ELSE, "pain"])
    shown = _answered(_main(second.content.decode()))
    assert shown["desc_something_else"].replace("\r\n", "\n") == typed.replace("\r\n", "\n")
    assert shown["sev_something_else"] == "moderate"
    response = post(client, case, {**symptom(SOMETHING_ELSE), **shown}, symptom("pain"))
    assert response.status_code == 302
    stored = {s["code"]: s for s in CheckIn.objects.get().answers["symptoms"]}[SOMETHING_ELSE]
    assert stored["description"] == typed.strip().replace("\r\n", "\n")


@pytest.mark.parametrize("words", ["a\x00b", "a\x07bell", "x" * 201])
def test_words_the_page_would_refuse_are_not_carried(case: Case, client: Client, words: str) -> None:
    """A control character in any query is the 400 page (RefuseNul): words that could not be sent are
    not carried."""
    answers = {**symptom(SOMETHING_ELSE, "moderate"), "desc_something_else": words}
    second = _change_and_next(client, case, answers, ticks=[SOMETHING_ELSE])
    assert second.status_code == 200 and "desc_something_else" not in second.request["QUERY_STRING"]
    assert _answered(_main(second.content.decode())) == {"sev_something_else": "moderate"}
