"""A refusal on a clinic page: the one place a DomainError (a service's refusal, or a rule of the app's input
schema, which the forms check so the pages and the API accept the same records) becomes a form's field error,
said in the page's language. The schemas' own messages are pydantic's English; BY_KIND and BY_REASON say the
same rules as sentences the page can translate."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mesosafe.errors import DomainError, Path
from mesosafe.lib import fields as schemas
from mesosafe.lib.summary import ErrorSummary

BY_KIND: dict[str, Promise] = {
    "string_too_long": _("Use at most %(max_length)s characters."),
    "string_too_short": _("This field is required."),
    "too_long": _("Give at most %(max_length)s items."),
    "unreviewed_checkin": _(
        "Check-in %(checkins)s is not reviewed yet: review it first, or give a reason to treat anyway."
    ),
    "string_pattern_mismatch": _(  # only lot numbers have a pattern
        "Use only Latin letters, digits, dots, hyphens and underscores, without spaces."
    ),
}
BY_REASON: dict[str, Promise] = {
    schemas.BIDI_CONTROL: _(
        "Remove the invisible text-direction characters (U+202A–U+202E, U+2066–U+2069): they change how the"
        " name reads."
    ),
    schemas.NOT_AN_EMAIL: _("Enter a valid email address."),
    schemas.BEFORE_1900: _("The year must be 1900 or later."),
    schemas.IN_THE_FUTURE: _("This date cannot be in the future."),
    schemas.OUTSIDE_2000_2100: _("The year must be between 2000 and 2100."),
}


def message(error: DomainError) -> str:
    """The sentence for `error`, translated; the error's own English when it is one we have not met."""
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
