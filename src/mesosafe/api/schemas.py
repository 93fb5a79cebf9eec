"""Response shapes of the JSON API (what each model's `to_dict()` gives, as the OpenAPI document declares it),
problem details and paging. What a request may send is each domain app's `schemas.py`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, Field

from mesosafe.complications.models import Outcome, Relatedness
from mesosafe.knowledge import Decision, Disposition, Lang
from mesosafe.treatments.models import RecallContact


class Out(BaseModel):
    """A response shape. Plain pydantic rather than ninja's `Schema`: every endpoint answers with dicts (the
    models' `to_dict()`), so the attribute getter ninja wraps around each value for ORM objects bought nothing
    and cost a check-in about 3 % of its instructions."""


class Problem(Out):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = Field(default_factory=list)


class FieldError(Out):
    field: str
    message: str


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


# --- clinics ---


class StaffOut(Out):
    id: int
    username: str
    role: str
    licence_number: str
    licence_authority: str
    licence_expires: date | None


class ProductOut(Out):
    id: int
    name: str
    manufacturer: str
    ingredients: list[str]
    approval_reference: str


class BatchOut(Out):
    id: int
    product_id: int
    product: str
    lot_number: str
    expires_on: date
    multi_dose_vial: bool


class RecipientOut(Out):
    patient_id: int
    name: str
    email: str
    phone: str
    treatment_id: int
    performed_at: datetime
    product: str
    lot_number: str


class RecallOut(Out):
    id: int
    lot_number: str
    reason: str
    created_by: int
    created_at: datetime


class RecallStandingOut(Out):
    """A lot's recall (null before it is started) and how many of its patients are reached or not yet;
    `to_email`: not reached, with an address, never e-mailed; `to_call`: not reached, without an address."""

    recall: RecallOut | None
    reached: int
    not_reached: int
    to_email: int
    to_call: int


class RecallSentOut(Out):
    recall: RecallOut
    queued: int = Field(description="recall e-mails queued by this request")


class RecallContactOut(Out):
    """One patient of a recall: the recall e-mail (its state, when sent) and whether staff reached them."""

    id: int
    recall_id: int
    patient_id: int
    treatment_id: int
    email_status: RecallContact.Email
    email_requested_at: datetime | None = Field(description="when the latest send was asked (or asked again)")
    emailed_at: datetime | None
    contacted_at: datetime | None
    contacted_by: int | None
    method: RecallContact.Method | Literal[""]
    note: str


class RecallPatientOut(RecipientOut):
    """A recipient patient (their latest treatment with the lot) and where the recall stands with them."""

    reached: bool
    emailed: bool = Field(description="at least one recall e-mail was asked for")
    needs_call: bool = Field(description="no e-mail address: call them")
    email_status: RecallContact.Email
    email_requested_at: datetime | None = Field(description="when the latest send was asked (or asked again)")
    emailed_at: datetime | None
    email_stuck: bool = Field(description="queued 10 minutes or more and still not sent")
    can_send_again: bool = Field(description="sent, failed or stuck: POST …/email sends it again")
    contacted_at: datetime | None
    contacted_by: int | None
    method: RecallContact.Method | Literal[""]
    note: str


# --- patients ---


class PatientOut(Out):
    id: int
    name: str
    date_of_birth: date
    email: str
    phone: str
    preferred_language: Lang
    created_at: datetime


class PatientDetailOut(PatientOut):
    latest_screening: ScreeningOut | None
    # The screening that decides needs_override: the latest, or the clinic's own when the patient's later
    # answers were milder (a patient cannot lift a restriction staff recorded)
    gating_screening: ScreeningOut | None
    needs_override: bool


class ScreeningOut(Out):
    id: int
    patient_id: int
    answers: dict[str, Any]
    decision: Decision
    defer_days: float | None
    reasons: list[dict[str, Any]]
    kb_version: str
    created_at: datetime
    entered_by_staff: bool


class EligibilityOut(Out):
    patient_id: int
    next_session_ok: bool
    reasons: list[str]
    latest_checkin_id: int | None
    open_complication_ids: list[int]
    unreviewed_checkin_ids: list[int]


# --- treatments ---


class ProductLineOut(Out):
    batch_id: int
    product: str
    lot_number: str
    volume_ml: Decimal
    concentration: str
    area: str


class ScheduledOut(Out):
    day: float
    due_at: datetime
    reminded_at: datetime | None


class LinkOut(Out):
    expires_at: datetime
    revoked_at: datetime | None
    usable: bool
    emailed: bool | None = Field(
        description="whether the e-mail with this link reached the mail server (false: it failed, give the"
        " patient the link yourself; null: none was sent, as the patient has no e-mail address)"
    )


class NewLinkOut(LinkOut):
    token: str
    link: str


class TreatmentOut(Out):
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
    overridden_checkin_ids: list[int] = Field(
        description="unreviewed urgent or emergency check-ins recorded over"
    )
    aftercare: dict[str, Any]
    schedule: list[ScheduledOut]
    link: LinkOut | None
    kb_version: str


class NewTreatmentOut(TreatmentOut):
    # null in the answer to a retry (the same Idempotency-Key): the token was shown once, in the first answer
    new_link: NewLinkOut | None


# --- check-ins ---


class CheckInOut(Out):
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


class PhotoOut(Out):
    id: int
    checkin_id: int
    uploaded_at: datetime


# --- complications ---


class ComplicationOut(Out):
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
    description: str
    relatedness: Relatedness
    suspected_infection: bool
    reported_to_regulator: bool
    reported_on: date | None
    created_at: datetime


# --- the patient's own view (link token) ---


class PatientTreatmentOut(Out):
    performed_at: datetime
    areas: list[str]
    clinic: str
    clinic_phone: str
    emergency_number: str
    language: Lang


class PatientMeOut(Out):
    treatment: PatientTreatmentOut
    aftercare: dict[str, Any]
    checkins_due: list[ScheduledOut]
    checkins: list[CheckInOut]
    next_session_ok: bool | None


def page_schema(name: str, item: type[Out]) -> type[Out]:
    return type(name, (Out,), {"__annotations__": {"items": list[item], "count": int}})  # type: ignore[valid-type]


PatientPage = page_schema("PatientPage", PatientOut)
ScreeningPage = page_schema("ScreeningPage", ScreeningOut)
ProductPage = page_schema("ProductPage", ProductOut)
BatchPage = page_schema("BatchPage", BatchOut)
StaffPage = page_schema("StaffPage", StaffOut)
RecipientPage = page_schema("RecipientPage", RecipientOut)
RecallPatientPage = page_schema("RecallPatientPage", RecallPatientOut)
TreatmentPage = page_schema("TreatmentPage", TreatmentOut)
CheckInPage = page_schema("CheckInPage", CheckInOut)
ComplicationPage = page_schema("ComplicationPage", ComplicationOut)
