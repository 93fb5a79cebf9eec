"""Why a patient may not have a next session yet, for the staff pages: the service's verdict
(`complications.eligibility.next_session`) with the check-in and complications behind it, in the page's
language."""

from __future__ import annotations

from dataclasses import dataclass, field

from mesosafe.checkins.answers import SymptomLine, symptom_lines
from mesosafe.checkins.models import CheckIn
from mesosafe.complications.eligibility import Eligibility, next_session
from mesosafe.complications.models import Complication
from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.patients.models import Patient


@dataclass(frozen=True)
class OpenComplication:
    complication: Complication
    symptoms: list[str]


@dataclass(frozen=True)
class Verdict:
    eligibility: Eligibility
    blocking_checkin: CheckIn | None = None  # the latest check-in, when its effects must settle first
    blocking_symptoms: list[SymptomLine] = field(default_factory=list)
    complications: list[OpenComplication] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.eligibility.ok

    @property
    def unreviewed(self) -> int:
        return len(self.eligibility.unreviewed_checkin_ids)


def verdict(patient: Patient, lang: Lang) -> Verdict:
    eligibility = next_session(patient)
    if eligibility.ok:
        return Verdict(eligibility)
    checkins = CheckIn.objects.for_clinic(patient.clinic_id)
    latest = checkins.filter(pk=eligibility.latest_checkin_id or 0, next_session_ok=False).first()
    names = {code: e.name.get(lang) for code, e in load_kb().effects.items()}
    found = (
        Complication.objects.for_clinic(patient.clinic_id)
        .filter(pk__in=eligibility.open_complication_ids)
        .order_by("onset_date", "id")
    )
    complications = [OpenComplication(c, [names.get(code, code) for code in c.symptom_codes]) for c in found]
    return Verdict(
        eligibility,
        latest,
        symptom_lines(latest.answers, lang, latest.days_since_treatment) if latest is not None else [],
        complications,
    )
