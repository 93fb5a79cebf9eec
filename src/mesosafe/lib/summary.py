"""A form's error summary: every error listed at the top of the page, each linked to its field. The patient
pages and the clinic pages show the same summary (GOV.UK's error-summary pattern)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

# Widgets drawn as several inputs: the summary links to the first of them (Django's `<id>_0`).
SEVERAL_INPUTS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@dataclass(frozen=True)
class Problem:
    """One line of a form's error summary: what is wrong, and the id of the field to go to (if any)."""

    text: str
    target: str | None


class ErrorSummary(forms.BaseForm):
    """A form whose errors can be listed at the top of the page, the form's own first, then each field's
    after its label. Mix it in before `forms.Form` or `forms.ModelForm`."""

    # Fields whose error messages already name what they are about: the summary shows them alone.
    self_named: frozenset[str] = frozenset()

    def error_summary(self) -> list[Problem]:
        problems = [Problem(str(message), None) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            if name in self.errors:
                problems.append(self._problem(name, field))
        return problems

    def _problem(self, name: str, field: forms.Field) -> Problem:
        bound = self[name]
        message = " ".join(str(m) for m in self.errors[name])
        if isinstance(field.widget, forms.HiddenInput):
            return Problem(message, None)
        text = message if name in self.self_named else f"{bound.label} — {message}"
        several = isinstance(field.widget, SEVERAL_INPUTS)
        return Problem(text, f"{bound.auto_id}_0" if several else bound.id_for_label)
