"""Matching what people type (medicine, condition, ingredient names; English or Arabic) to the catalogue."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u0652\u0640]")  # harakat and tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_NOT_WORD = re.compile(r"[^\w]+")
_NUMBER = re.compile(r"^\d+")  # a dose's number, before its unit


@lru_cache(maxsize=8192)  # screening compares each entry with every alias of the catalogue
def normalise(text: str) -> str:
    """Case-, accent- and spelling-insensitive form: 'Omega-3 ' -> 'omega 3', 'أسبرين' -> 'اسبرين'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text).strip()


def mentions(text: str, phrase: str) -> bool:
    """True when the normalised `phrase` appears in `text` as whole words."""
    return f" {normalise(phrase)} " in f" {normalise(text)} "


def unread(text: str, names: Iterable[str], ignored: set[str]) -> list[str]:
    """The words of `text` left once every mention of `names` is taken out, and every word in `ignored`
    (normalised) or that is a number, alone or with a unit in `ignored` ("500", "500mg", "2.5")."""
    rest = f" {normalise(text)} "
    for name in sorted({normalise(n) for n in names}, key=len, reverse=True):  # "fish oil" before "oil"
        while name and f" {name} " in rest:
            rest = rest.replace(f" {name} ", " ")
    return [w for w in rest.split() if w not in ignored and _NUMBER.sub("", w) not in ignored | {""}]


def same_substance(a: str, b: str) -> bool:
    """An allergy and an ingredient name the same substance when either mentions the other."""
    return bool(normalise(a)) and bool(normalise(b)) and (mentions(a, b) or mentions(b, a))
