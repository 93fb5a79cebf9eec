from __future__ import annotations

from django.test import Client
from icalendar import Calendar

from mesosafe.knowledge import load
from tests.pages_fixtures import Case


def test_timeline_lists_every_item_with_its_end(case: Case, client: Client) -> None:
    page = client.get(case.url("aftercare/")).content.decode()
    for item in load().aftercare.items:
        assert item.title.en.replace("'", "&#x27;") in page
    assert "until " in page
    assert "48 hours" in page  # no heavy exercise for 48 h
    assert "Ended " in page and "Done" not in page  # treated 2 days ago: the 24 h items are over
    assert "Add to my calendar" in page and f"/p/{case.token}/aftercare.ics" in page


def test_timeline_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    page = client.get(case.url("aftercare/")).content.decode()
    assert load().aftercare.items[0].title.ar in page
    assert "إضافة إلى تقويمي" in page


def test_calendar_file_has_items_and_checkins(case: Case, client: Client) -> None:
    response = client.get(case.url("aftercare.ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    kb = load()
    assert len(events) == len(kb.aftercare.items) + len(kb.aftercare.checkins.days)
    checkins = [e for e in events if e.get("url")]
    assert len(checkins) == len(kb.aftercare.checkins.days)  # each reminder opens the patient's page
    assert all(str(e["url"]) == f"http://testserver/p/{case.token}/" for e in checkins)
