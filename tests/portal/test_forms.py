"""The patient forms' helpers: which symptoms mean "call now", and the temperature message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.utils import translation

from mesosafe.knowledge import load, load_from
from mesosafe.knowledge.loader import DATA_DIR
from mesosafe.portal.forms import DetailsForm, SymptomsForm, temperature_error
from mesosafe.portal.red_flags import red_flags


def test_the_emergency_symptoms_come_from_the_knowledge_base(tmp_path: Path) -> None:
    airway = ["breathing_difficulty", "face_throat_swelling"]
    new = ["vision_change", "face_weakness_or_speech", "chest_pain", "confusion"]  # issue 12
    assert red_flags(load(), 2.0).alone == [*airway, *new]
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    triage = data / "triage.yaml"
    text = triage.read_text(encoding="utf-8")
    # hives joins the unconditional anaphylaxis flag; a spreading rash becomes a conditional emergency
    text = text.replace(
        "symptoms: [breathing_difficulty, face_throat_swelling]", "symptoms: [hives, breathing_difficulty]"
    )
    widespread = text.index("id: widespread_rash")
    text = text[:widespread] + text[widespread:].replace("to: urgent", "to: emergency", 1)
    triage.write_text(text, encoding="utf-8")
    kb = load_from(data)
    # face_throat_swelling stays: on its own it is an emergency (its not-expected disposition)
    assert red_flags(kb, 2.0).alone == ["hives", *airway, *new]


@pytest.mark.parametrize(
    ("typed", "conversion"),
    [
        ("101", "101 °F is 38.3 °C."),
        ("98.6", "98.6 °F is 37.0 °C."),
        ("90", "90 °F is 32.2 °C."),
        ("110", "110 °F is 43.3 °C."),
        ("102,5", "102.5 °F is 39.2 °C."),
    ],
)
def test_a_temperature_that_looks_like_fahrenheit(typed: str, conversion: str) -> None:
    with translation.override("en"):
        assert temperature_error(typed) == f"Enter your temperature in °C, for example 38.2. {conversion}"


@pytest.mark.parametrize("typed", ["89.9", "110.1", "55", "-1", "abc", "NaN", "sNaN", "1e309", "", None])
def test_other_temperatures_get_the_plain_message(typed: str | None) -> None:
    with translation.override("en"):
        assert temperature_error(typed) == "Enter your temperature in °C, for example 38.2."


def test_the_conversion_in_arabic_digits() -> None:
    with translation.override("ar"):
        message = temperature_error("١٠٢٫٥")
    assert "١٠٢٫٥" in message and "٣٩٫٢" in message and "39.2" not in message


def test_the_emergency_combinations_come_from_the_engine() -> None:
    """Fainting with a sign of allergy on the skin is anaphylaxis (WAO 2020); blotchy or pale skin with a
    fever is a sepsis sign: emergencies before any follow-up answer."""
    pairs = red_flags(load(), 2.0).pairs
    assert {"hives", "rash"} <= set(pairs["fainting"]) and "fainting" in pairs["hives"]
    assert pairs["fever"] == ["pale_or_dusky_skin"]
    assert "redness" not in pairs


def test_the_first_step_lists_the_emergency_symptoms_first() -> None:
    flags = red_flags(load(), 2.0)
    form = SymptomsForm(flags=flags)
    assert form.codes[: len(flags.alone)] == flags.alone and sorted(form.codes) == sorted(load().effects)


def test_severity_trend_and_spreading_have_no_initial_answer() -> None:
    form = DetailsForm(initial={"symptoms": list(load().effects)}, days=2.0)
    named = [n for n in form.fields if n.startswith(("sev_", "trend_", "spread_"))]
    assert named and all(form[name].initial is None for name in named)
