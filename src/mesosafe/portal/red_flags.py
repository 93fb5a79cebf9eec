"""Which symptoms, ticked in the check-in's first step, make it an emergency before any follow-up question.

The engine decides, on the symptoms alone (every follow-up answer unknown, as they are when the first step
is sent): a symptom whose floor is `emergency`, or a combination such as fainting with hives (anaphylaxis,
WAO 2020). Triage is monotone, so a set holding an emergency pair is an emergency too: the page's script
needs only the single symptoms and the pairs to show the call-now box the moment one is ticked. The server
judges the whole set again when the step is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from mesosafe.engines import CheckIn, parse, triage
from mesosafe.knowledge import Disposition, KnowledgeBase


@dataclass(frozen=True)
class RedFlags:
    alone: list[str]  # an emergency on its own, in the knowledge base's order
    pairs: dict[str, list[str]] = field(default_factory=dict)  # code -> codes it is an emergency with


def is_emergency(codes: Iterable[str], kb: KnowledgeBase, days: float) -> bool:
    """Whether these symptoms, with no follow-up answer, are an emergency on day `days`."""
    check_in = parse(CheckIn, {"days_since_treatment": days, "symptoms": [{"code": c} for c in codes]})
    return triage(check_in, kb=kb).disposition == Disposition.EMERGENCY


def red_flags(kb: KnowledgeBase, days: float) -> RedFlags:
    codes = list(kb.effects)
    alone = [code for code in codes if is_emergency([code], kb, days)]
    pairs: dict[str, list[str]] = {}
    for a, b in combinations([c for c in codes if c not in alone], 2):
        if is_emergency([a, b], kb, days):
            pairs.setdefault(a, []).append(b)
            pairs.setdefault(b, []).append(a)
    return RedFlags(alone, pairs)
