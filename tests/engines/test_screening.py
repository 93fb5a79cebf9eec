"""One test per screening rule, each with the seed sentence it comes from."""

from __future__ import annotations

from typing import Any

import pytest

from mesosafe.engines import Intake, parse, screen
from mesosafe.engines.inputs import YES_NO, Medication
from mesosafe.knowledge import Decision, Lang, load

FLAGS = list(YES_NO)
ALL_NO = dict.fromkeys(FLAGS, False)  # every yes/no question asked and answered "no"


def decide(**fields: Any) -> Any:
    return screen(parse(Intake, {"age": 35, **ALL_NO, **fields}))


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


# A week covers warfarin's 5 days (ACCP 2012) and the DOACs' 1 to 4 (PAUSE 2019); a course that ended before
# that no longer thins the blood, but the patient is told only a doctor stops one (blind review 32, r32_i18).
@pytest.mark.parametrize(
    ("days", "decision"),
    [
        (0, "clinician_review"),
        (6, "clinician_review"),
        (7, "proceed_with_precautions"),
        (30, "proceed_with_precautions"),
    ],
)
def test_an_anticoagulant_stopped_more_than_a_week_ago_no_longer_needs_a_clinician(
    days: int, decision: str
) -> None:
    result = decide(medications=[med("rivaroxaban", days, prescribed=True)])
    assert result.decision is Decision(decision)
    stopped = [r for r in result.reasons if r.rule == "anticoagulant_stopped"]
    assert bool(stopped) is (days >= 7)
    assert all("only on a doctor's advice" in r.text for r in stopped)


# An anticoagulant is prescription-only, so "prescribed" unticked still needs a clinician; the text must not
# claim the patient ticked it (pages review, stop 28).
@pytest.mark.parametrize("lang", [Lang.EN, Lang.AR])
def test_an_anticoagulant_not_ticked_prescribed_needs_a_clinician_without_claiming_it_was(lang: Lang) -> None:
    result = screen(parse(Intake, {"age": 35, **ALL_NO, "medications": [med("warfarin", 1)]}), lang)
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == "prescribed_anticoagulant"
    assert "You take a prescribed" not in result.reasons[0].text
    assert "لديك دواء مميّع للدم بوصفة طبية" not in result.reasons[0].text


def test_prescribed_aspirin_needs_a_clinician_not_a_pause() -> None:
    result = decide(medications=[med("aspirin", 0, prescribed=True)])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.defer_days is None


@pytest.mark.parametrize("days", [0, 1, 4, 8])
def test_prescribed_left_out_is_judged_as_prescribed_for_every_catalogue_medicine(days: float) -> None:
    """Left out, "prescribed" was False: the rules for a medicine bought over the counter (pause it for 3
    to 5 days) answered for a clopidogrel or a low-dose aspirin that a doctor may have prescribed."""
    for medicine in load().screening.medicines:
        name = medicine.aliases[0]
        unknown = decide(medications=[{"name": name, "last_taken_days_ago": days}])
        assert unknown.decision is decide(medications=[med(name, days, prescribed=True)]).decision, name
        assert unknown.decision >= decide(medications=[med(name, days)]).decision, name


@pytest.mark.parametrize("lang", [Lang.EN, Lang.AR])
def test_an_aspirin_not_said_prescribed_or_not_needs_a_clinician_without_claiming_it_was(lang: Lang) -> None:
    medication = {"name": "aspirin", "last_taken_days_ago": 1}
    result = screen(parse(Intake, {"age": 35, **ALL_NO, "medications": [medication]}), lang)
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == "prescribed_blood_thinner"
    assert "prescribed you" not in result.reasons[0].text and "وصف لك طبيب دواءً" not in result.reasons[0].text


def test_paracetamol_is_not_a_blood_thinner() -> None:
    assert decide(medications=[med("paracetamol", 0)]).decision is Decision.PROCEED


