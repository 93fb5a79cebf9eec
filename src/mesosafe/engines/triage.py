"""triage(check-in) -> disposition with reasons. Pure: reads only the knowledge base it is given.

Every rule's condition is monotone and the disposition is the highest level any rule asks for, so adding
a symptom, worsening one or reporting the same symptoms later can never lower the disposition.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesosafe.engines.inputs import CheckIn, SymptomReport, check_symptom_codes
from mesosafe.engines.results import ExpectedCourse, Reason, TriageResult
from mesosafe.knowledge import Disposition, KnowledgeBase, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.schema import Condition, Effect, Source, Text


@dataclass(frozen=True)
class _Rule:
    id: str
    when: Condition
    to: Disposition
    reason: Text
    sources: list[Source]


@dataclass(frozen=True)
class _Compiled:
    per_symptom: dict[str, list[_Rule]]
    check_in_level: list[_Rule]


_compiled: dict[str, _Compiled] = {}


def _compile(kb: KnowledgeBase) -> _Compiled:
    cached = _compiled.get(kb.version)
    if cached is not None:
        return cached
    course = kb.triage.course_rules
    per_symptom: dict[str, list[_Rule]] = {}
    for code, effect in kb.effects.items():
        rules = [_Rule(r.id, r.when, r.to, r.reason, course.sources) for r in course.rules if effect.expected]
        rules += [_Rule(r.id, r.when, r.to, r.reason, r.sources or effect.sources) for r in effect.escalate]
        rules += [
            _Rule(f.id, f.when, f.to, f.reason, f.sources) for f in kb.triage.red_flags if code in f.symptoms
        ]
        per_symptom[code] = rules
    level = [_Rule(f.id, f.when, f.to, f.reason, f.sources) for f in kb.triage.red_flags if not f.symptoms]
    compiled = _compiled[kb.version] = _Compiled(per_symptom, level)
    return compiled


def _holds(
    when: Condition, check_in: CheckIn, present: set[str], s: SymptomReport | None, e: Effect | None
) -> bool:
    if when.always:
        return True
    days = check_in.days_since_treatment
    expected = e.expected if e else None
    tests = (
        when.severity_at_least is None or (s is not None and s.severity.rank >= when.severity_at_least.rank),
        not when.beyond_expected_severity
        or (s is not None and expected is not None and s.severity.rank > expected.max_severity.rank),
        when.trend_at_least is None or (s is not None and s.trend.rank >= when.trend_at_least.rank),
        not when.spreading or (s is not None and s.spreading),
        not when.past_expected or (expected is not None and days > expected.resolves_within_days),
        when.after_day is None or days > when.after_day,
        not when.with_any or not present.isdisjoint(when.with_any),
        when.temperature_at_least is None
        or (check_in.temperature_c is not None and check_in.temperature_c >= when.temperature_at_least),
    )
    return all(tests)


def triage(check_in: CheckIn, lang: Lang = Lang.EN, kb: KnowledgeBase | None = None) -> TriageResult:
    """Judge a check-in. Raises InputError for a symptom code the knowledge base does not know."""
    kb = kb or load_kb()
    check_symptom_codes(check_in, kb)
    compiled = _compile(kb)
    present = {s.code for s in check_in.symptoms}
    reasons: list[Reason] = []
    expected: list[ExpectedCourse] = []
    blocks_next = False
    for symptom in check_in.symptoms:
        effect = kb.effects[symptom.code]
        blocks_next = blocks_next or effect.blocks_next_session
        fired = [
            r
            for r in compiled.per_symptom[symptom.code]
            if _holds(r.when, check_in, present, symptom, effect)
        ]
        reasons += [_reason(r, effect.code, lang, effect.name) for r in fired]
        if effect.expected is None:
            floor = effect.not_expected_disposition or Disposition.CONTACT_CLINIC
            if not any(rule.to.rank >= floor.rank for rule in fired):  # else a rule already says it, louder
                reasons.append(_effect_reason(effect, floor, effect.patient_text, lang))
        elif not fired:
            course = effect.expected.course.get(lang)
            reasons.append(_effect_reason(effect, Disposition.SELF_CARE, effect.expected.course, lang))
            expected.append(
                ExpectedCourse(
                    code=effect.code,
                    name=effect.name.get(lang),
                    resolves_by_day=effect.expected.resolves_within_days,
                    text=course,
                )
            )
    for rule in compiled.check_in_level:
        if _holds(rule.when, check_in, present, None, None):
            reasons.append(_reason(rule, "check_in", lang, None))
    disposition = max(
        (Disposition(r.level) for r in reasons), default=Disposition.SELF_CARE, key=lambda d: d.rank
    )
    reasons.sort(key=lambda r: -Disposition(r.level).rank)
    texts = {d.code: d for d in kb.triage.dispositions}[disposition]
    return TriageResult(
        disposition=disposition,
        label=texts.label.get(lang),
        action=texts.action.get(lang),
        reasons=reasons,
        expected=expected,
        watch_for=watch_for(kb, lang, disposition),
        next_session_ok=disposition == Disposition.SELF_CARE and not blocks_next,
        lang=lang,
        kb_version=kb.version,
    )


def _reason(rule: _Rule, entry: str, lang: Lang, name: Text | None) -> Reason:
    text = f"{name.get(lang)}: {rule.reason.get(lang)}" if name else rule.reason.get(lang)
    return Reason(rule=rule.id, entry=entry, level=rule.to.value, text=text, sources=rule.sources)


def _effect_reason(effect: Effect, level: Disposition, text: Text, lang: Lang) -> Reason:
    rule = f"{effect.code}.expected" if level == Disposition.SELF_CARE else f"{effect.code}.not_expected"
    return Reason(
        rule=rule,
        entry=effect.code,
        level=level.value,
        text=f"{effect.name.get(lang)}: {text.get(lang)}",
        sources=effect.sources,
    )


def watch_for(kb: KnowledgeBase, lang: Lang, disposition: Disposition) -> list[str]:
    """The "get help sooner if" lines: the warning signs that would raise `disposition`, most urgent first.
    Signs at or below it are left out (a patient told to seek care today for a fever is not told to get
    help sooner if they have a fever); after an emergency there is nothing sooner."""
    flags = sorted((f for f in kb.triage.red_flags if f.to.rank > disposition.rank), key=lambda f: -f.to.rank)
    return list(dict.fromkeys(f.watch_for.get(lang) for f in flags))  # unique, in order
