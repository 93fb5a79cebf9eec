"""The one vocabulary: ordered enums shared by the knowledge base, engines, CLI, API and database.

Symptom codes are not an enum here: they are the `code` of each entry in `data/effects.yaml`, so adding a
symptom is a data change. Everything whose order matters is defined once, below.
"""

from __future__ import annotations

from enum import StrEnum


class Ranked(StrEnum):
    """A string enum whose declaration order is its clinical order (first = least)."""

    @property
    def rank(self) -> int:
        ranks = _RANKS.get(type(self))
        if ranks is None:
            ranks = _RANKS[type(self)] = {member: i for i, member in enumerate(type(self))}
        return ranks[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank >= other.rank

    def __hash__(self) -> int:
        return str.__hash__(self)


_RANKS: dict[type[Ranked], dict[Ranked, int]] = {}


class Disposition(Ranked):
    SELF_CARE = "self_care"
    CONTACT_CLINIC = "contact_clinic"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Decision(Ranked):
    PROCEED = "proceed"
    PROCEED_WITH_PRECAUTIONS = "proceed_with_precautions"
    DEFER = "defer"
    CLINICIAN_REVIEW = "clinician_review"
    DO_NOT_TREAT = "do_not_treat"


class Severity(Ranked):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Trend(Ranked):
    IMPROVING = "improving"
    SAME = "same"
    WORSE = "worse"


class Frequency(Ranked):
    COMMON = "common"
    LESS_COMMON = "less_common"
    RARE = "rare"


class Lang(StrEnum):
    EN = "en"
    AR = "ar"
