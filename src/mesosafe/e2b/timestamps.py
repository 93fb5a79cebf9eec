"""HL7 v3 timestamps (TS): YYYYMMDD for dates, YYYYMMDDHHMMSS±ZZZZ for moments."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# CCYY[MM[DD[hh[mm[ss[.UUUU]]]]]][±ZZzz]: a TS at any precision
_TS = re.compile(
    r"^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d+)?)?)?)?)?)?([+-]\d{4})?$"
)


def ts_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def ts_moment(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.strftime("%Y%m%d%H%M%S%z")


def ts_problem(value: str) -> str | None:
    """Why `value` is no HL7 TS (at any precision), or None when it is one: '20260230' names no day."""
    match = _TS.match(value)
    if match is None:
        return "not an HL7 timestamp (CCYY[MM[DD[hhmm[ss]]]][±ZZzz])"
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        return "not on the calendar (no such day or time)"
    if zone and (int(zone[1:3]) > 23 or int(zone[3:]) > 59):
        return "not a time zone offset (±hhmm)"
    return None


def parse_date(value: str | None) -> date | None:
    """The day of a TS, or None when it is absent or less precise than a day (e.g. '2024' or '202403')."""
    if not value or len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def parse_moment(value: str | None) -> datetime | None:
    """A TS to the second (with its offset when given, else UTC); a date-only TS is midnight UTC."""
    day = parse_date(value)
    if day is None or value is None:
        return None
    digits, offset = _split_offset(value)
    hour, minute, second = (int(digits[i : i + 2] or 0) for i in (8, 10, 12))
    try:
        moment = datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:
        return None
    return moment.replace(tzinfo=offset)


def parse_time(value: str | None) -> datetime | None:
    """The moment of a TS that gives a time of day (the hour or finer); None for a date alone."""
    if not value or len(_split_offset(value)[0]) <= 8:
        return None
    return parse_moment(value)


def _split_offset(value: str) -> tuple[str, timezone]:
    for sign in ("+", "-"):
        if sign in value:
            digits, zone = value.split(sign, 1)
            zone = zone[:4].ljust(4, "0")
            if zone.isdigit():
                minutes = int(zone[:2]) * 60 + int(zone[2:])
                delta = timedelta(minutes=minutes if sign == "+" else -minutes)
                return digits.split(".")[0], timezone(delta)
    return value.split(".")[0], UTC
