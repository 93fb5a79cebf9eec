"""What a typed measurement or amount can plausibly be, in one place for the engine, the API, the patients'
and the clinic's forms. These bound a reading, not a clinical judgement (the fever threshold and every other
threshold are knowledge-base data): outside them the value was mistyped (a °F reading, a missing decimal
point, 99,999 ml), and the field says so instead of storing it."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Range(NamedTuple):
    low: Decimal
    high: Decimal


# Body temperature as a home thermometer reads it: below 32 °C or above 43 °C a reading is a fault or a typo
# (a patient that hot or cold could not fill in a form); the fever threshold (38 °C) and the very low one
# (35 °C) sit well inside. 32-35 °C is mild hypothermia, where people are awake and shivering (Paal P et al.,
# Accidental hypothermia: 2021 update, Int J Environ Res Public Health 2022;19(1):501): a reading there must
# reach the triage (urgent, "measure again"), not be refused as a typo as 33.5 °C was until stop 31.
TEMPERATURE_C = Range(Decimal("32.0"), Decimal("43.0"))
# Volume of one product line of a mesotherapy session, in ml: more than 0, and at most 50 ml (sessions use a
# few ml per product; a whole body session stays far below this).
VOLUME_ML = Range(Decimal("0.01"), Decimal("50"))
