"""PostgreSQL refuses NUL characters in text; requests carrying one are refused up front, naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from mesosafe.lib.problems import Problem, field_problem


def find_nul(value: Any, path: str = "") -> str | None:
    """The field path of the first string (or key) holding a NUL character, e.g. 'symptoms[0].code'."""
    if isinstance(value, str):
        return (path or "(body)") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            if found := find_nul(item, child):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := find_nul(item, f"{path}[{index}]"):
                return found
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
    # JSON can only carry a NUL as the escape \u0000 (a raw one is already invalid JSON)
    if request.content_type == "application/json" and b"\\u0000" in request.body:
        try:
            field = find_nul(json.loads(request.body))
        except ValueError:
            return None  # malformed JSON: the API's parser answers it
        if field:
            return field_problem(field, "must not contain NUL characters")
    return None


class RefuseNul:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = _problem(request)
        return problem.response() if problem else self.get_response(request)
