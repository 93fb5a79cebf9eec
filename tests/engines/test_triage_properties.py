"""Under-triage guards: adding or worsening a symptom, or reporting the same later, never lowers urgency;
a question that is not asked never lowers urgency compared with any answer to it."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.engines.contract import complete
from mesosafe.engines.questions import asked
from mesosafe.knowledge import Disposition, load
from mesosafe.knowledge.plausible import TEMPERATURE_C

KB = load()
CODES = KB.symptom_codes
SEVERITIES = ["mild", "moderate", "severe"]
TRENDS = ["improving", "same", "worse"]
VALUES: dict[str, list[Any]] = {"severity": SEVERITIES, "trend": TRENDS, "spreading": [False, True]}
EMERGENCIES = [c for c, e in KB.effects.items() if e.not_expected_disposition == Disposition.EMERGENCY]
TREND_FROM = KB.triage.questions.trend_from_day

DESCRIBED = {c for c, e in KB.effects.items() if e.describe}  # codes that take the patient's own words
WORDS = st.sampled_from(["a headache", "a metallic taste", "تساقط الشعر", "قرحة برد على الشفة", "x" * 200])

LOWEST = float(TEMPERATURE_C.low)  # the lowest reading a check-in takes


def _described(report: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A report of a code that takes a description, with or without one."""
    if report["code"] not in DESCRIBED:
        return st.just(report)
    return st.one_of(st.just(report), WORDS.map(lambda words: {**report, "description": words}))


def _code(report: dict[str, Any]) -> str:
    return str(report["code"])


symptom = st.fixed_dictionaries(
    {
        "code": st.sampled_from(CODES),
        "severity": st.sampled_from(SEVERITIES),
        "trend": st.sampled_from(TRENDS),
        "spreading": st.booleans(),
    }
).flatmap(_described)
check_in = st.fixed_dictionaries(
    {
        "days_since_treatment": st.floats(min_value=0, max_value=120, allow_nan=False),
        "symptoms": st.lists(symptom, max_size=6, unique_by=_code),
    },
    optional={"temperature_c": st.floats(min_value=LOWEST, max_value=42, allow_nan=False)},
)


def rank(data: dict[str, Any]) -> int:
    return triage(parse(CheckIn, data)).disposition.rank


def _plus(symptoms: list[dict[str, Any]], *reports: dict[str, Any]) -> list[dict[str, Any]]:
    """`symptoms` with `reports` added, each code once (a check-in lists a symptom once): a later report of
    a code takes the place of an earlier one."""
    by_code = {s["code"]: s for s in [*symptoms, *reports]}
    return list(by_code.values())


def test_the_generators_report_something_else_with_and_without_words() -> None:
    assert "something_else" in CODES
    assert sorted(DESCRIBED) == ["something_else"]


@settings(max_examples=200)
@given(check_in)
def test_the_patients_own_words_never_change_the_result(data: dict[str, Any]) -> None:
    """No rule reads a description: without the words the result is the same, reasons and all."""
    bare = {
        **data,
        "symptoms": [{k: v for k, v in s.items() if k != "description"} for s in data["symptoms"]],
    }
    assert triage(parse(CheckIn, data)).model_dump() == triage(parse(CheckIn, bare)).model_dump()


@settings(max_examples=400)
@given(check_in, symptom)
def test_adding_a_symptom_never_lowers_urgency(data: dict[str, Any], extra: dict[str, Any]) -> None:
    assume(extra["code"] not in {s["code"] for s in data["symptoms"]})  # a symptom is listed once
    assert rank({**data, "symptoms": [*data["symptoms"], extra]}) >= rank(data)


