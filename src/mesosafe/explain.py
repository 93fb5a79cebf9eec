"""Stored engine answers, made once and shown in either language from what was stored.

When an answer is made, `triage` and `screen` run the engine once per language and return the result in the
patient's language with `explanation`: every text a page, email or export shows about it, in English and
Arabic (the label and action, each reason's text in the order of the stored reasons, the expected courses and
the "get help sooner if" lines). `checkin` and `screening` show a stored answer from those texts alone, so an
answer made under an older knowledge base still says exactly what it said; no engine runs on display.

Rows stored before explanations existed have none: they show their stored reasons as stored (in the language
the patient had then), with the level's label and action and the warning signs from the knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mesosafe.engines import CheckIn, Intake
from mesosafe.engines import screen as run_screen
from mesosafe.engines import triage as run_triage
from mesosafe.engines.results import ScreeningResult, TriageResult
from mesosafe.engines.triage import watch_for
from mesosafe.knowledge import Disposition, Lang
from mesosafe.knowledge import load as load_kb

Texts = dict[str, str]  # language code -> text


class StoredCheckin(Protocol):
    """What a stored check-in keeps of the engine's answer (checkins.models.CheckIn)."""

    @property
    def disposition(self) -> str: ...
    @property
    def reasons(self) -> Any: ...
    @property
    def explanation(self) -> Any: ...
    @property
    def kb_version(self) -> str: ...


class StoredScreening(Protocol):
    """What a stored screening keeps of the engine's answer (patients.models.Screening)."""

    @property
    def decision(self) -> str: ...
    @property
    def reasons(self) -> Any: ...
    @property
    def explanation(self) -> Any: ...
    @property
    def kb_version(self) -> str: ...


@dataclass(frozen=True)
class Shown:
    """A stored answer as a page shows it, in one language."""

    level: str
    label: str
    action: str
    reasons: list[dict[str, Any]]  # the stored reasons, each with its `text` in the page's language
    watch_for: list[str]
    expected: list[dict[str, Any]]  # {code, name, text, resolves_by_day}
    kb_version: str

    def is_alarm(self) -> bool:
        """Care today or an emergency: nothing reassuring is shown beside it."""
        return self.level in ("urgent", "emergency")

    def deciding(self) -> list[dict[str, Any]]:
        """The reasons at the answer's own level, each text once: why it is what it is. (A reason stored
        without its level counts here: it is never hidden.)"""
        return _each_text_once([r for r in self.reasons if r.get("level", self.level) == self.level])

    def also_noted(self) -> list[dict[str, Any]]:
        """The reasons below the answer's level, each text once: true, but not what decided it."""
        return _each_text_once([r for r in self.reasons if r.get("level", self.level) != self.level])


