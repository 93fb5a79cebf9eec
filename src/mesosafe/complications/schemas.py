"""What staff send to record a complication or change one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, field_validator
from pydantic.json_schema import SkipJsonSchema

from mesosafe.complications.models import Outcome, Relatedness, SeriousReason
from mesosafe.engines.inputs import Description, Flag
from mesosafe.lib.fields import Code, In, LongText, RecentDate

DESCRIBED = (
    "What a described symptom (a code whose knowledge-base entry takes a description, `something_else`) was, "
    "in words, at most 200 characters, by the rules of a patient's description; only with such a code, "
    "required with one recorded without a check-in, or not among its check-in's symptoms (nobody else says "
    "what it was: a 422 naming it), and not "
    "where the check-in it is recorded from has the patient's own words for it (those are kept: a 422 "
    "naming it). Stored and shown as written, and carried to the ICSR and FHIR export as a check-in's words "
    "are."
)


class ComplicationIn(In):
    onset_date: RecentDate
    grade: Annotated[int, Strict()] = Field(ge=1, le=5)
    relatedness: Relatedness
    symptom_codes: list[Code] = Field(default=[], max_length=50)
    serious: Flag = False
    serious_reason: SeriousReason | None = None
    outcome: Outcome = Outcome.UNKNOWN
    outcome_date: RecentDate | None = None
    action_taken: LongText = ""
    description: Description | None = Field(default=None, description=DESCRIBED)
    suspected_infection: Flag = False
    reported_to_regulator: Flag = False
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
    outcome_date, reported_on, description) can be cleared with null: null for any other is refused, naming
    it, where it once changed nothing and said 200."""

    grade: Annotated[int, Strict()] | SkipJsonSchema[None] = Field(default=None, ge=1, le=5)
    serious: Flag | SkipJsonSchema[None] = None
    serious_reason: SeriousReason | None = None
    outcome: Outcome | SkipJsonSchema[None] = None
    outcome_date: RecentDate | None = None
    action_taken: LongText | SkipJsonSchema[None] = None
    relatedness: Relatedness | SkipJsonSchema[None] = None
    suspected_infection: Flag | SkipJsonSchema[None] = None
    reported_to_regulator: Flag | SkipJsonSchema[None] = None
    reported_on: RecentDate | None = None
    description: Description | None = Field(default=None, description=f"{DESCRIBED} null clears it.")

    @field_validator(*KEPT, mode="before")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be cleared: leave it out to keep it as it is")
        return value
