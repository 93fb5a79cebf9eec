"""Field types the input schemas share: lengths that match the database columns (so nothing reaches it that
it would refuse), and checks whose messages the clinic pages translate (clinicui/errors.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
)

from mesosafe.engines.inputs import CONTROL_CHARACTER as CONTROL_CHARACTER  # the pages translate it
from mesosafe.engines.inputs import blank, no_controls, written
from mesosafe.knowledge.plausible import VOLUME_ML

# Strict: JSON's true is not the id 1, nor "2" or 2.0 the number 2 (as the engines' own inputs are read)
Id = Annotated[int, Strict(), Field(ge=1, le=2**53)]

# The validators' own messages; the clinic pages translate them (clinicui/errors.py).
NOT_AN_EMAIL = "not a valid email address"
BEFORE_1900 = "must be after 1900"
IN_THE_FUTURE = "cannot be in the future"
OUTSIDE_2000_2100 = "must be between the years 2000 and 2100"
BLANK = "must not be blank"
BIDI_CONTROL = "must not contain invisible text-direction characters"
NOT_A_PHONE = "use digits, spaces and + ( ) - . only"

# Unicode's embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): inside a name they
# reorder what staff read ("Ali [RLO]evil" shows as "Ali live"), and no one's name needs them.
_BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


_PHONE = re.compile(r"[0-9+()\-. ]*")


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(NOT_AN_EMAIL) from None
    return value


def _not_ancient(value: date) -> date:
    if value.year < 1900:
        raise ValueError(BEFORE_1900)
    return value


def _born_by_now(value: date) -> date:
    if value > date.today() + timedelta(days=1):  # today somewhere on Earth, whatever the server's zone
        raise ValueError(IN_THE_FUTURE)
    return value


def _plausible_moment(value: datetime) -> datetime:
    # the year as stored (UTC): 2000-01-01T00:00+23:59 is 1999 in the database
    if not 2000 <= value.year <= 2100 or not 2000 <= value.astimezone(UTC).year <= 2100:
        raise ValueError(OUTSIDE_2000_2100)
    return value


def _no_bidi_controls(value: str) -> str:
    if any(c in _BIDI_CONTROLS for c in value):
        raise ValueError(BIDI_CONTROL)
    return value


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise ValueError(NOT_A_PHONE)
    return value.strip()


def said(value: str) -> str:
    if blank(value):
        raise ValueError(BLANK)
    return value.strip()


Written = BeforeValidator(written)
Moment = Annotated[
    AwareDatetime,
    Written,
    AfterValidator(_plausible_moment),
    Field(description="with its UTC offset; between the years 2000 and 2100"),
]
Typed = AfterValidator(no_controls)
Name = Annotated[
    str, Field(min_length=1, max_length=200), Typed, AfterValidator(_no_bidi_controls), AfterValidator(said)
]
Short = Annotated[str, Field(max_length=120), Typed]
Text60 = Annotated[str, Field(max_length=60), Typed]
Text100 = Annotated[str, Field(max_length=100), Typed]
Area = Annotated[str, Field(min_length=1, max_length=100), Typed, AfterValidator(said)]
Code = Annotated[str, Field(min_length=1, max_length=64), Typed]
Note = Annotated[str, Field(max_length=2000), Typed]
LongText = Annotated[str, Field(max_length=4000), Typed]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
RecentDate = Annotated[date, Written, AfterValidator(_not_ancient), Field(description="after 1900")]
BirthDate = Annotated[
    date,
    Written,
    AfterValidator(_not_ancient),
    AfterValidator(_born_by_now),
    Field(description="after 1900 and not in the future"),
]
# A decimal amount: the API reads "1.5" too, but says it is a number, so a client sends one
Millilitres = Annotated[
    Decimal,
    Field(ge=VOLUME_ML.low, le=VOLUME_ML.high, max_digits=7, decimal_places=2),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": float(VOLUME_ML.low),
            "maximum": float(VOLUME_ML.high),
            "description": "at most 2 decimals",
        }
    ),
]


class In(BaseModel):
    """An input schema: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")
