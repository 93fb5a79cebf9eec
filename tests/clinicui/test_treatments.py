from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from mesosafe import explain
from mesosafe.audit.models import AuditEvent
from mesosafe.clinics.models import Batch
from mesosafe.complications.models import Complication
from mesosafe.engines.inputs import YES_NO
from mesosafe.knowledge import Lang
from mesosafe.lib.tokens import digest
from mesosafe.patients.services import run_screening
from mesosafe.treatments.models import CheckinLink, ScreeningLink, Treatment
from tests.pages_fixtures import Case, ClinicSite


def form(site: ClinicSite, **changes: Any) -> dict[str, Any]:
    when = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    return {
        "practitioner": site.staff.id,
        "performed_at": when,
        "areas": "face, neck",
        "technique": "nappage",
        "injection_depth": "1 mm",
        "anaesthetic": "lidocaine cream",
        "batch_0": site.batch.id,
        "volume_0": "2.0",
        "concentration_0": "",
        "area_0": "face",
        **changes,
    }


def test_form_has_pickers(case: Case, staff_client: Client) -> None:
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    assert "NCTF 135HA — lot LOT-A-001" in page
    assert f"lot LOT-A-001 — {case.site.batch.expires_on:%-d %b %Y}" in page  # day, month name, year
    assert 'type="datetime-local"' in page
    assert "This patient has no screening on record." in page


def test_record_treatment_shows_the_link_once(case: Case, staff_client: Client, client: Client) -> None:
    sent = {**form(case.site), "form_token": "t" * 32}
    response = staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", sent)
    treatment = Treatment.objects.filter(patient=case.patient).exclude(pk=case.treatment.pk).get()
    # the link is in the response to the send itself: no redirect for it to cross, nothing kept for it
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert "Treatment recorded" in page
    assert treatment.areas == ["face", "neck"] and treatment.anaesthetic == "lidocaine cream"
    url = page.split('readonly value="')[1].split('"')[0]
    assert client.get(url).status_code == 200
    token = url.split("/p/")[1].strip("/")
    assert f'action="/clinic/treatments/{treatment.id}/aftercare.pdf"' in page
    sheet = staff_client.post(f"/clinic/treatments/{treatment.id}/aftercare.pdf", {"token": token})
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    # the form sent again (a reload of the POST, a double click): nothing new, and no link, old or new
    twice = staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", sent, follow=True)
    assert twice.redirect_chain == [(f"/clinic/treatments/{treatment.id}/recorded/", 302)]
    again = twice.content.decode()
    assert "This form was already sent; nothing new was created." in again
    assert "/p/" not in again and "The private link was shown once" in again
    assert Treatment.objects.filter(patient=case.patient).count() == 2
    # the way to a link is on that page: a new one, issued from there, works and the first stops
    assert f'action="/clinic/treatments/{treatment.id}/link/"' in again
    fresh = staff_client.post(f"/clinic/treatments/{treatment.id}/link/").content.decode()
    fresh_url = fresh.split('readonly value="')[1].split('"')[0]
    assert client.get(fresh_url).status_code == 200 and client.get(url).status_code == 404


def link_tokens_in_sessions() -> set[str]:
    """The patient link tokens found anywhere in the stored sessions, decoded, whatever key or shape held
    them: every token-like word is hashed and looked up among the links' hashes."""
    hashes = {*CheckinLink.objects.values_list("token_hash", flat=True)}
    hashes |= {*ScreeningLink.objects.values_list("token_hash", flat=True)}
    found: set[str] = set()
    for row in Session.objects.all():
        stored = json.dumps(SessionStore().decode(row.session_data))
        found |= {word for word in re.findall(r"[\w-]{32,}", stored) if digest(word) in hashes}
    return found


def test_no_session_holds_a_patient_link_token(case: Case, staff_client: Client) -> None:
    """A session row is signed, not encrypted, and outlives the page: a token in it opens the patient's
    pages to whoever reads the database. Recording (the page never opened after) and reissuing keep none."""
    sent = {**form(case.site), "form_token": "u" * 32}
    assert staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", sent).status_code < 400
    treatment = Treatment.objects.filter(patient=case.patient).exclude(pk=case.treatment.pk).get()
    assert Session.objects.exists() and link_tokens_in_sessions() == set()
    reissued = staff_client.post(f"/clinic/treatments/{treatment.id}/link/")
    assert reissued.status_code == 200 and reissued.context["token"]
    assert link_tokens_in_sessions() == set()


