"""triage(check-in) -> disposition with reasons. Pure: reads only the knowledge base it is given.

Every rule's condition is monotone and the disposition is the highest level any rule asks for, so adding
a symptom, worsening one or reporting the same symptoms later can never lower the disposition. An answer
to a question that was not asked, or that does not apply (see `questions` in triage.yaml), is unknown: a
test of it is not met, unless a sign says `if_not_asked: met`. A symptom with an expected course whose
answer to a question that applies and that its rules read is unknown (a red flag stopped the questions) is
never judged "expected": it is "not assessed", at the level the rest of the check-in gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesosafe.engines.inputs import CheckIn, check_symptom_codes
from mesosafe.engines.questions import (
    SEVERITY_RANK,
    Answers,
    answers_of,
    asked,
    has_fever,
    has_low_temperature,
)
from mesosafe.engines.results import ExpectedCourse, Reason, TriageResult
from mesosafe.knowledge import Disposition, KnowledgeBase, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.schema import Condition, Effect, Sign, Source, Text

LEVEL_RANK = {d.value: d.rank for d in Disposition}
ARABIC_DIGITS = str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")


@dataclass(frozen=True)
class _Test:
    """A rule's condition compiled for speed: thresholds as ranks (-1 where not tested)."""

    always: bool
    severity_min: int
    beyond_expected: bool
    trend_min: int
    spreading: bool
    past_expected: bool
    past_grace: bool
    after_day: float | None
    with_any: tuple[str, ...]
    with_sign: tuple[str, ...]
    with_fever: bool
    measured_fever: bool
    measured_low: bool
    measured_very_low: bool
    if_not_asked: frozenset[str]

    @classmethod
    def of(cls, when: Condition) -> _Test:
        return cls(
            when.always,
            when.severity_at_least.rank if when.severity_at_least else -1,
            when.beyond_expected_severity,
            when.trend_at_least.rank if when.trend_at_least else -1,
            when.spreading,
            when.past_expected,
            when.past_grace,
            when.after_day,
            tuple(when.with_any),
            tuple(when.with_sign),
            when.with_fever,
            when.measured_fever,
            when.measured_low_temperature,
            when.measured_very_low_temperature,
            frozenset(when.if_not_asked),
        )


@dataclass(frozen=True)
class _Rule:
    id: str
    test: _Test
    to: Disposition
    reason: Text
    sources: list[Source]


def _rule(rule_id: str, when: Condition, to: Disposition, reason: Text, sources: list[Source]) -> _Rule:
    return _Rule(rule_id, _Test.of(when), to, reason, sources)


@dataclass(frozen=True)
class _Compiled:
    per_symptom: dict[str, list[_Rule]]
    check_in_level: list[_Rule]
    sign_sets: dict[str, list[Sign]]
    reads: dict[str, frozenset[str]]  # per code, the questions its rules and signs read the answer to


_compiled: dict[str, _Compiled] = {}


def _compile(kb: KnowledgeBase) -> _Compiled:
    cached = _compiled.get(kb.version)
    if cached is not None:
        return cached
    course = kb.triage.course_rules
    per_symptom: dict[str, list[_Rule]] = {}
    for code, effect in kb.effects.items():
        rules = [_rule(r.id, r.when, r.to, r.reason, course.sources) for r in course.rules if effect.expected]
        rules += [_rule(r.id, r.when, r.to, r.reason, r.sources or effect.sources) for r in effect.escalate]
        rules += [
            _rule(f.id, f.when, f.to, f.reason, f.sources) for f in kb.triage.red_flags if code in f.symptoms
        ]
        per_symptom[code] = rules
    level = [_rule(f.id, f.when, f.to, f.reason, f.sources) for f in kb.triage.red_flags if not f.symptoms]
    sign_sets = {s.id: s.signs for s in kb.triage.sign_sets}
    compiled = _compiled[kb.version] = _Compiled(per_symptom, level, sign_sets, _reads(kb))
    return compiled


