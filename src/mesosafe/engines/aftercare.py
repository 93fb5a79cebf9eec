"""aftercare(treatment) -> timed plan and check-in schedule, in the treatment's time zone. Pure."""

from __future__ import annotations

from datetime import timedelta

from mesosafe.engines.inputs import Treatment
from mesosafe.engines.results import AftercarePlan, CheckinDue, PlanItem
from mesosafe.knowledge import KnowledgeBase, Lang
from mesosafe.knowledge import load as load_kb


def aftercare(treatment: Treatment, kb: KnowledgeBase | None = None) -> AftercarePlan:
    kb = kb or load_kb()
    start = treatment.local_start()
    items = [
        PlanItem(
            code=item.code,
            title={Lang.EN: item.title.en, Lang.AR: item.title.ar},
            text={Lang.EN: item.text.en, Lang.AR: item.text.ar},
            starts_at=start + timedelta(hours=item.starts_after_hours),
            ends_at=start + timedelta(hours=item.starts_after_hours + item.lasts_hours),
        )
        for item in kb.aftercare.items
    ]
    # Days are added in local wall time (zoneinfo arithmetic), so a reminder keeps its hour across DST.
    checkins = [CheckinDue(day=day, due_at=start + timedelta(days=day)) for day in kb.aftercare.checkins.days]
    return AftercarePlan(treated_at=start, items=items, checkins=checkins, kb_version=kb.version)
