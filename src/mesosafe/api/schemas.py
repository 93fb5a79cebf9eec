"""Request and response shapes of the JSON API. Lengths match the database columns so nothing reaches it
that it would refuse."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from mesosafe.complications.models import Outcome, Relatedness, SeriousReason
from mesosafe.engines import SymptomReport
from mesosafe.knowledge import Decision, Disposition, Lang

Id = Annotated[int, Field(ge=1, le=2**53)]

# The validators' own messages; the clinic pages translate them (clinicui/api_errors.py).
NOT_AN_EMAIL = "not a valid email address"
BEFORE_1900 = "must be after 1900"
IN_THE_FUTURE = "cannot be in the future"
OUTSIDE_2000_2100 = "must be between the years 2000 and 2100"
BLANK = "must not be blank"


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
    if not 2000 <= value.year <= 2100:
        raise ValueError(OUTSIDE_2000_2100)
    return value


def _said(value: str) -> str:
    if not value.strip():
        raise ValueError(BLANK)
    return value.strip()


Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(max_length=120)]
Text60 = Annotated[str, Field(max_length=60)]
Text100 = Annotated[str, Field(max_length=100)]
Area = Annotated[str, Field(min_length=1, max_length=100)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Note = Annotated[str, Field(max_length=2000)]
LongText = Annotated[str, Field(max_length=4000)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[str, Field(max_length=40)]
RecentDate = Annotated[date, AfterValidator(_not_ancient)]
BirthDate = Annotated[date, AfterValidator(_not_ancient), AfterValidator(_born_by_now)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = Field(default_factory=list)


class FieldError(Schema):
    field: str
    message: str


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


# --- clinics ---


class StaffOut(Schema):
    id: int
    username: str
    role: str
    licence_number: str
    licence_authority: str
    licence_expires: date | None


class ProductIn(In):
    name: Name
    manufacturer: Short = ""
    ingredients: list[Short] = Field(default=[], max_length=50)
    approval_reference: Short = ""


class ProductOut(Schema):
    id: int
    name: str
    manufacturer: str
    ingredients: list[str]
    approval_reference: str


class BatchIn(In):
    product_id: Id
    lot_number: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    expires_on: RecentDate
    multi_dose_vial: bool = False


class BatchOut(Schema):
    id: int
    product_id: int
    product: str
    lot_number: str
    expires_on: date
    multi_dose_vial: bool


class RecipientOut(Schema):
    patient_id: int
    name: str
    email: str
    phone: str
    treatment_id: int
    performed_at: datetime
    product: str
    lot_number: str


# --- patients ---


class PatientIn(In):
    name: Name
    date_of_birth: BirthDate
    email: Email = ""
    phone: Phone = ""
    preferred_language: Lang | None = None


class PatientOut(Schema):
    id: int
    name: str
    date_of_birth: date
    email: str
    phone: str
    preferred_language: Lang
    created_at: datetime


class PatientDetailOut(PatientOut):
    latest_screening: ScreeningOut | None
    needs_override: bool


class ScreeningOut(Schema):
    id: int
    patient_id: int
    answers: dict[str, Any]
    decision: Decision
    defer_days: float | None
    reasons: list[dict[str, Any]]
    kb_version: str
    created_at: datetime
    entered_by_staff: bool


class EligibilityOut(Schema):
    patient_id: int
    next_session_ok: bool
    reasons: list[str]
    latest_checkin_id: int | None
    open_complication_ids: list[int]
    unreviewed_checkin_ids: list[int]


# --- treatments ---


class ProductLineIn(In):
    batch_id: Id
    volume_ml: Annotated[Decimal, Field(gt=0, le=1000, max_digits=7, decimal_places=2)]
    concentration: Text60 = ""
    area: Text100 = ""


class ProductLineOut(Schema):
    batch_id: int
    product: str
    lot_number: str
    volume_ml: Decimal
    concentration: str
    area: str


class TreatmentIn(In):
    practitioner_id: Id
    performed_at: Moment
    areas: list[Area] = Field(default=[], max_length=30)
    technique: Short = ""
    injection_depth: Text60 = ""
    anaesthetic: Short = ""
    products: list[ProductLineIn] = Field(default=[], max_length=30)
    override_reason: Note = ""


class ScheduledOut(Schema):
    day: float
    due_at: datetime
    reminded_at: datetime | None


class LinkOut(Schema):
    expires_at: datetime
    revoked_at: datetime | None
    usable: bool


class NewLinkOut(LinkOut):
    token: str
    link: str


class TreatmentOut(Schema):
    id: int
    patient_id: int
    practitioner_id: int
    performed_at: datetime
    areas: list[str]
    technique: str
    injection_depth: str
    anaesthetic: str
    products: list[ProductLineOut]
    screening_id: int | None
    screening_decision: Decision | None
    override_reason: str
    aftercare: dict[str, Any]
    schedule: list[ScheduledOut]
    link: LinkOut | None
    kb_version: str


class NewTreatmentOut(TreatmentOut):
    new_link: NewLinkOut


# --- check-ins ---


class CheckInBody(In):
    """The engine's check-in, without days_since_treatment (the server computes it)."""

    symptoms: list[SymptomReport] = Field(default=[], max_length=50)
    temperature_c: float | None = Field(default=None, ge=30, le=45, allow_inf_nan=False)


class CheckInOut(Schema):
    id: int
    treatment_id: int
    submitted_at: datetime
    days_since_treatment: float
    answers: dict[str, Any]
    disposition: Disposition
    reasons: list[dict[str, Any]]
    next_session_ok: bool
    kb_version: str
    reviewed_at: datetime | None
    review_note: str
    photo_ids: list[int]


class PhotoOut(Schema):
    id: int
    checkin_id: int
    uploaded_at: datetime


class AcknowledgeIn(In):
    note: Note = ""


class ReopenIn(In):
    """Undo a review: `reviewed_at` is the one being undone, as the check-in showed it, so a review made
    since is never undone by mistake."""

    reviewed_at: AwareDatetime
    reason: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_said)]


# --- complications ---


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


class ComplicationOut(Schema):
    id: int
    treatment_id: int
    checkin_id: int | None
    patient_id: int
    onset_date: date
    symptom_codes: list[str]
    grade: int
    serious: bool
    serious_reason: str
    outcome: Outcome
    outcome_date: date | None
    action_taken: str
    relatedness: Relatedness
    suspected_infection: bool
    reported_to_regulator: bool
    reported_on: date | None
    created_at: datetime


# --- the patient's own view (link token) ---


class PatientTreatmentOut(Schema):
    performed_at: datetime
    areas: list[str]
    clinic: str
    clinic_phone: str
    emergency_number: str
    language: Lang


class PatientMeOut(Schema):
    treatment: PatientTreatmentOut
    aftercare: dict[str, Any]
    checkins_due: list[ScheduledOut]
    checkins: list[CheckInOut]
    next_session_ok: bool | None


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    return type(name, (Schema,), {"__annotations__": {"items": list[item], "count": int}})  # type: ignore[valid-type]


PatientPage = page_schema("PatientPage", PatientOut)
ScreeningPage = page_schema("ScreeningPage", ScreeningOut)
ProductPage = page_schema("ProductPage", ProductOut)
BatchPage = page_schema("BatchPage", BatchOut)
StaffPage = page_schema("StaffPage", StaffOut)
RecipientPage = page_schema("RecipientPage", RecipientOut)
TreatmentPage = page_schema("TreatmentPage", TreatmentOut)
CheckInPage = page_schema("CheckInPage", CheckInOut)
ComplicationPage = page_schema("ComplicationPage", ComplicationOut)
