"""One test per triage rule, each with the seed sentence (or publication) it comes from."""

from __future__ import annotations

import pytest

from mesosafe.engines import CheckIn, InputError, triage
from mesosafe.engines.triage import watch_for
from mesosafe.knowledge import Disposition, Lang, load
from tests.engines.conftest import check

SELF, CLINIC, URGENT, EMERGENCY = (
    Disposition.SELF_CARE,
    Disposition.CONTACT_CLINIC,
    Disposition.URGENT,
    Disposition.EMERGENCY,
)


def test_nothing_reported_is_self_care() -> None:
    result = check(2)
    assert result.disposition is SELF
    assert result.next_session_ok
    assert result.kb_version == load().version


# "Redness and Swelling: Usually mild, lasting a few hours to days" (seed 000, Common Side Effects)
def test_mild_redness_in_its_window_is_expected() -> None:
    result = check(1, {"code": "redness", "severity": "mild", "trend": "improving", "spreading": False})
    assert result.disposition is SELF
    assert result.expected[0].code == "redness"
    assert result.expected[0].resolves_by_day == 3
    assert result.reasons[0].rule == "redness.expected"


# "Bruising may last up to one week" (seed 000, FAQ); "Most bruises will disappear after around two weeks.
# If the bruise is still there after two weeks, see your GP." (NHS, the bruising grace window)
@pytest.mark.parametrize(
    ("day", "severity", "trend", "expected"),
    [
        (6, "mild", "same", SELF),
        (7, "moderate", "same", SELF),
        (8, "mild", "improving", SELF),  # in its grace days
        (14, "mild", "improving", SELF),
        (14.5, "mild", "improving", CLINIC),  # past the grace
        (8, "mild", "same", CLINIC),  # not improving: no grace
        (8, "moderate", "improving", CLINIC),  # not mild: no grace
    ],
)
def test_bruising_past_a_week_needs_the_clinic_unless_mild_and_improving(
    day: float, severity: str, trend: str, expected: Disposition
) -> None:
    bruise = {"code": "bruising", "severity": severity, "trend": trend, "spreading": False}
    assert check(day, bruise).disposition is expected


