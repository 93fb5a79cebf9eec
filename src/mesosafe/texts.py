"""Patient texts made outside Django's pages (the calendar file the engines write, for the web app and the
CLI alike): they are entries of the one translation catalogue (locale/<lang>/LC_MESSAGES/django.mo), read here
with the standard library, so the engines stay free of Django."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALE = Path(__file__).parent / "locale"


def gettext_noop(message: str) -> str:
    """Marks `message` for the catalogue (`makemessages` finds it); `translate` says it in a language."""
    return message


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    return gettext.translation("django", LOCALE, languages=[lang], fallback=True)


def translate(message: str, lang: str) -> str:
    """`message` in `lang` from the catalogue; the English itself if it has no entry there."""
    return _catalogue(lang).gettext(message)
