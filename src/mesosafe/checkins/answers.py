"""A check-in's answers as people read them: severity and trend words, and one line per symptom."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


def symptom_lines(answers: dict[str, Any], lang: Lang) -> list[str]:
    """'Redness (Mild, Worse, spreading)' per symptom, then the temperature, in `lang` (the active
    translation for the words, the knowledge base for the symptom names)."""
    effects = load_kb().effects
    lines = []
    for s in answers.get("symptoms", []):
        effect = effects.get(s.get("code", ""))
        name = effect.name.get(lang) if effect else s.get("code", "?")
        # only the answers that were stored: a question not asked has no answer to show
        parts = [str(SEVERITY_LABELS[Severity(s["severity"])])] if s.get("severity") else []
        parts += [str(TREND_LABELS[Trend(s["trend"])])] if s.get("trend") else []
        parts += [_("spreading")] if s.get("spreading") else []
        lines.append(f"{name} ({', '.join(parts)})" if parts else name)
    temperature = answers.get("temperature_c")
    if temperature is not None:
        lines.append(_("Temperature %(t)s °C") % {"t": temperature})
    return lines
