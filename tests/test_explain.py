"""mesosafe.explain: answers made once with their texts in both languages, shown from what was stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mesosafe import explain
from mesosafe.engines import CheckIn, Intake, parse, screen, triage
from mesosafe.engines.triage import watch_for
from mesosafe.knowledge import Disposition, Lang
from mesosafe.knowledge import load as load_kb

VIGNETTES = Path(__file__).parent / "vignettes"


def _cases(name: str, key: str) -> list[Any]:
    entries = yaml.safe_load((VIGNETTES / name).read_text(encoding="utf-8"))
    return [pytest.param(entry[key], id=entry["id"]) for entry in entries]


@dataclass
class StoredCheckin:
    """A check-in row as checkins.models.CheckIn keeps it."""

    disposition: str
    reasons: list[dict[str, Any]]
    explanation: dict[str, Any] | None
    kb_version: str


@dataclass
class StoredScreening:
    decision: str
    reasons: list[dict[str, Any]]
    explanation: dict[str, Any] | None
    kb_version: str


def _store_checkin(data: dict[str, Any], lang: Lang) -> StoredCheckin:
    result, explanation = explain.triage(parse(CheckIn, data), lang)
    reasons = [r.model_dump(mode="json") for r in result.reasons]
    return StoredCheckin(result.disposition.value, reasons, explanation, result.kb_version)


@pytest.mark.parametrize("data", _cases("checkins.yaml", "checkin"))
def test_every_stored_check_in_reason_is_shown_in_both_languages(data: dict[str, Any]) -> None:
    stored = _store_checkin(data, Lang.EN)
    for lang in Lang:
        engine = triage(parse(CheckIn, data), lang)
        shown = explain.checkin(stored, lang)
        assert (shown.level, shown.label, shown.action) == (
            engine.disposition.value,
            engine.label,
            engine.action,
        )
        assert [r["text"] for r in shown.reasons] == [r.text for r in engine.reasons]
        assert [(r["rule"], r["entry"], r["level"]) for r in shown.reasons] == [
            (r.rule, r.entry, r.level) for r in engine.reasons
        ]
        assert shown.watch_for == engine.watch_for
        assert shown.expected == [e.model_dump(mode="json") for e in engine.expected]
        assert shown.kb_version == engine.kb_version
        assert explain.label(stored, lang) == engine.label


@pytest.mark.parametrize("data", _cases("intakes.yaml", "intake"))
def test_every_stored_screening_reason_is_shown_in_both_languages(data: dict[str, Any]) -> None:
    result, explanation = explain.screen(parse(Intake, data), Lang.AR)
    stored = StoredScreening(
        result.decision.value,
        [r.model_dump(mode="json") for r in result.reasons],
        explanation,
        result.kb_version,
    )
    for lang in Lang:
        engine = screen(parse(Intake, data), lang)
        shown = explain.screening(stored, lang)
        assert (shown.level, shown.label) == (engine.decision.value, engine.label)
        assert [(r["text"], r["detail"]) for r in shown.reasons] == [
            (r.text, r.detail) for r in engine.reasons
        ]
        assert shown.kb_version == engine.kb_version


def test_the_answer_is_made_in_the_patients_language() -> None:
    data = {"days_since_treatment": 2, "symptoms": [{"code": "bruising"}]}
    result, _ = explain.triage(parse(CheckIn, data), Lang.AR)
    assert (
        result.lang == Lang.AR
        and result.reasons[0].text == triage(parse(CheckIn, data), Lang.AR).reasons[0].text
    )


def test_an_answer_shows_what_it_said_whatever_the_knowledge_base_says_now() -> None:
    """A check-in judged under an older knowledge base keeps its own words (no engine runs on display)."""
    stored = StoredCheckin(
        "contact_clinic",
        [
            {
                "rule": "old_rule",
                "entry": "lump",
                "level": "contact_clinic",
                "text": "Old words",
                "sources": [],
            }
        ],
        {
            "label": {"en": "Call us (old)", "ar": "اتصلوا بنا"},
            "action": {"en": "Old action", "ar": "إجراء قديم"},
            "reasons": [{"en": "Old words", "ar": "كلمات قديمة"}],
            "expected": [],
            "watch_for": {"en": ["Old sign"], "ar": ["علامة قديمة"]},
        },
        "kb-000000000000",
    )
    shown = explain.checkin(stored, Lang.AR)
    assert (shown.label, shown.action, shown.watch_for) == ("اتصلوا بنا", "إجراء قديم", ["علامة قديمة"])
    assert shown.reasons[0]["text"] == "كلمات قديمة" and shown.reasons[0]["rule"] == "old_rule"
    assert shown.kb_version == "kb-000000000000"
    assert explain.label(stored, Lang.EN) == "Call us (old)"


def test_a_check_in_stored_before_explanations_shows_its_stored_reasons() -> None:
    reasons = [
        {"rule": "late_lump", "entry": "lump", "level": "urgent", "text": "Lump: as stored", "sources": []}
    ]
    stored = StoredCheckin("urgent", reasons, None, "kb-111111111111")
    kb = load_kb()
    texts = {d.code: d for d in kb.triage.dispositions}[Disposition.URGENT]
    for lang in Lang:
        shown = explain.checkin(stored, lang)
        assert shown.reasons == reasons  # in the language they were stored in, never re-triaged
        assert (shown.label, shown.action) == (texts.label.get(lang), texts.action.get(lang))
        assert shown.watch_for == watch_for(kb, lang, Disposition.URGENT)
        assert shown.expected == [] and shown.kb_version == "kb-111111111111"
        assert explain.label(stored, lang) == texts.label.get(lang)


def test_a_screening_stored_before_explanations_shows_its_stored_reasons() -> None:
    reasons = [
        {"rule": "pregnancy", "entry": "pregnancy", "level": "defer", "text": "As stored", "detail": None}
    ]
    stored = StoredScreening("defer", reasons, None, "kb-111111111111")
    label = next(d.label for d in load_kb().screening.decisions if d.code.value == "defer")
    for lang in Lang:
        shown = explain.screening(stored, lang)
        assert (shown.label, shown.reasons) == (label.get(lang), reasons)


def test_a_language_the_answer_was_not_stored_in_falls_back_to_english() -> None:
    stored = _store_checkin({"days_since_treatment": 1, "symptoms": [{"code": "redness"}]}, Lang.EN)
    assert stored.explanation is not None
    stored.explanation["label"] = {"en": "Self-care"}
    assert explain.label(stored, Lang.AR) == "Self-care"


# A growing late lump: one urgent reason, five course reasons and the painless-lump one below it (clinical
# review, stop 28: seven reasons, five saying the same, and "within a few days" beside "today").
LATE_LUMP = {
    "days_since_treatment": 21,
    "symptoms": [{"code": "lump", "severity": "moderate", "trend": "worse"}],
}


def test_why_holds_the_reasons_at_the_answers_level_and_the_rest_is_also_noted() -> None:
    shown = explain.checkin(_store_checkin(LATE_LUMP, Lang.EN), Lang.EN)
    assert shown.level == "urgent" and shown.is_alarm()
    assert [r["rule"] for r in shown.deciding()] == ["late_lump_growing"]
    noted = [r["rule"] for r in shown.also_noted()]
    assert "late_lump" in noted and "course.worsening" in noted
    assert len(shown.deciding()) + len(shown.also_noted()) == len(shown.reasons)  # every text, each once


def test_a_text_given_for_two_symptoms_is_shown_once() -> None:
    reasons = [
        {"rule": "a", "entry": "x", "level": "contact_clinic", "text": "Same words"},
        {"rule": "b", "entry": "y", "level": "contact_clinic", "text": "Same words"},
        {"rule": "c", "entry": "y", "level": "self_care", "text": "Expected"},
    ]
    shown = explain.Shown("contact_clinic", "", "", reasons, [], [], "kb")
    assert [r["rule"] for r in shown.deciding()] == ["a"] and [r["rule"] for r in shown.also_noted()] == ["c"]
    assert not shown.is_alarm()


def test_a_reason_stored_without_its_level_is_never_hidden() -> None:
    shown = explain.Shown("urgent", "", "", [{"rule": "old", "text": "As stored"}], [], [], "kb")
    assert shown.deciding() == [{"rule": "old", "text": "As stored"}] and shown.also_noted() == []
