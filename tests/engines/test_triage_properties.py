"""Under-triage guards: adding or worsening a symptom, or reporting the same later, never lowers urgency."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.knowledge import Disposition, load

KB = load()
CODES = KB.symptom_codes
SEVERITIES = ["mild", "moderate", "severe"]
TRENDS = ["improving", "same", "worse"]

symptom = st.fixed_dictionaries(
    {
        "code": st.sampled_from(CODES),
        "severity": st.sampled_from(SEVERITIES),
        "trend": st.sampled_from(TRENDS),
        "spreading": st.booleans(),
    }
)
check_in = st.fixed_dictionaries(
    {
        "days_since_treatment": st.floats(min_value=0, max_value=120, allow_nan=False),
        "symptoms": st.lists(symptom, max_size=6),
    },
    optional={"temperature_c": st.floats(min_value=34, max_value=42, allow_nan=False)},
)


def rank(data: dict[str, Any]) -> int:
    return triage(parse(CheckIn, data)).disposition.rank


@settings(max_examples=400)
@given(check_in, symptom)
def test_adding_a_symptom_never_lowers_urgency(data: dict[str, Any], extra: dict[str, Any]) -> None:
    assert rank({**data, "symptoms": [*data["symptoms"], extra]}) >= rank(data)


def _worsen(
    data: dict[str, Any], index: int, field: str, values: list[Any], step: int
) -> dict[str, Any] | None:
    symptoms = [dict(s) for s in data["symptoms"]]
    if not symptoms:
        return None
    target = symptoms[index % len(symptoms)]
    position = values.index(target[field])
    if position + step >= len(values):
        return None
    target[field] = values[position + step]
    return {**data, "symptoms": symptoms}


@settings(max_examples=400)
@given(check_in, st.integers(0, 5), st.integers(1, 2))
def test_raising_a_severity_never_lowers_urgency(data: dict[str, Any], index: int, step: int) -> None:
    worse = _worsen(data, index, "severity", SEVERITIES, step)
    if worse is not None:
        assert rank(worse) >= rank(data)


@settings(max_examples=400)
@given(check_in, st.integers(0, 5), st.integers(1, 2))
def test_a_worse_trend_never_lowers_urgency(data: dict[str, Any], index: int, step: int) -> None:
    worse = _worsen(data, index, "trend", TRENDS, step)
    if worse is not None:
        assert rank(worse) >= rank(data)


@settings(max_examples=400)
@given(check_in, st.integers(0, 5))
def test_spreading_never_lowers_urgency(data: dict[str, Any], index: int) -> None:
    worse = _worsen(data, index, "spreading", [False, True], 1)
    if worse is not None:
        assert rank(worse) >= rank(data)


@settings(max_examples=400)
@given(check_in, st.floats(min_value=0, max_value=60, allow_nan=False))
def test_the_same_symptoms_later_never_lower_urgency(data: dict[str, Any], later: float) -> None:
    assert rank({**data, "days_since_treatment": data["days_since_treatment"] + later}) >= rank(data)


@settings(max_examples=300)
@given(check_in, st.floats(min_value=0, max_value=3, allow_nan=False))
def test_a_higher_temperature_never_lowers_urgency(data: dict[str, Any], rise: float) -> None:
    if "temperature_c" in data:
        assert rank({**data, "temperature_c": min(45.0, data["temperature_c"] + rise)}) >= rank(data)


@settings(max_examples=300)
@given(check_in, st.sampled_from([f for f in KB.triage.red_flags if f.symptoms]))
def test_every_red_flag_symptom_yields_at_least_urgent(data: dict[str, Any], flag: Any) -> None:
    """Reporting a red-flag symptom in the way the flag describes is never below `urgent`."""
    when = flag.when
    report = {
        "code": flag.symptoms[0],
        "severity": when.severity_at_least.value if when.severity_at_least else "mild",
        "trend": when.trend_at_least.value if when.trend_at_least else "same",
        "spreading": when.spreading,
    }
    days = max(data["days_since_treatment"], (when.after_day or 0) + 0.5)
    result = triage(
        parse(CheckIn, {**data, "days_since_treatment": days, "symptoms": [*data["symptoms"], report]})
    )
    assert result.disposition.rank >= Disposition.URGENT.rank
    assert result.disposition.rank >= flag.to.rank


@settings(max_examples=300)
@given(check_in)
def test_any_measured_fever_is_at_least_urgent(data: dict[str, Any]) -> None:
    if data.get("temperature_c", 0) >= 38.0:
        assert rank(data) >= Disposition.URGENT.rank


@settings(max_examples=500)
@given(
    st.fixed_dictionaries(
        {
            "days_since_treatment": st.floats(min_value=0, max_value=3650, allow_nan=False),
            "symptoms": st.lists(symptom, max_size=50),
        },
        optional={"temperature_c": st.floats(min_value=30, max_value=45, allow_nan=False)},
    ),
    st.sampled_from(["en", "ar"]),
)
def test_no_input_in_the_schema_raises(data: dict[str, Any], lang: str) -> None:
    result = triage(parse(CheckIn, data), lang)  # type: ignore[arg-type]
    assert result.reasons or not data["symptoms"]
    assert result.kb_version == KB.version
