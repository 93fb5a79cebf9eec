"""A refusal on a clinic page: the one place a DomainError (a service's refusal, or a rule of the app's input
schema, which the forms check so the pages and the API accept the same records) becomes a form's field error,
said in the page's language. The schemas' own messages are pydantic's English; BY_KIND and BY_REASON say the
same rules as sentences the page can translate."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from mesosafe import explain
from mesosafe.complications import services as complications
from mesosafe.errors import DomainError, Path
from mesosafe.knowledge import Lang
from mesosafe.lib import fields as schemas
from mesosafe.lib import staff_format
from mesosafe.lib.summary import ErrorSummary
from mesosafe.treatments.services import UNREVIEWED

BY_KIND: dict[str, Promise] = {
    "string_too_long": _("Use at most %(max_length)s characters."),
    "string_too_short": _("This field is required."),
    "too_long": _("Give at most %(max_length)s items."),
    "string_pattern_mismatch": _(  # only lot numbers have a pattern
        "Use only Latin letters, digits, dots, hyphens and underscores, without spaces."
    ),
}
BY_REASON: dict[str, Promise] = {
    schemas.BIDI_CONTROL: _(
        "Remove the invisible text-direction characters (U+202A–U+202E, U+2066–U+2069): they change how the"
        " name reads."
    ),
    schemas.CONTROL_CHARACTER: _(
        "Remove the control characters: they are not letters, and reports cannot carry them."
    ),
    schemas.NOT_A_PHONE: _("Write the phone number with digits, spaces and + ( ) - . only."),
    schemas.BLANK: _("This field is required."),
    schemas.NOT_AN_EMAIL: _("Enter a valid email address."),
    schemas.BEFORE_1900: _("The year must be 1900 or later."),
    schemas.IN_THE_FUTURE: _("This date cannot be in the future."),
    schemas.OUTSIDE_2000_2100: _("The year must be between 2000 and 2100."),
}


# What the complication service refuses, said on the page (its messages are the API's English)
BY_MESSAGE: dict[str, Promise] = {
    complications.IN_THE_FUTURE: _("This date is in the future."),
    complications.BEFORE_TREATMENT: _("The onset cannot come before the treatment."),
    complications.BEFORE_ONSET: _("The outcome cannot come before the onset."),
    complications.REPORT_BEFORE_ONSET: _("The report cannot come before the onset."),
    complications.NOT_DESCRIBED: _("Tick “Something else” for these words, or leave them out."),
    complications.NEEDS_WORDS: _("Say what “Something else” was: no check-in says it."),
    complications.OWN_WORDS_KEPT: _(
        "The patient's own words are kept; the check-in already says what this symptom was, and words here"
        " would be neither shown nor reported: leave this empty (a note can go under Action taken)."
    ),
    complications.FATAL_IS_SERIOUS: _(
        "A death, or a grade 4 or 5 complication, is serious: tick Serious and say why."
    ),
    complications.NEEDS_REASON: _("A serious complication needs its reason."),
    complications.ONLY_SERIOUS_REASON: _("Only a serious complication has a reason."),
    complications.REPORTED_FOR_DATE: _("Tick 'reported to the regulator' when giving the report date."),
    complications.KEEPS_REPORT_DATE: _(
        "A complication reported to the regulator keeps its report date: give the date, or untick Reported to"
        " the regulator."
    ),
}


def _unreviewed(waiting: list[tuple[int, str]]) -> str:
    lang = get_language()
    page_lang = Lang.AR if staff_format.arabic(lang) else Lang.EN
    named = staff_format.join(
        (f"#{i} ({explain.level_label(level, page_lang)})" for i, level in waiting), lang
    )
    sentence = ngettext(
        "Check-in %(checkins)s is not reviewed yet: review it first, or give a reason to treat anyway.",
        "Check-ins %(checkins)s are not reviewed yet: review them first, or give a reason to treat anyway.",
        len(waiting),
    )
    return sentence % {"checkins": named}


def message(error: DomainError) -> str:
    """The sentence for `error`, translated; the error's own English when it is one we have not met."""
    if error.kind == UNREVIEWED:
        return _unreviewed(error.context["checkins"])
    if error.message in BY_MESSAGE:
        return str(BY_MESSAGE[error.message])
    if error.kind == "value_error" and error.context.get("reason") in BY_REASON:
        return str(BY_REASON[error.context["reason"]])
    if error.kind in BY_KIND:
        return str(BY_KIND[error.kind]) % error.context
    return error.message


class RefusalForm(ErrorSummary):
    """A form that shows a DomainError on the field it names. A form whose fields are not named as the
    schema's are says which field a path means (`field_for`)."""

    def field_for(self, path: Path) -> str | None:
        return str(path[0]) if path else None

    def message_for(self, error: DomainError) -> str:
        return message(error)

    def refuse(self, error: DomainError) -> None:
        name = self.field_for(error.path)
        self.add_error(name if name in self.fields else None, self.message_for(error))
