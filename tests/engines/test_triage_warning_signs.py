"""One test per rule added for the emergencies of injection medicine (issue 12), each with its source."""

from __future__ import annotations

import pytest

from mesosafe.engines.results import TriageResult
from mesosafe.knowledge import Disposition, load
from tests.engines.conftest import check

CLINIC, URGENT, EMERGENCY = Disposition.CONTACT_CLINIC, Disposition.URGENT, Disposition.EMERGENCY
KB = load()


def cites(result: TriageResult, rule: str, words: str) -> bool:
    """Whether the reason of `rule` cites a publication containing `words`."""
    reason = next(r for r in result.reasons if r.rule == rule)
    return any(words in (s.publication or "") for s in reason.sources)


# Murray 2021 (J Clin Aesthet Dermatol 14(5):E61): blanching, mottling, dusky skin = vascular occlusion
@pytest.mark.parametrize("day", [0, 1, 5, 30])
def test_pale_or_dusky_skin_is_urgent_on_any_day(day: float) -> None:
    result = check(day, "pale_or_dusky_skin")
    assert result.disposition is URGENT
    assert cites(result, "vascular_compromise", "Vascular Occlusion")


# Walker 2021 / Beleznay 2015: vision change after an injection is an emergency
def test_pale_skin_with_a_vision_change_is_an_emergency() -> None:
    result = check(0, "pale_or_dusky_skin", "vision_change")
    assert result.disposition is EMERGENCY
    assert cites(result, "pale_or_dusky_skin.with_vision_change", "Vision Loss")


# NHS Sepsis; NICE NG51: mottled or ashen skin with an infection is a high-risk sign
@pytest.mark.parametrize(("reported", "temperature"), [(("fever",), None), ((), 38.0), ((), 39.2)])
def test_pale_skin_with_a_fever_is_an_emergency(reported: tuple[str, ...], temperature: float | None) -> None:
    result = check(2, "pale_or_dusky_skin", *reported, temperature_c=temperature)
    assert result.disposition is EMERGENCY
    assert cites(result, "pale_or_dusky_skin.with_fever", "NG51")
    assert check(2, "pale_or_dusky_skin", temperature_c=37.9).disposition is URGENT


@pytest.mark.parametrize(
    ("code", "source"),
    [
        ("vision_change", "Vision Loss"),
        ("face_weakness_or_speech", "Stroke"),
        ("chest_pain", "When to call 999"),
        ("confusion", "Sepsis"),
    ],
)
def test_emergency_signs_are_emergencies_on_any_day_with_no_question(code: str, source: str) -> None:
    for day in (0, 3, 60):
        result = check(day, code)
        assert result.disposition is EMERGENCY
        assert result.watch_for == []
    assert KB.effects[code].asks == []
    assert any(source in (s.publication or "") for s in KB.effects[code].sources)


# WAO 2020, criterion 2: syncope or collapse after a likely allergen
def test_fainting_alone_is_urgent() -> None:
    result = check(0, "fainting")
    assert result.disposition is URGENT
    assert cites(result, "fainting_after_treatment", "World Allergy Organization")


# WAO 2020, criterion 1: skin or mucosa plus breathing or circulation = anaphylaxis
@pytest.mark.parametrize(
    "sign",
    [
        "hives",
        "face_throat_swelling",
        {"code": "rash", "severity": "mild", "spreading": True},
        {"code": "itching", "severity": "mild", "trend": "same", "spreading": True},
        {"code": "rash"},  # spreading not asked yet (a first step): anaphylaxis cannot be excluded
    ],
)
def test_fainting_with_an_allergy_skin_sign_is_an_emergency(sign: object) -> None:
    result = check(0, "fainting", sign)  # type: ignore[arg-type]
    assert result.disposition is EMERGENCY
    assert cites(result, "fainting.with_allergy_skin_sign", "criterion 1")


def test_fainting_with_a_rash_that_is_not_spreading_is_urgent() -> None:
    result = check(0, "fainting", {"code": "rash", "severity": "mild", "spreading": False})
    assert result.disposition is URGENT


def test_fainting_with_difficulty_breathing_is_an_emergency() -> None:
    result = check(0, "fainting", "breathing_difficulty")
    assert result.disposition is EMERGENCY
    assert cites(result, "fainting.with_breathing_difficulty", "World Allergy Organization")


# NHS Sepsis; NICE NG51: very unwell with an infection
def test_feeling_very_unwell_alone_needs_the_clinic() -> None:
    assert check(1, "very_unwell").disposition is CLINIC


@pytest.mark.parametrize(("reported", "temperature"), [(("fever",), None), ((), 38.3)])
def test_feeling_very_unwell_with_a_fever_is_urgent(
    reported: tuple[str, ...], temperature: float | None
) -> None:
    result = check(1, "very_unwell", *reported, temperature_c=temperature)
    assert result.disposition is URGENT
    assert cites(result, "very_unwell.with_fever", "Sepsis")


SEVERE_PAIN = {"code": "pain", "severity": "severe"}


# Murray 2021: pain out of proportion, worsening, is a sign of vascular compromise; before, intense pain
# counted only after day 2
@pytest.mark.parametrize("day", [1, 1.5, 2])
def test_severe_worsening_pain_in_the_first_days_is_urgent(day: float) -> None:
    result = check(day, {**SEVERE_PAIN, "trend": "worse"})
    assert result.disposition is URGENT
    assert cites(result, "early_pain_out_of_proportion", "Vascular Occlusion")


@pytest.mark.parametrize(
    "skin", ["pale_or_dusky_skin", {"code": "dark_patch", "spreading": True}, {"code": "dark_patch"}]
)
def test_severe_pain_with_pale_or_spreading_dark_skin_is_urgent_on_day_0(skin: object) -> None:
    result = check(0, SEVERE_PAIN, skin)  # type: ignore[arg-type]
    assert result.disposition is URGENT
    assert "severe_pain_with_skin_change" in {r.rule for r in result.reasons}


def test_the_missed_case_of_the_clinical_review_is_caught() -> None:
    """Severe day-0 pain with darkening skin was `contact_clinic` (issue 12): now urgent."""
    assert check(0, SEVERE_PAIN, {"code": "dark_patch", "spreading": True}).disposition is URGENT


def test_severe_pain_on_day_0_is_urgent_as_it_may_be_getting_worse() -> None:
    # "Since yesterday" is not asked on day 0: the early-pain rule says the worst cannot be excluded
    result = check(0, SEVERE_PAIN)
    assert result.disposition is URGENT
    assert "early_pain_out_of_proportion" in {r.rule for r in result.reasons}
    assert check(1, {**SEVERE_PAIN, "trend": "improving"}).disposition is CLINIC


# Murray 2021: a dark, dusky patch spreading from an injection is occlusion until shown otherwise
def test_a_spreading_dark_patch_is_urgent_even_with_little_pain() -> None:
    result = check(0, {"code": "dark_patch", "spreading": True}, {"code": "pain", "severity": "mild"})
    assert result.disposition is URGENT
    assert cites(result, "dark_patch.spreading", "Vascular Occlusion")
    assert check(20, {"code": "dark_patch", "spreading": False}).disposition is CLINIC


# NICE NG51: a recent invasive procedure is a sepsis risk factor; NTM after mesotherapy with malaise
@pytest.mark.parametrize(
    ("day", "other"),
    [(30, {"code": "lump", "severity": "mild", "trend": "same"}), (3, "pus"), (2, "open_sore")],
)
def test_very_unwell_with_an_infection_sign_or_a_late_lump_is_urgent(day: float, other: object) -> None:
    result = check(day, "very_unwell", other)  # type: ignore[arg-type]
    assert result.disposition is URGENT
    assert {"very_unwell.with_late_lump", "very_unwell.with_infection_sign"} & {
        r.rule for r in result.reasons
    }


def test_a_dark_patch_points_to_pale_or_dusky_skin_in_both_languages() -> None:
    dark = KB.effects["dark_patch"]
    pale = KB.effects["pale_or_dusky_skin"]
    for lang in ("en", "ar"):
        assert pale.name.get(lang) in dark.description.get(lang)
        assert pale.name.get(lang) in dark.patient_text.get(lang)
    assert "brown" in dark.name.en.lower() and "slowly" in dark.description.en


# NHS "High temperature (fever) in adults": "usually considered to be 38C or above"
def test_the_fever_threshold_cites_a_page_that_says_it() -> None:
    fever = KB.triage.fever
    assert fever.threshold_c == 38.0
    assert "nhs.uk/conditions/fever-in-adults" in (fever.sources[0].publication or "")
    result = check(1, temperature_c=38.0)
    assert cites(result, "fever_measured", "38C or above")


@pytest.mark.parametrize(
    ("effect", "rule"),
    [
        ("bruising", "bruising.severe_spreading"),
        ("bleeding", "bleeding.heavy"),
        ("rash", "rash.severe"),
        ("hives", "hives.severe"),
    ],
)
def test_escalations_cite_their_own_source_not_the_effects_seed(effect: str, rule: str) -> None:
    escalation = next(r for r in KB.effects[effect].escalate if r.id == rule)
    assert escalation.sources
    assert any(s.publication for s in escalation.sources)
