"""{% worker_warning %}: a banner on the clinic pages while no background worker is running."""

from __future__ import annotations

from typing import Any

from django import template

from mesosafe.workers.health import last_beat, worker_alive

register = template.Library()


@register.inclusion_tag("workers/_warning.html")
def worker_warning() -> dict[str, Any]:
    seen = last_beat()
    return {"down": not worker_alive(seen), "seen": seen}
