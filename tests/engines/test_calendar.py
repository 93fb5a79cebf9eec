from icalendar import Calendar

from mesosafe.engines import Treatment, aftercare, calendar, parse
from mesosafe.engines.calendar import to_ics
from mesosafe.knowledge import Lang
from tests.arabic_forms import arabic_of, masculine_forms


def _calendar(time_zone: str | None, lang: Lang = Lang.EN) -> Calendar:
    plan = aftercare(parse(Treatment, {"treated_at": "2026-05-01T15:00:00+04:00", "time_zone": time_zone}))
    return Calendar.from_ical(to_ics(plan, lang, link="https://clinic.example/p/abc/"))


def test_the_ics_round_trips_with_one_event_per_item_and_checkin() -> None:
    calendar = _calendar(None)
    events = calendar.walk("VEVENT")
    assert len(events) == 9 + 7
    assert calendar["VERSION"] == "2.0"
    assert len({str(e["UID"]) for e in events}) == len(events)
    checkins = [e for e in events if "check-in" in str(e["SUMMARY"])]
    assert len(checkins) == 7
    assert checkins[0].walk("VALARM")
    assert str(checkins[0]["URL"]) == "https://clinic.example/p/abc/"


def test_a_named_zone_ships_its_vtimezone() -> None:
    calendar = _calendar("Asia/Dubai")
    assert calendar.walk("VTIMEZONE")
    first = calendar.walk("VEVENT")[0]
    assert first["DTSTART"].dt.hour == 15


def test_arabic_titles() -> None:
    events = _calendar(None, Lang.AR).walk("VEVENT")
    assert str(events[0]["SUMMARY"]) == "كمادات باردة"


def test_arabic_calendar_texts_address_a_woman_as_well_as_a_man() -> None:
    texts = arabic_of(calendar)
    assert len(texts) >= 2  # the check-in event's title and description
    assert {name: forms for name, text in texts.items() if (forms := masculine_forms(text))} == {}
