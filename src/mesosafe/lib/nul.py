"""PostgreSQL refuses NUL characters in text; requests carrying one are refused up front, naming the field.

`RefuseNul` looks at what every request carries (path, query, headers). A query parameter holding a NUL or
another control character (`engines.inputs.CONTROLS`; only a hand-made address has one) is a 400 naming the
parameter: a plain page in both languages on pages (it runs before the pages' middleware, so before any
view or URL resolution could answer it otherwise); under /api/ the API judges its query itself, after
authentication (`query_problem`, called from `api/main`), so a client without credentials gets 401 whatever
its query. A NUL or control character in the path (a line break or a tab too: `PATH_CONTROLS`), or in a
header's value (NUL, C0 but tab, DEL: `HEADER_CONTROLS`), is a 400 naming "(path)" or the header:
problem+json under /api/, before authentication (the request is malformed, whoever sends it); elsewhere a
plain page in both languages, naming the path or the header. The pages' forms refuse a NUL in a field
themselves, and the API's parser looks through the JSON it has read (`find_nul`), whatever the body's
Content-Type said."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader

from mesosafe.engines.inputs import CONTROLS
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


QUERY_CONTROL = "must not contain NUL or other control characters"


def _unreadable(text: str) -> bool:
    return not CONTROLS.isdisjoint(text)


def query_problem(request: HttpRequest) -> Problem | None:
    """The first query parameter whose name or a value holds a NUL or control character, named without
    them. The API judges its query after authentication (`api/main`), so it calls this itself."""
    for name, values in request.GET.lists():
        if _unreadable(name) or any(_unreadable(v) for v in values):
            shown = _without_controls(name) or "(query)"
            return field_problem(shown, QUERY_CONTROL, status=400)
    return None


# What a header value must not hold: NUL, the other C0 controls but tab, DEL (RFC 9110 §5.5 allows no other
# control in a field value). Bytes 0x80–0x9F are not judged: a WSGI server reads a header's bytes as Latin-1,
# so UTF-8 text in a cookie or a Referer shows them.
HEADER_CONTROLS = frozenset(map(chr, [*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F]))
# What a path must not hold: any control character, a line break or a tab too (text may hold those, an
# address never does: the URL standard strips them from what is typed or linked)
PATH_CONTROLS = CONTROLS | HEADER_CONTROLS | {"\t"}


def _without_controls(text: str) -> str:
    return "".join(c for c in text if c not in PATH_CONTROLS)


class Refusal(NamedTuple):
    problem: Problem  # the API's answer
    template: str  # the pages' answer, naming `shown`
    shown: str


def _refusal(request: HttpRequest) -> Refusal | None:
    if not PATH_CONTROLS.isdisjoint(request.path):
        return Refusal(field_problem("(path)", QUERY_CONTROL, status=400), "400_query.html", request.path)
    if not for_api(request) and (query := query_problem(request)):
        return Refusal(query, "400_query.html", query.errors[0]["field"])
    for name, value in request.headers.items():
        if not HEADER_CONTROLS.isdisjoint(value):
            return Refusal(field_problem(name, QUERY_CONTROL, status=400), "400_header.html", name)
    return None


class RefuseNul:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # a page's query with too many parameters raises TooManyFieldsSent here: Django's own 400 page (the
        # plain page here speaks of a control character)
        refused = _refusal(request)
        if refused is None:
            return self.get_response(request)
        return refused.problem.response() if for_api(request) else _page(refused.template, refused.shown)


def too_many_parameters() -> Problem:
    """The API's answer where Django refuses a query of more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters
    (its own bare HTML 400 page otherwise)."""
    too_many = f"has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parameters"
    return field_problem("(query)", too_many, status=400)


def _page(template: str, name: str) -> HttpResponse:
    """A plain 400 page in both languages naming the part of the request (query parameter, path, header)
    without its control characters, rendered without the request: the session and language middleware have
    not run."""
    shown = _without_controls(name)
    return HttpResponse(loader.render_to_string(template, {"parameter": shown}), status=400)
