from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from mesosafe.checkins.models import CheckIn
from mesosafe.knowledge import load as load_kb
from mesosafe.lib.tenancy import ClinicQuerySet
from mesosafe.treatments.models import Treatment


class SeriousReason(models.TextChoices):
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    LIFE_THREATENING = "life_threatening"
    DISFIGUREMENT = "disfigurement"
    OTHER_MEDICALLY_IMPORTANT = "other_medically_important"


class Outcome(models.TextChoices):
    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


OPEN_OUTCOMES = [Outcome.RECOVERING, Outcome.NOT_RECOVERED, Outcome.UNKNOWN]


class Relatedness(models.TextChoices):
    NOT_RELATED = "not_related"
    UNLIKELY = "unlikely"
    POSSIBLY = "possibly"
    PROBABLY = "probably"
    DEFINITELY = "definitely"


def described_codes(codes: list[str] | None) -> list[str]:
    """The symptom codes among `codes` whose knowledge entry takes a description (`something_else`)."""
    effects = load_kb().effects
    return [code for code in codes or [] if code in effects and effects[code].describe]


def checkin_words(checkin: CheckIn) -> dict[str, str]:
    """The patient's own words in `checkin` for each code they described, as written (a code described
    twice with both descriptions, "…; …"): a complication recorded from it says these, not staff's."""
    words: dict[str, list[str]] = {}
    for symptom in checkin.answers.get("symptoms", []):
        text = symptom.get("description")
        if isinstance(text, str) and text.strip():
            words.setdefault(str(symptom.get("code", "")), []).append(text)
    return {code: "; ".join(texts) for code, texts in words.items()}


class ComplicationQuerySet(ClinicQuerySet["Complication"]):
    clinic_path = "treatment__patient__clinic"


class Complication(models.Model):
    objects = ComplicationQuerySet.as_manager()
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="complications")
    checkin = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    onset_date = models.DateField()
    symptom_codes = models.JSONField(default=list)
    grade = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    serious = models.BooleanField(default=False)
    serious_reason = models.CharField(max_length=30, choices=SeriousReason.choices, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, default=Outcome.UNKNOWN)
    outcome_date = models.DateField(null=True, blank=True)
    action_taken = models.TextField(blank=True)
    # what a described symptom ('something else') was, in words staff took down when recording it without a
    # check-in's (the patient's words from a check-in are read from it: own_words)
    description = models.CharField(max_length=200, blank=True)
    relatedness = models.CharField(max_length=20, choices=Relatedness.choices)
    suspected_infection = models.BooleanField(default=False)
    reported_to_regulator = models.BooleanField(default=False)
    reported_on = models.DateField(null=True, blank=True)
    # the ICH E2B(R3) report last sent: its C.1.1 and C.1.5 (the version: the last change, to the second)
    report_id = models.CharField(max_length=80, blank=True)
    report_version = models.DateTimeField(null=True, blank=True)
    # set by every change of what the report says (null for records from before this field)
    updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-onset_date", "-id")
        constraints = (
            models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=5), name="grade_1_to_5"),
        )

    def own_words(self) -> dict[str, str]:
        """The words for each described symptom ('something else', a code whose knowledge entry takes a
        description): what the symptom was, which its code alone does not say. The patient's own, as written,
        from the check-in this was recorded from (a code described twice with both descriptions, "…; …");
        else, for a described code, the words staff recorded (`description`)."""
        own = checkin_words(self.checkin) if self.checkin is not None else {}
        if not self.description:
            return own
        staff = {code: self.description for code in described_codes(self.symptom_codes) if code not in own}
        return own | staff

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "treatment_id": self.treatment_id,
            "checkin_id": self.checkin_id,
            "patient_id": self.treatment.patient_id,
            "onset_date": self.onset_date,
            "symptom_codes": self.symptom_codes,
            "grade": self.grade,
            "serious": self.serious,
            "serious_reason": self.serious_reason,
            "outcome": self.outcome,
            "outcome_date": self.outcome_date,
            "action_taken": self.action_taken,
            "description": self.description,
            "relatedness": self.relatedness,
            "suspected_infection": self.suspected_infection,
            "reported_to_regulator": self.reported_to_regulator,
            "reported_on": self.reported_on,
            "created_at": self.created_at,
        }
