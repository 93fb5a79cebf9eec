"""The screening catalogue's medicines and conditions: each name recognises one entry, and an entry that
screens below an unknown one can only be recognised as the whole entry (blind review 33)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from mesosafe.engines.matching import mentions, normalise
from mesosafe.knowledge import KnowledgeError, load, load_from
from mesosafe.knowledge.loader import DATA_DIR
from mesosafe.knowledge.schema import Medicine, Text
from tests.arabic_forms import masculine_forms

SCREENING = load().screening


@pytest.mark.parametrize("kind", ["medicines", "conditions"])
def test_every_alias_names_one_entry(kind: str) -> None:
    entries = getattr(SCREENING, kind)
    owners: dict[str, list[str]] = {}
    for entry in entries:
        for alias in {normalise(a) for a in entry.aliases}:
            owners.setdefault(alias, []).append(entry.code)
    assert {alias: codes for alias, codes in owners.items() if len(codes) > 1} == {}


@pytest.mark.parametrize("kind", ["medicines", "conditions"])
def test_no_whole_entry_alias_is_shadowed_by_another_entry(kind: str) -> None:
    """A whole-entry alias that mentions another entry's alias would be read as that entry (or hide it)."""
    entries = getattr(SCREENING, kind)
    clashes = [
        (alias, other.code, theirs)
        for entry in entries
        if entry.matched == "whole_entry"
        for alias in entry.aliases
        for other in entries
        if other is not entry
        for theirs in other.aliases
        if mentions(alias, theirs) or (other.matched == "mentioned" and mentions(theirs, alias))
    ]
    assert clashes == []


def test_the_recognised_entries_are_sourced_and_their_arabic_is_neutral() -> None:
    rules = [r for r in SCREENING.rules if "no_concern" in r.drug_classes or r.decision.value == "proceed"]
    texts: list[Text] = [r.reason for r in rules]
    texts += [
        r.reason for r in SCREENING.rules if r.id in ("asthma_reliever_at_hand", "blood_pressure_measured")
    ]
    assert len(texts) == 4
    assert all(masculine_forms(text.ar) == [] for text in texts)
    whole = [*(m for m in SCREENING.medicines if m.matched == "whole_entry"), *SCREENING.conditions]
    assert all(entry.sources for entry in whole)


def test_a_no_concern_medicine_matched_by_mention_is_refused() -> None:
    with pytest.raises(ValidationError, match="whole entry"):
        Medicine.model_validate(
            {
                "code": "x",
                "name": {"en": "X", "ar": "س"},
                "aliases": ["x"],
                "drug_class": "no_concern",
                "sources": [{"publication": "p"}],
            }
        )


def test_a_condition_screening_below_an_unknown_one_matched_by_mention_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "screening.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - code: hay_fever")
    entry = text.index("    matched: whole_entry\n", start)
    path.write_text(
        text[:entry] + text[entry:].replace("    matched: whole_entry\n", "", 1), encoding="utf-8"
    )
    with pytest.raises(KnowledgeError, match="hay_fever: screens below an unknown condition"):
        load_from(copy)
