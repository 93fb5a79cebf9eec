"""Complication records, created by staff directly or from a check-in."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from mesosafe.checkins.models import CheckIn
from mesosafe.complications.models import Complication
from mesosafe.knowledge import load as load_kb
from mesosafe.lib.problems import field_problem
from mesosafe.treatments.models import Treatment


@dataclass
class ComplicationData:
    onset_date: date
    grade: int
    relatedness: str
    symptom_codes: list[str] = field(default_factory=list)
    serious: bool = False
    serious_reason: str = ""
    outcome: str = "unknown"
    outcome_date: date | None = None
    action_taken: str = ""
    suspected_infection: bool = False
    reported_to_regulator: bool = False
    reported_on: date | None = None


def _check(values: dict[str, Any]) -> None:
    known = load_kb().effects
    for index, code in enumerate(values.get("symptom_codes") or []):
        if code not in known:
            raise field_problem(f"symptom_codes[{index}]", f"unknown symptom code '{code}'")
    if values.get("serious") and not values.get("serious_reason"):
        raise field_problem("serious_reason", "a serious complication needs its reason")
    if not values.get("serious") and values.get("serious_reason"):
        raise field_problem("serious_reason", "only a serious complication has a reason")
    if values.get("reported_on") and not values.get("reported_to_regulator"):
        raise field_problem("reported_on", "set reported_to_regulator when giving the report date")
    latest = date.today() + timedelta(days=1)  # today somewhere on Earth, whatever the server's zone
    for name in ("onset_date", "outcome_date", "reported_on"):
        if values.get(name) and values[name] > latest:
            raise field_problem(name, "this date is in the future")
    onset, outcome_date = values.get("onset_date"), values.get("outcome_date")
    if onset and outcome_date and outcome_date < onset:
        raise field_problem("outcome_date", "the outcome cannot come before the onset")


def create(
    treatment: Treatment, data: ComplicationData, by: Any, checkin: CheckIn | None = None
) -> Complication:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    if checkin is not None and not values["symptom_codes"]:
        values["symptom_codes"] = [s["code"] for s in checkin.answers.get("symptoms", [])]
    _check(values)
    if values["onset_date"] < treatment.patient.clinic.local_date(treatment.performed_at):
        raise field_problem("onset_date", "the onset cannot come before the treatment")
    return Complication.objects.create(treatment=treatment, checkin=checkin, created_by=by, **values)


def update(complication: Complication, changes: dict[str, Any]) -> Complication:
    current = {f.name: getattr(complication, f.name) for f in fields(ComplicationData)}
    current.update(changes)
    _check(current)
    for name, value in changes.items():
        setattr(complication, name, value)
    complication.save(update_fields=list(changes))
    return complication
