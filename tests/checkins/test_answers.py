"""A check-in's answers in words: every follow-up question named, "not asked" where no answer was stored
(never a default such as "Mild" or "The same"), and older check-ins shown with what they stored."""

from __future__ import annotations

from mesosafe.checkins.answers import symptom_lines
from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb


def test_a_symptom_that_asks_nothing_reads_not_asked_for_each_question() -> None:
    lines = symptom_lines({"symptoms": [{"code": "breathing_difficulty"}], "temperature_c": None}, Lang.EN)
    name = load_kb().effects["breathing_difficulty"].name.en
    assert lines == [f"{name} (how bad: not asked, since yesterday: not asked, spreading: not asked)"]
    assert "Mild" not in lines[0] and "The same" not in lines[0]


def test_only_the_answers_given_have_values() -> None:
    answers = {"symptoms": [{"code": "pain", "severity": "severe"}], "temperature_c": 38.4}
    assert symptom_lines(answers, Lang.EN) == [
        f"{load_kb().effects['pain'].name.en} "
        "(how bad: Severe, since yesterday: not asked, spreading: not asked)",
        "Temperature 38.4 °C",
    ]


def test_a_check_in_stored_before_shows_what_it_stored() -> None:
    """Before the follow-up questions depended on the symptom, every answer was stored (the schema's
    defaults included): those rows keep showing them, "not spreading" as "no"."""
    old = {"symptoms": [{"code": "fever", "severity": "mild", "trend": "same", "spreading": False}]}
    name = load_kb().effects["fever"].name.en
    shown = f"{name} (how bad: Mild, since yesterday: The same, spreading: no)"
    assert symptom_lines(old, Lang.EN) == [shown]


def test_in_arabic() -> None:
    answers = {"symptoms": [{"code": "breathing_difficulty"}, {"code": "redness", "spreading": True}]}
    lines = symptom_lines(answers, Lang.AR)  # whatever language is active
    effects = load_kb().effects
    assert lines == [
        f"{effects['breathing_difficulty'].name.ar} (الشدة: لم يُسأل، مقارنةً بالأمس: لم يُسأل، ينتشر: لم يُسأل)",
        f"{effects['redness'].name.ar} (الشدة: لم يُسأل، مقارنةً بالأمس: لم يُسأل، ينتشر: نعم)",
    ]