def _reads(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """Per symptom code, the follow-up questions whose answers its rules (course rules, its own escalation,
    its red flags) and the signs of it in sign sets read."""
    reads: dict[str, set[str]] = {}
    for code, effect in kb.effects.items():
        whens = [r.when for r in kb.triage.course_rules.rules] if effect.expected else []
        whens += [r.when for r in effect.escalate]
        whens += [f.when for f in kb.triage.red_flags if code in f.symptoms]
        reads[code] = {q for when in whens for q in when.questions()}
    for sign_set in kb.triage.sign_sets:
        for sign in sign_set.signs:
            reads[sign.code] |= sign.questions()
    return {code: frozenset(questions) for code, questions in reads.items()}


@dataclass(frozen=True)
class _Context:
    """What every test of one check-in reads: the answers as the engine takes them, the fever and a low
    temperature."""

    check_in: CheckIn
    answers: dict[str, list[Answers]]  # each report of a symptom code, with unasked answers as None
    fever: bool
    measured_fever: bool
    measured_low: bool
    measured_very_low: bool
    sign_sets: dict[str, list[Sign]]


def _holds(t: _Test, ctx: _Context, a: Answers | None, e: Effect | None) -> bool:
    """Whether a rule's condition holds; each test returns early when it fails (most rules fail)."""
    if t.always:
        return True
    if t.severity_min >= 0 and not (
        a is not None
        and (a.severity_rank >= t.severity_min or (a.severity is None and "severity" in t.if_not_asked))
    ):
        return False
    if t.trend_min >= 0 and not (
        a is not None and (a.trend_rank >= t.trend_min or (a.trend is None and "trend" in t.if_not_asked))
    ):
        return False
    if t.spreading and not (
        a is not None and (a.spreading is True or (a.spreading is None and "spreading" in t.if_not_asked))
    ):
        return False
    expected = e.expected if e else None
    if t.beyond_expected and not (
        a is not None and expected is not None and a.severity_rank > SEVERITY_RANK[expected.max_severity]
    ):
        return False
    days = ctx.check_in.days_since_treatment
    if t.past_expected and not (expected is not None and days > expected.resolves_within_days):
        return False
    if t.past_grace and not (expected is not None and days > expected.grace_until_day):
        return False
    if t.after_day is not None and not days > t.after_day:
        return False
    if t.with_any and not any(code in ctx.answers for code in t.with_any):
        return False
    if t.with_sign and not any(_sign_shown(sign, ctx) for s in t.with_sign for sign in ctx.sign_sets[s]):
        return False
    if t.measured_low and not ctx.measured_low:
        return False
    if t.measured_very_low and not ctx.measured_very_low:
        return False
    return (not t.with_fever or ctx.fever) and (not t.measured_fever or ctx.measured_fever)


def _sign_shown(sign: Sign, ctx: _Context) -> bool:
    """Whether any report of the sign's symptom shows it. An unknown answer counts only where the sign's
    `if_not_asked` says so."""
    unknown = sign.if_not_asked == "met"
    for a in ctx.answers.get(sign.code, ()):
        checks = []
        if sign.severity_at_least is not None:
            checks.append(unknown if a.severity is None else a.severity >= sign.severity_at_least)
        if sign.trend_at_least is not None:
            checks.append(unknown if a.trend is None else a.trend >= sign.trend_at_least)
        if sign.spreading:
            checks.append(unknown if a.spreading is None else a.spreading)
        if all(checks):
            return True
    return False


def triage(check_in: CheckIn, lang: Lang = Lang.EN, kb: KnowledgeBase | None = None) -> TriageResult:
    """Judge a check-in. Raises InputError for a symptom code the knowledge base does not know."""
    kb = kb or load_kb()
    check_symptom_codes(check_in, kb)
    compiled = _compile(kb)
    answers = answers_of(check_in, kb)
    by_code: dict[str, list[Answers]] = {}
    for symptom, answered in zip(check_in.symptoms, answers, strict=True):
        by_code.setdefault(symptom.code, []).append(answered)
    fever, measured = has_fever(check_in, kb)
    low, very_low = has_low_temperature(check_in, kb)
    ctx = _Context(check_in, by_code, fever, measured, low, very_low, compiled.sign_sets)
    reasons: list[Reason] = []
    expected: list[ExpectedCourse] = []
    not_assessed: dict[str, Effect] = {}  # by code: symptoms not judged, for want of their answers
    blocks_next = False
    days = check_in.days_since_treatment
    for symptom, answered in zip(check_in.symptoms, answers, strict=True):
        effect = kb.effects[symptom.code]
        blocks_next = blocks_next or effect.blocks_next_session
        fired = [r for r in compiled.per_symptom[symptom.code] if _holds(r.test, ctx, answered, effect)]
        reasons += [_reason(r, effect.code, lang, effect.name) for r in fired]
        if effect.expected is None:
            floor = effect.not_expected_disposition or Disposition.CONTACT_CLINIC
            if not any(rule.to.rank >= floor.rank for rule in fired):  # else a rule already says it, louder
                reasons.append(
                    _effect_reason(effect, floor, effect.patient_text.get(lang), lang, effect.sources)
                )
        elif not fired and _unknown(compiled.reads[effect.code], answered, kb, effect.code, days):
            not_assessed[effect.code] = effect  # "not asked" is not "mild": never "expected"
        elif not fired:
            reasons.append(_expected_reason(effect, days, kb, lang))
            expected.append(_course(effect, days, lang))
    for rule in compiled.check_in_level:
        if _holds(rule.test, ctx, None, None):
            reasons.append(_reason(rule, "check_in", lang, None))
    reasons.sort(key=lambda r: -LEVEL_RANK[r.level])
    disposition = Disposition(reasons[0].level) if reasons else Disposition.SELF_CARE
    if not_assessed:  # at the level the other reasons give (it never changes it), after those that give it
        questions = kb.triage.questions
        text = questions.not_assessed.get(lang)
        at = sum(1 for r in reasons if r.level == disposition.value)
        reasons[at:at] = [
            _effect_reason(e, disposition, text, lang, questions.sources, f"{e.code}.not_assessed")
            for e in not_assessed.values()
        ]
    texts = {d.code: d for d in kb.triage.dispositions}[disposition]
    return TriageResult.model_construct(
        disposition=disposition,
        label=texts.label.get(lang),
        action=texts.action.get(lang),
        reasons=reasons,
        expected=expected,
        watch_for=watch_for(kb, lang, disposition),
        next_session_ok=disposition == Disposition.SELF_CARE and not blocks_next and not not_assessed,
        lang=lang,
        kb_version=kb.version,
    )


def _unknown(reads: frozenset[str], answered: Answers, kb: KnowledgeBase, code: str, days: float) -> bool:
    """Whether an answer that applies (on this day) and that the symptom's rules read is unknown."""
    return any(getattr(answered, q) is None for q in asked(kb, code, days) if q in reads)


def _in_grace(effect: Effect, days: float) -> bool:
    return effect.expected is not None and days > effect.expected.resolves_within_days


def _expected_reason(effect: Effect, days: float, kb: KnowledgeBase, lang: Lang) -> Reason:
    """Self-care: inside the expected window, or a mild, improving effect inside its grace days."""
    assert effect.expected is not None
    course = effect.expected
    if not _in_grace(effect, days) or course.grace is None:
        return _effect_reason(effect, Disposition.SELF_CARE, course.course.get(lang), lang, effect.sources)
    day = f"{course.grace_until_day:g}"
    text = kb.triage.course_rules.grace.get(lang).replace(
        "{day}", day.translate(ARABIC_DIGITS) if lang == Lang.AR else day
    )
    sources = [*effect.sources, *course.grace.sources]
    return _effect_reason(effect, Disposition.SELF_CARE, text, lang, sources, f"{effect.code}.grace")


def _course(effect: Effect, days: float, lang: Lang) -> ExpectedCourse:
    assert effect.expected is not None
    until = (
        effect.expected.grace_until_day if _in_grace(effect, days) else effect.expected.resolves_within_days
    )
    return ExpectedCourse.model_construct(
        code=effect.code,
        name=effect.name.get(lang),
        resolves_by_day=until,
        text=effect.expected.course.get(lang),
    )


def _reason(rule: _Rule, entry: str, lang: Lang, name: Text | None) -> Reason:
    text = f"{name.get(lang)}: {rule.reason.get(lang)}" if name else rule.reason.get(lang)
    return Reason.model_construct(
        rule=rule.id, entry=entry, level=rule.to.value, text=text, sources=rule.sources
    )


def _effect_reason(
    effect: Effect, level: Disposition, text: str, lang: Lang, sources: list[Source], rule: str = ""
) -> Reason:
    suffix = "expected" if level == Disposition.SELF_CARE else "not_expected"
    return Reason.model_construct(
        rule=rule or f"{effect.code}.{suffix}",
        entry=effect.code,
        level=level.value,
        text=f"{effect.name.get(lang)}: {text}",
        sources=sources,
    )


def effect_reasons(effect: Effect, kb: KnowledgeBase) -> dict[str, Text]:
    """Every reason this engine can give an effect itself (`_effect_reason`), by rule id with its text in both
    languages, for a code system of reasons: its expected course, its grace days, "not assessed" for want
    of an answer, or its floor when it is never expected (`expected` when that floor is self-care)."""
    found: dict[str, Text] = {}
    course = effect.expected
    if course is None:
        floor = effect.not_expected_disposition or Disposition.CONTACT_CLINIC
        kind = "expected" if floor == Disposition.SELF_CARE else "not_expected"
        return {f"{effect.code}.{kind}": _named(effect, effect.patient_text)}
    found[f"{effect.code}.expected"] = _named(effect, course.course)
    if course.grace is not None:
        day = f"{course.grace_until_day:g}"
        grace = kb.triage.course_rules.grace
        text = Text(
            en=grace.en.replace("{day}", day), ar=grace.ar.replace("{day}", day.translate(ARABIC_DIGITS))
        )
        found[f"{effect.code}.grace"] = _named(effect, text)
    if effect.asks:  # an unknown answer leaves it not assessed
        found[f"{effect.code}.not_assessed"] = _named(effect, kb.triage.questions.not_assessed)
    return found


def _named(effect: Effect, text: Text) -> Text:
    """A reason as the engine words it: the effect's name, then the text."""
    return Text(en=f"{effect.name.en}: {text.en}", ar=f"{effect.name.ar}: {text.ar}")


def watch_for(kb: KnowledgeBase, lang: Lang, disposition: Disposition) -> list[str]:
    """The "get help sooner if" lines: the warning signs that would raise `disposition`, most urgent first.
    Signs at or below it are left out (a patient told to seek care today for a fever is not told to get
    help sooner if they have a fever); after an emergency there is nothing sooner. Cached per knowledge
    version, language and disposition (a fresh list each call: callers may change it)."""
    key = (kb.version, lang, disposition)
    lines = _watch_for.get(key)
    if lines is None:
        flags = sorted((f for f in kb.triage.red_flags if f.to > disposition), key=lambda f: -f.to.rank)
        lines = _watch_for[key] = tuple(dict.fromkeys(f.watch_for.get(lang) for f in flags))  # unique
    return list(lines)


_watch_for: dict[tuple[str, Lang, Disposition], tuple[str, ...]] = {}
