"""PostgreSQL refuses NUL characters in text; requests carrying one are refused up front, naming the field.

`RefuseNul` looks at what every request carries (path, query, headers). A query parameter holding a NUL or
another control character (`engines.inputs.CONTROLS`; only a hand-made address has one) is a 400 naming the
parameter: a plain page in both languages on pages (it runs before the pages' middleware, so before any
view or URL resolution could answer it otherwise); under /api/ the API judges its query itself, after
authentication (`query_problem`, called from `api/main`), so a client without credentials gets 401 whatever
its query. A NUL in the path is a 404
(the path names no parameter), in a header a 422 naming it. The pages' forms refuse a NUL in a field
themselves, and the API's parser looks through the JSON it has read (`find_nul`), whatever the body's
Content-Type said."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

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
            shown = "".join(c for c in name if c not in CONTROLS) or "(query)"
            return field_problem(shown, QUERY_CONTROL, status=400)
    return None


def _problem(request: HttpRequest) -> Problem | None:
    if "\x00" in request.path:
        return Problem(404)
    if not for_api(request) and (query := query_problem(request)):
        return query
    for name, value in request.headers.items():
        if "\x00" in value:
            return field_problem(name, "must not contain NUL characters")
    return None


class RefuseNul:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # a page's query with too many parameters raises TooManyFieldsSent here: Django's own 400 page (the
        # plain page here speaks of a control character)
        problem = _problem(request)
        if problem is None:
            return self.get_response(request)
        if for_api(request):
            return problem.response()
        if problem.status == 400:
            return _bad_query_page(problem.errors[0]["field"])
        # No form sends a NUL in a path or header: such a page was not asked for by a person; not found
        return defaults.page_not_found(request, Http404())


def too_many_parameters() -> Problem:
    """The API's answer where Django refuses a query of more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters
    (its own bare HTML 400 page otherwise)."""
    too_many = f"has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parameters"
    return field_problem("(query)", too_many, status=400)


def _bad_query_page(name: str) -> HttpResponse:
    """A plain page in both languages naming the parameter, rendered without the request: the session and
    language middleware have not run."""
    return HttpResponse(loader.render_to_string("400_query.html", {"parameter": name}), status=400)
