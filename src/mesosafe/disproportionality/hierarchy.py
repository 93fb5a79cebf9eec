"""Rolling events up a term hierarchy (MedDRA-like: PT → HLT → HLGT → SOC) given by the user.

MedDRA is licensed, so none ships with mesosafe: the user gives a CSV (``,``; ``.tsv``: tab) with the
columns ``PT``, ``HLT``, ``HLGT``, ``SOC`` (any case; one row per path; an optional ``LLT`` column, and
then events are matched on it — E2B(R3) reactions are coded at the LLT). Each event is matched on the
``PT`` (or ``LLT``) column and replaced by its term at the chosen level, so a report naming two PTs of
one HLT counts once for that HLT. A term linked to several higher-level terms (MedDRA is multiaxial)
counts once under each of them; give only primary paths to count under the primary SOC alone.

The roll-up rewrites the events' code tables (``labels``), which both engines join in the counting
step: nothing else changes. Names are matched as the run reads them (``--names``): normalised on both
sides by default, exactly as written with ``as-written``. An event the file does not have is an error.
"""

from __future__ import annotations

import csv
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from mesosafe.disproportionality import arrow
from mesosafe.disproportionality.files import csv_header, delimiter, text_lines
from mesosafe.disproportionality.labels import LabelCodes, Labels, Names, is_blank, normalise
from mesosafe.lib.analysis_input import AnalysisInputError

Level = Literal["pt", "hlt", "hlgt", "soc"]
LEVELS: tuple[Level, ...] = ("pt", "hlt", "hlgt", "soc")
COLUMNS = ("pt", "hlt", "hlgt", "soc")


@dataclass(frozen=True)
class Rollup:
    """``--hierarchy FILE --event-level LEVEL``."""

    path: Path
    level: Level = "pt"


@dataclass(frozen=True)
class Hierarchy:
    matched_on: str  # "pt", or "llt" when the file has an LLT column
    terms: dict[str, set[str]]  # an event's key (as --names reads it) → its terms at the level
    rows: int


def read_hierarchy(rollup: Rollup, names: Names = "normalised") -> Hierarchy:
    """The hierarchy file, checked: the columns are there and no cell of them is blank."""
    path = rollup.path
    if not path.is_file():
        raise AnalysisInputError(f"hierarchy file {str(path)!r} (--hierarchy) does not exist")
    if rollup.level not in LEVELS:
        raise AnalysisInputError(f"--event-level must be one of {', '.join(LEVELS)}, not {rollup.level!r}")
    header = [name.lower() for name in csv_header(path)]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise AnalysisInputError(
            f"hierarchy file {str(path)!r} has no column {missing[0].upper()!r}; it needs PT, HLT, HLGT, SOC "
            f"(and may have LLT); its header has: {', '.join(csv_header(path))}"
        )
    matched_on = "llt" if "llt" in header else "pt"
    key_at, term_at = header.index(matched_on), header.index(rollup.level)
    needed = sorted({header.index(c) for c in (*COLUMNS, matched_on)})
    key = normalise if names == "normalised" else (lambda text: text)
    terms: dict[str, set[str]] = {}
    rows = 0
    lines = text_lines(path)
    with closing(lines):
        reader = csv.reader(lines, delimiter=delimiter(path))
        next(reader, None)
        try:
            for line, cells in enumerate(reader, start=2):
                if not cells:
                    continue
                for index in needed:
                    if index >= len(cells) or is_blank(cells[index]):
                        raise AnalysisInputError(
                            f"hierarchy file {str(path)!r} line {line}, column {header[index].upper()!r} "
                            "is blank"
                        )
                terms.setdefault(key(cells[key_at]), set()).add(key(cells[term_at]))
                rows += 1
        except csv.Error as exc:
            raise AnalysisInputError(f"cannot read hierarchy file {str(path)!r}: {exc}") from exc
    if not rows:
        raise AnalysisInputError(f"hierarchy file {str(path)!r} has no rows")
    return Hierarchy(matched_on, terms, rows)


def roll_up(labels: Labels, hierarchy: Hierarchy, rollup: Rollup) -> Labels:
    """The labels with each event spelling coded as its term(s) at the level (codes in name order)."""
    names = labels.events.names.column("name").to_pylist()
    codes = labels.events.codes
    name_of = dict(zip(labels.events.names.column("code").to_pylist(), names, strict=True))
    unmatched = sorted({name for name in names if name not in hierarchy.terms})
    if unmatched:
        shown = ", ".join(repr(n) for n in unmatched[:3]) + (", …" if len(unmatched) > 3 else "")
        raise AnalysisInputError(
            f"{len(unmatched)} event{'s are' if len(unmatched) > 1 else ' is'} not in the "
            f"{hierarchy.matched_on.upper()} column of the hierarchy file {str(rollup.path)!r}: {shown} "
            f"(--hierarchy, --event-level {rollup.level}); the file must cover every event"
        )
    ordered = sorted({term for name in names for term in hierarchy.terms[name]})
    code_of = {term: code for code, term in enumerate(ordered, start=1)}
    spellings, new_codes = [], []
    for label, code in zip(codes.column("label").to_pylist(), codes.column("code").to_pylist(), strict=True):
        for term in sorted(hierarchy.terms[name_of[code]]):
            spellings.append(label)
            new_codes.append(code_of[term])
    events = LabelCodes(
        codes=arrow.table({"label": arrow.strings(spellings), "code": arrow.integers(new_codes, np.int32)}),
        names=arrow.table(
            {"code": arrow.integers(range(1, len(ordered) + 1), np.int32), "name": arrow.strings(ordered)}
        ),
    )
    return replace(labels, events=events)