def test_expired_batch_is_refused(case: Case, staff_client: Client) -> None:
    old = Batch.objects.create(product=case.site.product, lot_number="OLD-1", expires_on=date(2020, 1, 1))
    response = staff_client.post(
        f"/clinic/patients/{case.patient.id}/treatments/new/", form(case.site, batch_0=old.id)
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Lot OLD-1 expired on 1 Jan 2020." in page
    assert 'value="face, neck"' in page  # what was typed is kept
    assert Treatment.objects.count() == 1


def test_expired_licence_is_refused(case: Case, staff_client: Client) -> None:
    case.site.staff.licence_expires = date(2020, 1, 1)
    case.site.staff.save()
    response = staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", form(case.site))
    assert response.status_code == 400 and "licence is missing or expired" in response.content.decode()


def test_unresolved_screening_needs_a_reason(case: Case, staff_client: Client) -> None:
    run_screening(case.patient, {"age": 36, "conditions": ["diabetes"]})
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    assert 'id="screening-warning"' in staff_client.get(url).content.decode()
    refused = staff_client.post(url, form(case.site))
    assert refused.status_code == 400 and "give a reason to treat" in refused.content.decode()
    accepted = staff_client.post(url, form(case.site, override_reason="Endocrinologist approved by letter"))
    assert accepted.status_code == 200  # the recorded page, with the link
    assert Treatment.objects.filter(override_reason__startswith="Endocrinologist").exists()


def test_questions_left_out_of_the_screening_need_a_reason(case: Case, staff_client: Client) -> None:
    answers = {"age": 30, **dict.fromkeys(YES_NO, False)}
    del answers["pregnant"]
    run_screening(case.patient, answers, by=case.site.staff.user)
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    page = staff_client.get(url).content.decode()
    assert 'id="screening-warning"' in page and "<bdi>pregnancy</bdi>" in page
    refused = staff_client.post(url, form(case.site))
    assert refused.status_code == 400 and "give a reason to treat" in refused.content.decode()
    accepted = staff_client.post(url, form(case.site, override_reason="Asked in person: not pregnant"))
    assert accepted.status_code == 200


def test_the_patients_own_milder_screening_does_not_lift_the_clinics(
    case: Case, staff_client: Client
) -> None:
    by_staff = run_screening(case.patient, {"age": 30, "pregnant": True}, by=case.site.staff.user)
    own = run_screening(case.patient, {"age": 30})
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    page = staff_client.get(url).content.decode()
    assert 'id="screening-warning"' in page and 'id="later-own-screening"' in page
    reads = AuditEvent.objects.filter(action="read", object_type="screening", patient_id=case.patient.id)
    assert {e.object_id for e in reads} == {str(by_staff.id), str(own.id)}
    refused = staff_client.post(url, form(case.site))
    assert refused.status_code == 400 and "give a reason to treat" in refused.content.decode()


def test_showing_the_form_is_audited_with_the_screening(case: Case, staff_client: Client) -> None:
    screening = run_screening(case.patient, {"age": 30, "pregnant": True})
    staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/")
    reads = AuditEvent.objects.filter(action="read", patient_id=case.patient.id)
    assert {(e.object_type, e.object_id) for e in reads} >= {
        ("patient", str(case.patient.id)),
        ("screening", str(screening.id)),
    }


def test_garbage_is_400(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    response = staff_client.post(url, {"practitioner": "x", "performed_at": "yesterday", "batch_0": "999999"})
    assert response.status_code == 400


def test_future_treatment_is_refused(case: Case, staff_client: Client) -> None:
    later = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    response = staff_client.post(url, form(case.site, performed_at=later))
    assert response.status_code == 400 and "cannot be recorded in the future" in response.content.decode()


def test_other_clinics_batch_cannot_be_picked(case: Case, site_b: ClinicSite, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    response = staff_client.post(url, form(case.site, batch_0=site_b.batch.id))
    assert response.status_code == 400 and Treatment.objects.count() == 1


def test_ancient_date_is_a_field_error(case: Case, staff_client: Client) -> None:
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    response = staff_client.post(url, form(case.site, performed_at="0001-01-01T10:00"))
    assert response.status_code == 400 and "more than five years ago" in response.content.decode()


def _complication(case: Case, **fields: Any) -> Complication:
    return Complication.objects.create(
        treatment=case.treatment,
        onset_date=date(2026, 3, 12),
        grade=2,
        relatedness="possibly",
        created_by=case.site.user,
        **fields,
    )


def test_no_eligibility_warning_when_ready(case: Case, staff_client: Client) -> None:
    case.checkin([])
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    assert 'id="eligibility-warning"' not in page


def test_bruising_still_reported_is_a_warning(case: Case, staff_client: Client) -> None:
    stored = case.checkin([{"code": "bruising", "severity": "moderate", "trend": "same"}])
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    start = page.index('<div class="warn" role="alert" id="eligibility-warning">')
    warning = page[start : page.index("</div>", start)]
    assert "Not yet ready for a next session" in warning
    assert "The latest check-in reports effects that must settle first." in warning
    assert "Bruising (how bad: Moderate, since yesterday: The same, spreading: no)" in warning
    assert start < page.index('<form method="post" novalidate')  # read before the form
    assert AuditEvent.objects.filter(action="read", object_type="checkin", object_id=str(stored.id)).exists()


def test_open_suspected_infection_is_a_warning(case: Case, staff_client: Client) -> None:
    open_one = _complication(case, suspected_infection=True, symptom_codes=["lump", "pus"])
    _complication(case, outcome="recovered")
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    warning = page[page.index('id="eligibility-warning"') :]
    assert "1 open complication." in warning
    assert f"Complication #{open_one.id}, grade 2, since 12 Mar 2026" in warning
    assert "<strong>suspected infection</strong>" in warning and "Pus" in warning
    assert AuditEvent.objects.filter(
        action="read", object_type="complication", object_id=str(open_one.id)
    ).exists()


def test_unreviewed_escalation_is_a_warning(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "fever"}])
    case.checkin([])  # a later "I feel fine" does not clear it
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    assert 'id="eligibility-warning"' in page and "1 escalated check-in not yet reviewed." in page


def test_a_contact_clinic_warning_does_not_block_recording(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    response = staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", form(case.site))
    assert response.status_code == 200 and Treatment.objects.count() == 2


def test_eligibility_warning_in_arabic(case: Case, staff_client: Client) -> None:
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    assert 'id="eligibility-warning"' in page and "كدمات" in page


def test_an_unreviewed_urgent_checkin_is_a_gate_on_the_form(case: Case, staff_client: Client) -> None:
    urgent = case.checkin([{"code": "pus", "severity": "moderate", "trend": "worse"}])
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    refused = staff_client.post(url, form(case.site))
    page = refused.content.decode()
    assert refused.status_code == 400 and Treatment.objects.count() == 1
    label = explain.level_label(urgent.disposition, Lang.EN)
    assert f"Check-in #{urgent.id} ({label}) is not reviewed yet" in page
    assert 'id="id_override_reason_error"' in page  # on the reason's field
    staff_client.cookies["django_language"] = "ar"
    arabic = staff_client.post(url, form(case.site)).content.decode()
    shown = f"#{urgent.id} ({explain.level_label(urgent.disposition, Lang.AR)})"
    assert f"لم تُراجَع المتابعة {shown} بعد" in arabic and f"({urgent.disposition})" not in arabic
    del staff_client.cookies["django_language"]
    staff_client.post(url, form(case.site, override_reason="Examined: no infection"))
    treatment = Treatment.objects.exclude(pk=case.treatment.pk).get()
    assert treatment.overridden_checkin_ids == [urgent.id]
    shown = staff_client.get(f"/clinic/patients/{case.patient.id}/").content.decode()
    assert "Examined: no infection · recorded despite unreviewed check-ins" in shown
    assert f'href="/clinic/checkins/{urgent.id}/">#{urgent.id}</a>' in shown


@pytest.mark.parametrize("volume", ["0", "0.00", "99999", "50.01", "-1"])
def test_an_implausible_volume_is_a_clear_field_error(case: Case, staff_client: Client, volume: str) -> None:
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    response = staff_client.post(url, form(case.site, volume_0=volume))
    page = response.content.decode()
    assert response.status_code == 400 and Treatment.objects.count() == 1
    assert "Give the volume injected in mL, from 0.01 to 50." in page and 'id="id_volume_0_error"' in page


def test_the_api_and_the_engine_take_their_ranges_from_one_place() -> None:
    from mesosafe.checkins.schemas import CheckInBody
    from mesosafe.engines import CheckIn
    from mesosafe.knowledge.plausible import TEMPERATURE_C, VOLUME_ML
    from mesosafe.treatments.schemas import ProductLineIn

    for model in (CheckIn, CheckInBody):
        limits = model.model_json_schema()["properties"]["temperature_c"]["anyOf"][0]
        assert (limits["minimum"], limits["maximum"]) == (float(TEMPERATURE_C.low), float(TEMPERATURE_C.high))
    assert TEMPERATURE_C.high < 45  # 45 °C is refused
    volume = ProductLineIn.model_json_schema()["properties"]["volume_ml"]
    assert (Decimal(str(volume["minimum"])), Decimal(str(volume["maximum"]))) == VOLUME_ML
    assert VOLUME_ML.low > 0 and VOLUME_ML.high < 99_999


def test_the_issued_link_comes_whole_with_a_qr_code_of_it(case: Case, staff_client: Client) -> None:
    import segno

    recorded = staff_client.post(f"/clinic/patients/{case.patient.id}/treatments/new/", form(case.site))
    page = recorded.content.decode()
    url = page.split('readonly value="')[1].split('"')[0]
    assert f'<p class="link-text" dir="ltr"><code>{url}</code></p>' in page  # whole, wrapped, printable
    expected = segno.make(url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", svgclass="qr", lineclass=None
    )
    drawn = page.split('<svg role="img" aria-label="QR code of the private link" ', 1)[1]
    assert (
        expected.split('d="', 1)[1].split('"')[0] == drawn.split('d="', 1)[1].split('"')[0]
    )  # the link's QR
    assert 'data-copy="patient-link"' in page and "copy_link.js" in page and "onclick" not in page


def test_more_areas_than_the_api_takes_is_an_error_on_the_field(case: Case, staff_client: Client) -> None:
    """31 areas: said on the areas field, never saved with the 31st dropped."""
    url = f"/clinic/patients/{case.patient.id}/treatments/new/"
    areas = ", ".join(f"a{i}" for i in range(31))
    response = staff_client.post(url, form(case.site, areas=areas))
    assert response.status_code == 400 and Treatment.objects.count() == 1
    assert response.context["form"]["areas"].errors == ["List at most 30 areas (31 were given)."]
    assert f'value="{areas}"' in response.content.decode()  # what was typed is kept


def test_areas_named_twice_are_recorded_once(case: Case, staff_client: Client) -> None:
    """The same area typed twice, in any case, is one area (the first spelling): 30 areas and a repeat of
    one of them are the 30, the last one kept."""
    areas = ", ".join([*(f"a{i}" for i in range(29)), " A0 ", "", "a29"])
    response = staff_client.post(
        f"/clinic/patients/{case.patient.id}/treatments/new/", form(case.site, areas=areas)
    )
    assert response.status_code == 200
    treatment = Treatment.objects.exclude(pk=case.treatment.pk).get()
    assert treatment.areas == [f"a{i}" for i in range(30)]


def test_areas_typed_with_the_arabic_comma_are_several(case: Case, staff_client: Client) -> None:
    response = staff_client.post(
        f"/clinic/patients/{case.patient.id}/treatments/new/", form(case.site, areas="الوجه، الرقبة")
    )
    assert response.status_code == 200
    assert Treatment.objects.exclude(pk=case.treatment.pk).get().areas == ["الوجه", "الرقبة"]


def test_arabic_form_names_the_lot_in_arabic(case: Case, staff_client: Client) -> None:
    """The product-and-lot choice on the Arabic form: its words translated, the expiry date as the other
    clinic pages write it (month named, Western digits), and the product name and the lot number isolated,
    so the lot never runs into the date's day in a right-to-left line."""
    staff_client.cookies["django_language"] = "ar"
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    with translation.override("ar"):
        expiry = date_format(case.site.batch.expires_on, "j M Y")
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}", expiry) and "lot" not in expiry
    label = f"\u2068NCTF 135HA\u2069 — التشغيلة \u2066LOT-A-001\u2069 — {expiry}"
    assert f'<option value="{case.site.batch.id}">{label}</option>' in page
    assert " lot " not in page.split('id="id_batch_0"')[1].split("</select>")[0]
    staff_client.cookies["django_language"] = "en"  # English options stay as they were, without marks
    page = staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode()
    assert f"NCTF 135HA — lot LOT-A-001 — {case.site.batch.expires_on:%-d %b %Y}</option>" in page
