"""Patient forms. They turn what the patient typed into the engines' input dicts and keep it on errors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesosafe.checkins.answers import SEVERITY_LABELS, TREND_LABELS
from mesosafe.checkins.photos import MAX_PER_CHECKIN
from mesosafe.knowledge import Disposition, KnowledgeBase, Lang, Severity, Trend
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.plausible import TEMPERATURE_C
from mesosafe.lib.numbers import LocalDecimalField, normalise_number
from mesosafe.portal.templatetags.digits import digits

MED_ROWS = 3
OLDEST_DAYS = 3650  # the engines accept 'days ago' up to ten years
YES_NO = [("no", _("No")), ("yes", _("Yes"))]


def _yes_no(label: Any) -> forms.ChoiceField:
    """A yes/no question that starts unanswered: a preselected "No" would let a tap on the button answer
    "no" to everything."""
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please answer yes or no.")},
    )


def _past_date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def days_ago(day: date, today: date) -> float:
    return float((today - day).days)


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.replace("،", ",").replace("\n", ",").split(",") if item.strip()][
        :50
    ]


@dataclass(frozen=True)
class Problem:
    """One line of a form's error summary: what is wrong, and the id of the field to go to (if any)."""

    text: str
    target: str | None


class ErrorSummary(forms.Form):
    """A form whose errors can be listed at the top of the page, each a link to its field."""

    # Fields whose error messages already name what they are about: the summary shows them alone.
    self_named: frozenset[str] = frozenset()

    def error_summary(self) -> list[Problem]:
        problems = [Problem(str(message), None) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            if name not in self.errors:
                continue
            bound = self[name]
            message = " ".join(str(m) for m in self.errors[name])
            if isinstance(field.widget, forms.HiddenInput):
                problems.append(Problem(message, None))
                continue
            text = message if name in self.self_named else f"{bound.label} — {message}"
            radio = isinstance(field.widget, forms.RadioSelect)
            problems.append(Problem(text, f"{bound.auto_id}_0" if radio else bound.id_for_label))
        return problems


class ScreeningForm(ErrorSummary):
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


def emergency_symptoms(kb: KnowledgeBase) -> list[str]:
    """The symptoms that make a check-in an emergency on their own, whatever their severity or trend: those
    with an unconditional red flag leading to `emergency` (or, the same in effect, an effect whose
    not-expected disposition is `emergency`). In the knowledge base's order."""
    codes = {
        code
        for flag in kb.triage.red_flags
        if flag.to == Disposition.EMERGENCY and flag.when.always
        for code in flag.symptoms
    }
    codes |= {c for c, e in kb.effects.items() if e.not_expected_disposition == Disposition.EMERGENCY}
    return [code for code in kb.effects if code in codes]


# What a ticked symptom must also say (field prefix -> the message when it does not), unless it is an
# emergency: each message names the symptom.
DETAILS = {
    "sev": _("%(symptom)s: please choose how bad it is."),
    "trend": _("%(symptom)s: please choose whether it is better, the same or worse."),
    "spread": _("%(symptom)s: please say whether it is spreading."),
}

FAHRENHEIT = (Decimal(90), Decimal(110))  # a temperature typed in this range was most likely in °F


def temperature_error(typed: Any) -> str:
    """One plain message for any temperature we cannot take, with the °C of a value that looks like °F.
    The typed value is never converted for the patient: they correct it."""
    message = str(_("Enter your temperature in °C, for example 38.2."))
    try:
        number = Decimal(normalise_number(typed)) if isinstance(typed, str) else None
    except InvalidOperation:
        number = None
    if number is not None and number.is_finite() and FAHRENHEIT[0] <= number <= FAHRENHEIT[1]:
        celsius = ((number - 32) * 5 / 9).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        conversion = _("%(fahrenheit)s °F is %(celsius)s °C.") % {
            "fahrenheit": digits(format(number.normalize(), "f")),  # as typed, less trailing zeros
            "celsius": digits(str(celsius)),  # one decimal, as in "38.2"
        }
        message = f"{message} {conversion}"
    return message


class TemperatureField(LocalDecimalField):
    """Temperature in °C, in the plausible range the engine accepts, with one decimal."""

    def clean(self, value: Any) -> Any:
        try:
            return super().clean(value)
        except ValidationError:
            raise ValidationError(temperature_error(value), code="temperature") from None


class CheckInForm(ErrorSummary):
    temperature_c = TemperatureField(
        label=_("Temperature (°C), if you measured it"),
        required=False,
        min_value=TEMPERATURE_C.low,
        max_value=TEMPERATURE_C.high,
        decimal_places=1,
        max_digits=4,
    )
    photo = PhotosField(label=_("Photos of the treated area (optional, up to 5)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, lang: Lang = Lang.EN, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.lang = lang
        kb = load_kb()
        self.codes = list(kb.effects)
        self.emergency = emergency_symptoms(kb)
        # the box above the form: these mean "call now", not "fill in the form"
        self.emergency_names = [kb.effects[code].name.get(lang) for code in self.emergency]
        self.self_named = frozenset(f"{kind}_{code}" for kind in DETAILS for code in self.codes)
        # Severity, trend and spreading start unanswered: a preselected "Mild", "The same" and "No" would
        # send the engine the least urgent answers for a symptom the patient ticked and did not describe.
        severities = [(s.value, SEVERITY_LABELS[s]) for s in Severity]
        trends = [(t.value, TREND_LABELS[t]) for t in Trend]
        for code in self.codes:
            self.fields[f"sym_{code}"] = forms.BooleanField(required=False)
            self.fields[f"sev_{code}"] = forms.ChoiceField(
                label=_("How bad is it?"),
                choices=severities,
                required=False,  # required when the symptom is ticked: see clean()
                widget=forms.RadioSelect,
            )
            self.fields[f"trend_{code}"] = forms.ChoiceField(
                label=_("Since yesterday it is"),
                choices=trends,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"spread_{code}"] = forms.ChoiceField(
                label=_("Is it spreading?"),
                choices=YES_NO,
                required=False,
                widget=forms.RadioSelect,
            )
        # the page's order, which the error summary follows
        self.order_fields(
            [n for n in self.fields if n not in {"temperature_c", "photo"}] + ["temperature_c", "photo"]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ticked = [code for code in self.codes if data.get(f"sym_{code}")]
        if any(code in self.emergency for code in ticked):
            return data  # an emergency whatever the details: asking for them would only hold the patient up
        effects = load_kb().effects
        for code in ticked:
            for kind, message in DETAILS.items():
                name = f"{kind}_{code}"
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message % {"symptom": effects[code].name.get(self.lang)})
        return data

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
        symptoms = []
        for code in self.codes:
            if not d.get(f"sym_{code}"):
                continue
            symptom: dict[str, Any] = {"code": code, "spreading": d.get(f"spread_{code}") == "yes"}
            # Left out only in an emergency (see clean()), where the engine's defaults cannot lower it.
            for key, field in (("severity", f"sev_{code}"), ("trend", f"trend_{code}")):
                if d.get(field):
                    symptom[key] = d[field]
            symptoms.append(symptom)
        temperature = d.get("temperature_c")
        return {
            "symptoms": symptoms,
            "temperature_c": float(temperature) if temperature is not None else None,
        }