# A medicine the catalogue does not know is never a silent "go ahead" (issue 12)
def test_an_unknown_medicine_needs_a_clinician_who_is_told_its_name() -> None:
    result = decide(medications=[med("ramipril", 0)])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == "unknown_medicine"
    assert result.reasons[0].detail == "ramipril"


# Isotretinoin: the package insert advises 6 months off it before cosmetic procedures (Waldman 2017, ASDS)
@pytest.mark.parametrize("name", ["isotretinoin", "Roaccutane", "Acnotin", "zoretanin", "روكتان", "أكنوتين"])
def test_isotretinoin_in_the_last_six_months_needs_a_clinician(name: str) -> None:
    result = decide(medications=[med(name, 60)])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == "recent_isotretinoin"
    assert "Dermatol Surg 2017" in (result.reasons[0].sources[0].publication or "")
    assert decide(medications=[med(name, 200)]).decision is Decision.PROCEED


# Aspirin's effect lasts 7-10 days (Douketis 2012, Chest): a precaution, and the 3-day defer is kept
@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, Decision.DEFER),
        (3, Decision.PROCEED_WITH_PRECAUTIONS),
        (9.5, Decision.PROCEED_WITH_PRECAUTIONS),
        (10, Decision.PROCEED),
    ],
)
def test_aspirin_within_ten_days_is_at_least_a_precaution(days: float, expected: Decision) -> None:
    result = decide(medications=[med("aspirin", days)])
    assert result.decision is expected
    if expected is Decision.PROCEED_WITH_PRECAUTIONS:
        assert result.reasons[0].rule == "antiplatelet_within_10_days"
        assert any("Chest 2012" in (s.publication or "") for s in result.reasons[0].sources)


# "Avoid excessive sun exposure and skin irritants a week before the session" (seed 000): ordinary sun is a
# precaution with advice; a sunburn, peeling or a fresh tan at the site defers (issue 12)
def test_ordinary_sun_within_a_week_is_a_precaution_with_advice() -> None:
    result = decide(sun_exposure_days_ago=3)
    assert result.decision is Decision.PROCEED_WITH_PRECAUTIONS
    assert "sunscreen" in result.reasons[0].text
    assert decide(sun_exposure_days_ago=7).decision is Decision.PROCEED


def test_a_sunburn_at_the_site_defers() -> None:
    result = decide(sunburn_at_site=True, sun_exposure_days_ago=1)
    assert result.decision is Decision.DEFER
    assert result.defer_days == pytest.approx(7)
    assert result.reasons[0].rule == "sunburn_at_site"


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("keloid_history", "keloid_history"),
        ("previous_anaphylaxis", "previous_anaphylaxis"),
        ("previous_mesotherapy_reaction", "previous_mesotherapy_reaction"),
    ],
)
def test_keloids_anaphylaxis_or_a_reaction_to_mesotherapy_need_a_clinician(field: str, rule: str) -> None:
    result = decide(**{field: True})
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == rule
    assert result.reasons[0].sources


# Allergy by ingredient class (issue 12): the class or its source names every member
@pytest.mark.parametrize(
    ("allergy", "ingredient"),
    [
        ("soy", "phosphatidylcholine"),
        ("فول الصويا", "phosphatidylcholine"),
        ("local anaesthetic", "lidocaine"),
        ("بنج", "lidocaine"),
        ("allergic to local anesthetics", "procaine"),
        ("procaine", "benzocaine"),  # esters cross-react (Bhole 2012)
    ],
)
def test_an_allergy_to_an_ingredient_class_matches_its_members(allergy: str, ingredient: str) -> None:
    result = decide(allergies=[allergy], formulation=[ingredient, "vitamin c"])
    assert result.decision is Decision.DO_NOT_TREAT
    assert result.reasons[0].rule == "allergy_to_ingredient"
    assert ingredient in (result.reasons[0].detail or "")


