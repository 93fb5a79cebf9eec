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
    # Validators are built on first use: a process that reads the validated copy (cache.py) never needs them.
    # No infinite or NaN number: "resolves_within_days: .inf" would make any effect expected forever.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)


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
    """A seed article (file name, the article's title and the section heading) or a publication (authors,
    title, journal, year;volume:pages and doi, or the page's publisher, title and address)."""

    seed: str | None = Field(default=None, pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")
    title: str | None = None
    section: str | None = None
    publication: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if (self.seed is None) == (self.publication is None):
            raise ValueError("a source names either a seed (with its title and section) or a publication")
        if self.seed is not None and not self.section:
            raise ValueError("a seed source needs the section heading it comes from")
        if self.seed is not None and not self.title:
            raise ValueError("a seed source needs the article's title, so a reader without the file knows it")
        if self.publication is not None and (self.title or self.section):
            raise ValueError("a publication names its title inside 'publication'")
        return self


Sources = Annotated[list[Source], Field(min_length=1)]


Question = Literal["severity", "trend", "spreading"]
IfNotAsked = Literal["met", "not_met"]


class Condition(Entry):
    """When a triage rule fires. Every test is monotone: more symptoms, more severity, a worse trend,
    spreading, more days or a temperature further from normal (higher from the low threshold up, lower from
    the fever threshold down) can only make more conditions true.

    A test of an answer that was not given (a question not asked) is not met: see `questions` in
    triage.yaml for why that keeps the engine monotone."""

    always: bool = False
    severity_at_least: Severity | None = None
    beyond_expected_severity: bool = False
    trend_at_least: Trend | None = None
    spreading: bool = False
    past_expected: bool = False
    past_grace: bool = False  # past the expected window and the effect's grace days
    after_day: float | None = Field(default=None, ge=0)
    with_any: list[Code] = []  # any of these symptoms is reported too
    with_sign: list[Code] = []  # any sign of these sign sets (triage.yaml `sign_sets`) is reported
    with_fever: bool = False  # `fever` reported, or a measured temperature at the fever threshold
    measured_fever: bool = False  # a measured temperature at the fever threshold
    measured_low_temperature: bool = False  # a measured temperature below the low threshold
    measured_very_low_temperature: bool = False  # a measured temperature below the hypothermia threshold
    # questions whose unknown answer meets this condition's test of it (the worst cannot be excluded)
    if_not_asked: list[Question] = []

    def questions(self) -> set[str]:
        """The follow-up questions this condition reads the answer to."""
        asked = {
            "severity": self.severity_at_least is not None or self.beyond_expected_severity,
            "trend": self.trend_at_least is not None,
            "spreading": self.spreading,
        }
        return {question for question, reads in asked.items() if reads}

    @model_validator(mode="after")
    def _says_something(self) -> Condition:
        tests = self.model_dump(exclude_defaults=True, exclude={"if_not_asked"})
        if not set(self.if_not_asked) <= self.questions():
            raise ValueError("'if_not_asked' names a question this condition does not test")
        if not tests:
            raise ValueError("a condition needs at least one test (or 'always: true')")
        if self.always and len(tests) > 1:
            raise ValueError("'always' cannot be combined with other tests")
        if self.measured_fever and (self.measured_low_temperature or self.measured_very_low_temperature):
            raise ValueError("'measured_fever' and a measured low temperature can never both hold")
        return self


class Rule(Entry):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]*$")]
    when: Condition
    to: Disposition
    reason: Text
    sources: list[Source] = []


class Grace(Entry):
    """Days past the expected window during which a mild, improving effect is still self-care, with the
    source that gives the longer course."""

    days: float = Field(gt=0)
    sources: Sources


class Expected(Entry):
    """The expected course of an effect that is part of normal healing."""

    onset_hours: tuple[float, float]
    resolves_within_days: float = Field(gt=0)
    max_severity: Severity
    course: Text  # e.g. "usually settles within a week"
    grace: Grace | None = None

    @property
    def grace_until_day(self) -> float:
        return self.resolves_within_days + (self.grace.days if self.grace else 0)


class Effect(Entry):
    code: Code
    frequency: Frequency
    name: Text
    description: Text
    patient_text: Text
    expected: Expected | None = None
    not_expected_disposition: Disposition | None = None
    asks: list[Question]  # the follow-up questions a patient reporting it answers (triage.yaml `questions`)
    # whether the patient may describe it in their own words (a short text stored and shown to staff as
    # written; no rule reads it)
    describe: bool = False
    blocks_next_session: bool
    self_care: list[Code] = []
    escalate: list[Rule] = []
    sources: Sources

    @model_validator(mode="after")
    def _baseline(self) -> Effect:
        if (self.expected is None) == (self.not_expected_disposition is None):
            raise ValueError("an effect has either an expected course or a not_expected_disposition")
        if self.not_expected_disposition == Disposition.EMERGENCY and self.asks:
            raise ValueError("an emergency asks no follow-up question: the patient is told to call now")
        if len(set(self.asks)) != len(self.asks):
            raise ValueError("a question is listed twice")
        if self.describe and self.expected is not None:
            raise ValueError("only an effect that is never part of normal healing takes a description")
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
    """Rules applied to every effect that has an expected course. `grace` is the reason given for a mild,
    improving effect inside its grace days; `{day}` is replaced by the day it should be gone by."""

    rules: list[Rule]
    grace: Text
    sources: Sources

    @model_validator(mode="after")
    def _grace_names_the_day(self) -> CourseRules:
        if "{day}" not in self.grace.en or "{day}" not in self.grace.ar:
            raise ValueError("the grace text must say the day, as {day}, in both languages")
        return self


