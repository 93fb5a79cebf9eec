"""The patient's link as a whole address, for pages that show it and emails that carry it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from mesosafe.treatments.models import link_path


def link_url(token: str, request: HttpRequest | None = None) -> str:
    """The patient's link: whole when MESOSAFE_BASE_URL is set; otherwise as `request` reached this server
    (a page showing it), or the bare path (an email sent by the worker, which has no request)."""
    url = settings.MESOSAFE_BASE_URL + link_path(token)
    return request.build_absolute_uri(url) if request is not None and not url.startswith("http") else url
