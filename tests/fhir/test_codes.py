"""mesosafe's CodeSystems are complete: every code the engines give and every code an export uses is in the
CodeSystem it names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from mesosafe.checkins.services import submit
from mesosafe.engines import CheckIn, Intake, parse, screen, triage
from mesosafe.fhir.bundle import patient_bundle
from mesosafe.fhir.codes import SYSTEMS
from mesosafe.fhir.definitions import code_systems
from mesosafe.knowledge import load
from mesosafe.patients.models import Patient
from tests.engines.test_vignettes import CHECKINS, INTAKES, as_sent
from tests.fhir.records import full_patient
from tests.service_fixtures import Site

KB = load()


def _defined(systems: list[dict[str, Any]]) -> dict[str, set[str]]:
    return {system["url"]: {c["code"] for c in system["concept"]} for system in systems}


def test_every_rule_a_vignette_is_given_is_in_the_rule_code_system() -> None:
    # as the API sends them, and as written (an answer left out: "not assessed")
    check_ins = [*(as_sent(v) for v in CHECKINS), *(parse(CheckIn, v["checkin"]) for v in CHECKINS)]
    given = {r.rule for check_in in check_ins for r in triage(check_in).reasons}
    given |= {r.rule for v in INTAKES for r in screen(parse(Intake, v["intake"])).reasons}
    missing = given - _defined(code_systems(KB))[SYSTEMS["rule"]]
    assert not missing, sorted(missing)
    assert {"bruising.expected", "pain.grace", "redness.not_assessed", "hives.not_expected"} <= given


def test_the_rule_code_system_counts_its_concepts_and_says_each_in_both_languages() -> None:
    (rules,) = [s for s in code_systems(KB) if s["url"] == SYSTEMS["rule"]]
    assert rules["content"] == "complete" and rules["count"] == len(rules["concept"])
    grace = next(c for c in rules["concept"] if c["code"] == "pain.grace")
    assert grace["display"].startswith("Pain or tenderness: ") and "{day}" not in grace["display"]
    assert "{day}" not in grace["designation"][0]["value"]


def _codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            yield value
        for inner in value.values():
            yield from _codings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _codings(inner)


def test_every_code_an_export_uses_is_in_the_code_system_it_names(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = full_patient(site, make_patient, make_treatment)
    submit(
        patient.treatments.get().link,
        {"symptoms": [{"code": "hives", "severity": "mild", "spreading": False}]},
    )
    made = patient_bundle(patient, KB)
    systems = [e["resource"] for e in made["entry"] if e["resource"]["resourceType"] == "CodeSystem"]
    defined = _defined(systems)
    used = [(c["system"], c["code"]) for c in _codings(made) if c["system"] in SYSTEMS.values()]
    assert (SYSTEMS["rule"], "hives.not_expected") in used
    assert [pair for pair in used if pair[1] not in defined[pair[0]]] == []
