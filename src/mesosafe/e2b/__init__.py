"""ICH E2B(R3) individual case safety reports: one model, its XML writer and reader, and the guide's rules.

No Django here: the clinic's complication export and the registry's reader both build on it.
"""

from mesosafe.e2b.model import (
    Case,
    Causality,
    Drug,
    E2BError,
    Header,
    Patient,
    Reaction,
    Reporter,
    Sender,
    latest_versions,
)
from mesosafe.e2b.reader import read
from mesosafe.e2b.writer import write, write_batch

__all__ = [
    "Case",
    "Causality",
    "Drug",
    "E2BError",
    "Header",
    "Patient",
    "Reaction",
    "Reporter",
    "Sender",
    "latest_versions",
    "read",
    "write",
    "write_batch",
]
