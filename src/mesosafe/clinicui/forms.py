"""Staff forms: add a patient or change their contact details, record a treatment, record or correct a
complication, acknowledge a check-in (or a queue card's check-ins) or return it to the queue, find a lot, add
a product or a lot."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext_lazy as _
from pydantic import create_model

from mesosafe.clinics.models import Batch, Product, Staff
from mesosafe.clinics.schemas import BatchIn, ProductIn
from mesosafe.clinicui.errors import RefusalForm
from mesosafe.complications import services as complications
from mesosafe.complications.models import Complication, Outcome, Relatedness, SeriousReason
from mesosafe.complications.schemas import ComplicationPatch
from mesosafe.engines import parse
from mesosafe.engines.inputs import DESCRIPTION_LENGTH
from mesosafe.errors import Code, DomainError, Path
from mesosafe.knowledge import Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.knowledge.plausible import VOLUME_ML
from mesosafe.lib.fields import In
from mesosafe.lib.numbers import LocalDecimalField, western_digits
from mesosafe.lib.summary import ErrorSummary
from mesosafe.lib.words import LineField, WordsField
from mesosafe.patients.models import Patient
from mesosafe.patients.schemas import PatientIn
from mesosafe.treatments.schemas import TreatmentIn

PRODUCT_ROWS = 3
# The most areas a treatment has: the API's own limit (TreatmentIn.areas), so the page and the API agree.
MAX_AREAS: int = next(
    m.max_length for m in TreatmentIn.model_fields["areas"].metadata if hasattr(m, "max_length")
)


def _volume_range() -> str:
    return _("Give the volume injected in mL, from %(low)s to %(high)s.") % {
        "low": VOLUME_ML.low,
        "high": VOLUME_ML.high,
    }


VOLUME_RANGE = lazy(_volume_range, str)()  # said in the language of the page that shows it
OUTCOMES = [
    (Outcome.RECOVERED, _("Recovered")),
    (Outcome.RECOVERING, _("Recovering")),
    (Outcome.NOT_RECOVERED, _("Not recovered")),
    (Outcome.RECOVERED_WITH_SEQUELAE, _("Recovered with lasting effects")),
    (Outcome.FATAL, _("Fatal")),
    (Outcome.UNKNOWN, _("Unknown")),
]
RELATEDNESS = [
    (Relatedness.NOT_RELATED, _("Not related")),
    (Relatedness.UNLIKELY, _("Unlikely")),
    (Relatedness.POSSIBLY, _("Possibly")),
    (Relatedness.PROBABLY, _("Probably")),
    (Relatedness.DEFINITELY, _("Definitely")),
]
CHOOSE = ("", _("Choose…"))  # a select's empty first option: nothing is chosen until someone chooses
SERIOUS_REASONS = [
    (SeriousReason.HOSPITALISATION, _("Hospitalisation")),
    (SeriousReason.DISABILITY, _("Disability")),
    (SeriousReason.LIFE_THREATENING, _("Life-threatening")),
    (SeriousReason.DISFIGUREMENT, _("Disfigurement")),
    (SeriousReason.OTHER_MEDICALLY_IMPORTANT, _("Other medically important")),
]


# Dates on the clinic pages: day, month name, year ("3 Dec 2026", "3 ديسمبر 2026"), never "12/03/2026".
DAY = "j M Y"


def shown_date(value: date) -> str:
    return date_format(value, DAY)


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


# An option's text cannot hold <bdi> or dir="ltr": on right-to-left pages the product name and the lot number
# are isolated with Unicode's own marks instead (first strong, left-to-right ... pop), so a lot number never
# runs into the day of the expiry date beside it ("LOT-A-001 — 2" read as one left-to-right run).
_ISOLATE_NAME, _ISOLATE_LTR, _POP = "\u2068", "\u2066", "\u2069"


# Areas and ingredients are typed as one line: a comma, or the Arabic comma an Arabic keyboard types, between.
_LIST_SEPARATOR = re.compile(r"[,،]")


class BatchChoice(forms.ModelChoiceField[Batch]):
    def label_from_instance(self, obj: Batch) -> str:
        product, lot = obj.product.name, obj.lot_number
        if get_language_bidi():
            product, lot = f"{_ISOLATE_NAME}{product}{_POP}", f"{_ISOLATE_LTR}{lot}{_POP}"
        expired = _(" (expired)") if obj.expires_on < timezone.localdate() else ""
        label = _("%(product)s — lot %(lot)s — %(date)s") % {
            "product": product,
            "lot": lot,
            "date": shown_date(obj.expires_on),  # as the clinic pages write dates: Western digits
        }
        return f"{label}{expired}"


class PractitionerChoice(forms.ModelChoiceField[Staff]):
    def label_from_instance(self, obj: Staff) -> str:
        name = obj.user.get_full_name() or obj.user.get_username()
        return f"{name} ({obj.licence_number or '—'})"


class PatientForm(RefusalForm, forms.ModelForm[Patient]):
    """A new patient of the staff member's clinic. The rules are the API's (`PatientIn`), checked after the
    model's own, so the pages and the API accept the same patients."""

    class Meta:
        model = Patient
        fields: tuple[str, ...] = ("name", "date_of_birth", "email", "phone", "preferred_language")
        labels: ClassVar[dict[str, Any]] = {
            "name": _("Name"),
            "date_of_birth": _("Date of birth"),
            "email": _("Email"),
            "phone": _("Phone"),
            "preferred_language": _("Preferred language"),
        }
        help_texts: ClassVar[dict[str, Any]] = {"email": _("The private links and reminders are sent here.")}
        widgets: ClassVar[dict[str, Any]] = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "email": forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "off"}),
            "preferred_language": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["preferred_language"]
        assert isinstance(language, forms.ChoiceField)
        names = dict(settings.LANGUAGES)  # each language in its own name, as the language switch shows it
        language.choices = [(lang.value, names[lang.value]) for lang in Lang]

    def clean_date_of_birth(self) -> date | None:
        born: date | None = self.cleaned_data.get("date_of_birth")
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return born

    def clean_phone(self) -> str:
        return western_digits(str(self.cleaned_data.get("phone", "")))  # the digits a phone dials

    def clean(self) -> dict[str, Any]:
        """Each field by the API's rule for it, whatever the others' errors (so every error is shown at once);
        then, all fields right, the whole record, as the API checks it."""
        data = super().clean() or {}
        for name in PatientIn.model_fields:
            if name in data and name not in self.errors:
                self._check_alone(name, data[name])
        if not self.errors:
            names = PatientIn.model_fields
            shown = {name: getattr(self.instance, name) for name in names} | {
                name: data[name] for name in self._meta.fields or () if name in data
            }
            try:
                parse(PatientIn, shown)
            except DomainError as error:
                self.refuse(error)
        return data

    def _check_alone(self, name: str, value: Any) -> None:
        try:
            parse(_one_field(PatientIn, name), {name: value})
        except DomainError as error:
            self.refuse(error)