def _worsen(
    data: dict[str, Any], index: int, field: str, values: list[Any], step: int
) -> dict[str, Any] | None:
    symptoms = [dict(s) for s in data["symptoms"]]
    if not symptoms:
        return None
    target = symptoms[index % len(symptoms)]
    if target.get(field) is None:
        return None
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
    """Across `trend_from_day`, "since yesterday" is newly asked: the day-0 judgement (which takes the
    trend as unknown) is compared with the same symptoms later that are getting worse, the worst answer
    it could not exclude. An improving trend is new information and may judge lower."""
    days = data["days_since_treatment"]
    later_data = {**data, "days_since_treatment": days + later}
    if days < TREND_FROM <= days + later:
        later_data["symptoms"] = [{**s, "trend": "worse"} for s in data["symptoms"]]
    assert rank(later_data) >= rank(data)


@settings(max_examples=300)
@given(check_in, st.floats(min_value=0, max_value=3, allow_nan=False))
def test_a_higher_temperature_never_lowers_urgency(data: dict[str, Any], rise: float) -> None:
    """Above the low threshold a temperature only gets worse upwards (towards a fever)."""
    if "temperature_c" in data and data["temperature_c"] >= KB.triage.low_temperature.threshold_c:
        assert rank({**data, "temperature_c": min(43.0, data["temperature_c"] + rise)}) >= rank(data)


@settings(max_examples=300)
@given(check_in, st.floats(min_value=0, max_value=3, allow_nan=False))
def test_a_lower_temperature_never_lowers_urgency_below_the_fever_threshold(
    data: dict[str, Any], fall: float
) -> None:
    """Below the fever threshold a temperature only gets worse downwards (towards a low temperature)."""
    if "temperature_c" in data and data["temperature_c"] < KB.triage.fever.threshold_c:
        assert rank({**data, "temperature_c": max(LOWEST, data["temperature_c"] - fall)}) >= rank(data)


@settings(max_examples=200)
@given(check_in)
def test_feeling_very_unwell_with_a_low_temperature_is_at_least_urgent(data: dict[str, Any]) -> None:
    low = {**data, "temperature_c": 35.5, "symptoms": _plus(data["symptoms"], {"code": "very_unwell"})}
    assert rank(low) >= Disposition.URGENT.rank


@settings(max_examples=200)
@given(check_in, st.floats(min_value=34.0, max_value=34.99, allow_nan=False))
def test_a_temperature_below_the_very_low_threshold_is_at_least_urgent(
    data: dict[str, Any], reading: float
) -> None:
    """Whatever else is reported: a reading below 35 °C is hypothermia if right, never normal healing."""
    assert reading < KB.triage.very_low_temperature.threshold_c
    assert rank({**data, "temperature_c": reading}) >= Disposition.URGENT.rank


# --- questions that are not asked (issue 12): see `questions` in triage.yaml --------------------------


def _unasked(data: dict[str, Any]) -> list[tuple[int, str]]:
    """(symptom index, question) of every answer in `data` to a question that is not asked."""
    days = data["days_since_treatment"]
    return [
        (i, q) for i, s in enumerate(data["symptoms"]) for q in VALUES if q not in asked(KB, s["code"], days)
    ]


def _without(data: dict[str, Any], index: int, question: str) -> dict[str, Any]:
    symptoms = [dict(s) for s in data["symptoms"]]
    symptoms[index].pop(question, None)
    return {**data, "symptoms": symptoms}


@settings(max_examples=400)
@given(check_in, st.data())
def test_an_unasked_question_never_lowers_urgency_compared_with_any_answer(
    data: dict[str, Any], draw: Any
) -> None:
    """For a question that does not apply (the code does not ask it, or "since yesterday" on day 0), no
    answer to it judges higher than leaving it unasked (and none judges lower: it is ignored)."""
    unasked = _unasked(data)
    if not unasked:
        return
    index, question = draw.draw(st.sampled_from(unasked))
    not_asked = triage(parse(CheckIn, _without(data, index, question)))
    for value in VALUES[question]:
        symptoms = [dict(s) for s in data["symptoms"]]
        symptoms[index][question] = value
        answered = triage(parse(CheckIn, {**data, "symptoms": symptoms}))
        assert not_asked.disposition.rank >= answered.disposition.rank
        assert [r.rule for r in not_asked.reasons] == [r.rule for r in answered.reasons]


