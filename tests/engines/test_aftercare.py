from datetime import datetime, timedelta

from mesosafe.engines import Treatment, aftercare, parse
from mesosafe.knowledge import Lang, load


def plan_for(treated_at: str, time_zone: str | None = None):  # type: ignore[no-untyped-def]
    return aftercare(parse(Treatment, {"treated_at": treated_at, "areas": ["face"], "time_zone": time_zone}))


def test_items_are_timed_from_the_session_in_its_offset() -> None:
    plan = plan_for("2026-05-01T15:00:00+04:00")
    items = {item.code: item for item in plan.items}
    # "Avoid touching or massaging treated areas for 24 hours" (seed 000)
    assert items["no_touch"].ends_at - items["no_touch"].starts_at == timedelta(hours=24)
    # "Refrain from heavy exercise, sauna, or hot baths for 48 hours" (seed 000)
    assert items["no_heat_or_exercise"].ends_at == datetime.fromisoformat("2026-05-03T15:00:00+04:00")
    assert items["no_touch"].starts_at.isoformat() == "2026-05-01T15:00:00+04:00"
    assert items["painkillers"].title[Lang.AR]


def test_checkins_follow_the_twelve_week_schedule() -> None:
    plan = plan_for("2026-05-01T15:00:00+04:00")
    assert [c.day for c in plan.checkins] == [1, 3, 7, 14, 28, 56, 84]
    assert plan.checkins[-1].due_at.isoformat() == "2026-07-24T15:00:00+04:00"
    assert plan.kb_version == load().version


def test_a_named_time_zone_keeps_the_local_hour_across_daylight_saving() -> None:
    plan = plan_for("2026-03-27T12:00:00+00:00", "Europe/London")
    due = {c.day: c.due_at for c in plan.checkins}
    assert due[1].hour == due[7].hour == 12
    assert due[1].utcoffset() != due[7].utcoffset()
