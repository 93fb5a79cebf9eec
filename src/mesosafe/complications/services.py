"""Complication records, created by staff directly or from a check-in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mesosafe.audit.services import record
from mesosafe.checkins.models import CheckIn
from mesosafe.complications import icsr
from mesosafe.complications.models import Complication, Outcome, checkin_words, described_codes
from mesosafe.complications.schemas import ComplicationIn, ComplicationPatch
from mesosafe.errors import DomainError
from mesosafe.knowledge import load as load_kb
from mesosafe.treatments.models import Treatment

# What a refusal says; the clinic pages say the same in their language (clinicui/errors.py)
IN_THE_FUTURE = "this date is in the future"
BEFORE_TREATMENT = "the onset cannot come before the treatment"
BEFORE_ONSET = "the outcome cannot come before the onset"
REPORT_BEFORE_ONSET = "the report cannot come before the onset"
NOT_DESCRIBED = "only a symptom that takes a description (something_else) has one: give it, or leave this out"
NEEDS_WORDS = (
    "say what the symptom 'something else' was: no check-in of the patient's says it, and its report would"
    " say only 'Something else'"
)
OWN_WORDS_KEPT = (
    "the patient's own words are kept; the check-in already says what this symptom was, and words given here"
    " would be neither shown nor reported: leave this out (a note can go in action_taken)"
)
FATAL_IS_SERIOUS = "a death, or a grade 4 or 5 complication, is serious: mark it serious and say why"
KEEPS_REPORT_DATE = "a complication reported to the regulator keeps its report date"
NEEDS_REASON = "a serious complication needs its reason"
ONLY_SERIOUS_REASON = "only a serious complication has a reason"
REPORTED_FOR_DATE = "set reported_to_regulator when giving the report date"


def _once_each(codes: list[str]) -> None:
    """One reaction per code (the ICSR links each by its code); checked where codes are given, so a record
    stored before this check can still be updated."""
    for index, code in enumerate(codes):
        if code in codes[:index]:
            raise DomainError(("symptom_codes", index), f"'{code}' is listed twice")


def _check(values: dict[str, Any]) -> None:
    known = load_kb().effects
    for index, code in enumerate(values.get("symptom_codes") or []):
        if code not in known:
            raise DomainError(("symptom_codes", index), f"unknown symptom code '{code}'")
    _check_description(values)
    # ICH E2B(R3) E.i.3.2: death and a life-threatening reaction are serious; grades 4 and 5 say as much
    if not values.get("serious") and (values.get("outcome") == Outcome.FATAL or values.get("grade", 0) >= 4):
        raise DomainError("serious", FATAL_IS_SERIOUS)
    if values.get("serious") and not values.get("serious_reason"):
        raise DomainError("serious_reason", NEEDS_REASON)
    if not values.get("serious") and values.get("serious_reason"):
        raise DomainError("serious_reason", ONLY_SERIOUS_REASON)
    if values.get("reported_on") and not values.get("reported_to_regulator"):
        raise DomainError("reported_on", REPORTED_FOR_DATE)
    latest = date.today() + timedelta(days=1)  # today somewhere on Earth, whatever the server's zone
    for name in ("onset_date", "outcome_date", "reported_on"):
        if values.get(name) and values[name] > latest:
            raise DomainError(name, IN_THE_FUTURE)
    onset = values.get("onset_date")
    if onset and values.get("outcome_date") and values["outcome_date"] < onset:
        raise DomainError("outcome_date", BEFORE_ONSET)
    if onset and values.get("reported_on") and values["reported_on"] < onset:
        raise DomainError("reported_on", REPORT_BEFORE_ONSET)


def _check_description(values: dict[str, Any]) -> None:
    """Words only for a described code among the symptoms (the patient's description rule, engines.inputs)."""
    if values.get("description") and not described_codes(values.get("symptom_codes")):
        raise DomainError("description", NOT_DESCRIBED)


def _has_words(values: dict[str, Any], checkin: CheckIn | None) -> None:
    """A described code recorded without a check-in, or one its check-in does not list (staff gave the codes),
    needs staff words: nobody else says what it was. One the patient chose stays as they left it."""
    chosen = {symptom.get("code") for symptom in checkin.answers.get("symptoms", [])} if checkin else set()
    unsaid = set(described_codes(values.get("symptom_codes"))) - chosen
    if unsaid and not values.get("description"):
        raise DomainError("description", NEEDS_WORDS)


def _keeps_own_words(values: dict[str, Any], checkin: CheckIn | None) -> None:
    """Staff words only where they are read: for a described code the check-in's patient did not describe
    (their own words win: Complication.own_words), else refused rather than stored unseen."""
    if not values.get("description") or checkin is None:
        return
    described = set(described_codes(values.get("symptom_codes")))
    if described and described <= set(checkin_words(checkin)):
        raise DomainError("description", OWN_WORDS_KEPT)


def create(
    treatment: Treatment, data: ComplicationIn, by: Any, checkin: CheckIn | None = None
) -> Complication:
    """Record a complication of `treatment` (from `checkin`: its symptom codes unless others are given),
    audited as `by`'s. A refusal is a DomainError naming the field."""
    values = data.model_dump()
    values["serious_reason"] = values["serious_reason"] or ""
    values["description"] = values["description"] or ""
    if checkin is not None and not values["symptom_codes"]:
        # once each: a check-in may list a code twice ('something else', described twice)
        values["symptom_codes"] = list(dict.fromkeys(s["code"] for s in checkin.answers.get("symptoms", [])))
    _once_each(values["symptom_codes"])
    _check(values)
    _has_words(values, checkin)
    _keeps_own_words(values, checkin)
    if values["onset_date"] < treatment.patient.clinic.local_date(treatment.performed_at):
        raise DomainError("onset_date", BEFORE_TREATMENT)
    patient = treatment.patient
    with transaction.atomic():
        complication = Complication.objects.create(
            treatment=treatment, checkin=checkin, created_by=by, updated_at=timezone.now(), **values
        )
        if complication.reported_to_regulator:  # its report id needs the new row's id
            complication.save(update_fields=_mark_reported(complication))
        record(patient.clinic_id, by, "create", "complication", [complication.id], patient.id)
    return complication


def update(complication: Complication, patch: ComplicationPatch, by: Any) -> Complication:
    """Change the fields `patch` sets (the same checks as a new complication), audited as `by`'s. The checks
    see the record as it is when written: it is locked and read again, so a change made meanwhile (another
    page, the API) is checked with this one (a grade raised to 5 and 'serious' unticked at once were each
    checked alone and both written)."""
    changes = patch.model_dump(exclude_unset=True)
    for name in ("serious_reason", "description"):  # null clears them
        if name in changes:
            changes[name] = changes[name] or ""
    with transaction.atomic():
        Complication.objects.select_for_update().filter(pk=complication.pk).values_list("pk").get()
        complication.refresh_from_db()
        _write(complication, changes, by)
    return complication


def _write(complication: Complication, changes: dict[str, Any], by: Any) -> None:
    current = {name: getattr(complication, name) for name in ComplicationIn.model_fields}
    if (
        "reported_on" in changes
        and changes["reported_on"] is None
        and changes.get("reported_to_regulator", current["reported_to_regulator"])
    ):
        raise DomainError("reported_on", KEEPS_REPORT_DATE)
    current.update(changes)
    _once_each(changes.get("symptom_codes") or [])
    _check(current)
    if changes.get("description"):  # checked where given: older records keep theirs through other changes
        _keeps_own_words(current, complication.checkin)
    if "description" in changes:  # cleared
        _has_words(current, complication.checkin)
    for name, value in changes.items():
        setattr(complication, name, value)
    saved = list(changes)
    if set(changes) - REPORTING:  # what the report says changed: its next report is a new version
        complication.updated_at = timezone.now()
        saved.append("updated_at")
    if changes.get("reported_to_regulator"):
        saved += _mark_reported(complication)
    patient = complication.treatment.patient
    complication.save(update_fields=saved)
    record(patient.clinic_id, by, "update", "complication", [complication.id], patient.id)


REPORTING = {"reported_to_regulator", "reported_on"}


def _mark_reported(complication: Complication) -> list[str]:
    """Reported to the regulator: keep the report's id and version, and the day (today unless given)."""
    complication.report_id = icsr.report_id(complication)
    complication.report_version = icsr.version(complication)
    if complication.reported_on is None:
        complication.reported_on = complication.treatment.patient.clinic.local_date(timezone.now())
    return ["report_id", "report_version", "reported_on"]
