from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

from mesosafe.checkins.alerts import late_alerts
from mesosafe.lib import dbdown
from mesosafe.lib.problems import Problem, for_api
from mesosafe.workers.health import last_beat, worker_alive


def healthz(request: HttpRequest) -> JsonResponse:
    """A bare Django JSON view: liveness probe, and the ceiling the check-in benchmark compares against."""
    return JsonResponse({"status": "ok"})


def healthz_worker(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 while a background worker beats and staff alerts go out; 503 when none has beaten
    for two minutes (reminders and staff alerts have stopped), or when urgent check-ins' alerts are late
    (`alerts_late`: a mail server refusing, nobody to e-mail; the clinic pages say which)."""
    seen = last_beat()
    late = late_alerts()
    status = "down" if not worker_alive(seen) else "alerts_late" if late else "ok"
    body = {"status": status, "last_beat": seen.isoformat() if seen else None, "alerts_late": late}
    return JsonResponse(body, status=200 if status == "ok" else 503)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """API paths answer problem+json; pages keep Django's (or their templates') 404 page."""
    return Problem(404).response() if for_api(request) else defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while handling the uncaught exception. A database that cannot be reached is a 503
    with Retry-After (the client should retry, and a retry with its Idempotency-Key is safe), not a 500."""
    if dbdown.unreachable(sys.exc_info()[1]):
        return unavailable(request)
    if for_api(request):
        return Problem(500, "unexpected server error; retry later").response()
    return defaults.server_error(request)


def unavailable(request: HttpRequest) -> HttpResponse:
    detail = "the database is unavailable; retry after the time in Retry-After"
    if for_api(request):
        response = Problem(503, detail).response()
    else:
        # A plain page in both languages, rendered without the request: its context (session, user) is
        # in the database that is down.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(dbdown.RETRY_AFTER_S)
    return response
