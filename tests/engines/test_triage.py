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
    result = check(1, "redness")
    assert result.disposition is SELF
    assert result.expected[0].code == "redness"
    assert result.expected[0].resolves_by_day == 3
    assert result.reasons[0].rule == "redness.expected"


# "Bruising may last up to one week" (seed 000, FAQ)
@pytest.mark.parametrize(("day", "expected"), [(6, SELF), (7, SELF), (8, CLINIC)])
def test_bruising_past_a_week_needs_the_clinic(day: float, expected: Disposition) -> None:
    assert check(day, "bruising").disposition is expected


# "you are unable to undergo any subsequent mesotherapy treatments until the bruising is gone" (seed 001)
def test_bruising_blocks_the_next_session() -> None:
    result = check(3, "bruising")
    assert result.disposition is SELF
    assert not result.next_session_ok


# "Tenderness or Pain: Mild soreness or discomfort that subsides within 1-2 days" (seed 000)
def test_pain_on_day_four_needs_the_clinic() -> None:
    assert check(1, "pain").disposition is SELF
    assert check(4, "pain").disposition is CLINIC


# "Intense pain that does not improve after a few days" (seed 000, When to Seek Medical Attention)
def test_intense_pain_not_improving_is_urgent() -> None:
    severe = {"code": "pain", "severity": "severe", "trend": "same"}
    assert check(4, severe).disposition is URGENT
    assert check(4, {**severe, "trend": "improving"}).disposition is CLINIC
    assert check(1, severe).disposition is CLINIC


# "you may also experience some itching ... however this should last less that a day" (seed 001)
def test_itching_past_a_day_needs_the_clinic() -> None:
    assert check(0.5, "itching").disposition is SELF
    assert check(3, "itching").disposition is CLINIC


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
@pytest.mark.parametrize("code", ["pus", "warmth", "fever", "open_sore"])
def test_signs_of_infection_are_urgent(code: str) -> None:
    assert check(2, code).disposition is URGENT


# Fever: temperature of 38.0 °C or more (issue 2)
@pytest.mark.parametrize(
    ("temperature", "expected"), [(37.5, SELF), (37.99, SELF), (38.0, URGENT), (39.4, URGENT)]
)
def test_measured_fever_is_urgent(temperature: float, expected: Disposition) -> None:
    result = check(2, temperature_c=temperature)
    assert result.disposition is expected
    if expected is URGENT:
        assert result.reasons[0].rule == "fever_measured"


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
    assert check(4, "lump").disposition is CLINIC


# Atypical mycobacteria appear 1-12 weeks after, often without fever (DESIGN; Galmés-Truyols 2011)
@pytest.mark.parametrize("day", [7.5, 21, 45, 84])
def test_a_lump_after_the_first_week_is_urgent_without_fever(day: float) -> None:
    result = check(day, {"code": "lump", "trend": "improving"})
    assert result.disposition is URGENT
    assert result.reasons[0].rule == "late_lump"
    assert any(s.publication for s in result.reasons[0].sources)


# "Persistent lumps or scarring developing at injection sites" (seed 000)
def test_scarring_is_urgent() -> None:
    assert check(30, "scarring").disposition is URGENT


def test_a_large_spreading_bruise_is_urgent() -> None:
    assert check(2, {"code": "bruising", "severity": "severe", "spreading": True}).disposition is URGENT


def test_the_worst_symptom_decides_and_all_reasons_are_listed() -> None:
    result = check(1, "bruising", "breathing_difficulty", "pus")
    assert result.disposition is EMERGENCY
    levels = [r.level for r in result.reasons]
    assert levels == sorted(levels, key=lambda level: -Disposition(level).rank)
    assert {"anaphylaxis", "infection_signs", "bruising.expected"} <= {r.rule for r in result.reasons}
    assert "pus.not_expected" not in {r.rule for r in result.reasons}  # infection_signs already says it


def test_a_symptom_that_is_never_expected_gives_its_own_reason_when_no_rule_fires() -> None:
    result = check(1, "dark_patch")
    assert [r.rule for r in result.reasons] == ["dark_patch.not_expected"]
    assert not result.next_session_ok


def test_reasons_come_in_the_requested_language() -> None:
    check_in = CheckIn(days_since_treatment=21, symptoms=[{"code": "lump"}])  # type: ignore[list-item]
    arabic = triage(check_in, Lang.AR)
    assert arabic.label == "يجب طلب رعاية طبية اليوم"
    assert "كتلة" in arabic.reasons[0].text
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
