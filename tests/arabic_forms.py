"""Masculine-only ways of addressing the reader in Arabic, for the tests that keep patient and staff texts
neutral."""

from __future__ import annotations

import re

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


def arabic_of(module: object) -> dict[str, str]:
    """The Arabic of every {Lang: text} table a module holds at its top level, by the table's name."""
    from mesosafe.knowledge import Lang

    return {
        name: value[Lang.AR]
        for name, value in vars(module).items()
        if isinstance(value, dict) and isinstance(value.get(Lang.AR), str)
    }
