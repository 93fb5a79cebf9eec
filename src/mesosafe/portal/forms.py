"""Patient forms. They turn what the patient typed into the engines' input dicts and keep it on errors."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mesosafe.checkins.answers import SEVERITY_LABELS, TREND_LABELS
from mesosafe.checkins.photos import MAX_PER_CHECKIN
from mesosafe.engines.inputs import CONTROLS, DESCRIPTION_LENGTH, blank
from mesosafe.engines.questions import asked
from mesosafe.knowledge import Lang, Severity, Trend
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.plausible import TEMPERATURE_C
from mesosafe.lib.numbers import LocalDecimalField, normalise_number
from mesosafe.lib.summary import ErrorSummary, Problem
from mesosafe.lib.words import WordsField
from mesosafe.patients.questions import SCREENING_QUESTIONS as ASKS
from mesosafe.portal.red_flags import RedFlags
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


MAX_ITEMS = 50  # the most allergies or conditions the screening engine takes (Intake)
TOO_MANY_ITEMS = _("Please list at most 50, the most important first.")  # the text names MAX_ITEMS
ITEM_LENGTH = 200  # the longest allergy or condition the engine takes, as the medicine's name field
TOO_LONG_ITEM = _("Please keep each one to 200 characters or fewer.")  # the text names ITEM_LENGTH


# Where a typed list splits: commas and semicolons, Latin or Arabic (U+060C, U+061B), and line breaks.
LIST_SEPARATORS = re.compile("[,;\u060c\u061b\n]")


def split_list(text: str) -> list[str]:
    """The items of a list typed with commas or semicolons (Latin or Arabic) or one a line, each once. A
    repeat, in any case ("dust, Dust"), names the same allergy or condition, so only its first spelling is
    kept, in the order typed, before the list is counted: 51 times "dust" is one allergy, not a list over the
    limit. Nothing else is ever dropped: a list longer than MAX_ITEMS is an error on its field
    (ScreeningForm.clean), never cut short, since an allergy cut off the end is an allergy the engine never
    checks."""
    items: list[str] = []
    seen: set[str] = set()
    for part in LIST_SEPARATORS.split(text):
        item = part.strip()
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    return items


# Questions whose field has the engine's own name (Intake)
ASKED_AS_WRITTEN = (
    "sunburn_at_site",
    "keloid_history",
    "previous_anaphylaxis",
    "previous_mesotherapy_reaction",
)


class ScreeningForm(ErrorSummary, forms.Form):
    pregnant = _yes_no(ASKS["pregnant"])
    breastfeeding = _yes_no(ASKS["breastfeeding"])
    has_allergies = _yes_no(_("Do you have any allergies?"))
    allergies = forms.CharField(
        label=ASKS["allergies"],
        help_text=_("Separate several with commas."),
        required=False,
        max_length=1000,
    )
    takes_medicines = _yes_no(_("Do you take any medicines or supplements?"))
    has_conditions = _yes_no(_("Do you have a long-term health condition?"))
    conditions = forms.CharField(
        label=ASKS["conditions"],
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
    skin_infection = _yes_no(ASKS["active_skin_infection_at_site"])
    sunburn_at_site = _yes_no(ASKS["sunburn_at_site"])
    bruising_left = _yes_no(ASKS["unresolved_bruising_from_previous_session"])
    low_pain_threshold = _yes_no(ASKS["low_pain_threshold"])
    keloid_history = _yes_no(ASKS["keloid_history"])
    previous_anaphylaxis = _yes_no(ASKS["previous_anaphylaxis"])
    previous_mesotherapy_reaction = _yes_no(ASKS["previous_mesotherapy_reaction"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MED_ROWS):
            self.fields[f"med_{i}_name"] = forms.CharField(
                label=_("Medicine or supplement"), required=False, max_length=200
            )
            # three blocks ask it: the label names the block, for the error summary and screen readers
            self.fields[f"med_{i}_last"] = _past_date(
                gettext("Medicine %(n)s: when did you last take it?") % {"n": digits(i + 1)}
            )
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
        lists = (
            ("has_allergies", "allergies", _("Please write what you are allergic to.")),
            ("has_conditions", "conditions", _("Please write which conditions you have.")),
        )
        for question, name, missing in lists:
            if data.get(question) != "yes" or name in self.errors:
                continue
            items = split_list(data.get(name, ""))
            if not items:
                self.add_error(name, missing)
            elif len(items) > MAX_ITEMS:
                self.add_error(name, TOO_MANY_ITEMS)
            elif any(len(item) > ITEM_LENGTH for item in items):
                self.add_error(name, TOO_LONG_ITEM)
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
            refused = any(f"med_{i}_name" in self.errors for i in range(MED_ROWS))  # e.g. too long
            if not named and not refused:
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
            **{name: d[name] == "yes" for name in ASKED_AS_WRITTEN},
        }


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


# What an asked follow-up question says when it is not answered: each message names the symptom.
DETAILS = {
    "severity": _("%(symptom)s: please choose how bad it is."),
    "trend": _("%(symptom)s: please choose whether it is better, the same or worse."),
    "spreading": _("%(symptom)s: please say whether it is spreading."),
}
PREFIX = {"severity": "sev", "trend": "trend", "spreading": "spread"}  # field name: f"{prefix}_{code}"
DESCRIBE = "desc"  # the field of a symptom's description in the patient's own words: f"desc_{code}"
# What the description box says when it cannot be taken; each message names the symptom.
DESCRIPTION_ERRORS = {
    "required": _("%(symptom)s: please say in a few words what it is."),
    "max_length": _("%(symptom)s: please use 200 characters or fewer."),  # DESCRIPTION_LENGTH
    "controls": _("%(symptom)s: please use only letters, numbers and punctuation."),
}

EMPTY = (None, "")  # an answer not given: nothing to keep
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


class SymptomRow:
    """One symptom of the first step, for the template: its checkbox, and whether it is a red flag."""

    def __init__(self, form: SymptomsForm, code: str, flags: RedFlags) -> None:
        effect = load_kb().effects[code]
        self.code = code
        self.name, self.description = effect.name.get(form.lang), effect.description.get(form.lang)
        self.chosen = form[f"sym_{code}"]
        self.alone = code in flags.alone


KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what the pages make (uuid4().hex), and what a client may keep


def usable_key(sent: Any) -> str:
    """The check-in's hidden idempotency key as sent, if it is one a page could have made; otherwise (lost,
    too long, odd characters) a fresh one."""
    return sent if isinstance(sent, str) and KEY.fullmatch(sent) else uuid.uuid4().hex


class HiddenKey(forms.BaseForm):
    """A check-in step with the hidden idempotency key. A page that lost it or spoilt it (an old copy, a
    reader or translator extension) gets a fresh one, never an error the patient cannot fix in front of a
    red flag; it is put in the form's data, so a page shown again carries the fresh key and sending it again
    (a double tap) is still one check-in."""

    def _fresh_key(self) -> None:
        if not self.is_bound:
            return
        name = self.add_prefix("idempotency_key")
        sent = self.data.get(name)
        key = usable_key(sent)
        if key != sent:
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[name] = key
            self.data = data


# Step 1 sent with nothing ticked: a check-in without symptoms is only "I feel fine", said with its button.
NOTHING_CHOSEN = _("Please tick each symptom you have. If you have none, choose “I feel fine”.")


class SymptomsForm(HiddenKey, ErrorSummary, forms.Form):
    """The check-in's first step: which symptoms, the emergency ones first. Nothing more is asked here."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)  # HiddenKey

    def __init__(self, *args: Any, lang: Lang = Lang.EN, flags: RedFlags, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self._fresh_key()
        self.lang, self.flags = lang, flags
        self._nothing_chosen = False
        effects = load_kb().effects
        self.codes = [*flags.alone, *(code for code in effects if code not in flags.alone)]
        for code in self.codes:
            # for the page's script: an emergency on its own, or with which other symptoms
            attrs = {"data-red-flag": ""} if code in flags.alone else {}
            if flags.pairs.get(code):
                attrs["data-red-flag-with"] = " ".join(flags.pairs[code])
            name = effects[code].name.get(lang)
            self.fields[f"sym_{code}"] = forms.BooleanField(
                label=name, required=False, widget=forms.CheckboxInput(attrs=attrs)
            )

    def ticked(self) -> list[str]:
        """The symptoms chosen; call after is_valid()."""
        return [code for code in self.codes if self.cleaned_data.get(f"sym_{code}")]

    def nothing_chosen(self) -> None:
        """Refuse the step sent with no symptom: the patient ticks theirs, or says they feel fine."""
        self.add_error(None, NOTHING_CHOSEN)
        self._nothing_chosen = True

    def error_summary(self) -> list[Problem]:
        # "tick each symptom" goes to the first symptom, just below the summary and "I feel fine" above it
        first = self[f"sym_{self.codes[0]}"].id_for_label
        said = str(NOTHING_CHOSEN)
        return [
            Problem(p.text, first) if self._nothing_chosen and p.text == said else p
            for p in super().error_summary()
        ]

    def rows(self) -> list[SymptomRow]:
        return [SymptomRow(self, code, self.flags) for code in self.codes]


class Details:
    """One chosen symptom in the second step: its name and the fields of the questions it is asked."""

    def __init__(self, name: str, fields: list[forms.BoundField]) -> None:
        self.name, self.fields = name, fields


class DetailsForm(HiddenKey, ErrorSummary, forms.Form):
    """The check-in's second step: for each symptom chosen in the first, only the follow-up questions the
    knowledge base asks for it on this day (none answered in advance, each one required); then the
    temperature and photos."""

    symptoms = forms.MultipleChoiceField(widget=forms.MultipleHiddenInput, required=False)
    temperature_c = TemperatureField(
        label=_("Temperature (°C), if you measured it"),
        required=False,
        min_value=TEMPERATURE_C.low,
        max_value=TEMPERATURE_C.high,
        decimal_places=1,
        max_digits=4,
    )
    photo = PhotosField(label=_("Photos of the treated area (optional, up to 5)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)  # HiddenKey

    def __init__(self, *args: Any, lang: Lang = Lang.EN, days: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fresh_key()
        self.lang = lang
        kb = load_kb()
        symptoms = self.fields["symptoms"]
        assert isinstance(symptoms, forms.MultipleChoiceField)
        symptoms.choices = [(code, code) for code in kb.effects]
        if self.is_bound:
            given = self.data.getlist("symptoms") if hasattr(self.data, "getlist") else []
        else:
            given = self.initial.get("symptoms", [])
        self.chosen = [code for code in kb.effects if code in set(given)]
        self.asked = {code: asked(kb, code, days) for code in self.chosen}
        choices = {
            "severity": [(s.value, SEVERITY_LABELS[s]) for s in Severity],
            "trend": [(t.value, TREND_LABELS[t]) for t in Trend],
            "spreading": YES_NO,
        }
        labels = {
            "severity": _("How bad is it?"),
            "trend": _("Since yesterday it is"),
            "spreading": _("Is it spreading?"),
        }
        # The page asks a symptom that takes a description (`describe`) what it is, after its questions, and
        # needs an answer: the clinic cannot look at "something else" without a word about it. The API and
        # the CLI take it as optional: a program sending a check-in may have no words to send.
        self.described = [code for code in self.chosen if kb.effects[code].describe]
        for code, questions in self.asked.items():
            name = kb.effects[code].name.get(lang)
            for question in questions:
                self.fields[f"{PREFIX[question]}_{code}"] = forms.ChoiceField(
                    label=labels[question],
                    choices=choices[question],
                    widget=forms.RadioSelect,
                    error_messages={"required": DETAILS[question] % {"symptom": name}},
                )
            if code in self.described:
                self.fields[f"{DESCRIBE}_{code}"] = WordsField(
                    label=_("What is it?"),
                    help_text=_("In your own words, at most 200 characters. Your clinic reads them."),
                    max_length=DESCRIPTION_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
                    error_messages={key: text % {"symptom": name} for key, text in DESCRIPTION_ERRORS.items()}
                    # Django's own refusal of a NUL, which runs before clean() and named no symptom
                    | {"null_characters_not_allowed": DESCRIPTION_ERRORS["controls"] % {"symptom": name}},
                )
        self.self_named = frozenset(
            [
                *(f"{PREFIX[q]}_{c}" for c, qs in self.asked.items() for q in qs),
                *(f"{DESCRIBE}_{c}" for c in self.described),
            ]
        )
        # the page's order, which the error summary follows
        self.order_fields([n for n in self.fields if n not in {"temperature_c", "photo"}])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code in self.described:
            name = f"{DESCRIBE}_{code}"
            words = data.get(name)
            if words is None:
                continue
            field = self.fields[name]
            if blank(words):  # only invisible characters: nothing the clinic could read
                self.add_error(name, field.error_messages["required"])
            elif not CONTROLS.isdisjoint(words):
                self.add_error(name, field.error_messages["controls"])
        return data

    def kept(self) -> dict[str, str]:
        """The answers given here, as typed, that this step would take for the symptoms it has: what
        "Change my symptoms" carries through the first step and back. One it would refuse (made up in the
        query, spoilt on the way) is dropped, so the patient answers it again, never sees it as theirs."""
        self.is_valid()
        names = [n for n in self.fields if n in self.self_named or n == "temperature_c"]
        return {
            n: self.data[n] for n in names if n not in self.errors and self.cleaned_data.get(n) not in EMPTY
        }

    def details(self) -> list[Details]:
        effects = load_kb().effects
        return [
            Details(
                effects[code].name.get(self.lang),
                [
                    *(self[f"{PREFIX[q]}_{code}"] for q in self.asked[code]),
                    *([self[f"{DESCRIBE}_{code}"]] if code in self.described else []),
                ],
            )
            for code in self.chosen
        ]

    def answers(self) -> dict[str, Any]:
        """The engine's check-in answers (without days_since_treatment): only the questions asked; call
        after is_valid()."""
        d = self.cleaned_data
        symptoms = []
        for code, questions in self.asked.items():
            symptom: dict[str, Any] = {"code": code}
            for question in questions:
                value = d[f"{PREFIX[question]}_{code}"]
                symptom[question] = value == "yes" if question == "spreading" else value
            if code in self.described:
                symptom["description"] = d[f"{DESCRIBE}_{code}"]
            symptoms.append(symptom)
        temperature = d.get("temperature_c")
        return {
            "symptoms": symptoms,
            "temperature_c": float(temperature) if temperature is not None else None,
        }
