"""What a patient sends as a check-in, and what staff send to acknowledge one or return it to the queue."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from mesosafe.engines import SymptomReport
from mesosafe.knowledge.plausible import TEMPERATURE_C
from mesosafe.lib.fields import In, Moment, Note, Typed, said


class CheckInBody(In):
    """The engine's check-in, without days_since_treatment (the server computes it)."""

    symptoms: list[SymptomReport] = Field(default=[], max_length=50)
    temperature_c: float | None = Field(
        default=None, ge=float(TEMPERATURE_C.low), le=float(TEMPERATURE_C.high), allow_inf_nan=False
    )


class AcknowledgeIn(In):
    note: Note = ""


class ReopenIn(In):
    """Undo a review: `reviewed_at` is the one being undone, as the check-in showed it, so a review made
    since is never undone by mistake."""

    reviewed_at: Moment
    reason: Annotated[str, Field(min_length=1, max_length=2000), Typed, AfterValidator(said)]
