"""The clinic's ICSR export (complications/icsr.py): every version of a case can be told apart and ordered."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from mesosafe.checkins.services import submit
from mesosafe.complications import icsr, services
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn, ComplicationPatch
from mesosafe.e2b import latest_versions, read
from mesosafe.e2b.codes import OID_BATCH_ID, OID_MESSAGE_ID, Outcome
from mesosafe.e2b.rules import check
from mesosafe.patients.models import Patient
from tests.service_fixtures import Site


def _export_at(complication: Complication, moment: datetime) -> bytes:
    """The ICSR of the complication as it stands, its last change put at `moment`."""
    Complication.objects.filter(pk=complication.pk).update(updated_at=moment)
    complication.refresh_from_db()
    return icsr.icsr_xml(complication)


def _ids(xml: bytes, oid: str) -> list[str]:
    return re.findall(rf'<id extension="([^"]+)" root="{re.escape(oid)}" />', xml.decode())


def test_two_versions_made_the_same_day_are_told_apart_and_the_newer_wins(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site, name="Layla Haddad"), days_ago=10)
    today = timezone.localdate()
    complication = services.create(
        treatment,
        ComplicationIn(
            onset_date=today - timedelta(days=2), grade=2, relatedness="possibly", symptom_codes=["lump"]
        ),
        by=site.staff.user,
    )
    zone = ZoneInfo(site.clinic.time_zone)
    morning = datetime.combine(today, time(9, 0, 5), zone)
    old = _export_at(complication, morning)
    patch = ComplicationPatch(
        outcome="recovered", outcome_date=today, serious=True, serious_reason="hospitalisation"
    )
    services.update(complication, patch, site.staff.user)
    new = _export_at(complication, morning + timedelta(seconds=7))

    (old_case,), (new_case,) = read(old), read(new)
    assert old_case.most_recent == new_case.most_recent == today
    assert (old_case.most_recent_at, new_case.most_recent_at) == (morning, morning + timedelta(seconds=7))
    assert latest_versions([new_case, old_case]) == [new_case] == latest_versions([old_case, new_case])
    assert new_case.reactions[0].outcome is Outcome.RECOVERED
    assert _ids(old, OID_BATCH_ID) != _ids(new, OID_BATCH_ID)
    assert set(_ids(old, OID_MESSAGE_ID)) & set(_ids(new, OID_MESSAGE_ID)) == {old_case.safety_report_id}
    assert check(old) == [] and check(new) == []


def test_something_else_is_reported_in_the_patients_own_words_not_as_something_else(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A complication recorded from a 'something else' check-in: E.i.1.1a was 'Something else', which tells a
    regulator nothing. It is the patient's words (Arabic ones with E.i.1.1b 'ara'), not MedDRA-coded, and
    the narrative names both; a code without a description keeps its name."""
    treatment, _ = make_treatment(site, make_patient(site, name="Layla Haddad"), days_ago=3)
    checkin, _ = submit(
        treatment.link,
        {
            "symptoms": [
                {"code": "something_else", "severity": "moderate", "description": "صداع\u202e  شديد"},
                {"code": "redness", "severity": "mild", "trend": "same", "spreading": False},
            ]
        },
    )
    complication = services.create(
        treatment,
        ComplicationIn(onset_date=timezone.localdate(), grade=2, relatedness="possibly"),
        by=site.staff.user,
        checkin=checkin,
    )
    xml = icsr.icsr_xml(complication)
    (made,) = read(xml)
    described, redness = made.reactions
    assert (described.reported_term, described.language) == ("صداع شديد", "ara")
    assert described.meddra_code is None
    assert (redness.reported_term, redness.language) == ("Redness", "eng")
    assert "Something else (in the patient's words: \u201cصداع شديد\u201d)" in made.narrative
    assert check(xml) == []

    english, _ = submit(
        treatment.link,
        {"symptoms": [{"code": "something_else", "severity": "mild", "description": "a headache"}]},
    )
    complication = services.create(
        treatment,
        ComplicationIn(onset_date=timezone.localdate(), grade=1, relatedness="possibly"),
        by=site.staff.user,
        checkin=english,
    )
    (made,) = read(icsr.icsr_xml(complication))
    assert [(r.reported_term, r.language) for r in made.reactions] == [("a headache", "eng")]
    assert icsr.language_of("pain for ٣ days، still") == "eng"  # Arabic digits and comma: no Arabic word
