"""What staff send to record a treatment (the API and the clinic pages alike)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from mesosafe.knowledge.plausible import VOLUME_ML
from mesosafe.lib.fields import Area, Id, In, Moment, Note, Short, Text60, Text100


class ProductLineIn(In):
    batch_id: Id
    volume_ml: Annotated[Decimal, Field(ge=VOLUME_ML.low, le=VOLUME_ML.high, max_digits=7, decimal_places=2)]
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
