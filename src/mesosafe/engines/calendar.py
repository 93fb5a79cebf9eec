"""Export an aftercare plan as an RFC 5545 iCalendar file that common calendar apps import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from mesosafe.engines.results import AftercarePlan
from mesosafe.knowledge import Lang
from mesosafe.texts import gettext_noop, translate

# In the translation catalogue, like every text a patient reads
CHECKIN_TITLE = gettext_noop("mesosafe check-in: how is your skin?")
CHECKIN_TEXT = gettext_noop("Open your mesosafe link and answer a few questions about how you are healing.")


def _portable(moment: datetime) -> datetime:
    """Named zones travel with a VTIMEZONE; a bare UTC offset has no TZID, so it is written in UTC."""
    return moment if isinstance(moment.tzinfo, ZoneInfo) else moment.astimezone(UTC)


def to_ics(plan: AftercarePlan, lang: Lang = Lang.EN, link: str | None = None) -> bytes:
    title, text = translate(CHECKIN_TITLE, lang), translate(CHECKIN_TEXT, lang)
    calendar = Calendar()
    calendar.add("prodid", "-//mesosafe//aftercare//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "mesosafe aftercare")
    stamp = plan.treated_at
    uid_base = plan.treated_at.isoformat()
    for item in plan.items:
        event = Event()
        event.add("uid", f"{item.code}-{uid_base}@mesosafe")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", _portable(item.starts_at))
        event.add("dtend", _portable(item.ends_at))
        event.add("summary", item.title[lang])
        event.add("description", item.text[lang])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for due in plan.checkins:
        event = Event()
        event.add("uid", f"checkin-day{due.day:g}-{uid_base}@mesosafe")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", _portable(due.due_at))
        event.add("dtend", _portable(due.due_at + timedelta(minutes=15)))
        event.add("summary", title)
        event.add("description", text + (f"\n{link}" if link else ""))
        if link:
            event.add("url", link)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", timedelta(minutes=0))
        event.add_component(alarm)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics
