"""One test per screening rule, each with the seed sentence it comes from."""

from __future__ import annotations

from typing import Any

import pytest

from mesosafe.engines import Intake, parse, screen
from mesosafe.engines.inputs import Medication
from mesosafe.knowledge import Decision, Lang, load


def decide(**fields: Any) -> Any:
    return screen(parse(Intake, {"age": 35, **fields}))


def med(name: str, days: float, prescribed: bool = False) -> dict[str, Any]:
    return {"name": name, "last_taken_days_ago": days, "prescribed": prescribed}


def test_a_healthy_adult_can_proceed() -> None:
    result = decide(formulation=["hyaluronic acid"])
    assert result.decision is Decision.PROCEED
    assert result.reasons == []
    assert result.defer_days is None
    assert result.kb_version == load().version


# "It's generally not recommended to undergo Mesotherapy while pregnant or breastfeeding." (seed 000 FAQ)
@pytest.mark.parametrize("flag", ["pregnant", "breastfeeding"])
def test_pregnancy_and_breastfeeding_are_not_treated(flag: str) -> None:
    assert decide(**{flag: True}).decision is Decision.DO_NOT_TREAT


# "Allergic Reactions: Swelling, rash, or hives caused by sensitivity to ingredients" (seed 000)
def test_an_allergy_to_an_ingredient_is_not_treated() -> None:
    result = decide(allergies=["Lidocaine"], formulation=["lidocaine hydrochloride 1%", "vitamin C"])
    assert result.decision is Decision.DO_NOT_TREAT
    assert result.reasons[0].rule == "allergy_to_ingredient"
    assert "lidocaine" in (result.reasons[0].detail or "").lower()


def test_another_allergy_means_precautions() -> None:
    assert (
        decide(allergies=["penicillin"], formulation=["biotin"]).decision is Decision.PROCEED_WITH_PRECAUTIONS
    )


# "Avoid blood-thinning medications and supplements 3-5 days before treatment
# (after doctor's approval)" (seed 000)
@pytest.mark.parametrize(
    "name",
    [
        "Ibuprofen 400mg",
        "aspirin",
        "Aleve",
        "fish oil",
        "Omega-3",
        "vitamin E",
        "ginkgo biloba",
        "garlic pills",
        "ginseng",
        "أسبرين",
    ],
)
def test_blood_thinners_taken_recently_defer(name: str) -> None:
    result = decide(medications=[med(name, 1)])
    assert result.decision is Decision.DEFER
    assert result.defer_days == pytest.approx(2)


def test_a_blood_thinner_paused_three_days_ago_is_fine() -> None:
    assert decide(medications=[med("ibuprofen", 3)]).decision is Decision.PROCEED


# Never advise stopping a prescribed medicine without the prescriber (issue 2).
@pytest.mark.parametrize("name", ["warfarin", "Eliquis", "rivaroxaban", "dabigatran", "clopidogrel"])
def test_prescribed_anticoagulants_need_a_clinician(name: str) -> None:
    result = decide(medications=[med(name, 0, prescribed=True)])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert "Do not stop" in result.reasons[0].text


def test_prescribed_aspirin_needs_a_clinician_not_a_pause() -> None:
    result = decide(medications=[med("aspirin", 0, prescribed=True)])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.defer_days is None


def test_paracetamol_is_not_a_blood_thinner() -> None:
    assert decide(medications=[med("paracetamol", 0)]).decision is Decision.PROCEED


def test_an_unknown_medicine_means_precautions() -> None:
    result = decide(medications=[med("levothyroxine", 0)])
    assert result.decision is Decision.PROCEED_WITH_PRECAUTIONS
    assert result.reasons[0].detail == "levothyroxine"


# "Avoid excessive sun exposure and skin irritants a week before the session" (seed 000)
def test_sun_within_a_week_defers_until_the_week_is_over() -> None:
    result = decide(sun_exposure_days_ago=3)
    assert result.decision is Decision.DEFER
    assert result.defer_days == pytest.approx(4)
    assert decide(sun_exposure_days_ago=7).decision is Decision.PROCEED


def test_skin_irritants_within_a_week_defer() -> None:
    assert decide(skin_irritants_days_ago=2).defer_days == pytest.approx(5)


def test_the_longest_wait_is_given() -> None:
    assert decide(sun_exposure_days_ago=3, medications=[med("ibuprofen", 1)]).defer_days == pytest.approx(4)


# "The main risk ... is the obtaining of a severe skin infection" (seed 001)
def test_an_infection_at_the_site_needs_a_clinician() -> None:
    assert decide(active_skin_infection_at_site=True).decision is Decision.CLINICIAN_REVIEW


# "you are unable to undergo any subsequent mesotherapy treatments until the bruising is gone" (seed 001)
def test_unresolved_bruising_defers() -> None:
    result = decide(unresolved_bruising_from_previous_session=True)
    assert result.decision is Decision.DEFER
    assert result.defer_days == pytest.approx(7)


# "Pre-existing medical conditions or medications" influence side effects (seed 000)
@pytest.mark.parametrize(
    "condition", ["Type 2 diabetes", "immunosuppressed", "lupus", "haemophilia", "السكري"]
)
def test_listed_conditions_need_a_clinician(condition: str) -> None:
    assert decide(conditions=[condition]).decision is Decision.CLINICIAN_REVIEW


def test_other_conditions_mean_precautions() -> None:
    assert decide(conditions=["asthma"]).decision is Decision.PROCEED_WITH_PRECAUTIONS


# "you may be administered a local anaesthetic" (seed 001)
def test_a_low_pain_threshold_is_offered_anaesthetic() -> None:
    result = decide(low_pain_threshold=True)
    assert result.decision is Decision.PROCEED_WITH_PRECAUTIONS
    assert "numbing" in result.reasons[0].text


def test_minors_need_a_clinician() -> None:
    assert screen(parse(Intake, {"age": 16})).decision is Decision.CLINICIAN_REVIEW
    assert screen(parse(Intake, {"age": 18})).decision is Decision.PROCEED


def test_the_most_restrictive_rule_wins_and_all_reasons_are_listed() -> None:
    result = decide(pregnant=True, sun_exposure_days_ago=1, low_pain_threshold=True, conditions=["diabetes"])
    assert result.decision is Decision.DO_NOT_TREAT
    assert [r.rule for r in result.reasons] == [
        "pregnancy",
        "medical_condition",
        "recent_sun",
        "low_pain_threshold",
    ]
    assert result.defer_days is None


def test_reasons_in_arabic() -> None:
    result = screen(Intake(age=30, pregnant=True), Lang.AR)
    assert result.label == "العلاج غير موصى به"
    assert "الحمل" in result.reasons[0].text


def test_every_flag_rule_names_a_real_intake_field() -> None:
    for rule in load().screening.rules:
        if rule.field:
            assert rule.field in Intake.model_fields, rule.id


def test_medication_model_is_exported() -> None:
    assert Medication(name="x", last_taken_days_ago=0).prescribed is False
