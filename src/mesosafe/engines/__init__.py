"""Clinical engines: pure functions of their input and the knowledge base, with reasons and kb_version."""

from mesosafe.engines.aftercare import aftercare
from mesosafe.engines.inputs import CheckIn, InputError, Intake, Medication, SymptomReport, Treatment, parse
from mesosafe.engines.screening import screen
from mesosafe.engines.triage import triage

__all__ = [
    "CheckIn",
    "InputError",
    "Intake",
    "Medication",
    "SymptomReport",
    "Treatment",
    "aftercare",
    "parse",
    "screen",
    "triage",
]