@settings(max_examples=300)
@given(check_in)
def test_the_shells_drop_unasked_answers_without_changing_the_result(data: dict[str, Any]) -> None:
    """`complete` (the API's and CLI's check) keeps every answer that applies and drops the others; the
    engine's judgement of the stored answers is the judgement of what was sent."""
    check = parse(CheckIn, data)
    kept = complete(check, KB)
    assert triage(kept) == triage(check)
    days = data["days_since_treatment"]
    for sent, stored in zip(data["symptoms"], kept.symptoms, strict=True):
        applies = asked(KB, sent["code"], days)
        assert {q for q in VALUES if getattr(stored, q) is not None} == set(applies)
        assert stored.description == sent.get("description")  # the patient's own words are kept as written


SIGN_RULES = [
    (rule.when, rule.to, effect.code, set_id, i)
    for effect in KB.effects.values()
    for rule in effect.escalate
    for set_id in rule.when.with_sign
    for i, sign in enumerate(next(s for s in KB.triage.sign_sets if s.id == set_id).signs)
    if sign.if_not_asked == "met"
] + [
    (flag.when, flag.to, code, set_id, i)
    for flag in KB.triage.red_flags
    for code in flag.symptoms
    for set_id in flag.when.with_sign
    for i, sign in enumerate(next(s for s in KB.triage.sign_sets if s.id == set_id).signs)
    if sign.if_not_asked == "met"
]


@settings(max_examples=300)
@given(check_in, st.sampled_from(SIGN_RULES))
def test_where_the_worst_cannot_be_excluded_an_unknown_answer_counts(data: dict[str, Any], case: Any) -> None:
    """A sign marked `if_not_asked: met` (a rash with fainting, a dark patch with severe pain) is counted
    when the answer it reads was not given: the rule judges the unknown answer as the worst one."""
    when, level, code, set_id, index = case
    sign = next(s for s in KB.triage.sign_sets if s.id == set_id).signs[index]
    reports, days, extra = _satisfying(
        when.model_copy(update={"with_sign": []}), code, data["days_since_treatment"]
    )
    unknown = {"code": sign.code}  # no answer at all
    combined = {
        **data,
        **extra,
        "days_since_treatment": days,
        "symptoms": _plus(data["symptoms"], *reports, unknown),
    }
    assert rank(combined) >= level.rank


@settings(max_examples=200)
@given(check_in, st.sampled_from(EMERGENCIES))
def test_an_emergency_symptom_is_an_emergency_with_no_follow_up_answer(
    data: dict[str, Any], code: str
) -> None:
    assert asked(KB, code, 100) == ()
    assert rank({**data, "symptoms": _plus(data["symptoms"], {"code": code})}) == Disposition.EMERGENCY.rank


# --- every rule, reported as it describes, gives at least its level -------------------------------------


def _satisfying(when: Any, code: str, days: float) -> tuple[list[dict[str, Any]], float, dict[str, Any]]:
    """Reports, day and extra fields that meet `when` for a report of `code`."""
    report: dict[str, Any] = {
        "code": code,
        "severity": when.severity_at_least.value if when.severity_at_least else "mild",
        "trend": when.trend_at_least.value if when.trend_at_least else "same",
        "spreading": when.spreading,
    }
    reports = [report]
    for other in when.with_any[:1]:
        reports.append({"code": other, "severity": "mild", "trend": "improving", "spreading": False})
    for set_id in when.with_sign[:1]:
        sign = next(s for s in KB.triage.sign_sets if s.id == set_id).signs[0]
        reports.append(
            {
                "code": sign.code,
                "severity": sign.severity_at_least.value if sign.severity_at_least else "mild",
                "trend": sign.trend_at_least.value if sign.trend_at_least else "same",
                "spreading": sign.spreading,
            }
        )
    days = max(days, (when.after_day or 0) + 0.5, TREND_FROM if when.trend_at_least else 0)
    if when.past_expected or when.past_grace:
        expected = KB.effects[code].expected
        days = max(days, (expected.grace_until_day if expected else 0) + 0.5)
    extra = {"temperature_c": 38.5} if when.with_fever or when.measured_fever else {}
    if when.measured_low_temperature:  # a reported fever, where the rule asks for one too
        extra = {"temperature_c": KB.triage.low_temperature.threshold_c - 0.5}
        reports += [{"code": "fever"}] if when.with_fever else []
    return reports, days, extra


