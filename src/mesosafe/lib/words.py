"""Words typed in a text box, as the API takes them."""

from __future__ import annotations

from typing import Any

from django import forms


def _lf(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


class _SentBack(forms.CharField):
    """A text box prefilled with stored words: the words come back as the browser sends them and the form
    reads them (`as_sent`, without the spaces around them), so stored words that differ from what comes back
    only in that are unchanged (`has_changed`): a form sent back untouched does not rewrite what the API
    stored, nor make it a change (an audited update, a new report version)."""

    def as_sent(self, initial: str) -> str:
        return initial

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(initial, str):
            initial = self.as_sent(initial)
            initial = initial.strip() if self.strip else initial
        return super().has_changed(initial, data)


class WordsField(_SentBack):
    """A text box's words with their line breaks as LF: a browser sends each as CR LF but counts it as one
    character against maxlength, so the server counts it as one too (and stores it as the API takes it)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = _lf(value)
        return super().to_python(value)

    def as_sent(self, initial: str) -> str:
        return _lf(initial)


class LineField(_SentBack):
    """Words in a one-line text box: a browser sends its value back without line breaks (HTML strips them
    from a text input), so words stored with one (through the API) come back run together."""

    def as_sent(self, initial: str) -> str:
        return initial.replace("\r", "").replace("\n", "")
