"""Common medicines and conditions the knowledge base recognises with nothing (or one named precaution) to do
for mesotherapy (blind review 33): they no longer send an intake to a clinician on their own, while text
nobody has read still does, and nothing already judged stricter is ever lowered.

The knowledge base "as it was" is the same one without the recognised entries and their rules: every intake
that names none of them exactly is screened by both alike, reason for reason."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesosafe.engines import Intake, parse, screen
from mesosafe.engines.inputs import YES_NO
from mesosafe.engines.matching import normalise
from mesosafe.engines.screening import recognised
from mesosafe.knowledge import Decision, KnowledgeBase, Lang, load
from mesosafe.knowledge.schema import MedicalCondition

KB = load()
SCREENING = KB.screening
FLAGS = list(YES_NO)
ALL_NO = dict.fromkeys(FLAGS, False)

NEW_MEDICINES = [m for m in SCREENING.medicines if m.drug_class == "no_concern"]
NEW_CONDITIONS = [c for c in SCREENING.conditions if c.matched == "whole_entry"]
NEW_CODES = {c.code for c in NEW_CONDITIONS}
NEW_RULES = {r.id for r in SCREENING.rules if "no_concern" in r.drug_classes or set(r.conditions) & NEW_CODES}
# What each recognised condition asks for, at most: nothing, or a precaution the clinic takes
CONDITION_LEVEL = {
    code: max(Decision(r.decision) for r in SCREENING.rules if code in r.conditions) for code in NEW_CODES
}


def _as_it_was(kb: KnowledgeBase) -> KnowledgeBase:
    """`kb` without the recognised entries and their rules: the knowledge base before stop 33."""
    screening = kb.screening.model_copy(
        update={
            "medicines": [m for m in kb.screening.medicines if m not in NEW_MEDICINES],
            "conditions": [c for c in kb.screening.conditions if c not in NEW_CONDITIONS],
            "rules": [r for r in kb.screening.rules if r.id not in NEW_RULES],
        }
    )
    return dataclasses.replace(kb, screening=screening)


OLD = _as_it_was(KB)
NEW_ALIASES = {normalise(a) for entry in [*NEW_MEDICINES, *NEW_CONDITIONS] for a in entry.aliases}


def decide(kb: KnowledgeBase = KB, lang: Lang = Lang.EN, **fields: Any) -> Any:
    return screen(parse(Intake, {"age": 35, **ALL_NO, **fields}), lang, kb)


def med(name: str, days: float = 0, prescribed: bool | None = True) -> dict[str, Any]:
    return {"name": name, "last_taken_days_ago": days, "prescribed": prescribed}


def test_the_set_is_small_and_each_entry_names_the_monograph_it_was_checked_against() -> None:
    assert {m.code for m in NEW_MEDICINES} == {"loratadine", "fexofenadine", "levothyroxine", "salbutamol"}
    assert {"hay_fever", "hypothyroidism", "high_cholesterol", "asthma", "hypertension"} == NEW_CODES
    for medicine in NEW_MEDICINES:
        (source,) = medicine.sources
        assert "Summary of Product Characteristics, section 4.8" in (source.publication or ""), medicine.code
        assert "no bleeding or bruising, immunosuppression, photosensitivity or impaired healing" in (
            source.publication or ""
        )


@pytest.mark.parametrize("name", [a for m in NEW_MEDICINES for a in m.aliases])
def test_a_recognised_medicine_alone_proceeds_and_says_it_was_recognised(name: str) -> None:
    result = decide(medications=[med(name)])
    assert result.decision is Decision.PROCEED
    assert [(r.rule, r.detail) for r in result.reasons] == [("recognised_medicine_no_concern", name)]
    assert "Keep taking it as usual" in result.reasons[0].text
    arabic = decide(lang=Lang.AR, medications=[med(name)]).reasons[0].text
    assert "يُرجى الاستمرار في تناوله كالمعتاد" in arabic


@pytest.mark.parametrize(
    ("condition", "rule", "decision"),
    [
        ("hay fever", "recognised_condition_no_concern", Decision.PROCEED),
        ("حمى القش", "recognised_condition_no_concern", Decision.PROCEED),
        ("hypothyroidism, controlled", "recognised_condition_no_concern", Decision.PROCEED),
        ("High cholesterol", "recognised_condition_no_concern", Decision.PROCEED),
        ("asthma, well controlled", "asthma_reliever_at_hand", Decision.PROCEED_WITH_PRECAUTIONS),
        ("الربو", "asthma_reliever_at_hand", Decision.PROCEED_WITH_PRECAUTIONS),
        ("hypertension, well controlled", "blood_pressure_measured", Decision.PROCEED_WITH_PRECAUTIONS),
        ("ارتفاع ضغط الدم", "blood_pressure_measured", Decision.PROCEED_WITH_PRECAUTIONS),
    ],
)
def test_a_recognised_condition_gives_its_own_answer(condition: str, rule: str, decision: Decision) -> None:
    result = decide(conditions=[condition])
    assert result.decision is decision
    assert [(r.rule, r.detail) for r in result.reasons] == [(rule, condition)]


def test_high_blood_pressure_is_measured_at_the_clinic_and_180_110_waits() -> None:
    result = decide(conditions=["high blood pressure"])
    assert "180/110" in result.reasons[0].text
    assert "Anaesthesia 2016" in (result.reasons[0].sources[0].publication or "")


# Matched by mention, "loratadine and ramipril" was loratadine and the ramipril was never reviewed: an entry
# that screens below an unknown one is matched only as the whole entry (engines/screening.py `recognised`).
@pytest.mark.parametrize(
    "name",
    [
        "loratadine and ramipril",
        "ramipril, loratadine",
        "Ventolin plus prednisolone",
        "levothyroxine 100 micrograms and methotrexate",
        "loratidine",  # a misspelling not listed
        "ventoline",
        "cetirizine",  # checked and left out: very rare thrombocytopenia in its SmPC
        "amlodipine",  # checked and left out: purpura and photosensitivity uncommon
        "atorvastatin",  # checked and left out: nosebleeds common, thrombocytopenia rare
        "metformin",  # diabetes has its own rule; its medicine must not hide it
        "desloratadine",
    ],
)
def test_anything_but_a_whole_recognised_name_is_still_an_unknown_medicine(name: str) -> None:
    result = decide(medications=[med(name)])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert [(r.rule, r.detail) for r in result.reasons] == [("unknown_medicine", name)]


@pytest.mark.parametrize(
    "condition",
    [
        "hypertension, not controlled, last reading 185/110",
        "uncontrolled asthma",
        "severe asthma, two admissions this year",
        "hay fever and leukaemia",
        "high cholesterol, heart attack last year",
        "hypothyroidism after thyroid cancer",
        "hyperthyroidism",
    ],
)
def test_anything_but_a_whole_recognised_condition_is_still_unknown(condition: str) -> None:
    result = decide(conditions=[condition])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert [(r.rule, r.detail) for r in result.reasons] == [("other_condition", condition)]


def test_a_recognised_medicine_never_hides_diabetes_or_a_blood_thinner() -> None:
    assert decide(medications=[med("levothyroxine")], conditions=["diabetes"]).decision is (
        Decision.CLINICIAN_REVIEW
    )
    assert decide(medications=[med("loratadine"), med("warfarin")]).decision is Decision.CLINICIAN_REVIEW
    result = decide(medications=[med("fexofenadine", 1, prescribed=False), med("ibuprofen", 1, False)])
    assert result.decision is Decision.DEFER


def test_recognition_of_a_whole_entry_ignores_case_accents_and_punctuation_only() -> None:
    salbutamol, levothyroxine = (
        next(m for m in NEW_MEDICINES if m.code == c) for c in ("salbutamol", "levothyroxine")
    )
    assert recognised("  Ventolin Inhaler ", salbutamol)
    assert recognised("L-Thyroxine", levothyroxine)
    assert recognised("إلتروكسين", levothyroxine)
    assert not recognised("ventolin inhaler twice a day", salbutamol)
    assert not recognised("", salbutamol)


# --- properties: nothing judged before is judged differently; a recognised entry never lowers a decision ---

OLD_MEDICINE_NAMES = [a for m in OLD.screening.medicines for a in m.aliases]
OLD_CONDITION_NAMES = [a for c in OLD.screening.conditions for a in c.aliases]
NEW_MEDICINE_NAMES = [a for m in NEW_MEDICINES for a in m.aliases]
NEW_CONDITION_NAMES = [a for c in NEW_CONDITIONS for a in c.aliases]
UNKNOWN_TEXT = ["ramipril", "cetirizine", "amlodipine 5mg", "heart valve", "psoriasis flare", "لا أعرف"]


def _decorated(names: list[str]) -> st.SearchStrategy[str]:
    """A name as written, with a dose, or beside another medicine or condition (known or not)."""
    name = st.sampled_from(names)
    other = st.sampled_from([*OLD_MEDICINE_NAMES, *OLD_CONDITION_NAMES, *NEW_MEDICINE_NAMES, *UNKNOWN_TEXT])
    return st.one_of(
        name,
        name.map(lambda n: f"{n} 10mg"),
        st.tuples(name, other).map(lambda p: f"{p[0]} and {p[1]}"),
        st.tuples(other, name).map(lambda p: f"{p[0]}, {p[1]}"),
    )


def _medications(names: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    one = st.builds(
        med,
        names,
        st.sampled_from([0, 1, 2.5, 3, 5, 7, 9.5, 10, 30, 183, 200]),
        st.sampled_from([True, False, None]),
    )
    return st.lists(one, max_size=3)


NOT_NEW_MEDICINE = st.one_of(
    _decorated(OLD_MEDICINE_NAMES), _decorated(NEW_MEDICINE_NAMES), st.sampled_from(UNKNOWN_TEXT)
).filter(lambda n: normalise(n) not in NEW_ALIASES)
NOT_NEW_CONDITION = st.one_of(
    _decorated(OLD_CONDITION_NAMES), _decorated(NEW_CONDITION_NAMES), st.sampled_from(UNKNOWN_TEXT)
).filter(lambda n: normalise(n) not in NEW_ALIASES)


@st.composite
def intakes(draw: st.DrawFn, medicines: st.SearchStrategy[str], conditions: st.SearchStrategy[str]) -> Intake:
    flags = {flag: draw(st.sampled_from([False, False, False, True, None])) for flag in FLAGS}
    return parse(
        Intake,
        {
            "age": draw(st.sampled_from([16, 18, 35, 78])),
            **flags,
            "allergies": draw(st.sampled_from([[], ["penicillin"], ["lidocaine"], ["none"]])),
            "formulation": draw(st.sampled_from([["hyaluronic acid"], ["lidocaine", "vitamin C"]])),
            "medications": draw(_medications(medicines)),
            "conditions": draw(st.lists(conditions, max_size=3)),
            "sun_exposure_days_ago": draw(st.sampled_from([None, 1, 10])),
            "skin_irritants_days_ago": draw(st.sampled_from([None, 2, 10])),
        },
    )


def _answer(intake: Intake, kb: KnowledgeBase) -> tuple[Decision, float | None, list[tuple[str, Any]]]:
    result = screen(intake, Lang.EN, kb)
    return result.decision, result.defer_days, [(r.rule, r.detail) for r in result.reasons]


@settings(max_examples=300)
@given(intakes(NOT_NEW_MEDICINE, NOT_NEW_CONDITION))
def test_an_intake_naming_no_recognised_entry_exactly_is_screened_as_before(intake: Intake) -> None:
    """Every medicine and condition known before keeps exactly its answer; text that only contains a
    recognised name (beside other words, with a dose, misspelt) is as unknown as it was."""
    assert _answer(intake, KB) == _answer(intake, OLD)


@pytest.mark.parametrize("name", OLD_MEDICINE_NAMES)
def test_every_medicine_known_before_keeps_its_answer(name: str) -> None:
    for days in (0, 1, 3, 5, 7, 10, 200):
        for prescribed in (True, False, None):
            intake = parse(Intake, {"age": 35, **ALL_NO, "medications": [med(name, days, prescribed)]})
            assert _answer(intake, KB) == _answer(intake, OLD), (name, days, prescribed)


@pytest.mark.parametrize("name", OLD_CONDITION_NAMES)
def test_every_condition_known_before_keeps_its_answer(name: str) -> None:
    intake = parse(Intake, {"age": 35, **ALL_NO, "conditions": [name]})
    assert _answer(intake, KB) == _answer(intake, OLD)


ANY_MEDICINE = st.one_of(NOT_NEW_MEDICINE, st.sampled_from(NEW_MEDICINE_NAMES))
ANY_CONDITION = st.one_of(NOT_NEW_CONDITION, st.sampled_from(NEW_CONDITION_NAMES))


@settings(max_examples=300)
@given(
    intakes(ANY_MEDICINE, ANY_CONDITION),
    st.sampled_from(NEW_MEDICINE_NAMES),
    st.sampled_from([0, 1, 30]),
    st.sampled_from([True, False, None]),
)
def test_adding_a_recognised_medicine_never_lowers_a_decision(
    intake: Intake, name: str, days: int, prescribed: bool | None
) -> None:
    """The strictest reason still wins: a recognised medicine adds only a `proceed` reason."""
    before = screen(intake, Lang.EN, KB)
    added = intake.model_copy(
        update={"medications": [*intake.medications, parse_med(name, days, prescribed)]}
    )
    after = screen(added, Lang.EN, KB)
    assert after.decision is before.decision
    assert after.defer_days == before.defer_days


@settings(max_examples=300)
@given(intakes(ANY_MEDICINE, ANY_CONDITION), st.sampled_from(NEW_CONDITIONS))
def test_adding_a_recognised_condition_never_lowers_a_decision(
    intake: Intake, condition: MedicalCondition
) -> None:
    """It gives the stricter of the answer before and its own (nothing, or a precaution), never less."""
    before = screen(intake, Lang.EN, KB)
    for alias in condition.aliases:
        after = screen(intake.model_copy(update={"conditions": [*intake.conditions, alias]}), Lang.EN, KB)
        assert after.decision is max(before.decision, CONDITION_LEVEL[condition.code]), alias
        assert after.decision >= before.decision


def parse_med(name: str, days: float, prescribed: bool | None) -> Any:
    return parse(Intake, {"age": 35, "medications": [med(name, days, prescribed)]}).medications[0]


def test_a_recognised_entry_lowers_only_what_was_unknown() -> None:
    """Where the answer is lower than before, the only reasons gone are unknown_medicine and other_condition
    for the very names now recognised."""
    for name in NEW_MEDICINE_NAMES:
        intake = parse(Intake, {"age": 35, **ALL_NO, "medications": [med(name)]})
        assert _answer(intake, OLD)[2] == [("unknown_medicine", name)]
    for name in NEW_CONDITION_NAMES:
        intake = parse(Intake, {"age": 35, **ALL_NO, "conditions": [name]})
        assert _answer(intake, OLD)[2] == [("other_condition", name)]
