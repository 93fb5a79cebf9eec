"""Load the knowledge base once: parse the YAML, validate it, cross-check references, hash the content."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mesosafe.errors import field_path
from mesosafe.knowledge import cache
from mesosafe.knowledge.schema import (
    AftercareKnowledge,
    Condition,
    Effect,
    EffectsFile,
    FaqEntry,
    FaqFile,
    ScreeningKnowledge,
    Sign,
    TriageKnowledge,
)
from mesosafe.knowledge.vocabulary import Decision

DATA_DIR = Path(__file__).parent / "data"
FILES = ("effects.yaml", "triage.yaml", "screening.yaml", "aftercare.yaml", "faq.yaml")
M = TypeVar("M", bound=BaseModel)


class KnowledgeError(Exception):
    """A knowledge file that does not validate, with the file, line and field named."""

    def __init__(self, file: str, message: str, line: int | None = None, field_path: str = "") -> None:
        self.file, self.line, self.field_path, self.message = file, line, field_path, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field_path + ': ' if field_path else ''}{message}")


@dataclass(frozen=True)
class KnowledgeBase:
    version: str
    effects: dict[str, Effect]
    triage: TriageKnowledge
    screening: ScreeningKnowledge
    aftercare: AftercareKnowledge
    faq: list[FaqEntry]
    entries: dict[str, BaseModel] = field(repr=False)

    @property
    def symptom_codes(self) -> list[str]:
        return list(self.effects)


def _yaml() -> tuple[ModuleType, type[Any]]:
    """PyYAML and its fastest safe loader, imported only when YAML is read (not for the validated copy)."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    yaml, loader = _yaml()
    node: Any = yaml.compose(text, Loader=loader)
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), node)
            if node is None:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


