"""Patient forms. They turn what the patient typed into the engines' input dicts and keep it on errors."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesosafe.checkins.photos import MAX_PER_CHECKIN
from mesosafe.knowledge import Lang, Severity, Trend
from mesosafe.knowledge import load as load_kb
from mesosafe.lib.numbers import LocalDecimalField

MED_ROWS = 3
OLDEST_DAYS = 3650  # the engines accept 'days ago' up to ten years
YES_NO = [("no", _("No")), ("yes", _("Yes"))]
SEVERITY_LABELS = {Severity.MILD: _("Mild"), Severity.MODERATE: _("Moderate"), Severity.SEVERE: _("Severe")}
TREND_LABELS = {Trend.IMPROVING: _("Better"), Trend.SAME: _("The same"), Trend.WORSE: _("Worse")}


def _yes_no(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, initial="no", widget=forms.RadioSelect)


def _past_date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def days_ago(day: date, today: date) -> float:
    return float((today - day).days)


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.replace("،", ",").replace("\n", ",").split(",") if item.strip()][
        :50
    ]


class ScreeningForm(forms.Form):
    pregnant = _yes_no(_("Are you pregnant?"))
    breastfeeding = _yes_no(_("Are you breastfeeding?"))
    has_allergies = _yes_no(_("Do you have any allergies?"))
    allergies = forms.CharField(
        label=_("What are you allergic to?"),
        help_text=_("Separate several with commas."),
        required=False,
        max_length=1000,
    )
    takes_medicines = _yes_no(_("Do you take any medicines or supplements?"))
    has_conditions = _yes_no(_("Do you have a long-term health condition?"))
    conditions = forms.CharField(
        label=_("Which conditions?"),
        help_text=_("Separate several with commas."),
        required=False,
        max_length=1000,
    )
    recent_sun = _yes_no(_("Have you been in strong sun in the last 7 days?"))
    sun_date = _past_date(_("When were you last in strong sun?"))
    recent_irritants = _yes_no(
        _("Have you used a peel, retinoid or harsh scrub on the skin in the last 7 days?")
    )
    irritants_date = _past_date(_("When did you last use it?"))
    skin_infection = _yes_no(_("Is there an infection, cold sore or open wound where you will be treated?"))
    bruising_left = _yes_no(_("Is there still bruising from your last session?"))
    low_pain_threshold = _yes_no(_("Are you very sensitive to pain?"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MED_ROWS):
            self.fields[f"med_{i}_name"] = forms.CharField(
                label=_("Medicine or supplement"), required=False, max_length=200
            )
            self.fields[f"med_{i}_last"] = _past_date(_("When did you last take it?"))
            self.fields[f"med_{i}_prescribed"] = forms.BooleanField(
                label=_("A doctor prescribed it"), required=False
            )

    def medicine_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"med_{i}_name"], self[f"med_{i}_last"], self[f"med_{i}_prescribed"])
            for i in range(MED_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        for name in ("sun_date", "irritants_date", *(f"med_{i}_last" for i in range(MED_ROWS))):
            day = data.get(name)
            if day is not None and day > today:
                self.add_error(name, _("This date is in the future."))
            elif day is not None and (today - day).days > OLDEST_DAYS:
                self.add_error(name, _("This date is too long ago."))
        if data.get("has_allergies") == "yes" and not split_list(data.get("allergies", "")):
            self.add_error("allergies", _("Please write what you are allergic to."))
        if data.get("has_conditions") == "yes" and not split_list(data.get("conditions", "")):
            self.add_error("conditions", _("Please write which conditions you have."))
        if data.get("recent_sun") == "yes" and data.get("sun_date") is None and "sun_date" not in self.errors:
            self.add_error("sun_date", _("Please give the date."))
        if (
            data.get("recent_irritants") == "yes"
            and data.get("irritants_date") is None
            and ("irritants_date" not in self.errors)
        ):
            self.add_error("irritants_date", _("Please give the date."))
        if data.get("takes_medicines") == "yes":
            named = [i for i in range(MED_ROWS) if (data.get(f"med_{i}_name") or "").strip()]
            if not named:
                self.add_error("med_0_name", _("Please write the name of at least one medicine."))
            for i in named:
                if data.get(f"med_{i}_last") is None and f"med_{i}_last" not in self.errors:
                    self.add_error(f"med_{i}_last", _("Please give the date you last took it."))
        return data

    def intake(self, age: int, formulation: list[str]) -> dict[str, Any]:
        """The engine's Intake as a dict; call after is_valid()."""
        d = self.cleaned_data
        today = timezone.localdate()
        medications = []
        if d["takes_medicines"] == "yes":
            for i in range(MED_ROWS):
                name = (d.get(f"med_{i}_name") or "").strip()
                if name:
                    medications.append(
                        {
                            "name": name,
                            "last_taken_days_ago": days_ago(d[f"med_{i}_last"], today),
                            "prescribed": bool(d.get(f"med_{i}_prescribed")),
                        }
                    )
        return {
            "age": age,
            "pregnant": d["pregnant"] == "yes",
            "breastfeeding": d["breastfeeding"] == "yes",
            "allergies": split_list(d.get("allergies", "")) if d["has_allergies"] == "yes" else [],
            "formulation": formulation,
            "medications": medications,
            "conditions": split_list(d.get("conditions", "")) if d["has_conditions"] == "yes" else [],
            "sun_exposure_days_ago": days_ago(d["sun_date"], today) if d["recent_sun"] == "yes" else None,
            "skin_irritants_days_ago": (
                days_ago(d["irritants_date"], today) if d["recent_irritants"] == "yes" else None
            ),
            "active_skin_infection_at_site": d["skin_infection"] == "yes",
            "unresolved_bruising_from_previous_session": d["bruising_left"] == "yes",
            "low_pain_threshold": d["low_pain_threshold"] == "yes",
        }


