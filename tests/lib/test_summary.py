"""The error summary shared by the patient and clinic forms: one line per error, linked to its field."""

from __future__ import annotations

from typing import Any

from django import forms

from mesosafe.lib.summary import ErrorSummary, Problem


class _Form(ErrorSummary, forms.Form):
    self_named = frozenset({"named"})

    name = forms.CharField(label="Name")
    colour = forms.ChoiceField(label="Colour", choices=[("r", "Red")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(label="Tags", choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
    named = forms.CharField(label="Named", error_messages={"required": "Give the named thing."})
    token = forms.CharField(widget=forms.HiddenInput, error_messages={"required": "Reload the page."})

    def clean(self) -> dict[str, Any]:
        self.add_error(None, "The form as a whole is wrong.")
        return self.cleaned_data


def _summary() -> list[Problem]:
    form = _Form(data={})
    assert not form.is_valid()
    return form.error_summary()


def test_the_forms_own_errors_come_first_without_a_link() -> None:
    assert _summary()[0] == Problem("The form as a whole is wrong.", None)


def test_a_field_error_names_the_field_and_links_to_it() -> None:
    assert Problem("Name — This field is required.", "id_name") in _summary()


def test_several_inputs_link_to_the_first_of_them() -> None:
    targets = {p.target for p in _summary()}
    assert {"id_colour_0", "id_tags_0"} <= targets


def test_a_self_named_field_shows_its_message_alone() -> None:
    assert Problem("Give the named thing.", "id_named") in _summary()


def test_a_hidden_field_has_no_link() -> None:
    assert Problem("Reload the page.", None) in _summary()


def test_a_valid_form_has_no_summary() -> None:
    form = _Form(data={"name": "x", "colour": "r", "tags": ["a"], "named": "y", "token": "t"})
    form.clean = lambda: form.cleaned_data  # type: ignore[method-assign]
    assert form.is_valid()
    assert form.error_summary() == []