def _parse(directory: Path, name: str, model: type[M]) -> tuple[M, bytes, str]:
    path = directory / name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(name, f"cannot read file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(name, f"not UTF-8 text (byte {exc.start})") from None
    yaml, loader = _yaml()
    try:
        data: Any = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise KnowledgeError(name, f"invalid YAML: {exc.problem}", line) from None
    try:
        return model.model_validate(data), raw, text
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(p for p in error["loc"] if isinstance(p, int | str))
        raise KnowledgeError(name, error["msg"], _line_of(text, loc), field_path(loc)) from None


def _index(kb_parts: dict[str, BaseModel], name: str, key: str, item: BaseModel) -> None:
    if key in kb_parts:
        raise KnowledgeError(name, f"duplicate id '{key}'")
    kb_parts[key] = item


Texts = dict[str, str]  # file name -> its YAML text, to name the line of a cross-check error


def _cross_check(kb: KnowledgeBase, texts: Texts) -> None:
    items = {item.code for item in kb.aftercare.items}
    for effect in kb.effects.values():
        for code in effect.self_care:
            if code not in items:
                raise KnowledgeError("effects.yaml", f"unknown aftercare item '{code}'", None, effect.code)
        for rule in effect.escalate:
            _check_codes(kb, "effects.yaml", rule.id, rule.when.with_any)
    for flag in kb.triage.red_flags:
        _check_codes(kb, "triage.yaml", flag.id, [*flag.symptoms, *flag.when.with_any])
    for sign_set in kb.triage.sign_sets:
        _check_codes(kb, "triage.yaml", sign_set.id, [sign.code for sign in sign_set.signs])
    infection = kb.triage.suspected_infection
    _check_codes(kb, "triage.yaml", "suspected_infection", [*infection.symptoms, *infection.late_symptoms])
    _check_questions(kb, texts)
    known_conditions = {c.code for c in kb.screening.conditions}
    for screening_rule in kb.screening.rules:
        unknown = set(screening_rule.conditions) - known_conditions
        if unknown:
            message = f"unknown condition {sorted(unknown)}"
            raise KnowledgeError("screening.yaml", message, None, screening_rule.id)
    _check_lower_than_unknown_is_read_whole(kb)


def _check_lower_than_unknown_is_read_whole(kb: KnowledgeBase) -> None:
    """A condition that screens below an unknown condition must be matched as a whole entry: matched by
    mention, "hay fever and leukaemia" would be hay fever, and the leukaemia never reviewed."""
    rules = kb.screening.rules
    unknown = [rule.decision for rule in rules if rule.kind == "unknown_condition"]
    if not unknown:
        return
    for condition in kb.screening.conditions:
        decisions = [rule.decision for rule in rules if condition.code in rule.conditions]
        if max(decisions, default=Decision.PROCEED) < min(unknown) and condition.matched != "whole_entry":
            message = "screens below an unknown condition, so it is matched only as a whole entry"
            raise KnowledgeError("screening.yaml", message, None, condition.code)


def _check_codes(kb: KnowledgeBase, file: str, where: str, codes: Iterable[str]) -> None:
    for code in codes:
        if code not in kb.effects:
            raise KnowledgeError(file, f"unknown symptom code '{code}'", None, where)


# (file, path to the rule or sign in that file, the condition or sign, the symptom codes it is read for)
Reader = tuple[str, tuple[int | str, ...], Condition | Sign, list[str]]


def _readers(kb: KnowledgeBase) -> Iterator[Reader]:
    """Every rule condition and sign that may read follow-up answers, with the symptoms it reads them of."""
    effects = list(kb.effects.values())
    expected = [e.code for e in effects if e.expected]
    for i, rule in enumerate(kb.triage.course_rules.rules):
        yield "triage.yaml", ("course_rules", "rules", i, "when"), rule.when, expected
    for i, effect in enumerate(effects):
        for j, rule in enumerate(effect.escalate):
            yield "effects.yaml", ("effects", i, "escalate", j, "when"), rule.when, [effect.code]
    for i, flag in enumerate(kb.triage.red_flags):
        yield "triage.yaml", ("red_flags", i, "when"), flag.when, flag.symptoms
    for i, sign_set in enumerate(kb.triage.sign_sets):
        for j, sign in enumerate(sign_set.signs):
            yield "triage.yaml", ("sign_sets", i, "signs", j), sign, [sign.code]


def _check_questions(kb: KnowledgeBase, texts: Texts) -> None:
    """A rule may read only the answers its symptoms are asked for, and name only known sign sets."""
    sign_sets = {sign_set.id for sign_set in kb.triage.sign_sets}
    for file, loc, test, codes in _readers(kb):
        if isinstance(test, Condition) and (unknown := set(test.with_sign) - sign_sets):
            raise KnowledgeError(
                file,
                f"unknown sign set {sorted(unknown)}",
                _line_of(texts[file], (*loc, "with_sign")),
                field_path((*loc, "with_sign")),
            )
        for question in sorted(test.questions()):
            not_asked = [code for code in codes if question not in kb.effects[code].asks]
            if not_asked:
                message = (
                    f"reads '{question}', which is not asked for {', '.join(not_asked)} (see its 'asks')"
                )
                field = (*loc, _field_of(test, question))
                raise KnowledgeError(file, message, _line_of(texts[file], field), field_path(field))


def _field_of(test: Condition | Sign, question: str) -> str:
    """The name of the field of `test` that reads `question`, e.g. 'severity_at_least'."""
    if question == "spreading":
        return "spreading"
    if question == "trend":
        return "trend_at_least"
    if isinstance(test, Condition) and test.beyond_expected_severity:
        return "beyond_expected_severity"
    return "severity_at_least"


def load_from(directory: Path) -> KnowledgeBase:
    """Load and validate the knowledge base in `directory`. Raises KnowledgeError naming file, line, field."""
    effects, raw_effects, effects_text = _parse(directory, "effects.yaml", EffectsFile)
    triage, raw_triage, triage_text = _parse(directory, "triage.yaml", TriageKnowledge)
    screening, raw_screening, _ = _parse(directory, "screening.yaml", ScreeningKnowledge)
    aftercare, raw_aftercare, _ = _parse(directory, "aftercare.yaml", AftercareKnowledge)
    faq, raw_faq, _ = _parse(directory, "faq.yaml", FaqFile)
    digest = hashlib.sha256()
    for name, raw in zip(
        FILES, (raw_effects, raw_triage, raw_screening, raw_aftercare, raw_faq), strict=True
    ):
        digest.update(name.encode() + b"\0" + raw + b"\0")
    groups: list[tuple[str, str, list[Any]]] = [
        ("effects.yaml", "code", effects.effects),
        ("triage.yaml", "id", triage.red_flags),
        ("screening.yaml", "id", screening.rules),
        ("screening.yaml", "code", screening.medicines),
        ("screening.yaml", "code", screening.conditions),
        ("screening.yaml", "code", screening.ingredient_classes),
        ("triage.yaml", "id", triage.sign_sets),
        ("aftercare.yaml", "code", aftercare.items),
        ("aftercare.yaml", "code", aftercare.preparation),
        ("faq.yaml", "id", faq.faq),
    ]
    entries: dict[str, BaseModel] = {}
    for file, key, items in groups:
        for item in items:
            _index(entries, file, getattr(item, key), item)
    kb = KnowledgeBase(
        version="kb-" + digest.hexdigest()[:12],
        effects={effect.code: effect for effect in effects.effects},
        triage=triage,
        screening=screening,
        aftercare=aftercare,
        faq=faq.faq,
        entries=entries,
    )
    _cross_check(kb, {"effects.yaml": effects_text, "triage.yaml": triage_text})
    return kb


@functools.cache
def load() -> KnowledgeBase:
    """The packaged knowledge base, loaded once per process: from the validated copy kept by an earlier
    process when the files are unchanged (knowledge/cache.py), else from the YAML, then kept."""
    kept = cache.path_for(DATA_DIR, FILES)
    kb = cache.read(kept)
    if isinstance(kb, KnowledgeBase):
        return kb
    kb = load_from(DATA_DIR)
    cache.write(kept, kb)
    return kb
