"""patients/migrations: screenings a patient made before the form asked four questions lose their "no"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mesosafe.patients.models import Patient, Screening
from tests.service_fixtures import Site

BEFORE = ("patients", "0003_patient_idempotency_key")
AFTER = ("patients", "0004_unasked_screening_flags")
NEVER_ASKED = ("sunburn_at_site", "keloid_history", "previous_anaphylaxis", "previous_mesotherapy_reaction")


@pytest.mark.django_db(transaction=True)
def test_a_patients_never_asked_no_becomes_not_asked(
    site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    old_form = {"age": 30, "pregnant": False, **dict.fromkeys(NEVER_ASKED, False)}
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps.get_model("patients", "Screening")
        made = {"decision": "proceed", "kb_version": "kb-old", "patient_id": patient.id}
        own = old.objects.create(answers=old_form, **made)
        said_yes = old.objects.create(answers={**old_form, "previous_anaphylaxis": True}, **made)
        by_staff = old.objects.create(answers=old_form, created_by_id=site.staff.user.id, **made)
        MigrationExecutor(connection).migrate([AFTER])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert Screening.objects.get(pk=own.pk).answers == {
        "age": 30,
        "pregnant": False,
        **dict.fromkeys(NEVER_ASKED),
    }
    kept = Screening.objects.get(pk=said_yes.pk).answers
    assert kept["previous_anaphylaxis"] is True and kept["keloid_history"] is None
    assert Screening.objects.get(pk=by_staff.pk).answers == old_form
