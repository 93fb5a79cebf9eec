"""What staff send to record a complication or change one."""

from __future__ import annotations

from pydantic import Field

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


class ComplicationPatch(In):
    grade: int | None = Field(default=None, ge=1, le=5)
    serious: bool | None = None
    serious_reason: SeriousReason | None = None
    outcome: Outcome | None = None
    outcome_date: RecentDate | None = None
    action_taken: LongText | None = None
    relatedness: Relatedness | None = None
    suspected_infection: bool | None = None
    reported_to_regulator: bool | None = None
    reported_on: RecentDate | None = None
