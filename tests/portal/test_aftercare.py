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
    assert "ما انتهى (" in page  # treated 2 days ago: the 24 h items have ended


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


def test_what_applies_now_comes_first_and_ended_items_fold_below(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    """Treated 3 days ago: the 24 h and 48 h items have ended; they come after the current ones, folded."""
    case = make_case(days_ago=3)
    page = client.get(case.url("aftercare/")).content.decode()
    folded = page.index('<details class="ended"')
    current = page[: page.index("<details")]
    ended = page[folded : page.index("</details>")]
    assert "step-now" in current and "step-done" not in current
    assert "step-done" in ended and "step-now" not in ended and "step-later" not in ended
    if "step-later" in current:
        assert current.rindex("step-now") < current.index("step-later")
    for item in load().aftercare.items:
        title = item.title.en.replace("'", "&#x27;")
        over = item.starts_after_hours + item.lasts_hours < 72
        assert title in (ended if over else current), title
    assert f"What has ended ({ended.count('<li')})" in ended


def test_now_first_orders_now_later_then_ended_latest_first() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mesosafe.portal.views.aftercare import Step, _now_first

    t = timezone.now()

    def step(title: str, start: int, end: int, state: str) -> Step:
        return Step(title, "", t + timedelta(hours=start), t + timedelta(hours=end), 0, 0, state)

    steps = [
        step("done early", -48, -24, "done"),
        step("done late", -48, -2, "done"),
        step("later", 10, 40, "later"),
        step("now long", -10, 100, "now"),
        step("now short", -10, 5, "now"),
    ]
    current, ended = _now_first(steps)
    assert [s.title for s in current] == ["now short", "now long", "later"]
    assert [s.title for s in ended] == ["done late", "done early"]
