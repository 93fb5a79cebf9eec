from __future__ import annotations

from django.test import Client

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins.models import CheckIn
from mesosafe.patients.models import Patient
from tests.pages_fixtures import Case, ClinicSite, build_case


def test_queue_orders_emergency_first_and_hides_self_care(make_case, staff_client: Client) -> None:  # type: ignore[no-untyped-def]
    urgent = make_case(name="Urgent Patient").checkin([{"code": "pus"}])
    emergency = make_case(name="Emergency Patient").checkin(
        [{"code": "breathing_difficulty", "severity": "severe"}]
    )
    calm = make_case(name="Calm Patient").checkin([{"code": "redness"}])
    page = staff_client.get("/clinic/").content.decode()
    assert page.index(f'id="checkin-{emergency.id}"') < page.index(f'id="checkin-{urgent.id}"')
    assert f'id="checkin-{calm.id}"' not in page
    assert "Emergency Patient" in page and "Difficulty breathing (Severe, The same)" in page
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


def test_refused_note_is_audited_as_a_read(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "fever"}])
    response = staff_client.post(
        f"/clinic/checkins/{stored.id}/acknowledge/", {f"c{stored.id}-note": "x" * 3000}
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="read", object_type="checkin", object_id=str(stored.id)).exists()


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
        start = page.index(f'id="checkin-{checkin.id}"')
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
