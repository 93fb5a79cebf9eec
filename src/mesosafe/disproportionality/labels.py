"""Product and event names: how spellings become one name, and the integer codes the counting joins on.

By default (``names="normalised"``) a name is trimmed, its inner runs of whitespace become one space, it is
put in Unicode NFC and lower-cased, so " A ", "a" and "A" are one product. With ``names="as-written"``
every spelling is its own name (openEBGM's ``processRaw`` does no normalisation). Either way a name that
is empty or only whitespace is blank, which is an error in the input.

The normalisation runs here, in Python, over the distinct spellings only, for both engines: DuckDB and
Spark join the long table to the same code tables, so they cannot normalise differently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from mesosafe.disproportionality import arrow

Names = Literal["normalised", "as-written"]
NAMES: tuple[Names, ...] = ("normalised", "as-written")
DESCRIPTION = {
    "normalised": "trimmed, inner whitespace collapsed to one space, Unicode NFC, lower-cased",
    "as-written": "as written (every spelling is its own name)",
}


def normalise(label: str) -> str:
    """Trim, collapse inner whitespace (any Unicode white space) to one space, NFC, lower-case."""
    spaced = " ".join(label.split())
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", spaced).lower())


def is_blank(label: str | None) -> bool:
    return label is None or not label.strip() or normalise(label) == ""


@dataclass(frozen=True)
class LabelCodes:
    """``codes``: (label, code), one row per spelling; ``names``: (code, name), one row per name.

    Codes are 1, 2, … in the sorted order of the names, so ordering by code is ordering by name.
    """

    codes: pa.Table
    names: pa.Table


def label_codes(spellings: list[str], names: Names = "normalised") -> LabelCodes:
    """The code tables for the distinct spellings of one column (none of them blank)."""
    named = [normalise(s) for s in spellings] if names == "normalised" else list(spellings)
    ordered = sorted(set(named))
    code_of = {name: code for code, name in enumerate(ordered, start=1)}
    return LabelCodes(
        codes=arrow.table(
            {"label": arrow.strings(spellings), "code": arrow.integers([code_of[n] for n in named], np.int32)}
        ),
        names=arrow.table(
            {"code": arrow.integers(range(1, len(ordered) + 1), np.int32), "name": arrow.strings(ordered)}
        ),
    )


@dataclass(frozen=True)
class Labels:
    """The code tables of the products and the events of one long table."""

    products: LabelCodes
    events: LabelCodes
    names: Names

    def tables(self) -> dict[str, pa.Table]:
        """The four tables the counting SQL joins, by the names it uses."""
        return {
            "product_codes": self.products.codes.rename_columns(["product", "pid"]),
            "product_names": self.products.names.rename_columns(["pid", "product"]),
            "event_codes": self.events.codes.rename_columns(["event", "eid"]),
            "event_names": self.events.names.rename_columns(["eid", "event"]),
        }
