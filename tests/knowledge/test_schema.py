import pytest
from pydantic import ValidationError

from mesosafe.knowledge.schema import Condition, Source, Text


def test_a_condition_must_test_something() -> None:
    with pytest.raises(ValidationError, match="at least one test"):
        Condition()


def test_always_stands_alone() -> None:
    with pytest.raises(ValidationError, match="cannot be combined"):
        Condition(always=True, spreading=True)


def test_a_source_is_a_seed_section_or_a_publication() -> None:
    title = "Mesotherapy Side Effects: What to Watch Out For"
    Source(seed="000_1def0f17e3fe44fa.txt", title=title, section="Common Side Effects of Mesotherapy")
    Source(publication="A paper")
    with pytest.raises(ValidationError):
        Source(seed="000_1def0f17e3fe44fa.txt", title=title)
    with pytest.raises(ValidationError, match="title"):
        Source(seed="000_1def0f17e3fe44fa.txt", section="Common Side Effects of Mesotherapy")
    with pytest.raises(ValidationError):
        Source()


def test_text_needs_both_languages() -> None:
    assert Text(en="Bruising", ar="كدمات").get("ar") == "كدمات"
    with pytest.raises(ValidationError):
        Text(en="Bruising", ar="")


def test_a_fever_and_a_low_reading_never_both_hold() -> None:
    for low in ("measured_low_temperature", "measured_very_low_temperature"):
        with pytest.raises(ValidationError, match="can never both hold"):
            Condition.model_validate({"measured_fever": True, low: True})


def test_the_very_low_threshold_lies_at_or_below_the_low_one() -> None:
    from mesosafe.knowledge import load
    from mesosafe.knowledge.schema import TriageKnowledge

    triage = load().triage.model_dump()
    triage["very_low_temperature"]["threshold_c"] = triage["low_temperature"]["threshold_c"] + 0.5
    with pytest.raises(ValidationError, match="very_low_temperature: its threshold must not lie above"):
        TriageKnowledge.model_validate(triage)
