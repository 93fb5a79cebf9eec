"""Middleware only the pages need (sessions, language, CSRF, login, messages, framing), skipped on the JSON
API: its callers authenticate with a bearer key or link token and get problem+json in English, so that work
bought an API request nothing (a check-in is most of the traffic). And HEAD answered without a body, whoever
built the response; and the request's method on every audit row written while answering it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

from mesosafe.api.main import CACHE_CONTROL, without_body
from mesosafe.audit.services import during_request
from mesosafe.lib.problems import Problem, for_api

Handler = Callable[[HttpRequest], HttpResponseBase]


class AuditMethod:
    """Every audit row written while a request is answered records its HTTP method (`audit.services`)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with during_request(request.method or ""):
            return self.get_response(request)


class HeadWithoutBody:
    """A HEAD's answer keeps GET's status and headers (Content-Length included) but not its body (RFC 9110
    §9.3.2): the refusals of LimitBody and RefuseNul, the 503 page and the pages' views build theirs as for
    GET, and not every server drops it (the API drops its own too, see api.main)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        return without_body(response) if request.method == "HEAD" else response


class NoStoreUnderApiAndLinks:
    """Every answer under /api/ and /p/ (any case: /P/<token>/ is a 404 page whose form holds the token) is
    `private, no-store` unless it chose its own: the refusals below, unrouted API paths and the pages' 404s
    set none."""

    PREFIXES = ("/api/", "/p/")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path_info.lower().startswith(self.PREFIXES) and not response.has_header("Cache-Control"):
            response["Cache-Control"] = CACHE_CONTROL
        return response


class PagesOnly:
    """Runs `settings.PAGE_MIDDLEWARE` around every request but the API's. Their view hooks (CSRF checks
    its tokens in one) are run for the pages as Django runs them for middleware of its own list."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.view_hooks: list[Callable[..., Any]] = []
        self.exception_hooks: list[Callable[..., Any]] = []
        handler = get_response
        for path in reversed(settings.PAGE_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self.view_hooks.insert(0, middleware.process_view)
            if hasattr(middleware, "process_exception"):
                self.exception_hooks.append(middleware.process_exception)
            handler = middleware
        self.pages = handler

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if for_api(request):
            try:
                request.get_host()  # ALLOWED_HOSTS, which CommonMiddleware checks for the pages
            except DisallowedHost:
                return Problem(400, "the Host header names a host this service does not answer to").response()
            return self.get_response(request)
        return self.pages(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        if for_api(request):
            return None
        for hook in self.view_hooks:
            response: HttpResponseBase | None = hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if for_api(request):
            return None
        for hook in self.exception_hooks:
            response: HttpResponseBase | None = hook(request, exception)
            if response is not None:
                return response
        return None
