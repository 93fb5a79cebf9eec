"""What staff send to record a complication or change one."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from mesosafe.complications.models import Outcome, Relatedness, SeriousReason
from mesosafe.lib.fields import Code, In, LongText, RecentDate


class ComplicationIn(In):
    onset_date: RecentDate
    grade: int = Field(ge=1, le=5)
    relatedness: Relatedness
    symptom_codes: list[Code] = Field(default=[], max_length=50)
    serious: bool = False
    serious_reason: SeriousReason | None = None
    outcome: Outcome = Outcome.UNKNOWN
    outcome_date: RecentDate | None = None
    action_taken: LongText = ""
    suspected_infection: bool = False
    reported_to_regulator: bool = False
    reported_on: RecentDate | None = None


KEPT = (
    "grade",
    "serious",
    "outcome",
    "action_taken",
    "relatedness",
    "suspected_infection",
    "reported_to_regulator",
)


class ComplicationPatch(In):
    """The fields to change; a field left out stays as it is. Only the optional ones (serious_reason,
    outcome_date, reported_on) can be cleared with null: null for any other is refused, naming it, where it
    once changed nothing and said 200."""

    grade: int | SkipJsonSchema[None] = Field(default=None, ge=1, le=5)
    serious: bool | SkipJsonSchema[None] = None
    serious_reason: SeriousReason | None = None
    outcome: Outcome | SkipJsonSchema[None] = None
    outcome_date: RecentDate | None = None
    action_taken: LongText | SkipJsonSchema[None] = None
    relatedness: Relatedness | SkipJsonSchema[None] = None
    suspected_infection: bool | SkipJsonSchema[None] = None
    reported_to_regulator: bool | SkipJsonSchema[None] = None
    reported_on: RecentDate | None = None

    @field_validator(*KEPT, mode="before")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be cleared: leave it out to keep it as it is")
        return value
