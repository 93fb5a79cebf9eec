"""What the engines accept: check-ins, screening intakes and treatments, with their validation."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictInt,
    ValidationError,
    field_validator,
)

from mesosafe.errors import Code, DomainError, Path
from mesosafe.knowledge import KnowledgeBase, Severity, Trend
from mesosafe.knowledge.plausible import TEMPERATURE_C

M = TypeVar("M", bound=BaseModel)

# Files of the zone database that are not places: 'localtime' is whatever this machine is set to, 'Factory'
# has no offset of its own, and the 'right/' zones count leap seconds that Python's clock does not.
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


def is_time_zone(name: str) -> bool:
    """An IANA time zone that names a place, as a clinic's or a treatment's zone must."""
    if name in NOT_PLACES or name.startswith("right/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Europe' is a folder
        return False
    return True


# Strict: a JSON true is not 1 day, nor "3" three; numbers, booleans and texts are what they say they are
Days = Annotated[float, Strict(), Field(ge=0, le=3650, allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]


def blank(value: str) -> bool:
    """Nothing a reader would see: spaces, and invisible format characters (zero-width space, the
    direction marks) that .strip() keeps."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in value)


def _not_blank(value: str) -> str:
    if blank(value):
        raise ValueError("must not be blank")
    return value


CONTROL_CHARACTER = "must not contain control characters"
# C0 and C1 controls but tab, newline and carriage return, DEL, and Unicode's noncharacters: no person types
# them, XML 1.0 cannot carry most of them (the E2B report a regulator reads), and terminals obey them.
CONTROLS = frozenset(
    map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0xFDD0, 0xFDF0)])
) | {"\ufffe", "\uffff"}


def no_controls(value: str) -> str:
    if not CONTROLS.isdisjoint(value):
        raise ValueError(CONTROL_CHARACTER)
    return value


TEXT_LENGTH = 200  # a name (an allergy, a medicine) or a few words
Named = Annotated[
    str, Field(min_length=1, max_length=TEXT_LENGTH), AfterValidator(no_controls), AfterValidator(_not_blank)
]


class InputError(DomainError):
    """Input a user can get wrong: a DomainError whose `field` names the offending field, e.g.
    'symptoms[0].code'. From a schema, `kind` is pydantic's error type ('string_too_long', 'value_error', …)
    and `context` its limits (max_length …) or, for a value error, `reason`: the validator's own message;
    pages translate these."""

    def __init__(
        self, field: str | Path, message: str, kind: str = "", context: dict[str, Any] | None = None
    ) -> None:
        super().__init__(field, message, Code.INVALID, kind, context)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # not asked is not "null": the field is simply left out


NOT_ASKED = "Leave out when not asked (`mesosafe schema checkin`, x-asks); never a made-up value."
NOT_ASKED_QUESTION = "true or false as the patient answered; leave out when not asked (never a made-up 'no')."
DESCRIPTION_LENGTH = TEXT_LENGTH  # a few words, as the page's text box says
DESCRIBED = (
    "The patient's own words for what it is, at most 200 characters; only for a code whose knowledge-base "
    "entry takes one (`describe`; `mesosafe schema checkin` lists them as x-describe), and "
    "optional there. Stored and shown to staff as written; triage never reads it."
)
Description = Named  # the same rules as a name: some words, not blank, no control characters


class SymptomReport(Input):
    """A reported symptom and its follow-up answers. Which answers a code needs is knowledge-base data
    (its `asks`, and trend only from `trend_from_day`): the API and the CLI require those and drop the
    others; the engine takes a missing answer as unknown, never as mild, the same or not spreading."""

    code: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(no_controls)]
    severity: Severity | None = Field(default=None, description=NOT_ASKED, json_schema_extra=_no_default)
    trend: Trend | None = Field(default=None, description=NOT_ASKED, json_schema_extra=_no_default)
    spreading: Flag | None = Field(default=None, description=NOT_ASKED, json_schema_extra=_no_default)
    description: Description | None = Field(
        default=None, description=DESCRIBED, json_schema_extra=_no_default
    )


class CheckIn(Input):
    days_since_treatment: Days
    symptoms: list[SymptomReport] = Field(default=[], max_length=50)
    temperature_c: Annotated[float, Strict()] | None = Field(
        default=None, ge=float(TEMPERATURE_C.low), le=float(TEMPERATURE_C.high), allow_inf_nan=False
    )


# A screening question left out was not asked: stored as null and shown nowhere, never as "no". A rule on it
# is not met (engines/screening.py tests `is True`); the patient's form asks every one of them.
Asked = Annotated[Flag | None, Field(description=NOT_ASKED_QUESTION, json_schema_extra=_no_default)]


