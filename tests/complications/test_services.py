"""complications/services: a complication marked reported keeps its report's version (C.1.5) to the second,
so a change made the same day is a later version; the migration that made it a moment keeps older days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from mesosafe.checkins.services import submit
from mesosafe.complications import icsr, services
from mesosafe.complications.models import Complication
from mesosafe.complications.schemas import ComplicationIn, ComplicationPatch
from mesosafe.e2b import Case, read
from mesosafe.errors import DomainError
from mesosafe.patients.models import Patient
from tests.service_fixtures import Site

BEFORE = ("complications", "0002_icsr_report")
AFTER = ("complications", "0003_report_version_to_the_second")


def _complication(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> Complication:
    treatment, _ = make_treatment(site, make_patient(site), days_ago=10)
    data = ComplicationIn(
        onset_date=timezone.localdate() - timedelta(days=2),
        grade=2,
        relatedness="possibly",
        symptom_codes=["lump"],
    )
    return services.create(treatment, data, by=site.staff.user)


def _exported(complication: Complication) -> Case:
    (case,) = read(icsr.icsr_xml(complication))
    return case


def test_reported_keeps_the_reports_version_to_the_second(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    complication = _complication(site, make_patient, make_treatment)
    Complication.objects.filter(pk=complication.pk).update(updated_at=timezone.now() - timedelta(seconds=5))
    complication.refresh_from_db()
    sent = _exported(complication)
    services.update(complication, ComplicationPatch(reported_to_regulator=True), site.staff.user)
    complication.refresh_from_db()
    assert sent.most_recent_at is not None and complication.report_version == sent.most_recent_at
    assert _exported(complication).most_recent_at == sent.most_recent_at  # unchanged: the same version

    services.update(complication, ComplicationPatch(outcome="recovering"), site.staff.user)
    changed = _exported(Complication.objects.get(pk=complication.pk)).most_recent_at
    assert changed is not None and changed > complication.report_version  # later, even on the same day


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_reported_day_as_its_midnight_utc(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    reported, unreported = (_complication(site, make_patient, make_treatment) for _ in range(2))
    services.update(reported, ComplicationPatch(reported_to_regulator=True), site.staff.user)
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps.get_model("complications", "Complication")
        assert reported.report_version is not None
        assert (
            old.objects.get(pk=reported.pk).report_version == reported.report_version.astimezone(UTC).date()
        )
        old.objects.filter(pk=reported.pk).update(report_version=date(2026, 11, 3))
        MigrationExecutor(connection).migrate([AFTER])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    midnight = datetime(2026, 11, 3, tzinfo=UTC)
    assert Complication.objects.get(pk=reported.pk).report_version == midnight
    assert Complication.objects.filter(report_version__gte=midnight).count() == 1  # stored as a moment
    assert Complication.objects.get(pk=unreported.pk).report_version is None


def test_a_symptom_reported_twice_is_one_reaction_with_all_the_patients_words(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A check-in stored before a code could only be listed once may list it twice (two things 'not on the
    list'): the complication took both codes, and its ICSR had two reactions with one id (causality could
    not say which). The code is kept once, with every description; a code given twice by staff is refused
    naming the second."""
    treatment, _ = make_treatment(site, make_patient(site), days_ago=3)
    once = {"code": "something_else", "severity": "mild", "description": "a headache"}
    checkin, _ = submit(treatment.link, {"symptoms": [once]})
    checkin.answers["symptoms"].append({**once, "description": "a metallic taste"})  # as stored before
    checkin.save(update_fields=["answers"])
    data = ComplicationIn(onset_date=timezone.localdate(), grade=1, relatedness="possibly")
    complication = services.create(treatment, data, by=site.staff.user, checkin=checkin)
    assert complication.symptom_codes == ["something_else"]
    (made,) = read(icsr.icsr_xml(complication))
    assert [r.reported_term for r in made.reactions] == ["a headache; a metallic taste"]
    given = ComplicationIn(
        onset_date=timezone.localdate(), grade=1, relatedness="possibly", symptom_codes=["pus", "pus"]
    )
    with pytest.raises(DomainError) as refused:
        services.create(treatment, given, by=site.staff.user)
    assert refused.value.field == "symptom_codes[1]"


def test_two_changes_at_once_are_each_checked_against_the_other(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A change was checked against the complication as its request had read it: staff B raises a serious
    complication to grade 5 while staff A, who read it at grade 2, unmarks it serious; each passed, and the
    record was left grade 5 and not serious, which the rules refuse (its report then lacked the criterion).
    A change is checked against the record as it is when it is written (locked, read again)."""
    complication = _complication(site, make_patient, make_treatment)
    services.update(
        complication, ComplicationPatch(serious=True, serious_reason="hospitalisation"), by=site.staff.user
    )
    read_by_a = Complication.objects.get(pk=complication.pk)
    services.update(
        Complication.objects.get(pk=complication.pk), ComplicationPatch(grade=5), by=site.staff.user
    )
    with pytest.raises(DomainError) as refused:
        services.update(read_by_a, ComplicationPatch(serious=False, serious_reason=None), by=site.staff.user)
    assert refused.value.field == "serious"
    stored = Complication.objects.get(pk=complication.pk)
    assert (stored.grade, stored.serious, stored.serious_reason) == (5, True, "hospitalisation")
    changed = services.update(read_by_a, ComplicationPatch(outcome="recovering"), by=site.staff.user)
    assert changed.grade == 5 and changed.outcome == "recovering"  # what it answers is the record as written
