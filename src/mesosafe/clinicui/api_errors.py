"""The API schema's error messages, in the clinic page's language. The forms check their input with the
API's own schemas (so the pages and the API accept the same records), whose messages are pydantic's English;
these are the same rules said as a sentence the page can translate."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mesosafe.api import schemas
from mesosafe.engines import InputError

BY_KIND: dict[str, Promise] = {
    "string_too_long": _("Use at most %(max_length)s characters."),
    "string_too_short": _("This field is required."),
    "too_long": _("Give at most %(max_length)s items."),
    "string_pattern_mismatch": _(  # only lot numbers have a pattern
        "Use only Latin letters, digits, dots, hyphens and underscores, without spaces."
    ),
}
BY_REASON: dict[str, Promise] = {
    schemas.NOT_AN_EMAIL: _("Enter a valid email address."),
    schemas.BEFORE_1900: _("The year must be 1900 or later."),
    schemas.IN_THE_FUTURE: _("This date cannot be in the future."),
    schemas.OUTSIDE_2000_2100: _("The year must be between 2000 and 2100."),
}


def api_message(error: InputError) -> str:
    """The sentence for `error`, translated; the schema's own English when it is one we have not met."""
    if error.kind == "value_error" and error.context.get("reason") in BY_REASON:
        return str(BY_REASON[error.context["reason"]])
    if error.kind in BY_KIND:
        return str(BY_KIND[error.kind]) % error.context
    return error.message
