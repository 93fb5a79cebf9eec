"""Django choices built from the one vocabulary (mesosafe.knowledge.vocabulary)."""

from __future__ import annotations

from enum import StrEnum

from mesosafe.knowledge import Decision, Disposition, Lang


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in enum]


DISPOSITIONS = choices(Disposition)
DECISIONS = choices(Decision)
LANGUAGES = choices(Lang)
