"""Words typed in a text box, as the API takes them."""

from __future__ import annotations

from typing import Any

from django import forms


def _lf(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


class WordsField(forms.CharField):
    """A text box's words with their line breaks as LF: a browser sends each as CR LF but counts it as one
    character against maxlength, so the server counts it as one too (and stores it as the API takes it).
    Words that differ from the initial ones only in that are unchanged (`has_changed`): a form sent back
    untouched does not rewrite what the API stored."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = _lf(value)
        return super().to_python(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return super().has_changed(_lf(initial) if isinstance(initial, str) else initial, data)


class LineField(forms.CharField):
    """Words in a one-line text box: a browser sends its value back without line breaks (HTML strips them
    from a text input), so words stored with one (through the API) that come back only without them are
    unchanged (`has_changed`), and are kept as stored rather than run together."""

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(initial, str):
            initial = initial.replace("\r", "").replace("\n", "")
        return super().has_changed(initial, data)