class Medication(Input):
    name: Named
    last_taken_days_ago: Days
    # Left out, it is not known whether a doctor prescribed it: judged as prescribed (engines/screening.py)
    prescribed: Asked = None


class Intake(Input):
    age: StrictInt = Field(ge=0, le=130)
    pregnant: Asked = None
    breastfeeding: Asked = None
    allergies: list[Named] = Field(default=[], max_length=50)
    formulation: list[Named] = Field(default=[], max_length=50)
    medications: list[Medication] = Field(default=[], max_length=50)
    conditions: list[Named] = Field(default=[], max_length=50)
    sun_exposure_days_ago: Days | None = None
    skin_irritants_days_ago: Days | None = None
    active_skin_infection_at_site: Asked = None
    unresolved_bruising_from_previous_session: Asked = None
    low_pain_threshold: Asked = None
    sunburn_at_site: Asked = None  # sunburn, peeling or a fresh tan where the injections will go
    keloid_history: Asked = None
    previous_anaphylaxis: Asked = None  # a severe allergic reaction (anaphylaxis) to anything, ever
    previous_mesotherapy_reaction: Asked = None


# The intake's yes/no questions, in order
YES_NO = tuple(name for name, field in Intake.model_fields.items() if field.description == NOT_ASKED_QUESTION)


def written(value: object) -> object:
    """Dates and times are written out: pydantic's lax mode would read 0 as 1970-01-01 and 1714561200 as a
    Unix time, which no person means by a date. Before-validator of every date and time a user sends."""
    if isinstance(value, int | float):
        raise ValueError("must be a date or time written out (ISO 8601), not a number")
    return value


class Treatment(Input):
    treated_at: Annotated[AwareDatetime, BeforeValidator(written)]
    areas: list[Annotated[str, Field(min_length=1, max_length=100), AfterValidator(no_controls)]] = Field(
        default=[], max_length=30
    )
    time_zone: Annotated[str, AfterValidator(no_controls)] | None = Field(
        default=None, description="IANA time zone, e.g. Asia/Dubai"
    )

    @field_validator("treated_at")
    @classmethod
    def _plausible_year(cls, value: datetime) -> datetime:
        # A plan runs for weeks: anything outside these years is a typo (and 9999-12-31 would overflow).
        if not 1900 <= value.year <= 2200:
            raise ValueError("must be a date between the years 1900 and 2200")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_time_zone(value):
            raise ValueError(f"unknown time zone '{value}'")
        return value

    def local_start(self) -> datetime:
        return self.treated_at.astimezone(ZoneInfo(self.time_zone)) if self.time_zone else self.treated_at


# pydantic's messages that name a class of ours ("a valid dictionary or instance of CheckInBody") or speak of
# raw data, in a person's words; every other message is pydantic's own ("Input should be greater than ...")
PLAIN = {
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "string_unicode": "must be text (it holds half of a character: an unpaired \\ud800 to \\udfff escape)",
}


def message_of(error: Any) -> str:
    """The person's message of one pydantic (or django-ninja) error: PLAIN's words for its type, else
    pydantic's message without the "Value error, " that begins a validator's own words."""
    return PLAIN.get(error.get("type", "")) or str(error.get("msg", "invalid")).removeprefix("Value error, ")


def parse(model: type[M], data: Any) -> M:
    """Validate `data` as `model`, turning the first problem into an InputError naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(p for p in error["loc"] if isinstance(p, int | str))
        context = dict(error.get("ctx", {}))
        if "error" in context:  # a validator's ValueError: keep its message
            context["reason"] = str(context.pop("error"))
        raise InputError(loc or "(body)", message_of(error), error["type"], context) from None


def check_symptom_codes(check_in: CheckIn, kb: KnowledgeBase) -> None:
    """Every code is known and given once, and only a code whose knowledge entry says `describe` has a
    description. A code listed twice would carry two answers to one question ('mild' and 'severe'): which
    one the patient meant is not for the clinic to guess, so the check-in is refused, never merged."""
    seen: set[str] = set()
    for index, symptom in enumerate(check_in.symptoms):
        if symptom.code in seen:
            raise InputError(
                ("symptoms", index, "code"),
                f"'{symptom.code}' is listed twice; give each symptom once",
                "repeated",
            )
        seen.add(symptom.code)
        if symptom.code not in kb.effects:
            known = ", ".join(kb.symptom_codes)
            raise InputError(
                ("symptoms", index, "code"), f"unknown symptom code '{symptom.code}' (known: {known})"
            )
        if symptom.description is not None and not kb.effects[symptom.code].describe:
            described = ", ".join(code for code, effect in kb.effects.items() if effect.describe)
            raise InputError(
                ("symptoms", index, "description"),
                f"'{symptom.code}' takes no description (only: {described})",
                "not_described",
            )
