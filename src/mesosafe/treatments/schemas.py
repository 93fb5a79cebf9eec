"""What staff send to record a treatment (the API and the clinic pages alike)."""

from __future__ import annotations

from pydantic import Field

from mesosafe.lib.fields import Area, Id, In, Millilitres, Moment, Note, Short, Text60, Text100


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