# One substance under several names (generic, former British, brand, salt) is one allergy (review, stop 28)
@pytest.mark.parametrize(
    ("allergy", "ingredient"),
    [
        ("lignocaine", "lidocaine"),
        ("Xylocaine", "Lidocaine HCl 2%"),
        ("lidocaine", "xylocaine"),
        ("sodium deoxycholate", "deoxycholic acid"),
        ("deoxycholate", "PC DC"),
        ("vitamin B12", "cyanocobalamin"),
    ],
)
def test_an_allergy_under_another_name_of_the_substance_is_not_treated(allergy: str, ingredient: str) -> None:
    result = decide(allergies=[allergy], formulation=[ingredient])
    assert result.decision is Decision.DO_NOT_TREAT
    assert result.reasons[0].rule == "allergy_to_ingredient"


@pytest.mark.parametrize("nothing", ["none", "None", "NKDA", "no known allergies", "n/a", "لا يوجد", "No"])
def test_an_entry_that_declares_nothing_is_no_entry(nothing: str) -> None:
    result = decide(allergies=[nothing], conditions=[nothing], medications=[med(nothing, 0)])
    assert result.decision is Decision.PROCEED
    assert result.reasons == []


def test_a_real_entry_beside_one_that_declares_nothing_still_counts() -> None:
    assert decide(allergies=["none", "latex"]).decision is Decision.PROCEED_WITH_PRECAUTIONS
    assert decide(conditions=["no diabetes"]).decision is Decision.CLINICIAN_REVIEW  # the whole entry only


@pytest.mark.parametrize("written", ["pregnant", "I am pregnant", "breastfeeding", "حامل", "مرضعة"])
def test_pregnancy_or_breastfeeding_written_among_conditions_needs_a_clinician(written: str) -> None:
    result = decide(conditions=[written])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == "pregnancy_or_breastfeeding_written"
    assert decide(conditions=[written], pregnant=True).decision is Decision.DO_NOT_TREAT


def test_amide_local_anaesthetics_are_not_matched_to_each_other() -> None:
    # Amides rarely cross-react (Bhole 2012): the allergy history precaution, and the clinician decides
    result = decide(allergies=["lidocaine"], formulation=["mepivacaine"])
    assert result.decision is Decision.PROCEED_WITH_PRECAUTIONS


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("عندي سكر", "medical_condition"),
        ("السكر", "medical_condition"),
        ("كيماوي", "medical_condition"),
        ("سيولة في الدم", "medical_condition"),
    ],
)
def test_arabic_words_patients_write_are_recognised(written: str, code: str) -> None:
    result = decide(conditions=[written])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert result.reasons[0].rule == code


def test_skin_irritants_within_a_week_defer() -> None:
    assert decide(skin_irritants_days_ago=2).defer_days == pytest.approx(5)


def test_the_longest_wait_is_given() -> None:
    assert decide(skin_irritants_days_ago=3, medications=[med("ibuprofen", 1)]).defer_days == pytest.approx(4)


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


@pytest.mark.parametrize(
    "condition", ["severe asthma", "leukaemia", "psoriasis flare on the cheeks", "صدفية"]
)
def test_a_condition_we_cannot_recognise_needs_a_clinician(condition: str) -> None:
    result = decide(conditions=[condition])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert [(r.rule, r.detail) for r in result.reasons] == [("other_condition", condition)]


def test_nothing_declared_is_not_a_condition() -> None:
    assert decide(conditions=["none"]).decision is Decision.PROCEED


# "you may be administered a local anaesthetic" (seed 001)
def test_a_low_pain_threshold_is_offered_anaesthetic() -> None:
    result = decide(low_pain_threshold=True)
    assert result.decision is Decision.PROCEED_WITH_PRECAUTIONS
    assert "numbing" in result.reasons[0].text


def test_minors_need_a_clinician() -> None:
    assert decide(age=16).decision is Decision.CLINICIAN_REVIEW
    assert decide(age=18).decision is Decision.PROCEED


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
    assert Medication(name="x", last_taken_days_ago=0).prescribed is None  # not asked, never a made-up "no"


