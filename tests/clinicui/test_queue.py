from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import acknowledge, acknowledge_all, submit
from mesosafe.clinics.models import Staff
from mesosafe.knowledge import load as load_kb
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import Treatment
from mesosafe.treatments.services import link_for_token
from tests.pages_fixtures import PASSWORD, Case, ClinicSite, build_case


def test_queue_orders_emergency_first_and_hides_self_care(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    urgent = make_case(name="Urgent Patient").checkin([{"code": "pus"}])
    emergency = make_case(name="Emergency Patient").checkin(
        [{"code": "breathing_difficulty", "severity": "severe"}]
    )
    calm = make_case(name="Calm Patient").checkin([{"code": "redness"}])
    page = staff_client.get("/clinic/").content.decode()
    assert page.index(f'id="checkin-{emergency.id}"') < page.index(f'id="checkin-{urgent.id}"')
    assert f'id="checkin-{calm.id}"' not in page
    assert "Emergency Patient" in page and "Difficulty breathing" in page
    # an emergency is asked nothing more, and the "severe" sent anyway was not stored: nothing made up, and
    # no question it never has is named (review item 3)
    assert "<strong>Symptoms:</strong> Difficulty breathing</p>" in page
    assert "Day 2 after treatment" in page
    assert AuditEvent.objects.filter(
        action="read", object_type="checkin", object_id=str(emergency.id)
    ).exists()


def test_acknowledge_with_note(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    response = staff_client.post(
        f"/clinic/checkins/{stored.id}/acknowledge/", {f"c{stored.id}-note": "Called her"}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.reviewed_at is not None and stored.review_note == "Called her"
    assert f'id="checkin-{stored.id}"' not in staff_client.get("/clinic/").content.decode()
    assert AuditEvent.objects.filter(action="update", object_type="checkin").exists()


def test_acknowledge_through_htmx_returns_the_fragment(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    response = staff_client.post(f"/clinic/checkins/{stored.id}/acknowledge/", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().startswith(f'<li id="checkin-{stored.id}"')


def test_acknowledge_needs_post(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    assert staff_client.get(f"/clinic/checkins/{stored.id}/acknowledge/").status_code == 405


def test_other_clinics_checkin_is_404(case: Case, site_b: ClinicSite, client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    client.force_login(site_b.user)
    assert f"checkin-{stored.id}" not in client.get("/clinic/").content.decode()
    assert client.post(f"/clinic/checkins/{stored.id}/acknowledge/", {}).status_code == 404
    assert CheckIn.objects.get().reviewed_at is None


def test_queue_of_clinic_b_is_its_own(site_a: ClinicSite, site_b: ClinicSite, client: Client) -> None:
    build_case(site_b, name="Bea").checkin([{"code": "pus"}])
    build_case(site_a, name="Amal").checkin([{"code": "pus"}])
    client.force_login(site_b.user)
    page = client.get("/clinic/").content.decode()
    assert "Bea" in page and "Amal" not in page


def test_second_acknowledgement_keeps_the_first(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    url = f"/clinic/checkins/{stored.id}/acknowledge/"
    staff_client.post(url, {f"c{stored.id}-note": "Called her, antibiotics"})
    first = CheckIn.objects.get(pk=stored.id)
    again = staff_client.post(url, {f"c{stored.id}-note": ""}, follow=True)
    assert "had already acknowledged this check-in" in again.content.decode()
    fragment = staff_client.post(url, {}, HTTP_HX_REQUEST="true").content.decode()
    assert "had already acknowledged" in fragment
    stored.refresh_from_db()
    assert stored.review_note == "Called her, antibiotics" and stored.reviewed_at == first.reviewed_at
    assert AuditEvent.objects.filter(action="update", object_type="checkin").count() == 1


def test_refused_note_is_named_and_changes_nothing(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    url = f"/clinic/checkins/{stored.id}/acknowledge/"
    response = staff_client.post(url, {f"c{stored.id}-note": "x" * 3000}, follow=True)
    assert response.redirect_chain == [("/clinic/", 302)]
    assert "Note: Ensure this value has at most 2000 characters" in response.content.decode()
    assert CheckIn.objects.get(pk=stored.id).reviewed_at is None
    htmx = staff_client.post(url, {f"c{stored.id}-note": "x" * 3000}, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == "/clinic/"  # the message on the whole page, not inside a card
    assert not AuditEvent.objects.filter(action="update", object_type="checkin").exists()


def test_every_card_has_the_patients_phone(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    urgent = make_case(name="Urgent Patient").checkin([{"code": "pus"}])
    emergency = make_case(name="Emergency Patient").checkin(
        [{"code": "breathing_difficulty", "severity": "severe"}]
    )
    Patient.objects.filter(name="Emergency Patient").update(phone="+971 50 765 4321")
    silent = make_case(name="No Phone").checkin([{"code": "fever"}])
    Patient.objects.filter(name="No Phone").update(phone="")
    page = staff_client.get("/clinic/").content.decode()

    def card(checkin: CheckIn) -> str:
        start = page.index(f'id="treatment-{checkin.treatment_id}"')
        return page[start : page.index("</h2>", start)]

    assert '<a class="phone" href="tel:+971507654321"><span dir="ltr">+971 50 765 4321</span></a>' in card(
        emergency
    )
    assert '<a class="phone" href="tel:+971500000001"><span dir="ltr">+971500000001</span></a>' in card(
        urgent
    )
    assert "tel:" not in card(silent)


def test_phone_stays_left_to_right_in_arabic(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "pus"}])
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get("/clinic/").content.decode()
    assert 'dir="rtl"' in page and '<span dir="ltr">+971500000001</span>' in page


# One card per treatment ------------------------------------------------------------------------------------

ITCHING = [{"code": "itching", "severity": "mild", "trend": "same"}]  # contact_clinic
PUS = [{"code": "pus", "severity": "moderate", "trend": "worse"}]  # urgent
BREATHING = [{"code": "breathing_difficulty", "severity": "severe"}]  # emergency


def sent(checkin: CheckIn, hours_ago: float) -> CheckIn:
    """The check-in as if it had come `hours_ago`."""
    CheckIn.objects.filter(pk=checkin.pk).update(submitted_at=timezone.now() - timedelta(hours=hours_ago))
    checkin.refresh_from_db()
    return checkin


def card_of(page: str, case: Case) -> str:
    start = page.index(f'<li id="treatment-{case.treatment.id}"')
    return page[start : page.index("</form>", start)]


def cards_in_order(page: str) -> list[int]:
    return [int(t) for t in re.findall(r'<li id="treatment-(\d+)" class="queue-item"', page)]


def shown_ids(page: str, case: Case) -> list[str]:
    """The ids the card's form sends back."""
    return re.findall(rf'name="t{case.treatment.id}-checkin" value="(\d+)"', card_of(page, case))


def ack(case: Case, ids: list[int] | list[str], note: str = "") -> dict[str, object]:
    return {f"t{case.treatment.id}-checkin": [str(i) for i in ids], f"t{case.treatment.id}-note": note}


def card_url(case: Case) -> str:
    return f"/clinic/treatments/{case.treatment.id}/acknowledge/"


def test_one_card_per_treatment_with_its_checkins_in_time_order(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    amal, bea = make_case(name="Amal"), make_case(name="Bea")
    bea_itching = sent(bea.checkin(ITCHING), 30)
    amal_itching = sent(amal.checkin(ITCHING), 20)
    amal_worse = sent(amal.checkin(PUS, temperature=38.6), 2)
    page = staff_client.get("/clinic/").content.decode()
    assert cards_in_order(page) == [amal.treatment.id, bea.treatment.id]  # urgent before contact_clinic
    card = card_of(page, amal)
    assert card.count('<li id="checkin-') == 2 and "Bea" not in card
    assert card.index(f'id="checkin-{amal_itching.id}"') < card.index(f'id="checkin-{amal_worse.id}"')
    header = card[: card.index("</h2>")]
    assert 'class="badge urgent"' in header and "tel:+971500000001" in header
    assert "Latest check-in: day 2 after treatment · 2 check-ins to review" in card
    for checkin in (amal_itching, amal_worse):
        assert f'href="/clinic/checkins/{checkin.id}/">Open check-in #{checkin.id}</a>' in card
    assert "Itching (how bad: Mild, since yesterday: The same, spreading: no)" in card
    assert "Temperature 38.6 °C" in card
    top = card[card.index(f'id="checkin-{amal_worse.id}" class="most-urgent"') :]
    assert "<details open><summary>Reasons</summary><ul><li>" in top  # the most urgent one's reasons, open
    assert shown_ids(page, amal) == [str(amal_itching.id), str(amal_worse.id)]
    assert f"?checkin={amal_worse.id}" in card  # record a complication from the most urgent one
    assert "Acknowledge all 2 check-ins" in card
    assert "<title>Review queue · 3 check-ins from 2 patients · mesosafe</title>" in page
    assert '3 check-ins from 2 patients · mesosafe"><strong>3 check-ins from 2 patients</strong></p>' in page
    assert shown_ids(page, bea) == [str(bea_itching.id)]


def test_a_card_takes_the_place_of_its_most_urgent_checkin(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    calm_then_emergency = make_case(name="Emergency Late")
    early_urgent, late_urgent = make_case(name="Early Urgent"), make_case(name="Late Urgent")
    for hours in (50, 40, 30):  # many old contact_clinic check-ins…
        sent(calm_then_emergency.checkin(ITCHING), hours)
    sent(calm_then_emergency.checkin(BREATHING), 0.1)  # …then an emergency, the newest of all
    sent(late_urgent.checkin(ITCHING), 60)  # the oldest check-in in the queue, but only contact_clinic
    sent(early_urgent.checkin(PUS), 10)
    sent(late_urgent.checkin(PUS), 5)
    page = staff_client.get("/clinic/").content.decode()
    # level first, then the age of that urgent check-in, not of the card's oldest one
    expected = [calm_then_emergency, early_urgent, late_urgent]
    assert cards_in_order(page) == [c.treatment.id for c in expected]
    assert "7 check-ins from 3 patients" in page


def test_two_treatments_of_one_patient_are_two_cards_of_one_patient(case: Case, staff_client: Client) -> None:
    first = case.checkin(PUS)
    later = second_treatment(case)
    second = later.checkin(ITCHING)
    page = staff_client.get("/clinic/").content.decode()
    assert cards_in_order(page) == [case.treatment.id, later.treatment.id]
    assert shown_ids(page, case) == [str(first.id)] and shown_ids(page, later) == [str(second.id)]
    assert "2 check-ins from 1 patient" in page


def second_treatment(case: Case) -> Case:
    """Another treatment of the same patient, with its own link."""
    other = build_case(case.site, name="Other")
    Treatment.objects.filter(pk=other.treatment.pk).update(patient=case.patient)
    other.treatment.refresh_from_db()
    return Case(case.site, case.patient, other.treatment, other.token)


def test_the_count_reads_in_the_singular(case: Case, staff_client: Client) -> None:
    case.checkin(PUS)
    page = staff_client.get("/clinic/").content.decode()
    assert "<title>Review queue · 1 check-in from 1 patient · mesosafe</title>" in page
    assert "1 check-in to review" in page and ">Acknowledge</button>" in page


def test_an_empty_queue_says_so(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "redness"}])  # self-care: not for review
    page = staff_client.get("/clinic/").content.decode()
    assert "Nothing to review." in page and "<title>Review queue · mesosafe</title>" in page


def test_acknowledge_all_with_one_note(case: Case, staff_client: Client) -> None:
    first, second = case.checkin(ITCHING), case.checkin(PUS)
    ids = shown_ids(staff_client.get("/clinic/").content.decode(), case)
    response = staff_client.post(card_url(case), ack(case, ids, "Called her, seen today"), follow=True)
    assert response.redirect_chain == [("/clinic/", 302)]
    page = response.content.decode()
    assert "2 check-ins of Amal acknowledged." in page and f'id="treatment-{case.treatment.id}"' not in page
    for checkin in (first, second):
        checkin.refresh_from_db()
        assert checkin.review_note == "Called her, seen today" and checkin.reviewed_by == case.site.user
    updates = AuditEvent.objects.filter(action="update", object_type="checkin")
    assert sorted(updates.values_list("object_id", flat=True)) == sorted([str(first.id), str(second.id)])
    assert set(updates.values_list("patient_id", flat=True)) == {case.patient.id}


def test_acknowledge_all_through_htmx_closes_the_card(case: Case, staff_client: Client) -> None:
    ids = [case.checkin(ITCHING).id, case.checkin(PUS).id]
    response = staff_client.post(card_url(case), ack(case, ids), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.startswith(
        f'<li id="treatment-{case.treatment.id}" class="queue-item done"><div role="status">'
    )
    assert "2 check-ins of Amal acknowledged." in fragment
    assert not CheckIn.objects.filter(reviewed_at__isnull=True).exists()


def test_a_newer_checkin_is_not_acknowledged_with_the_card(case: Case, staff_client: Client) -> None:
    first, second = case.checkin(ITCHING), case.checkin(PUS)
    ids = shown_ids(staff_client.get("/clinic/").content.decode(), case)
    newer = case.checkin(BREATHING)  # arrives while the nurse writes her note
    response = staff_client.post(card_url(case), ack(case, ids, "Called her"), follow=True)
    page = response.content.decode()
    assert "2 check-ins of Amal acknowledged." in page
    assert "1 newer check-in arrived and is still in the queue." in page
    assert CheckIn.objects.get(pk=newer.id).reviewed_at is None
    assert {c.id for c in CheckIn.objects.filter(reviewed_at__isnull=False)} == {first.id, second.id}
    assert shown_ids(page, case) == [str(newer.id)]  # the card is back with the newer one only


def test_newer_checkins_come_back_on_the_card_through_htmx(case: Case, staff_client: Client) -> None:
    case.checkin(PUS)
    ids = shown_ids(staff_client.get("/clinic/").content.decode(), case)
    newer = [case.checkin(ITCHING), case.checkin(BREATHING)]
    fragment = staff_client.post(card_url(case), ack(case, ids), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith(f'<li id="treatment-{case.treatment.id}" class="queue-item"')
    assert "1 check-in of Amal acknowledged." in fragment
    assert "2 newer check-ins arrived and are still in the queue." in fragment
    assert shown_ids(fragment + "</form>", case) == [str(c.id) for c in newer]
    assert 'class="badge emergency"' in fragment[: fragment.index("</h2>")]


def second_nurse(site: ClinicSite) -> Client:
    user = User.objects.create_user("bea", password=PASSWORD, first_name="Bea", last_name="Nurse")
    Staff.objects.create(user=user, clinic=site.clinic, role=Staff.Role.CLINIC_ADMIN)
    other = Client()
    other.force_login(user)
    return other


def test_two_nurses_acknowledging_at_once_keep_the_first_review(case: Case, staff_client: Client) -> None:
    first, second = case.checkin(ITCHING), case.checkin(PUS)
    bea = second_nurse(case.site)
    ids = shown_ids(staff_client.get("/clinic/").content.decode(), case)
    assert shown_ids(bea.get("/clinic/").content.decode(), case) == ids
    bea.post(f"/clinic/checkins/{first.id}/acknowledge/", {f"c{first.id}-note": "Bea called her"})
    response = staff_client.post(card_url(case), ack(case, ids, "Alice called her"), follow=True)
    page = response.content.decode()
    assert "1 check-in of Amal acknowledged." in page
    assert "Bea Nurse had already acknowledged 1 of these check-ins; their note is kept." in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.review_note == "Bea called her" and second.review_note == "Alice called her"
    updates = AuditEvent.objects.filter(action="update", object_type="checkin")
    assert sorted(updates.values_list("object_id", "user__username")) == sorted(
        [(str(first.id), "bea"), (str(second.id), "alice")]
    )
    again = bea.post(card_url(case), ack(case, ids, "Bea again"), follow=True).content.decode()
    assert "Bea Nurse, alice had already acknowledged 2 of these check-ins; their notes are kept." in again
    assert updates.count() == 2


def test_acknowledge_all_keeps_a_review_made_after_the_checkins_were_read(case: Case) -> None:
    """The race itself: the check-ins were read unreviewed, then another nurse acknowledged one."""
    first, second = case.checkin(ITCHING), case.checkin(PUS)
    stale = list(CheckIn.objects.filter(pk__in=[first.id, second.id]).order_by("id"))
    bea = User.objects.create_user("bea")
    assert acknowledge(CheckIn.objects.get(pk=first.id), bea, "Bea first")
    done = acknowledge_all(stale, case.site.user, "Alice second")
    assert [c.id for c in done] == [second.id]
    assert stale[0].reviewed_by == bea and stale[0].review_note == "Bea first"  # refreshed to what stands
    assert CheckIn.objects.get(pk=first.id).review_note == "Bea first"


def test_another_clinics_ids_are_never_acknowledged(case: Case, site_b: ClinicSite, client: Client) -> None:
    own = case.checkin(PUS)
    bea = build_case(site_b, name="Bea")
    theirs = bea.checkin(PUS)
    client.force_login(site_b.user)
    # clinic A's card, from clinic B: 404
    assert client.post(card_url(case), ack(case, [own.id])).status_code == 404
    # clinic B's own card, with clinic A's check-in id slipped in: that id is ignored
    response = client.post(card_url(bea), ack(bea, [own.id]), follow=True)
    assert "None of these check-ins is in Bea&#x27;s queue card, so nothing was acknowledged." in (
        response.content.decode()
    )
    response = client.post(card_url(bea), ack(bea, [own.id, theirs.id]), follow=True)
    assert "1 check-in of Bea acknowledged." in response.content.decode()
    assert CheckIn.objects.get(pk=own.id).reviewed_at is None
    assert CheckIn.objects.get(pk=theirs.id).reviewed_at is not None
    assert (
        not AuditEvent.objects.filter(object_type="checkin", object_id=str(own.id))
        .exclude(clinic_id=case.site.clinic.id)
        .exists()
    )


def test_another_cards_checkins_are_not_acknowledged(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    amal, huda = make_case(name="Amal"), make_case(name="Huda")
    huda_checkin, amal_checkin = huda.checkin(PUS), amal.checkin(PUS)
    staff_client.post(card_url(amal), ack(amal, [huda_checkin.id, amal_checkin.id]))
    assert CheckIn.objects.get(pk=huda_checkin.id).reviewed_at is None
    assert CheckIn.objects.get(pk=amal_checkin.id).reviewed_at is not None


@pytest.mark.parametrize(
    ("ids", "said"),
    [
        ([], "No check-in was sent with the form, so nothing was acknowledged."),
        (["abc"], "The form was incomplete; please try again."),
        (["1.5"], "The form was incomplete; please try again."),
        (["-1"], "The form was incomplete; please try again."),
        (["0"], "The form was incomplete; please try again."),
        (["99999999999999999999999"], "The form was incomplete; please try again."),
        (["1e309"], "The form was incomplete; please try again."),
        ([str(i) for i in range(1, 202)], "The form was incomplete; please try again."),
    ],
)
def test_bad_ids_are_refused_with_a_message(
    case: Case, staff_client: Client, ids: list[str], said: str
) -> None:
    stored = case.checkin(PUS)
    response = staff_client.post(card_url(case), ack(case, [*ids]), follow=True)
    assert response.redirect_chain == [("/clinic/", 302)]
    assert said in response.content.decode()
    assert CheckIn.objects.get(pk=stored.id).reviewed_at is None
    htmx = staff_client.post(card_url(case), ack(case, [*ids]), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == "/clinic/"


def test_ids_already_reviewed_or_unknown_change_nothing(case: Case, staff_client: Client) -> None:
    stored = case.checkin(PUS)
    reviewed = {"reviewed_by": case.site.user, "reviewed_at": timezone.now(), "review_note": "Done earlier"}
    CheckIn.objects.filter(pk=stored.pk).update(**reviewed)  # reviewed earlier, as `acknowledge` does
    response = staff_client.post(card_url(case), ack(case, [stored.id], "Again"), follow=True)
    assert "alice had already acknowledged 1 of these check-ins; their note is kept." in (
        response.content.decode()
    )
    assert CheckIn.objects.get(pk=stored.id).review_note == "Done earlier"
    unknown = staff_client.post(card_url(case), ack(case, [stored.id + 1000]), follow=True)
    assert "None of these check-ins is in Amal&#x27;s queue card" in unknown.content.decode()
    assert not AuditEvent.objects.filter(action="update", object_type="checkin").exists()


def test_a_duplicated_id_is_acknowledged_and_audited_once(case: Case, staff_client: Client) -> None:
    stored = case.checkin(PUS)
    staff_client.post(card_url(case), ack(case, [stored.id, stored.id]))
    assert AuditEvent.objects.filter(action="update", object_type="checkin").count() == 1


def test_the_card_form_needs_post(case: Case, staff_client: Client) -> None:
    case.checkin(PUS)
    assert staff_client.get(card_url(case)).status_code == 405


def flood(case: Case, n: int) -> list[CheckIn]:
    """`n` more copies of the case's one contact_clinic check-in, a second apart, the newest a minute ago:
    a link used as a flood (check-ins stored as they come, none refused)."""
    first = sent(case.checkin(ITCHING), 5)
    now = timezone.now()
    copies = [
        CheckIn(
            treatment=first.treatment,
            link=first.link,
            submitted_at=now - timedelta(minutes=1, seconds=n - i),
            days_since_treatment=first.days_since_treatment,
            answers=first.answers,
            disposition=first.disposition,
            disposition_rank=first.disposition_rank,
            reasons=first.reasons,
            explanation=first.explanation,
            next_session_ok=first.next_session_ok,
            kb_version=first.kb_version,
        )
        for i in range(n)
    ]
    return [first, *CheckIn.objects.bulk_create(copies)]


def every_page(staff_client: Client) -> list[int]:
    """The cards of the whole queue, page after page, following its 'next' links."""
    found, url = [], "/clinic/"
    while url:
        page = staff_client.get(url).content.decode()
        found += cards_in_order(page)
        nxt = re.search(r'<a href="(\?page=\d+)" rel="next">', page)
        url = f"/clinic/{nxt.group(1)}" if nxt else ""
    return found


def test_hundreds_of_checkins_on_one_treatment_hide_no_patient(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    flooded = make_case(name="Flood")
    held = flood(flooded, 500)
    others = [make_case(name=f"Patient {i}") for i in range(22)]
    for other in others:
        sent(other.checkin(ITCHING), 3)
    newcomer = make_case(name="Newcomer")
    urgent = newcomer.checkin(PUS)  # the newest check-in of all, from another patient
    page = staff_client.get("/clinic/").content.decode()
    assert "524 check-ins from 24 patients" in page
    assert cards_in_order(page)[0] == newcomer.treatment.id and f'id="checkin-{urgent.id}"' in page
    assert len(cards_in_order(page)) == 20 and "Patients' cards 1–20 of 24" in page
    everyone = every_page(staff_client)
    assert sorted(everyone) == sorted(c.treatment.id for c in [flooded, *others, newcomer])  # each once
    card = card_of(staff_client.get("/clinic/?page=2").content.decode() + page, flooded)
    listed = shown_ids(card + "</form>", flooded)
    # the most urgent (here the oldest, at level ties) and the ten newest; the rest counted, not listed
    assert listed == [str(c.id) for c in [held[0], *held[-10:]]]
    assert "490 earlier check-ins of this treatment are not listed here" in card
    assert "501 check-ins to review" in card and "Acknowledge all 501 check-ins" in card
    newer = flooded.checkin(ITCHING)  # arrives while the nurse writes her note
    response = staff_client.post(card_url(flooded), ack(flooded, listed, "Blocked the link"), follow=True)
    said = response.content.decode()
    assert "501 check-ins of Flood acknowledged." in said
    assert "1 newer check-in arrived and is still in the queue." in said
    assert list(CheckIn.objects.filter(treatment=flooded.treatment, reviewed_at__isnull=True)) == [newer]
    updates = AuditEvent.objects.filter(action="update", object_type="checkin")
    assert sorted(map(int, updates.values_list("object_id", flat=True))) == sorted(c.id for c in held)


def test_a_card_shown_before_newer_ones_acknowledges_only_up_to_its_newest(
    case: Case, staff_client: Client
) -> None:
    older = flood(case, 15)
    listed = shown_ids(staff_client.get("/clinic/").content.decode(), case)
    assert len(listed) == 11  # the oldest (most urgent at the tie) and the ten newest
    later = [case.checkin(ITCHING) for _ in range(3)]
    staff_client.post(card_url(case), ack(case, listed))
    waiting = CheckIn.objects.filter(treatment=case.treatment, reviewed_at__isnull=True)
    assert sorted(waiting.values_list("id", flat=True)) == [c.id for c in later]
    assert not CheckIn.objects.filter(pk__in=[c.id for c in older], reviewed_at__isnull=True).exists()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_card_says_a_symptom_not_asked_about_is_not_assessed(
    case: Case, staff_client: Client, lang: str
) -> None:
    """Review F8: pain ticked beside chest pain was asked nothing; its reason is not "normal healing"."""
    link = link_for_token(case.token)
    assert link is not None
    submit(link, {"symptoms": [{"code": "chest_pain"}, {"code": "pain"}], "temperature_c": None})
    staff_client.cookies["django_language"] = lang
    card = card_of(staff_client.get("/clinic/").content.decode(), case)
    kb = load_kb()
    pain = kb.effects["pain"]
    assert f"{pain.name.get(lang)}: {kb.triage.questions.not_assessed.get(lang)}" in card
    assert pain.expected is not None and pain.expected.course.get(lang) not in card


def test_the_day_after_treatment_is_whole_days_as_the_engine_counts_them(
    make_case: Callable[..., Case], staff_client: Client
) -> None:
    """17 hours after treatment is day 0: the engine asked no "since yesterday" and the patient's pages say
    day 0, so the card does too (never rounded up to day 1, where "not asked" reads as a missing answer)."""
    stored = make_case(days_ago=17 / 24).checkin([{"code": "pus"}])
    assert 0.5 < stored.days_since_treatment < 1
    page = staff_client.get("/clinic/").content.decode()
    card = page[page.index(f'id="treatment-{stored.treatment_id}"') :]
    assert "Latest check-in: day 0 after treatment · 1 check-in to review" in card
    assert "Day 0 after treatment" in card and "day 1" not in card.lower()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_queue_card_shows_the_patients_words_as_written(
    case: Case, staff_client: Client, lang: str
) -> None:
    """The card listed the symptoms as plain text in Western digits, the patient's words too: "منذ ٣ أيام"
    read "منذ 3 أيام", which is not what they wrote. Their words are quoted apart, dir="auto", untouched."""
    words = "ألم في الأسنان منذ ٣ أيام <b>x</b>"
    case.checkin([{"code": "something_else", "severity": "severe", "description": words}])
    staff_client.cookies["django_language"] = lang
    queue = staff_client.get("/clinic/").content.decode()
    assert '<q dir="auto" class="own-words">ألم في الأسنان منذ ٣ أيام &lt;b&gt;x&lt;/b&gt;</q>' in queue
    assert "منذ 3 أيام" not in queue and "<b>x" not in queue
