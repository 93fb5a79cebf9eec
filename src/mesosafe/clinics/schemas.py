"""What staff send to add a product or a lot (the API and the clinic pages alike)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from mesosafe.engines.inputs import Flag
from mesosafe.lib.fields import Id, In, Name, RecentDate, Short, said


class ProductIn(In):
    name: Name
    manufacturer: Short = ""
    ingredients: list[Annotated[Short, AfterValidator(said)]] = Field(default=[], max_length=50)
    approval_reference: Short = ""


class BatchIn(In):
    product_id: Id
    lot_number: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    expires_on: RecentDate
    multi_dose_vial: Flag = False
