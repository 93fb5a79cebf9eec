"""screen(intake) -> decision with reasons. Pure: reads only the knowledge base it is given.

Each rule in screening.yaml is a test of one `kind`; every rule that applies gives a reason, and the most
restrictive decision wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from mesosafe.engines.inputs import Intake
from mesosafe.engines.matching import mentions, normalise, same_substance, unread
from mesosafe.engines.results import Reason, ScreeningResult
from mesosafe.knowledge import Decision, KnowledgeBase, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.schema import IngredientClass, MedicalCondition, Medicine, ScreeningRule

Entry = TypeVar("Entry", Medicine, MedicalCondition)

# A finding: what in the intake triggered the rule, and the days to wait (for a defer), if any.
Finding = tuple[str | None, float | None]
Test = Callable[[ScreeningRule, Intake, KnowledgeBase, Lang], list[Finding]]


def _flag(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    return [(None, rule.defer_days)] if rule.field and getattr(intake, rule.field) is True else []


def _age_below(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    return [(str(intake.age), None)] if rule.age is not None and intake.age < rule.age else []


def _allergy_in_formulation(
    rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang
) -> list[Finding]:
    findings: list[Finding] = []
    for allergy in intake.allergies:
        for ingredient in intake.formulation:
            if same_substance(allergy, ingredient):
                findings.append((f"{allergy} ~ {ingredient}", None))
            elif (shared := _shared_class(allergy, ingredient, kb)) is not None:
                findings.append((f"{allergy} ~ {ingredient} ({shared.name.en})", None))
    return findings


def _shared_class(allergy: str, ingredient: str, kb: KnowledgeBase) -> IngredientClass | None:
    """The ingredient class by which `allergy` names `ingredient`, if any."""
    for group in kb.screening.ingredient_classes:
        if not any(mentions(ingredient, member) for member in group.members):
            continue
        names = [*group.also_named, *(group.members if group.members_cross_react else [])]
        if any(mentions(allergy, name) for name in names):
            return group
    return None


def _any_allergy(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    return [(", ".join(intake.allergies), None)] if intake.allergies else []


def recognised(text: str, entry: Medicine | MedicalCondition) -> bool:
    """Whether `entry` recognises `text`: one `matched: mentioned` when `text` mentions one of its aliases
    ("aspirin 75mg"), one `matched: whole_entry` only when `text` is one of its aliases ("cetirizine", not
    "cetirizine and ramipril")."""
    if entry.matched == "whole_entry":
        whole = normalise(text)
        return bool(whole) and any(whole == normalise(alias) for alias in entry.aliases)
    return any(mentions(text, alias) for alias in entry.aliases)


def _entries(text: str, entries: Iterable[Entry]) -> list[Entry]:
    """Every entry that recognises `text`: "aspirin and warfarin" is both."""
    return [entry for entry in entries if recognised(text, entry)]


def _fully_read(text: str, found: list[Entry], kb: KnowledgeBase) -> bool:
    """Whether `text` says nothing beyond the entries `found` and words that name nothing (doses, "and",
    "daily"): "panadol, methotrexate" is not fully read, so the methotrexate is reviewed as unknown."""
    ignored = {normalise(word) for word in kb.screening.not_names.words}
    return not unread(text, [alias for entry in found for alias in entry.aliases], ignored)


def _medicine_classes(name: str, kb: KnowledgeBase) -> set[str]:
    return {m.drug_class for m in _entries(name, kb.screening.medicines)}


def _prescribed_as_rule(rule: bool | None, given: bool | None) -> bool:
    """Whether a medicine's "prescribed" answer meets a rule's. Not asked (None) is judged as prescribed:
    the stricter rules, which never tell a patient to stop a medicine a doctor may have prescribed."""
    if rule is None:
        return True
    return rule if given is None else given == rule


def _medicine(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    findings: list[Finding] = []
    for med in intake.medications:
        if _medicine_classes(med.name, kb).isdisjoint(rule.drug_classes):
            continue
        if not _prescribed_as_rule(rule.prescribed, med.prescribed):
            continue
        if rule.within_days is not None and med.last_taken_days_ago >= rule.within_days:
            continue
        if rule.after_days is not None and med.last_taken_days_ago < rule.after_days:
            continue
        wait = rule.within_days - med.last_taken_days_ago if rule.within_days is not None else None
        findings.append((med.name, wait))
    return findings


def _unknown_medicine(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    medicines = kb.screening.medicines
    return [(m.name, None) for m in intake.medications if not _known_all(m.name, medicines, kb)]


def _days_since_below(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    days = getattr(intake, rule.field) if rule.field else None
    if days is None or rule.within_days is None or days >= rule.within_days:
        return []
    return [(None, rule.within_days - days)]


def _known_all(text: str, entries: Iterable[Entry], kb: KnowledgeBase) -> bool:
    """Whether some entry recognises `text` and nothing else in it is left unread."""
    found = _entries(text, entries)
    return bool(found) and _fully_read(text, found, kb)


def _condition(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    codes = {c: {e.code for e in _entries(c, kb.screening.conditions)} for c in intake.conditions}
    return [(c, None) for c in intake.conditions if not codes[c].isdisjoint(rule.conditions)]


def _unknown_condition(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    conditions = kb.screening.conditions
    return [(c, None) for c in intake.conditions if not _known_all(c, conditions, kb)]


# How a list of names is written in each language: Arabic has its own comma (U+060C)
LIST_SEPARATOR = {Lang.EN: ", ", Lang.AR: "\u060c "}


def _not_asked(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    """One finding naming every question left out (None): unknown is not "no"."""
    unknown = [q.name.get(lang) for q in rule.questions if getattr(intake, q.field) is None]
    return [(LIST_SEPARATOR[lang].join(unknown), None)] if unknown else []


TESTS: dict[str, Test] = {
    "flag": _flag,
    "age_below": _age_below,
    "allergy_in_formulation": _allergy_in_formulation,
    "any_allergy": _any_allergy,
    "medicine": _medicine,
    "unknown_medicine": _unknown_medicine,
    "days_since_below": _days_since_below,
    "condition": _condition,
    "unknown_condition": _unknown_condition,
    "not_asked": _not_asked,
}


def declared(intake: Intake, kb: KnowledgeBase) -> Intake:
    """The intake without the allergies, conditions and medicines that declare nothing ("none", "nil")."""
    nothing = {normalise(word) for word in kb.screening.nothing_declared.words}
    return intake.model_copy(
        update={
            "allergies": [a for a in intake.allergies if normalise(a) not in nothing],
            "conditions": [c for c in intake.conditions if normalise(c) not in nothing],
            "medications": [m for m in intake.medications if normalise(m.name) not in nothing],
        }
    )


def screen(intake: Intake, lang: Lang = Lang.EN, kb: KnowledgeBase | None = None) -> ScreeningResult:
    """Decide whether treatment can go ahead. The most restrictive applicable rule wins."""
    kb = kb or load_kb()
    intake = declared(intake, kb)
    reasons: list[Reason] = []
    waits: list[float] = []
    for rule in kb.screening.rules:
        for detail, wait in TESTS[rule.kind](rule, intake, kb, lang):
            reasons.append(
                Reason(
                    rule=rule.id,
                    entry=rule.id,
                    level=rule.decision.value,
                    text=rule.reason.get(lang),
                    detail=detail,
                    sources=rule.sources,
                )
            )
            if rule.decision == Decision.DEFER and wait is not None:
                waits.append(wait)
    decision = max((Decision(r.level) for r in reasons), default=Decision.PROCEED, key=lambda d: d.rank)
    reasons.sort(key=lambda r: -Decision(r.level).rank)
    label = next(d.label for d in kb.screening.decisions if d.code == decision)
    return ScreeningResult(
        decision=decision,
        label=label.get(lang),
        defer_days=max(waits) if decision == Decision.DEFER and waits else None,
        reasons=reasons,
        lang=lang,
        kb_version=kb.version,
    )
