"""What the engines return. Every result carries its reasons and the knowledge-base version."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from mesosafe.knowledge import Decision, Disposition, Lang
from mesosafe.knowledge.schema import Source


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class Reason(Result):
    rule: str  # the knowledge entry id of the rule that applied, e.g. "late_lump" or "course.past_window"
    entry: str  # the knowledge entry it concerns, e.g. "lump"
    level: str  # the disposition or decision this reason asks for
    text: str
    detail: str | None = None  # what in the input triggered it, e.g. the medicine's name as typed
    sources: list[Source]


class ExpectedCourse(Result):
    code: str
    name: str
    resolves_by_day: float
    text: str


class TriageResult(Result):
    disposition: Disposition
    label: str
    action: str
    reasons: list[Reason]
    expected: list[ExpectedCourse]
    watch_for: list[str]
    next_session_ok: bool
    lang: Lang
    kb_version: str


class ScreeningResult(Result):
    decision: Decision
    label: str
    defer_days: float | None
    reasons: list[Reason]
    lang: Lang
    kb_version: str


class PlanItem(Result):
    code: str
    title: dict[Lang, str]
    text: dict[Lang, str]
    starts_at: datetime
    ends_at: datetime


class CheckinDue(Result):
    day: float
    due_at: datetime


class AftercarePlan(Result):
    treated_at: datetime
    items: list[PlanItem]
    checkins: list[CheckinDue]
    kb_version: str
