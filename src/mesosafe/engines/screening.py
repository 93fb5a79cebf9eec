"""screen(intake) -> decision with reasons. Pure: reads only the knowledge base it is given.

Each rule in screening.yaml is a test of one `kind`; every rule that applies gives a reason, and the most
restrictive decision wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mesosafe.engines.inputs import Intake
from mesosafe.engines.matching import mentions, normalise, same_substance
from mesosafe.engines.results import Reason, ScreeningResult
from mesosafe.knowledge import Decision, KnowledgeBase, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.schema import IngredientClass, MedicalCondition, Medicine, ScreeningRule

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


def recognised(text: str, entries: Iterable[Medicine | MedicalCondition]) -> str | None:
    """The code of the first entry that recognises `text`: one `matched: mentioned` when `text` mentions
    one of its aliases ("aspirin 75mg"), one `matched: whole_entry` only when `text` is one of its aliases
    ("cetirizine", not "cetirizine and ramipril", which stays unknown)."""
    whole = normalise(text)
    for entry in entries:
        if entry.matched == "whole_entry":
            if whole and any(whole == normalise(alias) for alias in entry.aliases):
                return entry.code
        elif any(mentions(text, alias) for alias in entry.aliases):
            return entry.code
    return None


def _medicine_class(name: str, kb: KnowledgeBase) -> str | None:
    code = recognised(name, kb.screening.medicines)
    return next(m.drug_class for m in kb.screening.medicines if m.code == code) if code else None


def _prescribed_as_rule(rule: bool | None, given: bool | None) -> bool:
    """Whether a medicine's "prescribed" answer meets a rule's. Not asked (None) is judged as prescribed:
    the stricter rules, which never tell a patient to stop a medicine a doctor may have prescribed."""
    if rule is None:
        return True
    return rule if given is None else given == rule


def _medicine(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    findings: list[Finding] = []
    for med in intake.medications:
        if _medicine_class(med.name, kb) not in rule.drug_classes:
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
    return [(m.name, None) for m in intake.medications if _medicine_class(m.name, kb) is None]


def _days_since_below(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    days = getattr(intake, rule.field) if rule.field else None
    if days is None or rule.within_days is None or days >= rule.within_days:
        return []
    return [(None, rule.within_days - days)]


def _condition_code(name: str, kb: KnowledgeBase) -> str | None:
    return recognised(name, kb.screening.conditions)


def _condition(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    return [(c, None) for c in intake.conditions if _condition_code(c, kb) in rule.conditions]


def _unknown_condition(rule: ScreeningRule, intake: Intake, kb: KnowledgeBase, lang: Lang) -> list[Finding]:
    return [(c, None) for c in intake.conditions if _condition_code(c, kb) is None]


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