def test_the_grace_window_says_the_day_and_cites_its_source() -> None:
    result = check(10, {"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False})
    assert result.reasons[0].rule == "bruising.grace"
    assert "day 14" in result.reasons[0].text
    assert any("nhs.uk" in (s.publication or "") for s in result.reasons[0].sources)
    assert result.expected[0].resolves_by_day == 14
    arabic = triage(
        CheckIn(
            days_since_treatment=10,
            symptoms=[{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}],
        ),  # type: ignore[list-item]
        Lang.AR,
    )
    assert "١٤" in arabic.reasons[0].text


# "you are unable to undergo any subsequent mesotherapy treatments until the bruising is gone" (seed 001)
def test_bruising_blocks_the_next_session() -> None:
    result = check(3, "bruising")
    assert result.disposition is SELF
    assert not result.next_session_ok


# "Tenderness or Pain: Mild soreness or discomfort that subsides within 1-2 days" (seed 000)
def test_pain_past_its_window_needs_the_clinic_unless_mild_and_improving() -> None:
    assert check(1, "pain").disposition is SELF
    assert check(3, {"code": "pain", "severity": "mild", "trend": "same"}).disposition is CLINIC
    assert check(3, {"code": "pain", "severity": "moderate", "trend": "improving"}).disposition is CLINIC
    assert check(5, {"code": "pain", "severity": "mild", "trend": "improving"}).disposition is SELF  # grace
    assert check(7.5, {"code": "pain", "severity": "mild", "trend": "improving"}).disposition is CLINIC


# "Intense pain that does not improve after a few days" (seed 000, When to Seek Medical Attention)
def test_intense_pain_not_improving_is_urgent() -> None:
    severe = {"code": "pain", "severity": "severe", "trend": "same"}
    assert check(4, severe).disposition is URGENT
    assert check(4, {**severe, "trend": "improving"}).disposition is CLINIC
    assert check(1, severe).disposition is CLINIC


# "you may also experience some itching ... however this should last less that a day" (seed 001)
def test_itching_past_a_day_needs_the_clinic_unless_mild_and_improving() -> None:
    itching = {"code": "itching", "severity": "mild", "trend": "improving", "spreading": False}
    assert check(0.5, "itching").disposition is SELF
    assert check(3, {**itching, "trend": "same"}).disposition is CLINIC
    assert check(3, {**itching, "severity": "moderate"}).disposition is CLINIC
    assert check(6, itching).disposition is SELF  # grace: seed 000, "itching as the skin heals"
    assert check(8, itching).disposition is CLINIC


# A mild, improving effect is self-care until the end of the first week (seed 000: "Most side effects fade
# within a few days; bruising may last up to one week"); burning, short-term in seed 001, until day 3 only.
# A lump too (stop 33, r31_c11): one that "stays, grows, hurts, or appears after the first week" is examined.
@pytest.mark.parametrize(
    ("code", "last_day"), [("redness", 7), ("swelling", 7), ("pain", 7), ("burning", 3), ("lump", 7)]
)
def test_a_mild_improving_effect_has_grace_days(code: str, last_day: int) -> None:
    answers = {"severity": "mild", "trend": "improving", "spreading": False}
    report = {"code": code, **{q: answers[q] for q in load().effects[code].asks}}
    inside, after = check(last_day, report), check(last_day + 0.5, report)
    assert inside.disposition is SELF and f"{code}.grace" in {r.rule for r in inside.reasons}
    assert f"day {last_day}" in inside.reasons[0].text
    assert after.disposition is CLINIC and "course.past_window" in {r.rule for r in after.reasons}


# WAO Anaphylaxis Guidance 2020: generalised itch is skin involvement of an allergic reaction (blind review)
def test_itching_that_spreads_needs_the_clinic_even_when_mild_and_improving() -> None:
    spreading = {"code": "itching", "severity": "mild", "trend": "improving", "spreading": True}
    result = check(1, spreading)
    assert result.disposition is CLINIC and "itching.spreading" in {r.rule for r in result.reasons}
    assert "itching" not in {course.code for course in result.expected}  # not told it will pass in a day
    assert check(1, {**spreading, "spreading": False}).disposition is SELF


# "numbness ... should ease within the two weeks after the procedure" (seed 001)
def test_numbness_past_two_weeks_needs_the_clinic() -> None:
    assert check(10, "numbness").disposition is SELF
    assert check(20, "numbness").disposition is CLINIC


# Course rule: worsening instead of improving escalates (issue 2; seed 001 "contact your practitioner")
def test_a_worsening_expected_effect_needs_the_clinic() -> None:
    result = check(1, {"code": "swelling", "trend": "worse"})
    assert result.disposition is CLINIC
    assert "course.worsening" in {r.rule for r in result.reasons}


def test_more_severe_than_expected_needs_the_clinic() -> None:
    assert check(1, {"code": "bleeding", "severity": "moderate"}).disposition is CLINIC


# "Severe swelling or redness spreading beyond treatment areas" (seed 000)
@pytest.mark.parametrize("code", ["redness", "swelling"])
def test_spreading_or_severe_redness_and_swelling_are_urgent(code: str) -> None:
    assert check(1, {"code": code, "spreading": True}).disposition is URGENT
    assert check(1, {"code": code, "severity": "severe"}).disposition is URGENT


# "Signs of infection such as pus, warmth, or fever" (seed 000)
@pytest.mark.parametrize("code", ["pus", "fever", "open_sore"])
def test_signs_of_infection_are_urgent(code: str) -> None:
    assert check(2, code).disposition is URGENT


# Warmth alone, mild and not worsening: contact the clinic; hotter, worse, spreading, with redness that
# spreads or worsens, pus or fever: urgent (NHS Cellulitis; issue 12)
MILD_WARMTH = {"code": "warmth", "severity": "mild", "trend": "same", "spreading": False}


def test_mild_warmth_alone_is_at_most_the_clinic() -> None:
    assert check(0, {"code": "warmth", "severity": "mild", "spreading": False}).disposition is SELF
    assert check(3, {**MILD_WARMTH, "trend": "improving"}).disposition is SELF  # fading: its grace days
    result = check(3, MILD_WARMTH)
    assert result.disposition is CLINIC
    assert check(4, {**MILD_WARMTH, "trend": "improving"}).disposition is CLINIC
    assert any("cellulitis" in (s.publication or "") for s in load().effects["warmth"].sources)


@pytest.mark.parametrize(
    "extra",
    [
        {"severity": "moderate"},
        {"trend": "worse"},
        {"spreading": True},
    ],
)
def test_warmth_that_is_more_than_mild_is_urgent(extra: dict[str, object]) -> None:
    assert check(3, {**MILD_WARMTH, **extra}).disposition is URGENT


@pytest.mark.parametrize(
    "other",
    [
        {"code": "redness", "severity": "mild", "trend": "worse", "spreading": False},
        {"code": "redness", "severity": "mild", "trend": "same", "spreading": True},
        "pus",
        "fever",
    ],
)
def test_warmth_with_spreading_redness_pus_or_fever_is_urgent(other: object) -> None:
    assert check(3, MILD_WARMTH, other).disposition is URGENT  # type: ignore[arg-type]
    assert check(3, MILD_WARMTH, temperature_c=38.1).disposition is URGENT
    redness = {"code": "redness", "severity": "mild", "trend": "improving", "spreading": False}
    assert check(3, MILD_WARMTH, redness).disposition is CLINIC


# Fever: temperature of 38.0 °C or more (issue 2)
@pytest.mark.parametrize(
    ("temperature", "expected"), [(37.5, SELF), (37.99, SELF), (38.0, URGENT), (39.4, URGENT)]
)
def test_measured_fever_is_urgent(temperature: float, expected: Disposition) -> None:
    result = check(2, temperature_c=temperature)
    assert result.disposition is expected
    if expected is URGENT:
        assert result.reasons[0].rule == "fever_measured"


# Hypothermia: below 35 °C (NHS); between 35 and 36 °C a reading alone is not judged (stop 30)
@pytest.mark.parametrize(
    ("temperature", "expected"),
    [(32.0, URGENT), (33.5, URGENT), (34.0, URGENT), (34.99, URGENT), (35.0, SELF), (35.9, SELF)],
)
def test_a_very_low_temperature_is_urgent(temperature: float, expected: Disposition) -> None:
    result = check(2, temperature_c=temperature)
    assert result.disposition is expected
    if expected is URGENT:
        assert [r.rule for r in result.reasons] == ["very_low_temperature_measured"]
        assert "Measure it again" in result.reasons[0].text


# "Allergic reactions like difficulty breathing or widespread rash" (seed 000) + anaphylaxis guidance
@pytest.mark.parametrize("code", ["breathing_difficulty", "face_throat_swelling"])
def test_anaphylaxis_signs_are_an_emergency(code: str) -> None:
    result = check(0, code)
    assert result.disposition is EMERGENCY
    assert result.reasons[0].level == "emergency"


def test_a_local_rash_needs_the_clinic_and_a_widespread_one_is_urgent() -> None:
    assert check(1, "rash").disposition is CLINIC
    assert check(1, {"code": "rash", "spreading": True}).disposition is URGENT
    assert check(1, {"code": "hives", "spreading": True}).disposition is URGENT


# "Hyperpigmentation: Temporary darkening of the skin" (seed 000, less common)
def test_a_dark_patch_needs_the_clinic() -> None:
    assert check(10, "dark_patch").disposition is CLINIC


# "These lumps should subside within a couple of days" (seed 001)
def test_small_bumps_in_the_first_days_are_expected() -> None:
    assert check(1, "lump").disposition is SELF
    assert check(4, {"code": "lump", "severity": "mild", "trend": "same"}).disposition is CLINIC
    assert check(4, {"code": "lump", "severity": "moderate", "trend": "improving"}).disposition is CLINIC


# Atypical mycobacteria appear 1-12 weeks after, often without fever (DESIGN; Galmés-Truyols 2011;
# Rivera-Olivero 2006): a painless late lump that is not growing needs an exam within days, with a culture.
@pytest.mark.parametrize("day", [7.5, 21, 45, 84])
def test_a_painless_late_lump_needs_an_exam_within_days(day: float) -> None:
    result = check(day, {"code": "lump", "severity": "mild", "trend": "same"})
    assert result.disposition is CLINIC
    late = next(r for r in result.reasons if r.rule == "late_lump")
    assert "mesotherapy" in late.text and "mycobacteria" in late.text and "in person" in late.text
    assert any(s.publication for s in late.sources)


@pytest.mark.parametrize(
    ("lump", "other"),
    [
        ({"code": "lump", "severity": "mild", "trend": "worse"}, None),
        (
            {"code": "lump", "severity": "mild", "trend": "same"},
            {"code": "pain", "severity": "mild", "trend": "same"},
        ),
        (
            {"code": "lump", "severity": "mild", "trend": "same"},
            {"code": "warmth", "severity": "mild", "trend": "same", "spreading": False},
        ),
        ({"code": "lump", "severity": "mild", "trend": "same"}, "open_sore"),
    ],
)
def test_a_late_lump_that_grows_hurts_or_drains_is_urgent(lump: dict[str, str], other: object) -> None:
    result = check(21, lump, *([other] if other else []))  # type: ignore[list-item]
    assert result.disposition is URGENT
    assert {"late_lump_growing", "late_lump_inflamed"} & {r.rule for r in result.reasons}


# Patients do not reliably tell a lump from swelling (blind clinical review, stop 28): late swelling or
# redness that grows and hurts or feels warm is judged as the inflamed late lump is.
@pytest.mark.parametrize("grows", ["swelling", "redness"])
@pytest.mark.parametrize("with_", ["pain", "warmth"])
def test_late_swelling_or_redness_that_grows_and_hurts_is_urgent(grows: str, with_: str) -> None:
    growing = {"code": grows, "severity": "moderate", "trend": "worse", "spreading": False}
    other = {"code": with_, "severity": "mild", "trend": "same"}
    if with_ == "warmth":
        other["spreading"] = False  # type: ignore[assignment]
    result = check(30, growing, other)
    assert result.disposition is URGENT
    assert "late_swelling_inflamed" in {r.rule for r in result.reasons}


def test_late_swelling_that_grows_alone_or_in_the_first_week_is_for_the_clinic() -> None:
    alone = {"code": "swelling", "severity": "mild", "trend": "worse", "spreading": False}
    pain = {"code": "pain", "severity": "mild", "trend": "worse"}
    assert check(10, alone).disposition is CLINIC
    assert check(5, alone, pain).disposition is CLINIC


# Pinpoint bleeding stops within the first day (seed 001); mild oozing that is settling on day 2 is resolving
def test_mild_improving_bleeding_on_day_2_is_in_its_grace() -> None:
    settling = {"code": "bleeding", "severity": "mild", "trend": "improving"}
    assert check(2, settling).disposition is SELF
    assert check(3, settling).disposition is CLINIC
    assert check(2, {**settling, "trend": "same"}).disposition is CLINIC


# "Persistent lumps or scarring developing at injection sites" (seed 000): seek medical advice, not today
def test_scarring_alone_needs_the_clinic() -> None:
    assert check(30, "scarring").disposition is CLINIC


@pytest.mark.parametrize("other", ["open_sore", "pus", "fever"])
def test_scarring_with_a_sore_pus_or_fever_is_urgent(other: str) -> None:
    result = check(30, "scarring", other)
    assert result.disposition is URGENT
    assert {"scarring_infected", "scarring_with_fever"} & {r.rule for r in result.reasons}


def test_a_large_spreading_bruise_is_urgent() -> None:
    assert check(2, {"code": "bruising", "severity": "severe", "spreading": True}).disposition is URGENT


def test_the_worst_symptom_decides_and_all_reasons_are_listed() -> None:
    result = check(1, "bruising", "breathing_difficulty", "pus")
    assert result.disposition is EMERGENCY
    levels = [r.level for r in result.reasons]
    assert levels == sorted(levels, key=lambda level: -Disposition(level).rank)
    # the bruise's questions were not asked (a red flag stops them): not assessed, never "expected"
    assert {"anaphylaxis", "infection_signs", "bruising.not_assessed"} <= {r.rule for r in result.reasons}
    assert "pus.not_expected" not in {r.rule for r in result.reasons}  # infection_signs already says it


def test_a_symptom_that_is_never_expected_gives_its_own_reason_when_no_rule_fires() -> None:
    result = check(1, "dark_patch")
    assert [r.rule for r in result.reasons] == ["dark_patch.not_expected"]
    assert not result.next_session_ok


def test_reasons_come_in_the_requested_language() -> None:
    check_in = CheckIn(days_since_treatment=21, symptoms=[{"code": "lump", "trend": "worse"}])  # type: ignore[list-item]
    arabic = triage(check_in, Lang.AR)
    assert arabic.label == "يجب طلب رعاية طبية اليوم"
    assert "تكتّل" in arabic.reasons[0].text
    assert all(s.seed or s.publication for r in arabic.reasons for s in r.sources)


def test_watch_for_lists_every_red_flag_emergency_first() -> None:
    result = check(1)
    assert len(result.watch_for) == len({f.watch_for.en for f in load().triage.red_flags})
    assert len(set(result.watch_for)) == len(result.watch_for)
    assert "breathe" in result.watch_for[0]


@pytest.mark.parametrize("disposition", list(Disposition))
def test_watch_for_lists_only_signs_that_would_raise_the_level(disposition: Disposition) -> None:
    flags = load().triage.red_flags
    lines = watch_for(load(), Lang.EN, disposition)
    assert set(lines) == {f.watch_for.en for f in flags if f.to.rank > disposition.rank}


def test_a_fever_result_does_not_say_get_help_sooner_if_you_have_a_fever() -> None:
    result = check(2, temperature_c=38.6)
    fired = {r.rule for r in result.reasons}
    assert result.disposition is URGENT
    assert not {f.watch_for.en for f in load().triage.red_flags if f.id in fired} & set(result.watch_for)
    assert result.watch_for
    assert check(1, {"code": "breathing_difficulty", "severity": "severe"}).watch_for == []


def test_an_unknown_symptom_code_names_the_field() -> None:
    check_in = CheckIn(days_since_treatment=1, symptoms=[{"code": "blister"}])  # type: ignore[list-item]
    with pytest.raises(InputError) as error:
        triage(check_in)
    assert error.value.field == "symptoms[0].code"


# --- a symptom whose questions were not asked (a red flag stopped them) is not assessed (review F8) -------

CHEST_AND_PAIN = {"days_since_treatment": 2, "symptoms": [{"code": "chest_pain"}, {"code": "pain"}]}


@pytest.mark.parametrize("lang", list(Lang))
def test_a_symptom_whose_questions_were_not_asked_is_not_assessed_never_expected(lang: Lang) -> None:
    result = triage(CheckIn.model_validate(CHEST_AND_PAIN), lang)
    chest_only = triage(
        CheckIn.model_validate({**CHEST_AND_PAIN, "symptoms": [{"code": "chest_pain"}]}), lang
    )
    rules = [r.rule for r in result.reasons]
    assert "pain.expected" not in rules and "pain.grace" not in rules
    assert result.expected == []
    assert result.disposition is chest_only.disposition is EMERGENCY
    assert result.next_session_ok is chest_only.next_session_ok
    assert rules == [*[r.rule for r in chest_only.reasons], "pain.not_assessed"]  # the red flag leads
    reason = result.reasons[-1]
    assert reason.entry == "pain" and reason.level == EMERGENCY.value  # the check-in's own: never lower
    not_assessed = load().triage.questions.not_assessed.get(lang)
    assert reason.text == f"{load().effects['pain'].name.get(lang)}: {not_assessed}"
    assert reason.sources == load().triage.questions.sources
    assert ("Not assessed" if lang is Lang.EN else "لم يُقيَّم") in reason.text


def test_not_assessed_never_raises_the_disposition() -> None:
    """Without the contract (only the engine): a bare report of an expected effect stays at its floor."""
    result = check(2, "pain")
    assert result.disposition is SELF
    assert [(r.rule, r.level) for r in result.reasons] == [("pain.not_assessed", SELF.value)]
    assert result.expected == [] and not result.next_session_ok  # not assessed: no next session yet


def test_one_unknown_answer_that_its_rules_read_is_enough_to_be_not_assessed() -> None:
    # severity given but "since yesterday" not: a worse trend would have needed the clinic
    result = check(2, "breathing_difficulty", {"code": "pain", "severity": "mild"})
    assert "pain.not_assessed" in {r.rule for r in result.reasons} and result.expected == []


def test_answered_symptoms_beside_a_red_flag_keep_their_expected_course() -> None:
    pain = {"code": "pain", "severity": "mild", "trend": "improving"}
    result = check(1, "chest_pain", pain)
    assert "pain.expected" in {r.rule for r in result.reasons}
    assert [c.code for c in result.expected] == ["pain"]


def test_a_question_that_does_not_apply_is_not_missing() -> None:
    # on the day of treatment "since yesterday" is not asked: the answers that apply are all given
    result = check(0, {"code": "pain", "severity": "mild"})
    assert [r.rule for r in result.reasons] == ["pain.expected"]
    assert [c.code for c in result.expected] == ["pain"]


def test_a_rule_that_fires_without_the_answers_still_speaks_for_the_symptom() -> None:
    result = check(10, "chest_pain", "pain")  # past its window and grace: the days alone say it
    rules = {r.rule for r in result.reasons}
    assert "course.past_window" in rules and "pain.not_assessed" not in rules
    assert result.expected == []


# "Something else" (effects.yaml something_else). Seed 001 "Risks & Side Effects of Mesotherapy", Common Side
# Effects: "If you are worried at all after your mesotherapy treatment, then you should contact your
# practitioner as soon as possible"; NHS "When to use 111": medical help fast when it is not a 999 emergency.
def something_else(severity: str, words: str | None = None) -> dict[str, str]:
    report = {"code": "something_else", "severity": severity}
    return {**report, "description": words} if words is not None else report


@pytest.mark.parametrize("day", [0, 1, 14, 60])
@pytest.mark.parametrize("severity", ["mild", "moderate"])
def test_something_else_is_never_expected_and_needs_the_clinic(day: float, severity: str) -> None:
    result = check(day, something_else(severity, "a headache"))
    assert result.disposition is CLINIC
    assert [r.rule for r in result.reasons] == ["something_else.not_expected"]
    assert result.reasons[0].sources[0].seed == "001_f6d5a4c351e0713e.txt"
    assert not result.next_session_ok  # blocks the next session until the clinic has looked at it


def test_something_else_that_is_severe_is_urgent_with_its_reason() -> None:
    result = check(1, something_else("severe"))
    assert result.disposition is URGENT
    assert [r.rule for r in result.reasons] == ["something_else.severe"]
    assert result.reasons[0].text.startswith("Something else: ")
    assert "when-to-use-111" in (result.reasons[0].sources[0].publication or "")
    arabic = triage(CheckIn.model_validate(something_else_check_in("severe")), Lang.AR)
    assert arabic.reasons[0].text.startswith("شيء آخر: ")


def something_else_check_in(severity: str) -> dict[str, object]:
    return {"days_since_treatment": 1, "symptoms": [something_else(severity)]}


def test_something_else_outranks_expected_healing_and_yields_to_warning_signs() -> None:
    redness = {"code": "redness", "severity": "mild", "trend": "improving", "spreading": False}
    assert check(1, redness).disposition is SELF
    assert check(1, redness, something_else("mild")).disposition is CLINIC
    assert check(1, something_else("mild"), "fever").disposition is URGENT
    assert check(1, something_else("mild"), "breathing_difficulty").disposition is EMERGENCY


@pytest.mark.parametrize("words", [None, "a metallic taste", "تساقط الشعر", "x" * 200])
def test_the_patients_own_words_never_change_the_triage(words: str | None) -> None:
    """The engine reads no text: the same answers with any description (or none) give the same result."""
    plain = check(3, something_else("moderate"))
    described = check(3, something_else("moderate", words))
    assert described.model_dump() == plain.model_dump()


def test_a_description_on_a_code_that_takes_none_is_refused_naming_the_field() -> None:
    data = {
        "days_since_treatment": 1,
        "symptoms": [{"code": "pain"}, {"code": "redness", "description": "sore"}],
    }
    with pytest.raises(InputError) as error:
        triage(CheckIn.model_validate(data))
    assert error.value.field == "symptoms[1].description"
    assert "'redness' takes no description" in error.value.message
