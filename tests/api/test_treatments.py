from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mesosafe.audit.models import AuditEvent
from mesosafe.engines.inputs import YES_NO
from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, ScheduledCheckin, Treatment
from tests.service_fixtures import API, Site, link_headers


def treatment_body(site: Site, **changes: Any) -> dict[str, Any]:
    body = {
        "practitioner_id": site.staff.id,
        "performed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "areas": ["face", "neck"],
        "technique": "nappage",
        "injection_depth": "1 mm",
        "anaesthetic": "topical lidocaine",
        "products": [{"batch_id": site.batch.id, "volume_ml": "2.5", "concentration": "20%", "area": "face"}],
    }
    return {**body, **changes}


def post(client: Client, site: Site, patient: Patient, body: dict[str, Any], **headers: str) -> Any:
    url = f"{API}/patients/{patient.id}/treatments"
    return client.post(url, body, content_type="application/json", **site.headers(), **headers)


def screen_pregnant(client: Client, site: Site, patient: Patient) -> dict[str, Any]:
    """Staff screen a pregnant patient: a decision that gates the next treatment."""
    url, body = f"{API}/patients/{patient.id}/screenings", {"age": 30, "pregnant": True}
    return client.post(url, body, content_type="application/json", **site.headers()).json()


def test_recording_creates_plan_schedule_link_email_and_reminders(
    client: Client, site: Site, make_patient: Callable[..., Patient], django_capture_on_commit_callbacks: Any
) -> None:
    patient = make_patient(site)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, site, patient, treatment_body(site))
    assert response.status_code == 201, response.content
    treatment = response.json()

    days = load().aftercare.checkins.days
    assert [s["day"] for s in treatment["schedule"]] == days
    assert treatment["products"][0]["lot_number"] == site.batch.lot_number
    assert treatment["aftercare"]["items"]

    link = CheckinLink.objects.get(treatment_id=treatment["id"])
    token = treatment["new_link"]["token"]
    assert len(token) >= 43 and token not in link.token_hash
    assert treatment["new_link"]["link"] == f"/p/{token}/"
    performed = link.treatment.performed_at
    assert link.expires_at - performed == timedelta(weeks=16)

    [message] = mail.outbox
    assert message.to == [patient.email] and f"/p/{token}/" in message.body
    [(name, ics, mimetype)] = message.attachments
    assert name == "aftercare.ics" and mimetype == "text/calendar" and "BEGIN:VCALENDAR" in str(ics)

    reminders = DBTaskResult.objects.filter(task_path="mesosafe.treatments.tasks.send_checkin_reminder")
    scheduled = ScheduledCheckin.objects.filter(treatment_id=treatment["id"])
    assert reminders.count() == scheduled.count() == len(days)
    assert sorted(j.run_after for j in reminders) == [s.due_at for s in scheduled.order_by("due_at")]
    assert not any(token in str(j.args_kwargs) for j in reminders)


def test_expired_licence_blocks_recording(
    client: Client, make_site: Callable[..., Site], make_patient: Callable[..., Patient]
) -> None:
    site = make_site(licence_expires=date.today() - timedelta(days=1))
    response = post(client, site, make_patient(site), treatment_body(site))
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "practitioner_id"