class Sign(Entry):
    """One sign of a sign set: a symptom, optionally only when spreading / at least so severe / so worse.
    `if_not_asked: met` counts the sign when an answer it reads was not given (the worst plausible answer
    cannot be excluded); the default counts it only when the answer shows it."""

    code: Code
    severity_at_least: Severity | None = None
    trend_at_least: Trend | None = None
    spreading: bool = False
    if_not_asked: IfNotAsked = "not_met"

    def questions(self) -> set[str]:
        reads = {
            "severity": self.severity_at_least,
            "trend": self.trend_at_least,
            "spreading": self.spreading,
        }
        return {question for question, value in reads.items() if value}


class SignSet(Entry):
    id: Code
    name: Text
    signs: list[Sign] = Field(min_length=1)
    sources: Sources


class Threshold(Entry):
    """A body temperature that means something: a fever at or above it, a low temperature below it."""

    threshold_c: float = Field(ge=30, le=45)
    sources: Sources


class Questions(Entry):
    """When the follow-up questions are asked: which ones per symptom is each effect's `asks`."""

    trend_from_day: float = Field(ge=0)  # "since yesterday" is asked from this day after treatment
    not_assessed: Text  # the reason for a symptom whose questions were not asked (a red flag stopped them)
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
    questions: Questions
    fever: Threshold
    low_temperature: Threshold
    very_low_temperature: Threshold
    sign_sets: list[SignSet]
    course_rules: CourseRules
    red_flags: list[RedFlag]
    suspected_infection: SuspectedInfection

    @model_validator(mode="after")
    def _normal_between(self) -> TriageKnowledge:
        if self.low_temperature.threshold_c >= self.fever.threshold_c:
            raise ValueError("low_temperature: its threshold must lie below the fever's")
        if self.very_low_temperature.threshold_c > self.low_temperature.threshold_c:
            raise ValueError("very_low_temperature: its threshold must not lie above low_temperature's")
        return self


# How an entry recognises what a patient wrote. "mentioned": the text mentions one of its aliases as whole
# words ("aspirin 75mg daily" is aspirin). "whole_entry": the text, normalised, is one of its aliases and
# nothing else ("cetirizine and ramipril" is not recognised, so it stays unknown): an entry that screens
# below an unknown medicine or condition must never hide other words written beside it.
Matched = Literal["mentioned", "whole_entry"]


class Medicine(Entry):
    code: Code
    name: Text
    aliases: list[NonEmpty]
    # no_concern: recognised, and nothing in its monograph bears on mesotherapy (no bleeding or bruising,
    # immunosuppression, photosensitivity or impaired healing listed): no rule asks anything of it
    drug_class: Literal[
        "nsaid",
        "aspirin",
        "anticoagulant",
        "antiplatelet",
        "supplement",
        "safe_painkiller",
        "retinoid",
        "no_concern",
    ]
    matched: Matched = "mentioned"
    sources: Sources

    @model_validator(mode="after")
    def _no_concern_is_read_whole(self) -> Medicine:
        if self.drug_class == "no_concern" and self.matched != "whole_entry":
            raise ValueError(
                "a no_concern medicine is matched only as a whole entry ('matched: whole_entry')"
            )
        return self


class MedicalCondition(Entry):
    code: Code
    name: Text
    aliases: list[NonEmpty]
    matched: Matched = "mentioned"
    sources: Sources


class IngredientClass(Entry):
    """Ingredients an allergy can name together: by the class or its source (`also_named`: "local
    anaesthetic", "soy"), or, where members cross-react, by any member."""

    code: Code
    name: Text
    also_named: list[NonEmpty]
    members: list[NonEmpty] = Field(min_length=1)
    members_cross_react: bool
    sources: Sources


class AskedQuestion(Entry):
    """A yes/no screening question by its intake field, with what it asks about in a word or two."""

    field: Code
    name: Text


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
        "not_asked",
    ]
    field: str | None = None
    questions: list[AskedQuestion] = []  # not_asked: the questions whose answer must not be left out
    age: int | None = None
    drug_classes: list[str] = []
    prescribed: bool | None = None
    within_days: float | None = Field(default=None, gt=0)  # medicine: last taken fewer days ago than this
    after_days: float | None = Field(default=None, gt=0)  # medicine: last taken at least this many days ago
    conditions: list[Code] = []
    decision: Decision
    defer_days: float | None = Field(default=None, gt=0)
    reason: Text
    sources: Sources


class NothingDeclared(Entry):
    """Entries that declare nothing ("none", "no known allergies", "لا يوجد"): read as no entry at all."""

    words: list[NonEmpty] = Field(min_length=1)
    sources: Sources


class NotNames(Entry):
    """Words written beside a medicine or condition that name none (doses, forms, how often, "and"): what
    is left of an entry beyond its recognised names and these words is read as unknown."""

    words: list[NonEmpty] = Field(min_length=1)
    sources: Sources


class ScreeningKnowledge(Entry):
    decisions: list[DecisionText]
    nothing_declared: NothingDeclared
    not_names: NotNames
    medicines: list[Medicine]
    conditions: list[MedicalCondition]
    ingredient_classes: list[IngredientClass]
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