RULES = [(f.when, f.to, c) for f in KB.triage.red_flags for c in f.symptoms]
RULES += [(r.when, r.to, e.code) for e in KB.effects.values() for r in e.escalate]


@settings(max_examples=400)
@given(check_in, st.sampled_from(RULES))
def test_every_rule_reported_as_it_describes_gives_at_least_its_level(
    data: dict[str, Any], rule: Any
) -> None:
    when, level, code = rule
    reports, days, extra = _satisfying(when, code, data["days_since_treatment"])
    combined = {**data, **extra, "days_since_treatment": days, "symptoms": _plus(data["symptoms"], *reports)}
    assert rank(combined) >= level.rank


@settings(max_examples=300)
@given(check_in)
def test_any_measured_fever_is_at_least_urgent(data: dict[str, Any]) -> None:
    if data.get("temperature_c", 0) >= KB.triage.fever.threshold_c:
        assert rank(data) >= Disposition.URGENT.rank


@settings(max_examples=500)
@given(
    st.fixed_dictionaries(
        {
            "days_since_treatment": st.floats(min_value=0, max_value=3650, allow_nan=False),
            "symptoms": st.lists(symptom, max_size=50, unique_by=_code),
        },
        optional={
            "temperature_c": st.floats(
                min_value=float(TEMPERATURE_C.low), max_value=float(TEMPERATURE_C.high), allow_nan=False
            )
        },
    ),
    st.sampled_from(["en", "ar"]),
)
def test_no_input_in_the_schema_raises(data: dict[str, Any], lang: str) -> None:
    result = triage(parse(CheckIn, data), lang)  # type: ignore[arg-type]
    assert result.reasons or not data["symptoms"]
    assert result.kb_version == KB.version


# --- a symptom whose questions were not asked is not assessed, never "expected" (review F8) -------------

maybe_unanswered = st.fixed_dictionaries(
    {"code": st.sampled_from(CODES)},
    optional={
        "severity": st.sampled_from(SEVERITIES),
        "trend": st.sampled_from(TRENDS),
        "spreading": st.booleans(),
    },
)


@settings(max_examples=400)
@given(
    st.fixed_dictionaries(
        {
            "days_since_treatment": st.floats(min_value=0, max_value=120, allow_nan=False),
            "symptoms": st.lists(maybe_unanswered, max_size=6, unique_by=_code),
        }
    )
)
def test_an_unanswered_symptom_is_never_expected_and_changes_no_level(data: dict[str, Any]) -> None:
    result = triage(parse(CheckIn, data))
    days = data["days_since_treatment"]
    not_assessed = [r for r in result.reasons if r.rule.endswith(".not_assessed")]
    decided = [r for r in result.reasons if not r.rule.endswith(".not_assessed")]
    assert result.disposition.rank == max((Disposition(r.level).rank for r in decided), default=0)
    assert all(r.level == result.disposition.value for r in not_assessed)
    reports: dict[str, list[bool]] = {}  # per code: whether each report answers all that applies
    for s in data["symptoms"]:
        reports.setdefault(s["code"], []).append(all(q in s for q in asked(KB, s["code"], days)))
    for code, answered in reports.items():
        if not any(answered):
            assert f"{code}.expected" not in {r.rule for r in result.reasons}
            assert f"{code}.grace" not in {r.rule for r in result.reasons}
            assert code not in {c.code for c in result.expected}
        if all(answered):
            assert f"{code}.not_assessed" not in {r.rule for r in not_assessed}
