"""What staff send to record a treatment (the API and the clinic pages alike)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from mesosafe.lib.fields import Area, Id, In, Millilitres, Moment, Note, Short, Text60, Text100, Typed, said
from mesosafe.treatments.models import RecallContact

# The recall's text limits (recall_contacts.py refuses longer ones too, naming the field)
REASON_MAX = 2000
NOTE_MAX = 500


class ProductLineIn(In):
    batch_id: Id
    volume_ml: Millilitres
    concentration: Text60 = ""
    area: Text100 = ""


class TreatmentIn(In):
    practitioner_id: Id
    performed_at: Moment
    areas: list[Area] = Field(default=[], max_length=30)
    technique: Short = ""
    injection_depth: Text60 = ""
    anaesthetic: Short = ""
    products: list[ProductLineIn] = Field(default=[], max_length=30)
    override_reason: Note = ""


# --- batch recall (treatments/recall_contacts.py checks the same limits for the clinic pages) ---


class RecallStartIn(In):
    """Start a lot's recall: the reason stays in the clinic's record (the patients' e-mail omits it)."""

    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX), Typed, AfterValidator(said)]


class RecallReachedIn(In):
    """How staff reached the patient about the recall, with an optional note."""

    method: RecallContact.Method
    note: Annotated[str, Field(max_length=NOTE_MAX), Typed] = ""


class RecallNotReachedIn(In):
    """Undo a "reached" marked by mistake: `contacted_at` is the mark being undone, as the standing showed it,
    so a mark made since is never undone by mistake."""

    contacted_at: Moment
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX), Typed, AfterValidator(said)]