@cache
def _one_field(schema: type[In], name: str) -> type[In]:
    """`schema` with only its field `name`, to check that field's rule alone."""
    info = schema.model_fields[name]
    field: dict[str, Any] = {name: (info.annotation, info)}
    return create_model(f"{schema.__name__}_{name}", __base__=In, **field)


def seen(record: Any, names: Iterable[str]) -> str:
    """A digest of the fields `names` of `record` as an edit form shows them, sent back with the form: see
    `SeenForm.stale`."""
    shown = "\n".join(f"{name}={getattr(record, name)}" for name in sorted(names))
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


class SeenForm:
    """An edit form that knows what its page showed (`seen`, set in `__init__`)."""

    seen: str
    data: Any

    def stale(self) -> bool:
        """Sent from a page that showed the record otherwise than it is now (someone else changed it since,
        or the send carries no digest): every field is sent, so the fields left as shown would put back what
        that change replaced."""
        return bool(self.data.get("seen") != self.seen)


class PatientContactForm(SeenForm, PatientForm):
    """A patient's email, phone and preferred language; name and date of birth stay as recorded."""

    class Meta(PatientForm.Meta):
        fields = ("email", "phone", "preferred_language")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen = seen(self.instance, self.Meta.fields)


class TreatmentForm(RefusalForm, forms.Form):
    practitioner = PractitionerChoice(label=_("Practitioner"), queryset=Staff.objects.none())
    performed_at = forms.DateTimeField(
        label=_("Date and time of the treatment"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    areas = forms.CharField(
        label=_("Areas treated"), help_text=_("Separate several with commas."), max_length=1000
    )
    technique = forms.CharField(label=_("Technique"), required=False, max_length=120)
    injection_depth = forms.CharField(label=_("Injection depth"), required=False, max_length=60)
    anaesthetic = forms.CharField(label=_("Anaesthetic"), required=False, max_length=120)
    override_reason = forms.CharField(
        label=_("Reason to treat despite the screening decision or an unreviewed check-in"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, staff: Staff, needs_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_override = needs_override
        practitioner = self.fields["practitioner"]
        assert isinstance(practitioner, PractitionerChoice)
        practitioner.queryset = (
            Staff.objects.for_clinic(staff.clinic_id)
            .filter(role=Staff.Role.PRACTITIONER)
            .select_related("user")
        )
        if staff.role == Staff.Role.PRACTITIONER:
            practitioner.initial = staff.pk
        batches = (
            Batch.objects.for_clinic(staff.clinic_id)
            .select_related("product")
            .order_by("product__name", "-expires_on")
        )
        for i in range(PRODUCT_ROWS):
            self.fields[f"batch_{i}"] = BatchChoice(
                label=_("Product and lot"), queryset=batches, required=False
            )
            self.fields[f"volume_{i}"] = LocalDecimalField(
                label=_("Volume (mL)"),
                required=False,
                min_value=VOLUME_ML.low,
                max_value=VOLUME_ML.high,
                max_digits=7,
                decimal_places=2,
                error_messages={"min_value": VOLUME_RANGE, "max_value": VOLUME_RANGE},
            )
            self.fields[f"concentration_{i}"] = forms.CharField(
                label=_("Concentration"), required=False, max_length=60
            )
            self.fields[f"area_{i}"] = forms.CharField(label=_("Area"), required=False, max_length=100)

    def product_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"{n}_{i}"] for n in ("batch", "volume", "concentration", "area")]
            for i in range(PRODUCT_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        performed = data.get("performed_at")
        day = timezone.localtime(performed).date() if performed else None
        if performed and performed > timezone.now() + timedelta(hours=1):
            self.add_error("performed_at", _("A treatment cannot be recorded in the future."))
        elif performed and performed < timezone.now() - timedelta(days=5 * 366):
            self.add_error("performed_at", _("This date is more than five years ago."))
        practitioner = data.get("practitioner")
        if practitioner is not None and day is not None and not practitioner.licence_valid_on(day):
            self.add_error(
                "practitioner", _("This practitioner's licence is missing or expired on the treatment date.")
            )
        chosen = 0
        for i in range(PRODUCT_ROWS):
            batch, volume = data.get(f"batch_{i}"), data.get(f"volume_{i}")
            if batch is None:
                if volume is not None:
                    self.add_error(f"batch_{i}", _("Choose the product and lot for this volume."))
                continue
            chosen += 1
            if volume is None and f"volume_{i}" not in self.errors:
                self.add_error(f"volume_{i}", _("Give the volume injected."))
            if day is not None and batch.expires_on < day:
                self.add_error(
                    f"batch_{i}",
                    _("Lot %(lot)s expired on %(date)s.")
                    % {"lot": batch.lot_number, "date": shown_date(batch.expires_on)},
                )
        if chosen == 0:
            self.add_error("batch_0", _("Record at least one product and lot."))
        if self.needs_override and not (data.get("override_reason") or "").strip():
            self.add_error(
                "override_reason", _("The latest screening is unresolved: give a reason to treat.")
            )
        return data

    def field_for(self, path: Path) -> str | None:
        """A service's field path as this form's field: ('products', 1, 'batch_id') -> 'batch_1'."""
        if path[:1] == ("products",) and len(path) > 1:
            return f"batch_{path[1]}"
        return {"practitioner_id": "practitioner"}.get(str(path[0]), str(path[0])) if path else None

    def clean_areas(self) -> list[str]:
        """The areas typed, each once (the first spelling of names that differ only in case); more than the
        API takes is an error on the field, never cut short."""
        once: dict[str, str] = {}
        for typed in _LIST_SEPARATOR.split(str(self.cleaned_data.get("areas", ""))):
            if area := typed.strip():
                once.setdefault(area.casefold(), area)
        areas = list(once.values())
        if len(areas) > MAX_AREAS:
            raise forms.ValidationError(
                _("List at most %(limit)s areas (%(count)s were given).")
                % {"limit": MAX_AREAS, "count": len(areas)}
            )
        return areas

    def areas_list(self) -> list[str]:
        areas: list[str] = self.cleaned_data["areas"]
        return areas


class ComplicationFields(RefusalForm, forms.Form):
    """What staff say of a complication, whether recording it or correcting it: the fields of
    `ComplicationPatch` (a recorded complication keeps its onset date and symptoms)."""

    # Grade and relatedness start on "Choose…": a preselected first option would be stored as an answer.
    grade = forms.TypedChoiceField(
        label=_("Grade (1 mild – 5 death)"),
        coerce=int,
        choices=[CHOOSE, *[(i, str(i)) for i in range(1, 6)]],
        error_messages={"required": _("Choose the grade.")},
    )
    relatedness = forms.ChoiceField(
        label=_("Related to the treatment?"),
        choices=[CHOOSE, *RELATEDNESS],
        error_messages={"required": _("Choose how likely the treatment caused it.")},
    )
    serious = forms.BooleanField(label=_("Serious"), required=False)
    serious_reason = forms.ChoiceField(
        label=_("Why serious"), required=False, choices=[("", "—"), *SERIOUS_REASONS]
    )
    suspected_infection = forms.BooleanField(label=_("Suspected infection"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES, initial=Outcome.UNKNOWN)
    outcome_date = _date(_("Outcome date"), required=False)
    action_taken = WordsField(
        label=_("Action taken"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # "Something else" without a check-in's words: what it was (the patient's description rules; a check-in's
    # own words are kept as the patient wrote them)
    description = LineField(
        label=_("Something else: what is it?"),
        required=False,  # checked by ComplicationIn as the patient's words are: length, control characters
        widget=forms.TextInput(attrs={"maxlength": DESCRIPTION_LENGTH, "dir": "auto"}),
    )
    reported_to_regulator = forms.BooleanField(label=_("Reported to the regulator"), required=False)
    reported_on = _date(_("Report date"), required=False)


class ComplicationForm(ComplicationFields):
    onset_date = _date(_("Onset date"))
    symptom_codes = forms.MultipleChoiceField(
        label=_("Symptoms"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args: Any, lang: Lang = Lang.EN, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["onset_date", "symptom_codes"])  # what happened first, then what staff judge
        field = self.fields["symptom_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(code, e.name.get(lang)) for code, e in load_kb().effects.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("serious") and not data.get("serious_reason"):
            self.add_error("serious_reason", _("A serious complication needs its reason."))
        if not data.get("serious") and data.get("serious_reason"):
            self.add_error("serious_reason", _("Only a serious complication has a reason."))
        if data.get("reported_on") and not data.get("reported_to_regulator"):
            self.add_error("reported_on", _("Tick 'reported to the regulator' when giving the report date."))
        onset: date | None = data.get("onset_date")
        outcome: date | None = data.get("outcome_date")
        if onset and outcome and outcome < onset:
            self.add_error("outcome_date", _("The outcome cannot come before the onset."))
        return data


NOT_DESCRIBED_HERE = _(
    "Only a complication with “Something else” among its symptoms takes these words: leave this empty."
)
# The fields a PATCH clears with null: a form's empty value for them is that null.
CLEARED_BY_EMPTY = ("serious_reason", "outcome_date", "reported_on", "description")


class ComplicationEditForm(SeenForm, ComplicationFields):
    """Correct a recorded complication: what `PATCH /complications/{id}` takes, prefilled with the record.
    The rules are the service's (`complications.services.update`), as for the API; `changes()` is the patch,
    only the fields changed, so a record's older words are not checked again when something else changes."""

    def __init__(self, *args: Any, complication: Complication, **kwargs: Any) -> None:
        kwargs["initial"] = {name: getattr(complication, name) for name in ComplicationPatch.model_fields}
        super().__init__(*args, **kwargs)
        self.seen = seen(complication, ComplicationPatch.model_fields)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: (data[name] or None) if name in CLEARED_BY_EMPTY else data[name]
            for name in self.changed_data
        }

    def message_for(self, error: DomainError) -> str:
        if error.message == complications.NOT_DESCRIBED:  # its symptoms are kept: ticking is not offered
            return str(NOT_DESCRIBED_HERE)
        return super().message_for(error)


INCOMPLETE = _("The form was incomplete; please try again.")
MAX_IDS = 200  # a queue card shows at most the queue page's check-ins
MAX_ID = 2**63 - 1  # the largest id a database column holds


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckinIds(forms.Field):
    """The ids of the check-ins a queue card showed, sent back as hidden inputs; each id once."""

    widget = forms.MultipleHiddenInput
    default_error_messages: ClassVar[dict[str, Any]] = {
        "required": _("No check-in was sent with the form, so nothing was acknowledged."),
        "invalid": INCOMPLETE,
    }

    def to_python(self, value: Any) -> list[int]:
        values = [value] if isinstance(value, str) else list(value or [])
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if len(ids) > MAX_IDS or not all(0 < i <= MAX_ID for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(ids))


class AcknowledgeAllForm(AcknowledgeForm):
    """Acknowledge, with one note, the check-ins a queue card showed (and only those)."""

    checkin = CheckinIds()


class ReopenForm(ErrorSummary, forms.Form):
    """Return an acknowledged check-in to the review queue: why, and which review the page showed."""

    reason = forms.CharField(
        label=_("Reason for returning it to the queue"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for returning this check-in to the queue.")},
    )
    reviewed_at = forms.CharField(widget=forms.HiddenInput, error_messages={"required": INCOMPLETE})

    def clean_reviewed_at(self) -> datetime:
        """The time of the review the page showed, as the page wrote it (with its offset, to the µs)."""
        try:
            seen = datetime.fromisoformat(self.cleaned_data["reviewed_at"])
            if seen.tzinfo is not None:
                return seen.astimezone(UTC)
        except (ValueError, OverflowError):  # not a time, or out of a datetime's years once in UTC
            pass
        raise forms.ValidationError(INCOMPLETE)


class RecallForm(forms.Form):
    lot = forms.CharField(label=_("Lot number"), max_length=64)

    def clean_lot(self) -> str:
        """The lot as recorded: Western digits, as the lot form stores them (an Arabic keyboard types
        '٠٠١')."""
        return western_digits(str(self.cleaned_data.get("lot", ""))).strip()


# A recall action's refusals (treatments/recall_contacts.py's kinds), said in the page's language.
RECALL_REFUSALS: dict[str, Any] = {
    "no_lot": _("This clinic has no such lot."),
    "no_recipients": _("No patient received this lot."),
    "no_reason": _("Give the reason for the recall."),
    "not_started": _("Start the recall first."),
    "no_email": _("This patient has no e-mail address: call them."),
    "not_recipient": _("This patient did not receive the lot."),
    "already_reached": _("This patient is already marked as reached."),
    "no_method": _("Choose how the patient was reached."),
    "being_sent": _("The recall e-mail is being sent. Try again in a few minutes."),
    "no_unmark_reason": _("Say why the patient is not reached."),
    "not_reached": _("This patient is not marked as reached."),
    "marked_since": _("This patient was marked as reached again since. Look at the page again."),
}


class RecallActionForm(RefusalForm, forms.Form):
    """What every recall action names: the lot (from the recall page) and, for one patient's action, the
    patient."""

    lot = forms.CharField(widget=forms.HiddenInput, max_length=64)
    patient = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def message_for(self, error: DomainError) -> str:
        return (
            str(RECALL_REFUSALS[error.kind]) if error.kind in RECALL_REFUSALS else super().message_for(error)
        )


class RecallSendForm(RecallActionForm):
    """Start the recall and e-mail the recipients, or e-mail one patient again (`patient` set)."""

    reason = forms.CharField(
        label=_("Reason for the recall"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the clinic's record; the patients' e-mail does not show it."),
    )


class RecallContactedForm(RecallActionForm):
    """Mark one patient as reached."""

    patient = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, error_messages={"required": INCOMPLETE}
    )
    method = forms.ChoiceField(
        label=_("How"),
        choices=[
            CHOOSE,
            ("phone", _("Phone")),
            ("in_person", _("In person")),
            ("email", _("E-mail reply")),
        ],
        error_messages={"required": _("Choose how the patient was reached.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class RecallNotReachedForm(RecallActionForm):
    """Undo a "reached" marked by mistake, with the reason; `contacted_at` is the mark the page showed."""

    patient = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, error_messages={"required": INCOMPLETE}
    )
    contacted_at = forms.CharField(widget=forms.HiddenInput, error_messages={"required": INCOMPLETE})
    reason = forms.CharField(
        label=_("Why is the patient not reached?"),
        max_length=2000,
        error_messages={"required": _("Say why the patient is not reached.")},
    )

    def clean_contacted_at(self) -> datetime:
        """The time of the mark the page showed, as the page wrote it (with its offset, to the µs)."""
        try:
            seen = datetime.fromisoformat(self.cleaned_data["contacted_at"])
            if seen.tzinfo is not None:
                return seen.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
        raise forms.ValidationError(INCOMPLETE)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, email or phone"), required=False, max_length=100)

    def clean_q(self) -> str:
        """Western digits, as phone numbers are recorded (an Arabic keyboard types '+٩٧١...')."""
        return western_digits(str(self.cleaned_data.get("q", ""))).strip()


class ProductForm(RefusalForm, forms.ModelForm[Product]):
    """A product of the staff member's clinic, checked by the API's rules (`ProductIn`) after the form's;
    `product_in()` is what the service is given."""

    ingredients = forms.CharField(
        label=_("Ingredients"), required=False, help_text=_("Separate several with commas.")
    )

    class Meta:
        model = Product
        fields: tuple[str, ...] = ("name", "manufacturer", "ingredients", "approval_reference")
        labels: ClassVar[dict[str, Any]] = {
            "name": _("Name"),
            "manufacturer": _("Manufacturer"),
            "approval_reference": _("Approval reference"),
        }
        help_texts: ClassVar[dict[str, Any]] = {
            "approval_reference": _("The regulator's registration or approval number, if any."),
        }
        widgets: ClassVar[dict[str, Any]] = {
            "approval_reference": forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        }

    def clean_ingredients(self) -> list[str]:
        text = str(self.cleaned_data.get("ingredients") or "")
        return [name.strip() for name in _LIST_SEPARATOR.split(text) if name.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                self.product_in()
            except DomainError as error:
                self.refuse(error)
        return data

    def product_in(self) -> ProductIn:
        """What the service is given: the form's product, checked by the app's rules (DomainError)."""
        data = self.cleaned_data
        return parse(ProductIn, {name: data[name] for name in ProductIn.model_fields if name in data})

    def message_for(self, error: DomainError) -> str:
        said = super().message_for(error)
        if error.path[:1] == ("ingredients",) and len(error.path) > 1:  # one of them: say which
            return _("Ingredient %(n)s: %(message)s") % {"n": int(error.path[1]) + 1, "message": said}
        return said


class ProductChoice(forms.ModelChoiceField[Product]):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.name} ({obj.manufacturer})" if obj.manufacturer else obj.name


class BatchForm(RefusalForm, forms.Form):
    """A new lot of one of the clinic's products, checked by the API's rules (`BatchIn`). `batch_in()` is what
    the service is given; the service refuses a lot number the product already has, in any case (a conflict
    on `lot_number`), and `refuse` shows it on the lot field."""

    product = ProductChoice(label=_("Product"), queryset=Product.objects.none())
    lot_number = forms.CharField(
        label=_("Lot number"),
        max_length=64,
        help_text=_("As printed on the vial."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "autocapitalize": "characters"}),
    )
    expires_on = _date(_("Expiry date"))
    multi_dose_vial = forms.BooleanField(label=_("Multi-dose vial"), required=False)

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, ProductChoice)
        product.queryset = Product.objects.for_clinic(staff.clinic_id).order_by("name", "id")

    def clean_lot_number(self) -> str:
        return western_digits(str(self.cleaned_data.get("lot_number", "")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.batch_in()
        except DomainError as error:
            self.refuse(error)
        return data

    def field_for(self, path: Path) -> str | None:
        return "product" if path[:1] == ("product_id",) else super().field_for(path)

    def message_for(self, error: DomainError) -> str:
        if error.code == Code.CONFLICT and error.path == ("lot_number",):
            return self.duplicate_message(error.context.get("lot_number"))
        return super().message_for(error)

    def batch_in(self) -> BatchIn:
        """What the service is given: the form's lot, checked by the app's rules (DomainError)."""
        data = self.cleaned_data
        return parse(
            BatchIn,
            {
                "product_id": data["product"].id,
                "lot_number": data["lot_number"],
                "expires_on": data["expires_on"],
                "multi_dose_vial": data["multi_dose_vial"],
            },
        )

    def duplicate_message(self, recorded: str | None = None) -> str:
        """'NCTF 135HA already has lot DXB-24-001.': the lot as recorded, when it differs in case."""
        return _("%(product)s already has lot %(lot)s.") % {
            "product": self.cleaned_data["product"].name,
            "lot": recorded or self.cleaned_data["lot_number"],
        }
