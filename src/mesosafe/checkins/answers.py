"""A check-in's answers as people read them: severity and trend words, and one line per symptom."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from mesosafe.engines.questions import asked
from mesosafe.knowledge import KnowledgeBase, Lang, Severity, Trend
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
# A symptom's description in the patient's own words, after its answers: '…, as written: “a headache”'.
AS_WRITTEN = pgettext_lazy("a check-in answer", "as written")
QUOTES = {Lang.EN: ("\u201c", "\u201d"), Lang.AR: ("\u00ab", "\u00bb")}
# Unicode's first-strong isolate: the words keep their own direction (Arabic in an English line, or the
# reverse) and cannot reorder the text around them, as dir="auto" does on a page.
ISOLATE = ("\u2068", "\u2069")


class SymptomLine(str):
    """A symptom's line as text, with its parts for a page: `head` (the name, the answers and "as
    written:") and `words`, the patient's own description ('' when none), which a page shows as the patient
    wrote it (quoted, dir="auto", its digits untouched, escaped as any text). As text, the words are
    quoted and isolated (Unicode FSI/PDI) after the head."""

    head: str
    words: str

    def __new__(cls, head: str, words: str = "", lang: Lang = Lang.EN) -> SymptomLine:
        opening, closing = QUOTES[lang]
        text = f"{head} {opening}{ISOLATE[0]}{words}{ISOLATE[1]}{closing}" if words else head
        line = super().__new__(cls, text)
        line.head, line.words = head, words
        return line


def answer_text(question: str, value: Any) -> str:
    """One stored answer in words; "not asked" where none was stored (the check-in stopped at a red flag
    before it was asked). Never a default: "not asked" is not "mild"."""
    if value is None:
        return str(NOT_ASKED)
    if question == "severity":
        return str(SEVERITY_LABELS[Severity(value)])
    if question == "trend":
        return str(TREND_LABELS[Trend(value)])
    return str(SPREADING_LABELS[bool(value)])


def applied(kb: KnowledgeBase, code: str, days: float | None) -> tuple[str, ...]:
    """The follow-up questions that applied to `code` on day `days` after treatment: its `asks`, "since
    yesterday" only from `trend_from_day`. With the day unknown, every question it asks (a "not asked" too
    many is honest; one too few would hide a question the red flag stopped)."""
    if code not in kb.effects:
        return ()
    return tuple(kb.effects[code].asks) if days is None else asked(kb, code, days)


def named_questions(kb: KnowledgeBase, symptom: dict[str, Any], days: float | None) -> list[str]:
    """The questions a symptom's line names, in the form's order: those that applied, and any other one
    with a stored answer (a check-in stored under an older knowledge base keeps showing what it stored)."""
    applies = applied(kb, symptom.get("code", ""), days)
    return [q for q in QUESTION_LABELS if q in applies or symptom.get(q) is not None]


def symptom_line(kb: KnowledgeBase, symptom: dict[str, Any], lang: Lang, days: float | None) -> SymptomLine:
    """'Redness (how bad: Mild, since yesterday: Worse, spreading: yes)'; the name alone when no question
    applied; then, where the patient described it, 'as written: “…”' with their own words. Call with
    `lang` active."""
    code = symptom.get("code", "")
    effect = kb.effects.get(code)
    name = effect.name.get(lang) if effect else code or "?"
    parts = [
        f"{QUESTION_LABELS[q]}: {answer_text(q, symptom.get(q))}" for q in named_questions(kb, symptom, days)
    ]
    head = f"{name} ({LIST_SEPARATOR[lang].join(parts)})" if parts else name
    words = symptom.get("description")
    if not isinstance(words, str) or not words:
        return SymptomLine(head)
    return SymptomLine(f"{head}{LIST_SEPARATOR[lang]}{AS_WRITTEN}:", words, lang)


def symptom_lines(answers: dict[str, Any], lang: Lang, days: float | None) -> list[SymptomLine]:
    """One line per symptom, then the temperature, in `lang` (the catalogue for the words, the knowledge
    base for the symptom names). Each line names only the questions that applied to the symptom on the
    check-in's day (`days` since treatment, as stored with it), with "not asked" for one that applied but
    has no answer (a red flag stopped the questions). A symptom the patient described ends with their own
    words (SymptomLine)."""
    kb = load_kb()
    with translation.override(lang.value):
        lines = [symptom_line(kb, s, lang, days) for s in answers.get("symptoms", [])]
        temperature = answers.get("temperature_c")
        if temperature is not None:
            lines.append(SymptomLine(_("Temperature %(t)s °C") % {"t": temperature}))
    return lines