def _each_text_once(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    kept = []
    for reason in reasons:
        if reason.get("text") not in seen:
            seen.add(reason.get("text", ""))
            kept.append(reason)
    return kept


# --- making an answer ---


def triage(check_in: CheckIn, lang: Lang) -> tuple[TriageResult, dict[str, Any]]:
    """Triage `check_in`: the result in `lang`, and the explanation to store beside it."""
    results = {each: run_triage(check_in, each) for each in Lang}
    _same_reasons(results.values())
    return results[lang], {
        "label": {each.value: r.label for each, r in results.items()},
        "action": {each.value: r.action for each, r in results.items()},
        "reasons": _reason_texts(results),
        "expected": [
            {
                "code": course.code,
                "resolves_by_day": course.resolves_by_day,
                "name": {each.value: r.expected[i].name for each, r in results.items()},
                "text": {each.value: r.expected[i].text for each, r in results.items()},
            }
            for i, course in enumerate(results[lang].expected)
        ],
        "watch_for": {each.value: r.watch_for for each, r in results.items()},
    }


def screen(intake: Intake, lang: Lang) -> tuple[ScreeningResult, dict[str, Any]]:
    """Screen `intake`: the result in `lang`, and the explanation to store beside it."""
    results = {each: run_screen(intake, each) for each in Lang}
    _same_reasons(results.values())
    return results[lang], {
        "label": {each.value: r.label for each, r in results.items()},
        "reasons": _reason_texts(results),
        # what triggered each reason, where it is written in words (the questions not asked, since stop 30)
        "details": [
            {each.value: r.reasons[i].detail for each, r in results.items()} for i in _indexes(results)
        ],
    }


def _reason_texts(results: Mapping[Lang, TriageResult | ScreeningResult]) -> list[Texts]:
    return [{each.value: r.reasons[i].text for each, r in results.items()} for i in _indexes(results)]


def _indexes(results: Mapping[Lang, TriageResult | ScreeningResult]) -> range:
    return range(len(next(iter(results.values())).reasons))


def _same_reasons(results: Iterable[TriageResult | ScreeningResult]) -> None:
    """The engines answer alike in every language; only the texts differ."""
    rules = {tuple((r.rule, r.entry, r.level) for r in result.reasons) for result in results}
    if len(rules) != 1:
        raise AssertionError("the engine gave different reasons in different languages")


# --- showing a stored answer ---


def checkin(stored: StoredCheckin, lang: Lang) -> Shown:
    """A stored check-in's answer in `lang`, from what was stored."""
    explanation = stored.explanation or {}
    reasons = _reasons(stored.reasons, explanation.get("reasons"), lang)
    if "label" not in explanation:
        return _old_checkin(stored, reasons, lang)
    expected = [
        {
            "code": course["code"],
            "resolves_by_day": course["resolves_by_day"],
            "name": _in(course["name"], lang),
            "text": _in(course["text"], lang),
        }
        for course in explanation.get("expected", [])
    ]
    return Shown(
        stored.disposition,
        _in(explanation["label"], lang),
        _in(explanation["action"], lang),
        reasons,
        list(explanation["watch_for"].get(lang.value, [])),
        expected,
        stored.kb_version,
    )


def label(stored: StoredCheckin, lang: Lang) -> str:
    """The label of a stored check-in's level in `lang` ("Contact your clinic")."""
    explanation = stored.explanation or {}
    if "label" in explanation:
        return _in(explanation["label"], lang)
    return level_label(stored.disposition, lang)


def level_label(disposition: str, lang: Lang) -> str:
    """A level's label in `lang` as the knowledge base says it now ("Get medical care today")."""
    return _disposition_texts(disposition, lang)[0]


def screening(stored: StoredScreening, lang: Lang) -> Shown:
    """A stored screening's decision in `lang`, from what was stored."""
    explanation = stored.explanation or {}
    reasons = _reasons(stored.reasons, explanation.get("reasons"), lang, explanation.get("details"))
    if "label" in explanation:
        shown_label = _in(explanation["label"], lang)
    else:
        decisions = {d.code.value: d.label.get(lang) for d in load_kb().screening.decisions}
        shown_label = decisions.get(stored.decision, stored.decision)
    return Shown(stored.decision, shown_label, "", reasons, [], [], stored.kb_version)


def _reasons(
    stored: Any, texts: list[Texts] | None, lang: Lang, details: list[dict[str, str | None]] | None = None
) -> list[dict[str, Any]]:
    """The stored reasons with their texts (and, where stored per language, their details) in `lang`."""
    reasons = [dict(reason) for reason in stored or []]
    if texts is not None and len(texts) == len(reasons):
        for reason, text in zip(reasons, texts, strict=True):
            reason["text"] = _in(text, lang)
    if details is not None and len(details) == len(reasons):
        for reason, detail in zip(reasons, details, strict=True):
            reason["detail"] = detail.get(lang.value, reason.get("detail"))
    return reasons


def _old_checkin(stored: StoredCheckin, reasons: list[dict[str, Any]], lang: Lang) -> Shown:
    label_text, action = _disposition_texts(stored.disposition, lang)
    known = stored.disposition in {d.value for d in Disposition}
    watch = watch_for(load_kb(), lang, Disposition(stored.disposition)) if known else []
    return Shown(stored.disposition, label_text, action, reasons, watch, [], stored.kb_version)


def _disposition_texts(disposition: str, lang: Lang) -> tuple[str, str]:
    for texts in load_kb().triage.dispositions:
        if texts.code.value == disposition:
            return texts.label.get(lang), texts.action.get(lang)
    return disposition, ""


def _in(texts: Texts, lang: Lang) -> str:
    """The text in `lang`; the English one if `lang` was not stored (a language added later)."""
    return texts.get(lang.value) or texts.get(Lang.EN.value) or next(iter(texts.values()), "")