def test_a_question_left_out_is_not_asked_not_no() -> None:
    """A flag left out stays unknown (None), meets no rule of its own, and is named by `not_asked` (a
    precaution: the clinic asks it); an explicit null is the same. Review stop 30, r30_i15 and r30_i16."""
    intake = parse(Intake, {"age": 35, "pregnant": None})
    assert len(FLAGS) == 9 and all(getattr(intake, name) is None for name in FLAGS)
    result = screen(intake)
    assert result.decision is Decision.PROCEED_WITH_PRECAUTIONS
    assert [(r.rule, r.detail) for r in result.reasons] == [
        (
            "not_asked",
            "pregnancy, breastfeeding, an infection, cold sore or wound where you will be treated, bruising "
            "from the last session, sensitivity to pain, sunburn or a fresh tan where you will be treated, "
            "keloid scars, a severe allergic reaction (anaphylaxis), an earlier reaction to mesotherapy",
        )
    ]
    only_pregnancy = screen(parse(Intake, {**ALL_NO, "age": 35, "pregnant": None}), Lang.AR)
    assert [(r.rule, r.detail) for r in only_pregnancy.reasons] == [("not_asked", "الحمل")]
    assert decide().decision is Decision.PROCEED
    assert decide(previous_anaphylaxis=True).decision is Decision.CLINICIAN_REVIEW


def test_questions_not_asked_are_listed_with_the_arabic_comma_in_arabic() -> None:
    """The Arabic detail joined its names with a Latin ", " ("الحمل, رد فعل …"); Arabic lists with "، "."""
    intake = parse(Intake, {**ALL_NO, "age": 35, "pregnant": None, "previous_mesotherapy_reaction": None})
    [reason] = screen(intake, Lang.AR).reasons
    assert reason.detail == "الحمل، رد فعل سابق تجاه الميزوثيرابي"
    [reason] = screen(intake, Lang.EN).reasons
    assert reason.detail == "pregnancy, an earlier reaction to mesotherapy"


def test_every_yes_no_question_is_named_when_not_asked() -> None:
    """A flag added to the intake is added to the `not_asked` rule too, or leaving it out would be "no"."""
    (rule,) = [r for r in load().screening.rules if r.kind == "not_asked"]
    assert [q.field for q in rule.questions] == FLAGS


# Stop 33: an entry was one medicine, the first it mentioned; "panadol, methotrexate" screened as paracetamol
# and the methotrexate was never reviewed. Every medicine named counts, and words beyond the names, doses and
# joining words are an unknown medicine or condition, for a clinician.
@pytest.mark.parametrize(
    "name", ["panadol, methotrexate", "paracetamol and ramipril", "Panadol Extra", "panadol methotrexate"]
)
def test_words_beyond_a_known_medicine_are_an_unknown_medicine(name: str) -> None:
    medication = {"name": name, "last_taken_days_ago": 0, "prescribed": True}
    result = decide(medications=[medication])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert ("unknown_medicine", name) in [(r.rule, r.detail) for r in result.reasons]


@pytest.mark.parametrize("name", ["Panadol 500mg twice daily", "paracetamol 1 g as needed", "بنادول ٥٠٠ ملغ"])
def test_a_dose_and_how_often_are_not_an_unknown_medicine(name: str) -> None:
    medication = {"name": name, "last_taken_days_ago": 0, "prescribed": True}
    assert "unknown_medicine" not in {r.rule for r in decide(medications=[medication]).reasons}


def test_every_medicine_an_entry_names_is_judged() -> None:
    medication = {"name": "aspirin and warfarin", "last_taken_days_ago": 0, "prescribed": True}
    rules = {r.rule for r in decide(medications=[medication]).reasons}
    assert {"prescribed_anticoagulant", "prescribed_blood_thinner"} <= rules


@pytest.mark.parametrize("condition", ["diabetes and leukaemia", "lupus, heart valve replacement"])
def test_words_beyond_a_known_condition_are_an_unknown_condition(condition: str) -> None:
    result = decide(conditions=[condition])
    assert result.decision is Decision.CLINICIAN_REVIEW
    assert ("other_condition", condition) in [(r.rule, r.detail) for r in result.reasons]
