from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """A bare Django JSON view: liveness probe, and the ceiling the check-in benchmark compares against."""
    return JsonResponse({"status": "ok"})
