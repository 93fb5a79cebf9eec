"""A check-in's answers in words: only the follow-up questions that applied to each symptom on the check-in's
day are named, "not asked" where one applied but no answer was stored (never a default such as "Mild" or
"The same"), and older check-ins shown with what they stored."""

from __future__ import annotations

from mesosafe.checkins.answers import symptom_lines
from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb

DAY_2 = 2.0  # "since yesterday" applies (trend_from_day is 1)


def _name(code: str, lang: Lang = Lang.EN) -> str:
    return load_kb().effects[code].name.get(lang)


def test_a_symptom_that_asks_nothing_shows_just_its_name() -> None:
    """Review item 3: "Difficulty breathing (how bad: not asked, since yesterday: not asked, spreading: not
    asked)" for questions an emergency never has."""
    answers = {"symptoms": [{"code": "breathing_difficulty"}, {"code": "pus"}], "temperature_c": None}
    assert symptom_lines(answers, Lang.EN, days=DAY_2) == [_name("breathing_difficulty"), _name("pus")]


def test_a_question_the_symptom_never_has_is_not_named() -> None:
    """Review item 3: pain is never asked whether it is spreading."""
    answers = {"symptoms": [{"code": "pain", "severity": "moderate", "trend": "same"}], "temperature_c": 38.4}
    assert symptom_lines(answers, Lang.EN, days=DAY_2) == [
        f"{_name('pain')} (how bad: Moderate, since yesterday: The same)",
        "Temperature 38.4 °C",
    ]


def test_since_yesterday_is_not_named_on_the_day_of_treatment() -> None:
    answers = {"symptoms": [{"code": "redness", "severity": "mild", "spreading": False}]}
    assert symptom_lines(answers, Lang.EN, days=0.3) == [f"{_name('redness')} (how bad: Mild, spreading: no)"]


def test_a_question_that_applied_but_a_red_flag_stopped_reads_not_asked() -> None:
    answers = {"symptoms": [{"code": "chest_pain"}, {"code": "pain"}, {"code": "redness"}]}
    lines = symptom_lines(answers, Lang.EN, days=DAY_2)
    assert lines == [
        _name("chest_pain"),
        f"{_name('pain')} (how bad: not asked, since yesterday: not asked)",
        f"{_name('redness')} (how bad: not asked, since yesterday: not asked, spreading: not asked)",
    ]
    assert not any("Mild" in line or "The same" in line for line in lines)


def test_with_the_day_unknown_every_question_the_symptom_asks_is_named() -> None:
    """A caller that does not pass the day gets "since yesterday" too: a "not asked" too many, never one too
    few."""
    answers = {"symptoms": [{"code": "pain", "severity": "severe"}, {"code": "fever"}]}
    assert symptom_lines(answers, Lang.EN, days=None) == [
        f"{_name('pain')} (how bad: Severe, since yesterday: not asked)",
        _name("fever"),
    ]


def test_a_check_in_stored_before_shows_what_it_stored() -> None:
    """Before the follow-up questions depended on the symptom, every answer was stored (the schema's
    defaults included): those rows keep showing them, "not spreading" as "no"."""
    old = {"symptoms": [{"code": "fever", "severity": "mild", "trend": "same", "spreading": False}]}
    shown = f"{_name('fever')} (how bad: Mild, since yesterday: The same, spreading: no)"
    assert symptom_lines(old, Lang.EN, days=DAY_2) == [shown]


def test_a_code_no_longer_known_shows_its_code_and_what_it_stored() -> None:
    answers = {"symptoms": [{"code": "gone_code", "severity": "mild"}, {"code": "other_gone"}]}
    assert symptom_lines(answers, Lang.EN, days=DAY_2) == ["gone_code (how bad: Mild)", "other_gone"]


def test_in_arabic() -> None:
    answers = {
        "symptoms": [
            {"code": "breathing_difficulty"},
            {"code": "redness", "spreading": True},
            {"code": "pain"},
        ]
    }
    lines = symptom_lines(answers, Lang.AR, days=0.5)  # whatever language is active
    assert lines == [
        _name("breathing_difficulty", Lang.AR),
        f"{_name('redness', Lang.AR)} (الشدة: لم يُسأل، ينتشر: نعم)",
        f"{_name('pain', Lang.AR)} (الشدة: لم يُسأل)",
    ]


def test_something_else_shows_the_patients_own_words_quoted_after_its_answers() -> None:
    answers = {
        "symptoms": [{"code": "something_else", "severity": "mild", "description": "a metallic taste"}]
    }
    [line] = symptom_lines(answers, Lang.EN, days=DAY_2)
    assert line.head == "Something else (how bad: Mild), as written:"
    assert line.words == "a metallic taste"
    assert line == "Something else (how bad: Mild), as written: \u201c\u2068a metallic taste\u2069\u201d"


def test_the_own_words_keep_their_direction_and_digits_in_an_arabic_line() -> None:
    words = "ألم في الأسنان منذ ٣ أيام"
    answers = {"symptoms": [{"code": "something_else", "severity": "severe", "description": words}]}
    [line] = symptom_lines(answers, Lang.AR, days=DAY_2)
    assert line.head.startswith(_name("something_else", Lang.AR)) and line.head.endswith("كما كُتب:")
    assert line.words == words  # as written: its digits too
    assert line.endswith(f"\u00ab\u2068{words}\u2069\u00bb")  # isolated, so it cannot reorder the line


def test_without_words_a_line_has_none() -> None:
    answers = {"symptoms": [{"code": "something_else", "severity": "moderate"}]}
    [line] = symptom_lines(answers, Lang.EN, days=DAY_2)
    assert (line, line.words) == ("Something else (how bad: Moderate)", "")
