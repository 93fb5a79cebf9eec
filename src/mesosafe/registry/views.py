"""The registry page: safety across all clinics, for users allowed to see it (permission view_registry)."""

from __future__ import annotations

import mimetypes
from datetime import datetime

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mesosafe.registry import funnels, services
from mesosafe.registry.models import RegistryReport
from mesosafe.registry.tasks import build_registry_report

ALLOWED = "registry.view_registry"
# The report's own documents (summary.html, the funnel SVGs) carry their styles inline, as the CLI writes
# them: opened on their own they get this policy instead of the site's (the middleware keeps a header a view
# set). Their styles apply; no script runs, nothing loads from elsewhere, nothing frames them.
REPORT_DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@never_cache
@login_required(login_url="clinicui:login")
@permission_required(ALLOWED, raise_exception=True)
def home(request: HttpRequest) -> HttpResponse:
    latest = RegistryReport.objects.first()
    context: dict[str, object] = {"report": latest, "funnels": [], "downloads": []}
    if latest is not None:
        context["requested_at"] = _when(latest.requested_at)
    if latest is not None and latest.status == RegistryReport.Status.DONE:
        plots = [funnels.load(services.folder(latest), name) for name in services.FUNNEL_NAMES]
        context["funnels"] = [plot for plot in plots if plot is not None]
        context["downloads"] = services.DOWNLOADS
        context["finished_at"] = _when(latest.finished_at) if latest.finished_at else ""
        # the share of treatments with a suspected infection: 2 of 12 is 16.7%
        if latest.treatments:
            context["baseline"] = funnels.percent(latest.infections / latest.treatments)
    return render(request, "registry/home.html", context)


def _when(moment: datetime) -> str:
    """A date and time in the service's time zone (TIME_ZONE), in the page's language, with the zone
    named: "5 December 2026, 11:23 (Asia/Dubai)"."""
    zone = timezone.get_default_timezone()  # the service's zone, whatever zone a clinic page activated
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, 'j F Y, H:i')} ({timezone.get_default_timezone_name()})"


@never_cache
@login_required(login_url="clinicui:login")
@permission_required(ALLOWED, raise_exception=True)
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The report's status, polled by the page while the worker builds it (htmx: the page reloads itself
    once the report is done or has failed)."""
    report = get_object_or_404(RegistryReport, pk=pk)
    response = JsonResponse({"id": report.pk, "status": report.status})
    if request.headers.get("HX-Request") and report.status != RegistryReport.Status.QUEUED:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@login_required(login_url="clinicui:login")
@permission_required(ALLOWED, raise_exception=True)
def request_report(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    report = RegistryReport.objects.create(requested_by=request.user)
    transaction.on_commit(lambda: build_registry_report.enqueue(report.pk))
    return redirect("registry:home")


@never_cache
@login_required(login_url="clinicui:login")
@permission_required(ALLOWED, raise_exception=True)
def report_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    report = get_object_or_404(RegistryReport, pk=pk, status=RegistryReport.Status.DONE)
    if name not in services.FUNNELS + services.DOWNLOADS:
        raise Http404
    path = services.folder(report) / name
    if not path.is_file():
        raise Http404
    services.record_case_view(report, name, request.user)  # the alerts name treatments: who saw them
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    if name.endswith((".html", ".svg")):
        response["Content-Security-Policy"] = REPORT_DOCUMENT_POLICY
    return response
