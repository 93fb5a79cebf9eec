"""Masculine-only ways of addressing the reader in Arabic, for the tests that keep patient and staff texts
neutral."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import mesosafe

CATALOGUE = Path(mesosafe.__file__).parent / "locale" / "ar" / "LC_MESSAGES" / "django.po"

# Most patients are women, so the Arabic texts address a man or a woman alike: instructions as verbal
# nouns or impersonal forms ("يُرجى وضع", "يجب الاتصال"), never a masculine imperative. These are the
# masculine forms the texts used to have. Imperatives are looked for where an instruction starts: a
# sentence, a clause, or a word joined by و/ف ("فاتصل", "وأبلغ"); the rest are masculine wherever they are.
MASCULINE_IMPERATIVES = frozenset(
    {
        "ضع",
        "اتصل",
        "تجنب",
        "ارتد",
        "احم",
        "احمه",
        "ابق",
        "استخدم",
        "أبعد",
        "راقب",
        "أجب",
        "أبلغ",
        "أخبر",
        "اختر",
        "تأكد",
        "أوقف",
        "أوقفها",
        "اشرب",
        "حافظ",
        "حاول",
        "اطلب",
        "راجع",
        "اذهب",
        "تواصل",
        "اتبع",
        "انتظر",
        "افتح",
        # the clinic pages and staff emails: their readers are nurses as often as doctors
        "اذكر",
        "أدخل",
        "ابحث",
        "أضف",
        "سجل",
        "أصدر",
        "أعد",
    }
)
MASCULINE_PROHIBITIONS = ("لا تلمس", "لا تضع", "لا توقف", "لا تنتظر", "لا تقد")
MASCULINE_VOWELLED = ("ارتدِ", "احمِ", "ابقَ", "شعرتَ", "احتجتَ", "أنتَ")  # the mark alone makes it masculine
MASCULINE_PHRASES = ("أنت تتناول", "لم تتمكن", "إذا احتجت")
VOWEL_MARKS = re.compile("[\u064b-\u0652\u0640]")  # tanween, short vowels, shadda, sukun, tatweel
CLAUSE_BREAK = re.compile(r"[.،؛:؟!()—]")


def masculine_forms(arabic: str) -> list[str]:
    """The masculine-only ways of addressing the reader found in `arabic`."""
    found = [form for form in MASCULINE_VOWELLED if form in arabic]
    plain = VOWEL_MARKS.sub("", arabic)
    found += [form for form in (*MASCULINE_PROHIBITIONS, *MASCULINE_PHRASES) if form in plain]
    for clause in CLAUSE_BREAK.split(plain):
        for i, word in enumerate(clause.split()):
            joined = word[1:] if word[0] in "وف" and len(word) > 3 else ""  # not وضع, the verbal noun
            if (i == 0 and word in MASCULINE_IMPERATIVES) or joined in MASCULINE_IMPERATIVES:
                found.append(word)
    return found


def arabic_of(module: ModuleType) -> dict[str, str]:
    """The Arabic of every catalogue entry the module's texts use (`#:` references to its file), by msgid."""
    source = Path(str(module.__file__)).relative_to(Path(str(mesosafe.__file__)).parent)
    entries = catalogue_entries(CATALOGUE.read_text(encoding="utf-8"), (f"{source.as_posix()}:",))
    return {f"{msgid} [{index}]": arabic for index, (msgid, arabic) in enumerate(entries)}


def catalogue_entries(catalogue: str, prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry used under one of `prefixes` (a `#:` reference starting with it)."""
    found = []
    for entry in catalogue.split("\n\n")[1:]:
        lines = entry.splitlines()
        references = [ref for line in lines if line.startswith("#:") for ref in line.split()[1:]]
        if not any(ref.startswith(prefixes) for ref in references):
            continue
        parts: dict[str, str] = {}
        key = ""
        for line in lines:
            if line.startswith(("msgid", "msgstr")):
                key, _, line = line.partition(" ")
            if line.startswith('"') and key:
                parts[key] = parts.get(key, "") + line[1:-1]
        found += [(parts["msgid"], text) for name, text in parts.items() if name.startswith("msgstr")]
    return found