def test_batch_of_another_clinic_is_refused(
    client: Client, make_site: Callable[..., Site], make_patient: Callable[..., Patient]
) -> None:
    site, other = make_site(), make_site()
    body = treatment_body(site, products=[{"batch_id": other.batch.id, "volume_ml": "1"}])
    response = post(client, site, make_patient(site), body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "products[0].batch_id"


def test_ids_are_taken_as_written(client: Client, site: Site, make_patient: Callable[..., Patient]) -> None:
    """JSON's true was read as id 1 and "2" or 2.0 as id 2."""
    patient = make_patient(site)
    for field, value in [
        ("practitioner_id", True),
        ("practitioner_id", str(site.staff.id)),
        ("practitioner_id", 1.0),
    ]:
        response = post(client, site, patient, treatment_body(site, **{field: value}))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    line = {"batch_id": True, "volume_ml": "2.5", "concentration": "20%", "area": "face"}
    response = post(client, site, patient, treatment_body(site, products=[line]))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "products[0].batch_id"


def test_a_deferring_screening_needs_an_override_reason(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    screening = screen_pregnant(client, site, patient)
    assert screening["decision"] in {"defer", "clinician_review", "do_not_treat"}
    detail = client.get(f"{API}/patients/{patient.id}", **site.headers()).json()
    assert detail["needs_override"] is True and detail["latest_screening"]["id"] == screening["id"]

    refused = post(client, site, patient, treatment_body(site))
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "override_reason"

    accepted = post(client, site, patient, treatment_body(site, override_reason="reviewed by Dr Saleh"))
    assert accepted.status_code == 201
    assert accepted.json()["screening_decision"] == screening["decision"]


def test_a_screening_with_questions_left_out_needs_them_asked_or_an_override_reason(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    """Its answer tells the patient "your clinic must ask them before you are treated"; recording did not
    ask for anything (a pregnancy never asked, then treated)."""
    patient = make_patient(site)
    url = f"{API}/patients/{patient.id}/screenings"
    left_out = {"age": 30, **dict.fromkeys(YES_NO, False)}
    del left_out["pregnant"]
    screening = client.post(url, left_out, content_type="application/json", **site.headers()).json()
    assert screening["decision"] == "proceed_with_precautions"
    assert client.get(f"{API}/patients/{patient.id}", **site.headers()).json()["needs_override"] is True
    refused = post(client, site, patient, treatment_body(site))
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "override_reason"
    assert "left questions unanswered (pregnancy)" in refused.text

    all_asked = {"age": 30, **dict.fromkeys(YES_NO, False)}
    client.post(url, all_asked, content_type="application/json", **site.headers())
    assert client.get(f"{API}/patients/{patient.id}", **site.headers()).json()["needs_override"] is False
    assert post(client, site, patient, treatment_body(site)).status_code == 201


def test_the_patients_own_milder_screening_does_not_lift_the_clinics(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    by_staff = screen_pregnant(client, site, patient)
    token = client.post(f"{API}/patients/{patient.id}/screening-link", **site.headers()).json()["token"]
    own = client.post(
        f"{API}/patient/screening",
        {"age": 30, **dict.fromkeys(YES_NO, False)},
        content_type="application/json",
        **link_headers(token),
    )
    assert own.json()["decision"] == "proceed"
    detail = client.get(f"{API}/patients/{patient.id}", **site.headers()).json()
    assert detail["latest_screening"]["id"] == own.json()["id"]
    assert detail["gating_screening"]["id"] == by_staff["id"] and detail["needs_override"] is True
    refused = post(client, site, patient, treatment_body(site))
    assert refused.status_code == 409 and "the clinic's latest screening says 'do_not_treat'" in refused.text
    accepted = post(client, site, patient, treatment_body(site, override_reason="pregnancy ruled out"))
    assert accepted.status_code == 201 and accepted.json()["screening_decision"] == "do_not_treat"


def test_revoke_and_reissue_the_link(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    treatment = post(client, site, make_patient(site), treatment_body(site)).json()
    old = treatment["new_link"]["token"]
    assert client.get(f"{API}/patient/me", **link_headers(old)).status_code == 200

    revoked = client.post(f"{API}/treatments/{treatment['id']}/link/revoke", **site.headers())
    assert revoked.status_code == 200 and revoked.json()["usable"] is False
    assert client.get(f"{API}/patient/me", **link_headers(old)).status_code == 404

    reissued = client.post(f"{API}/treatments/{treatment['id']}/link/reissue", **site.headers())
    assert reissued.status_code == 201
    new = reissued.json()["token"]
    assert new != old
    assert client.get(f"{API}/patient/me", **link_headers(new)).status_code == 200
    assert client.get(f"{API}/patient/me", **link_headers(old)).status_code == 404
    # reissued later than the treatment, the new link has its 16 weeks from the reissue
    late = treatment_body(site, performed_at=(timezone.now() - timedelta(weeks=15)).isoformat())
    months_ago = post(client, site, make_patient(site), late).json()
    before = timezone.now()
    client.post(f"{API}/treatments/{months_ago['id']}/link/reissue", **site.headers())
    expires = CheckinLink.objects.get(treatment_id=months_ago["id"]).expires_at
    assert before + timedelta(weeks=16) <= expires <= timezone.now() + timedelta(weeks=16)


def test_get_treatment(client: Client, site: Site, make_patient: Callable[..., Patient]) -> None:
    created = post(client, site, make_patient(site), treatment_body(site)).json()
    fetched = client.get(f"{API}/treatments/{created['id']}", **site.headers()).json()
    assert fetched["id"] == created["id"] and "new_link" not in fetched


def test_an_unreviewed_urgent_checkin_gates_the_next_treatment(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    from mesosafe.audit.models import AuditEvent
    from mesosafe.checkins.services import acknowledge, submit

    patient = make_patient(site)
    first = post(
        client,
        site,
        patient,
        treatment_body(site, performed_at=(timezone.now() - timedelta(days=3)).isoformat()),
    )
    link = CheckinLink.objects.get(treatment_id=first.json()["id"])
    mild, _ = submit(
        link,
        {"symptoms": [{"code": "redness", "severity": "mild", "trend": "improving", "spreading": False}]},
    )
    urgent, _ = submit(link, {"symptoms": [{"code": "pus", "severity": "moderate", "trend": "worse"}]})
    assert urgent.disposition in ("urgent", "emergency") and mild.disposition == "self_care"
    refused = post(client, site, patient, treatment_body(site))
    assert refused.status_code == 409 and refused["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert f"#{urgent.id} ({urgent.disposition})" in str(problem) and "override_reason" in str(problem)
    for nothing in ("   ", "\u200b", "\u200f \u2060"):  # spaces, and marks .strip() keeps but no one sees
        blank = post(client, site, patient, treatment_body(site, override_reason=nothing))
        assert blank.status_code == 409, nothing
    recorded = post(client, site, patient, treatment_body(site, override_reason="Seen in person today"))
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["override_reason"] == "Seen in person today"
    assert body["overridden_checkin_ids"] == [urgent.id]
    event = AuditEvent.objects.get(action="create", object_type="treatment", object_id=str(body["id"]))
    assert event.detail["unreviewed_checkin_ids"] == [urgent.id]
    assert event.detail["override_reason"] == "Seen in person today"
    acknowledge(urgent, site.staff.user, "Called")
    assert post(client, site, patient, treatment_body(site)).status_code == 201  # reviewed: no gate


# --- Idempotency-Key: a retry after a lost answer records nothing new ---


def _reminders() -> int:
    return DBTaskResult.objects.filter(task_path="mesosafe.treatments.tasks.send_checkin_reminder").count()


def test_a_retry_with_its_idempotency_key_answers_with_the_treatment_first_recorded(
    client: Client, site: Site, make_patient: Callable[..., Patient], django_capture_on_commit_callbacks: Any
) -> None:
    patient = make_patient(site)
    body = treatment_body(site)
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, site, patient, body, HTTP_IDEMPOTENCY_KEY="visit-42")
    assert first.status_code == 201, first.content
    assert first.json()["new_link"]["token"]
    reminders = _reminders()
    assert len(mail.outbox) == 1 and reminders > 0

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = post(client, site, patient, body, HTTP_IDEMPOTENCY_KEY="visit-42")
    assert again.status_code == 201, again.content
    retried = again.json()
    assert retried["id"] == first.json()["id"]
    # the token was in the first answer only: the retry cannot show it, and no new one replaced it
    assert retried["new_link"] is None and retried["link"]["usable"] is True
    assert {k: v for k, v in retried.items() if k not in ("new_link", "link")} == {
        k: v for k, v in first.json().items() if k not in ("new_link", "link")
    }
    # here the commit hooks ran after the first answer was made, so only the retry knows the e-mail went
    assert retried["link"] == {**first.json()["link"], "emailed": True}
    assert Treatment.objects.filter(patient=patient).count() == 1
    assert CheckinLink.objects.filter(treatment__patient=patient).count() == 1
    assert callbacks == [] and len(mail.outbox) == 1  # no second aftercare e-mail
    assert _reminders() == reminders  # no second set of reminders
    events = AuditEvent.objects.filter(object_type="treatment", patient_id=patient.id)
    assert list(events.values_list("action", flat=True).order_by("id")) == ["create", "read"]


def test_the_same_key_with_another_body_is_a_422_naming_the_header(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient, other = make_patient(site), make_patient(site, name="Noor")
    assert post(client, site, patient, treatment_body(site), HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    changed = post(client, site, patient, treatment_body(site, areas=["scalp"]), HTTP_IDEMPOTENCY_KEY="k1")
    elsewhere = post(client, site, other, treatment_body(site), HTTP_IDEMPOTENCY_KEY="k1")  # another patient
    for refused in (changed, elsewhere):
        assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Treatment.objects.count() == 1


def test_another_clinics_same_key_is_another_treatment(
    client: Client, make_site: Callable[..., Site], make_patient: Callable[..., Patient]
) -> None:
    site_a, site_b = make_site(), make_site()
    ids = set()
    for site in (site_a, site_b):
        response = post(client, site, make_patient(site), treatment_body(site), HTTP_IDEMPOTENCY_KEY="same")
        assert response.status_code == 201, response.content
        assert response.json()["new_link"] is not None
        ids.add(response.json()["id"])
    assert len(ids) == 2 and Treatment.objects.count() == 2


def test_without_a_key_each_send_records_a_treatment(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    for _ in range(2):
        assert post(client, site, patient, treatment_body(site)).status_code == 201
    assert Treatment.objects.filter(patient=patient).count() == 2


def test_a_retry_is_answered_even_after_the_checks_would_refuse_it(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    """The stored treatment is the answer: a lot that expired since the first send does not refuse it."""
    patient, body = make_patient(site), treatment_body(site)
    first = post(client, site, patient, body, HTTP_IDEMPOTENCY_KEY="k").json()
    site.batch.expires_on = date.today() - timedelta(days=30)
    site.batch.save()
    again = post(client, site, patient, body, HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201 and again.json()["id"] == first["id"]


def test_a_key_that_breaks_the_rules_is_a_422_naming_the_header(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    for key in ("a, b", "x" * 201, "tab\tin"):
        refused = post(client, site, patient, treatment_body(site), HTTP_IDEMPOTENCY_KEY=key)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "Idempotency-Key", key
    assert Treatment.objects.count() == 0


def test_the_openapi_document_describes_the_header(client: Client) -> None:
    operation = client.get(f"{API}/openapi.json").json()["paths"][f"{API}/patients/{{patient_id}}/treatments"]
    [header] = [p for p in operation["post"]["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and not header["required"]
    assert "same key" in header["description"]
