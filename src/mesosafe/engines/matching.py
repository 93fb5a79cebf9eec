"""Matching what people type (medicine, condition, ingredient names; English or Arabic) to the catalogue."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u0652\u0640]")  # harakat and tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_NOT_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Case-, accent- and spelling-insensitive form: 'Omega-3 ' -> 'omega 3', 'أسبرين' -> 'اسبرين'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text).strip()


def mentions(text: str, phrase: str) -> bool:
    """True when the normalised `phrase` appears in `text` as whole words."""
    return f" {normalise(phrase)} " in f" {normalise(text)} "


def first_match(text: str, candidates: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """The code of the first (code, aliases) whose alias `text` mentions."""
    for code, aliases in candidates:
        if any(mentions(text, alias) for alias in aliases):
            return code
    return None


def same_substance(a: str, b: str) -> bool:
    """An allergy and an ingredient name the same substance when either mentions the other."""
    return bool(normalise(a)) and bool(normalise(b)) and (mentions(a, b) or mentions(b, a))
