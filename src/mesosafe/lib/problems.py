"""RFC 9457 problem details: the one error shape of the API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"  # paths under it answer problem+json; every other path is a page


def for_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


@dataclass
class Problem(Exception):
    status: int
    detail: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    title: str = ""

    def __post_init__(self) -> None:
        self.title = self.title or HTTPStatus(self.status).phrase

    def body(self) -> dict[str, object]:
        return {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "errors": self.errors,
        }

    def response(self) -> HttpResponse:
        return HttpResponse(json.dumps(self.body()), status=self.status, content_type=CONTENT_TYPE)


def field_problem(field_name: str, message: str, status: int = 422) -> Problem:
    return Problem(status, f"{field_name}: {message}", [{"field": field_name, "message": message}])


def not_found() -> Problem:
    return Problem(404)
