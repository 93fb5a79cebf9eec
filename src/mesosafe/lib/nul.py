"""PostgreSQL refuses NUL characters in text; requests carrying one are refused up front, naming the field.

`RefuseNul` looks at what every request carries (path, query, headers), answering problem+json under /api/
and the not-found page elsewhere; the pages' forms refuse a NUL in a
field themselves, and the API's parser looks through the JSON it has read (`find_nul`), whatever the body's
Content-Type said."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults

from mesosafe.lib import jsonbody
from mesosafe.lib.problems import Problem, field_problem, for_api


def find_nul(value: Any) -> str | None:
    """The field path of the first string (or key) holding a NUL character, e.g. 'symptoms[0].code'."""
    for trail, item in jsonbody.walk(value):
        if isinstance(item, str) and "\x00" in item:
            return jsonbody.name(trail)
        if isinstance(item, dict):
            for key in item:
                if "\x00" in str(key):
                    return jsonbody.name((trail, key)).replace("\x00", "")
    return None


def _problem(request: HttpRequest) -> Problem | None:
    if "\x00" in request.path:
        return Problem(404)
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            return field_problem(name.replace("\x00", ""), "must not contain NUL characters")
    for name, value in request.headers.items():
        if "\x00" in value:
            return field_problem(name, "must not contain NUL characters")
    return None


class RefuseNul:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = _problem(request)
        if problem is None:
            return self.get_response(request)
        if for_api(request):
            return problem.response()
        # No form sends a NUL: a page asked for with one was not asked for by a person; it is not found
        return defaults.page_not_found(request, Http404())
