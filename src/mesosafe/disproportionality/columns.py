"""The source's columns a run reads: report id, product, event, strata and (optional) report date."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_STRATUM_LEVELS = 10  # openEBGM's max_cats: guards against an uncategorised continuous variable


@dataclass(frozen=True)
class LongColumns:
    """The source's column names for the report id, product, event, strata and (optional) report date."""

    id: str = "id"
    product: str = "product"
    event: str = "event"
    strata: tuple[str, ...] = field(default_factory=tuple)
    date: str | None = None

    def all(self) -> tuple[str, ...]:
        return (self.id, self.product, self.event, *self.strata, *((self.date,) if self.date else ()))
