"""The schema of the knowledge base: every YAML file under `data/` is validated against these models."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from mesosafe.knowledge.vocabulary import Decision, Disposition, Frequency, Lang, Severity, Trend

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
ARABIC = re.compile(r"[\u0600-\u06FF]")


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Entry):
    """Patient-facing text in both languages."""

    en: NonEmpty
    ar: NonEmpty

    @model_validator(mode="after")
    def _arabic_is_arabic(self) -> Text:
        if not ARABIC.search(self.ar):
            raise ValueError("the 'ar' text must be written in Arabic")
        return self

    def get(self, lang: Lang | str) -> str:
        return self.ar if lang == Lang.AR else self.en


class Source(Entry):
    """A seed article (file name + section heading) or a publication."""

    seed: str | None = Field(default=None, pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")
    section: str | None = None
    publication: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if (self.seed is None) == (self.publication is None):
            raise ValueError("a source names either a seed (with its section) or a publication")
        if self.seed is not None and not self.section:
            raise ValueError("a seed source needs the section heading it comes from")
        return self


Sources = Annotated[list[Source], Field(min_length=1)]


class Condition(Entry):
    """When a triage rule fires. Every test is monotone: more symptoms, more severity, a worse trend,
    spreading, more days or a higher temperature can only make more conditions true."""

    always: bool = False
    severity_at_least: Severity | None = None
    beyond_expected_severity: bool = False
    trend_at_least: Trend | None = None
    spreading: bool = False
    past_expected: bool = False
    after_day: float | None = Field(default=None, ge=0)
    with_any: list[Code] = []
    temperature_at_least: float | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Condition:
        tests = self.model_dump(exclude_defaults=True)
        if not tests:
            raise ValueError("a condition needs at least one test (or 'always: true')")
        if self.always and len(tests) > 1:
            raise ValueError("'always' cannot be combined with other tests")
        return self


class Rule(Entry):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]*$")]
    when: Condition
    to: Disposition
    reason: Text
    sources: list[Source] = []


class Expected(Entry):
    """The expected course of an effect that is part of normal healing."""

    onset_hours: tuple[float, float]
    resolves_within_days: float = Field(gt=0)
    max_severity: Severity
    course: Text  # e.g. "usually settles within a week"


class Effect(Entry):
    code: Code
    frequency: Frequency
    name: Text
    description: Text
    patient_text: Text
    expected: Expected | None = None
    not_expected_disposition: Disposition | None = None
    blocks_next_session: bool
    self_care: list[Code] = []
    escalate: list[Rule] = []
    sources: Sources

    @model_validator(mode="after")
    def _baseline(self) -> Effect:
        if (self.expected is None) == (self.not_expected_disposition is None):
            raise ValueError("an effect has either an expected course or a not_expected_disposition")
        return self


class RedFlag(Entry):
    """A warning sign. `symptoms` empty means a check-in level sign (e.g. measured temperature)."""

    id: Code
    symptoms: list[Code] = []
    when: Condition
    to: Disposition
    reason: Text
    watch_for: Text  # the "get help sooner if ..." line shown to patients
    sources: Sources


class CourseRules(Entry):
    """Rules applied to every effect that has an expected course."""

    rules: list[Rule]
    sources: Sources


class DispositionText(Entry):
    code: Disposition
    label: Text
    action: Text
    sources: Sources


class DecisionText(Entry):
    code: Decision
    label: Text
    sources: Sources


class SuspectedInfection(Entry):
    """Which complications count as suspected infections in registry cluster alerts."""

    symptoms: list[Code]  # any time
    late_symptoms: list[Code]  # only when their onset is more than `late_after_day` days after the session
    late_after_day: float = Field(ge=0)
    sources: Sources


class TriageKnowledge(Entry):
    dispositions: list[DispositionText]
    course_rules: CourseRules
    red_flags: list[RedFlag]
    suspected_infection: SuspectedInfection


class Medicine(Entry):
    code: Code
    name: Text
    aliases: list[NonEmpty]
    drug_class: Literal["nsaid", "aspirin", "anticoagulant", "antiplatelet", "supplement", "safe_painkiller"]
    sources: Sources


class MedicalCondition(Entry):
    code: Code
    name: Text
    aliases: list[NonEmpty]
    sources: Sources


class ScreeningRule(Entry):
    """One screening rule. `kind` selects the test; the other fields are its parameters."""

    id: Code
    kind: Literal[
        "flag",
        "age_below",
        "allergy_in_formulation",
        "any_allergy",
        "medicine",
        "unknown_medicine",
        "days_since_below",
        "condition",
        "unknown_condition",
    ]
    field: str | None = None
    age: int | None = None
    drug_classes: list[str] = []
    prescribed: bool | None = None
    within_days: float | None = Field(default=None, gt=0)
    conditions: list[Code] = []
    decision: Decision
    defer_days: float | None = Field(default=None, gt=0)
    reason: Text
    sources: Sources


class ScreeningKnowledge(Entry):
    decisions: list[DecisionText]
    medicines: list[Medicine]
    conditions: list[MedicalCondition]
    rules: list[ScreeningRule]


class AftercareItem(Entry):
    code: Code
    title: Text
    text: Text
    starts_after_hours: float = Field(ge=0)
    lasts_hours: float = Field(gt=0)
    sources: Sources


class PreparationItem(Entry):
    code: Code
    title: Text
    text: Text
    days_before: tuple[float, float]  # from .. until days before the session
    sources: Sources


class CheckinSchedule(Entry):
    days: list[float] = Field(min_length=1)
    reason: Text
    sources: Sources


class AftercareKnowledge(Entry):
    items: list[AftercareItem]
    preparation: list[PreparationItem]
    checkins: CheckinSchedule


class FaqEntry(Entry):
    id: Code
    question: Text
    answer: Text
    sources: Sources


class EffectsFile(Entry):
    effects: list[Effect]


class FaqFile(Entry):
    faq: list[FaqEntry]
