"""Strata: how stratum values become strata, and what about them deserves a warning.

Stratum values are names like products and events: with ``names="normalised"`` (the default) they are
normalised by ``labels.normalise``, so ``F`` and ``f`` are one stratum; with ``"as-written"`` every spelling
is its own stratum (openEBGM's behaviour). A stratum is never dropped, but two things are said (stderr and
the run record), because both silently pull E towards N:

* a value that looks like a missing-value code (:data:`MISSING_CODES`, compared after normalising):
  it is counted as a stratum of its own, which is rarely what "unknown" means;
* strata with fewer than :data:`SMALL_STRATUM` reports: in a stratum of one report every pair of that
  report has E = N there, so a small stratum absorbs the disproportionality of its pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mesosafe.disproportionality.labels import Names, normalise

MISSING_CODES = frozenset({"", "na", "n/a", "unknown", "not available", "null", "none", "-"})
SMALL_STRATUM = 10  # reports; a stratum below this is named in a warning
SEPARATOR = "|"  # the long table's stratum key joins several columns' values with it (reading.py)
SHOWN = 5  # small strata named in the warning, the largest share first


def _reports(count: int) -> str:
    return f"{count} report{'' if count == 1 else 's'}"


def stratum_name(spelling: str, names: Names) -> str:
    return normalise(spelling) if names == "normalised" else spelling


def stratum_names(spellings: Sequence[str], names: Names) -> dict[str, str]:
    """Each spelling's stratum (several spellings may share one)."""
    return {spelling: stratum_name(spelling, names) for spelling in spellings}


@dataclass(frozen=True)
class Strata:
    """The strata of a run's reports: the stratum columns and the number of reports in each stratum."""

    columns: tuple[str, ...]
    reports: dict[str, int]

    @classmethod
    def from_spellings(cls, columns: Sequence[str], reports: Mapping[str, int], names: Names) -> Strata:
        """From the reports per stratum key as read (a report has one key: checked when reading)."""
        merged: dict[str, int] = {}
        for spelling, count in reports.items():
            name = stratum_name(spelling, names)
            merged[name] = merged.get(name, 0) + count
        return cls(tuple(columns), dict(sorted(merged.items())))

    @property
    def total(self) -> int:
        return sum(self.reports.values())

    def warnings(self) -> list[str]:
        return [*self._missing_codes(), *self._small_strata()]

    def record(self) -> dict[str, Any]:
        return {"strata_reports": self.reports, "strata_warnings": self.warnings()}

    def _values(self, stratum: str) -> list[tuple[str, str]]:
        """(column, value) of a stratum key; a key whose values hold the separator is taken whole."""
        parts = stratum.split(SEPARATOR) if len(self.columns) > 1 else [stratum]
        if len(parts) != len(self.columns):
            return [(", ".join(self.columns), stratum)]
        return list(zip(self.columns, parts, strict=True))

    def _missing_codes(self) -> list[str]:
        found: dict[tuple[str, str], int] = {}
        for stratum, count in self.reports.items():
            for column, value in self._values(stratum):
                if normalise(value) in MISSING_CODES:
                    found[column, value] = found.get((column, value), 0) + count
        return [
            f"stratum column {column!r} has the value {value!r} ({_reports(count)}), which looks like a "
            "missing-value code: it is counted as a stratum of its own, not as unknown (recode it, or "
            "leave those reports out, if it means missing)"
            for (column, value), count in found.items()
        ]

    def _small_strata(self) -> list[str]:
        small = sorted(
            ((s, c) for s, c in self.reports.items() if c < SMALL_STRATUM),
            key=lambda item: (-item[1], item[0]),
        )
        if not small:
            return []
        held = sum(count for _, count in small)
        shown = ", ".join(f"{stratum!r} ({count})" for stratum, count in small[:SHOWN])
        more = f" and {len(small) - SHOWN} more" if len(small) > SHOWN else ""
        return [
            f"{len(small)} of the {len(self.reports)} strata have fewer than {SMALL_STRATUM} reports: "
            f"{shown}{more}, holding {held} of the {self.total} reports ({100 * held / self.total:.1f}%); "
            "within a stratum of few reports E is close to N, so those reports' signals are absorbed "
            "(merge such strata, or leave them out)"
        ]


class Stratified(Protocol):
    """A long table that counts its reports per stratum key (``LongTable``, Spark's ``SparkLong``)."""

    def stratum_reports(self) -> dict[str, int]: ...


def strata_of(long: Stratified, columns: Sequence[str], names: Names) -> Strata | None:
    """The strata of a run's long table, or None for a run without stratum columns."""
    if not columns:
        return None
    return Strata.from_spellings(columns, long.stratum_reports(), names)
