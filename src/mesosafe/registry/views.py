"""The registry page: safety across all clinics, for users allowed to see it (permission view_registry)."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mesosafe.registry import services
from mesosafe.registry.models import RegistryReport
from mesosafe.registry.tasks import build_registry_report

ALLOWED = "registry.view_registry"


@never_cache
@login_required(login_url="clinicui:login")
@permission_required(ALLOWED, raise_exception=True)
def home(request: HttpRequest) -> HttpResponse:
    latest = RegistryReport.objects.first()
    funnels = services.FUNNELS if latest and latest.status == RegistryReport.Status.DONE else []
    context = {"report": latest, "funnels": funnels, "downloads": services.DOWNLOADS if funnels else []}
    return render(request, "registry/home.html", context)


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
    if name.endswith(".html"):  # the summary is ours, but keep it from running anything in our origin
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
    return response