class SymptomRow:
    """One symptom's fields, for the template."""

    def __init__(self, form: CheckInForm, code: str, name: str, description: str) -> None:
        self.code, self.name, self.description = code, name, description
        self.chosen = form[f"sym_{code}"]
        self.severity = form[f"sev_{code}"]
        self.trend = form[f"trend_{code}"]
        self.spreading = form[f"spread_{code}"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PER_CHECKIN files from one <input type="file" multiple>; cleans to a list (maybe empty)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PER_CHECKIN:
            raise ValidationError(_("Please send at most 5 photos."))  # the text names MAX_PER_CHECKIN
        clean_one = super().clean
        return [clean_one(f, initial) for f in files]


class CheckInForm(forms.Form):
    temperature_c = LocalDecimalField(
        label=_("Temperature (°C), if you measured it"),
        required=False,
        min_value=30,
        max_value=45,
        decimal_places=1,
        max_digits=4,
    )
    photo = PhotosField(label=_("Photos of the treated area (optional, up to 5)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, lang: Lang = Lang.EN, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.lang = lang
        self.codes = list(load_kb().effects)
        severities = [(s.value, SEVERITY_LABELS[s]) for s in Severity]
        trends = [(t.value, TREND_LABELS[t]) for t in Trend]
        for code in self.codes:
            self.fields[f"sym_{code}"] = forms.BooleanField(required=False)
            self.fields[f"sev_{code}"] = forms.ChoiceField(
                label=_("How bad is it?"),
                choices=severities,
                initial="mild",
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"trend_{code}"] = forms.ChoiceField(
                label=_("Since yesterday it is"),
                choices=trends,
                initial="same",
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"spread_{code}"] = forms.ChoiceField(
                label=_("Is it spreading?"),
                choices=YES_NO,
                initial="no",
                required=False,
                widget=forms.RadioSelect,
            )

    def symptom_rows(self) -> list[SymptomRow]:
        kb = load_kb()
        return [
            SymptomRow(
                self, code, kb.effects[code].name.get(self.lang), kb.effects[code].description.get(self.lang)
            )
            for code in self.codes
        ]

    def answers(self) -> dict[str, Any]:
        """The engine's check-in answers (without days_since_treatment); call after is_valid()."""
        d = self.cleaned_data
        symptoms = [
            {
                "code": code,
                "severity": d.get(f"sev_{code}") or "mild",
                "trend": d.get(f"trend_{code}") or "same",
                "spreading": d.get(f"spread_{code}") == "yes",
            }
            for code in self.codes
            if d.get(f"sym_{code}")
        ]
        temperature = d.get("temperature_c")
        return {
            "symptoms": symptoms,
            "temperature_c": float(temperature) if temperature is not None else None,
        }
