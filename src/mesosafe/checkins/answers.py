"""A check-in's answers as people read them: severity and trend words, and one line per symptom."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from mesosafe.knowledge import Lang, Severity, Trend
from mesosafe.knowledge import load as load_kb

SEVERITY_LABELS = {
    Severity.MILD: gettext_lazy("Mild"),
    Severity.MODERATE: gettext_lazy("Moderate"),
    Severity.SEVERE: gettext_lazy("Severe"),
}
TREND_LABELS = {
    Trend.IMPROVING: gettext_lazy("Better"),
    Trend.SAME: gettext_lazy("The same"),
    Trend.WORSE: gettext_lazy("Worse"),
}
# Each follow-up question as an answer line names it, in the order the form asks them.
QUESTION_LABELS = {
    "severity": pgettext_lazy("a check-in answer", "how bad"),
    "trend": pgettext_lazy("a check-in answer", "since yesterday"),
    "spreading": pgettext_lazy("a check-in answer", "spreading"),
}
NOT_ASKED = pgettext_lazy("a check-in answer", "not asked")
SPREADING_LABELS = {
    True: pgettext_lazy("a check-in answer: spreading", "yes"),
    False: pgettext_lazy("a check-in answer: spreading", "no"),
}

LIST_SEPARATOR = {Lang.EN: ", ", Lang.AR: "، "}


def answer_text(question: str, value: Any) -> str:
    """One stored answer in words; "not asked" where none was stored (the question did not apply, or the
    check-in stopped at a red flag). Never a default: "not asked" is not "mild"."""
    if value is None:
        return str(NOT_ASKED)
    if question == "severity":
        return str(SEVERITY_LABELS[Severity(value)])
    if question == "trend":
        return str(TREND_LABELS[Trend(value)])
    return str(SPREADING_LABELS[bool(value)])


def symptom_lines(answers: dict[str, Any], lang: Lang) -> list[str]:
    """'Redness (how bad: Mild, since yesterday: Worse, spreading: yes)' per symptom, then the temperature,
    in `lang` (the catalogue for the words, the knowledge base for the symptom names). Every
    question is named, with "not asked" where no answer was stored; a check-in stored before some
    questions stopped being asked shows the answers it stored."""
    effects = load_kb().effects
    lines = []
    with translation.override(lang.value):
        for s in answers.get("symptoms", []):
            effect = effects.get(s.get("code", ""))
            name = effect.name.get(lang) if effect else s.get("code", "?")
            parts = [f"{label}: {answer_text(q, s.get(q))}" for q, label in QUESTION_LABELS.items()]
            lines.append(f"{name} ({LIST_SEPARATOR[lang].join(parts)})")
        temperature = answers.get("temperature_c")
        if temperature is not None:
            lines.append(_("Temperature %(t)s °C") % {"t": temperature})
    return lines
