"""The JSON API under /api/v1: one NinjaAPI, errors as application/problem+json (RFC 9457)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from mesosafe.engines.inputs import message_of
from mesosafe.errors import Code, DomainError, field_path
from mesosafe.lib import jsonbody
from mesosafe.lib.nul import find_nul, query_problem, too_many_parameters
from mesosafe.lib.problems import CONTENT_TYPE, Problem, field_problem

# Every answer of the API, whatever it carries: no browser or client cache keeps patient data on disk
CACHE_CONTROL = "private, no-store"

# What the parser (OnceEachParser) and RefuseNul refuse, said in the schema of every text a client sends
# (an ECMA and Python pattern)
NO_NUL = "^[^\\u0000]*$"


def _say_no_nul(node: Any) -> None:
    """Every free-text string in a request schema gets the NUL-free pattern (enums, formats and patterns
    already say what they take)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"enum", "format", "pattern", "const"} & node.keys():
            node["pattern"] = NO_NUL
        for child in node.values():
            _say_no_nul(child)
    elif isinstance(node, list):
        for child in node:
            _say_no_nul(child)


def _request_schemas(schema: dict[str, Any]) -> list[str]:
    """The component schemas a request body uses, followed through their references."""
    components = schema.get("components", {}).get("schemas", {})
    todo = [
        ref
        for operations in schema.get("paths", {}).values()
        for operation in operations.values()
        for ref in _refs(operation.get("requestBody", {}))
    ]
    seen: list[str] = []
    while todo:
        name = todo.pop()
        if name not in seen and name in components:
            seen.append(name)
            todo.extend(_refs(components[name]))
    return seen


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"].rsplit("/", 1)[-1]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for child in node.values() for ref in _refs(child)]
    if isinstance(node, list):
        return [ref for child in node for ref in _refs(child)]
    return []


class NulText(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class OnceEachParser(Parser):
    """UTF-8 JSON bodies in which each object names a key once (`lib/jsonbody`) and no text holds a NUL.

    django-ninja reads every body as JSON whatever its Content-Type says, so the NUL check is here, on what
    was read (PostgreSQL refuses NUL in text). Bytes are decoded as UTF-8 (RFC 8259), where json.loads would
    guess UTF-16 or UTF-32."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        body = request.body
        data = jsonbody.loads(body.decode("utf-8-sig"))
        # JSON carries a NUL only as the escape \u0000 (a raw one is invalid JSON): look only then
        if b"\\u0000" in body and (field := find_nul(data)):
            raise NulText(field)
        return cast(dict[str, Any], data)


def _allowed(allow: str) -> str:
    """A 405's Allow header with HEAD wherever GET is (HEAD is answered as GET), in one order."""
    methods = {method.strip() for method in allow.split(",")}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _not_allowed(request: HttpRequest, response: HttpResponseBase) -> HttpResponse:
    allowed = _allowed(response["Allow"])
    refusal = Problem(405, f"{request.method} is not allowed here: use {allowed}").response()
    refusal["Allow"] = allowed
    return refusal


def _as_get(
    view: Callable[..., HttpResponseBase], request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponseBase:
    """HEAD runs the path's GET operation itself, so authentication, tenancy, the audit of a read and the
    rate limit are GET's (RFC 9110 §9.3.2)."""
    request.method = "GET"
    try:
        return view(request, *args, **kwargs)
    finally:
        request.method = "HEAD"


def without_body(response: HttpResponseBase) -> HttpResponseBase:
    # gunicorn and runserver drop a HEAD response's body too; the API does not rely on the server for it
    if isinstance(response, StreamingHttpResponse):
        response.streaming_content = []
    elif isinstance(response, HttpResponse):
        response.content = b""
    return response


def _written_id(value: object) -> bool:
    """An id in a path as digits only: '1_0', '+1' and ' 1' were read as the ids 10 and 1."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _path_view(view: Callable[..., HttpResponseBase]) -> Any:
    """The PathView a ninja view closes over; None for any other view."""
    return inspect.getclosurevars(view).nonlocals.get("self") if inspect.isfunction(view) else None


def read_parameters(view: Callable[..., HttpResponseBase]) -> frozenset[str] | None:
    """The query parameters the GET operation of a path's view takes (by name as sent, alias included);
    None for a view that is no ninja path's or has no GET."""
    for operation in getattr(_path_view(view), "operations", []):
        if "GET" in operation.methods:
            queries = (m for m in operation.models if m.__ninja_param_source__ == "query")
            return frozenset(name for model in queries for name in model.__ninja_flatten_map__)
    return None


def _unknown_parameter(request: HttpRequest, takes: frozenset[str] | None) -> HttpResponse | None:
    """A read (GET, HEAD) refuses a query parameter it does not take: a misspelt filter (`?reachd=false`)
    was ignored and answered with every record, as if it had been applied. Writes are not judged: what they
    take is in their body, and a check-in is never refused for something it does not read."""
    if takes is None or request.method not in ("GET", "HEAD"):
        return None
    unknown = next((name for name in request.GET if name not in takes), None)
    if unknown is None:
        return None
    known = ", ".join(sorted(takes)) if takes else "none"
    message = f"is not a parameter of this endpoint (it takes: {known})"
    # a parameter without a name (`?=x`) is named as lib/nul names one: "(query)", not an empty field
    return field_problem(unknown or "(query)", message, status=400).response()


def _query_refusal(request: HttpRequest, takes: frozenset[str] | None) -> HttpResponse | None:
    """A 400 naming what is wrong with the query: too many parameters, a control character (`lib/nul`), a
    parameter given twice, or one a read does not take (`takes`)."""
    try:
        if problem := query_problem(request):
            return problem.response()
        twice = next((name for name, values in request.GET.lists() if len(values) > 1), None)
    except TooManyFieldsSent:
        return too_many_parameters().response()
    if twice is not None:
        # the last one was taken: ?limit=5&limit=500 (as a JSON body's repeated key is refused)
        return field_problem(twice, "is given twice: send each parameter once", status=400).response()
    return _unknown_parameter(request, takes)


def _query_after_authentication(path_view: Any, takes: frozenset[str] | None) -> None:
    """Each operation of a ninja path judges its query once its checks (authentication, rate limit) have
    passed: a client without credentials gets 401 whatever its query, and only an authenticated one learns
    which parameters a read takes."""
    for operation in path_view.operations:
        checks = operation._run_checks

        def run_checks(request: HttpRequest, checks: Callable[..., HttpResponse | None] = checks) -> Any:
            return checks(request) or _query_refusal(request, takes)

        if not getattr(checks, "judges_query", False):  # the URLs may be built more than once
            run_checks.judges_query = True  # type: ignore[attr-defined]
            operation._run_checks = run_checks


def _http_methods(
    view: Callable[..., HttpResponseBase], takes: frozenset[str] | None = None, judge_query: bool = True
) -> Callable[..., HttpResponseBase]:
    """HEAD answered as GET without the body; a method a path does not take as a problem+json 405 (ninja
    answers it with a bare HTML one); every answer `Cache-Control: private, no-store`. Where `judge_query`,
    a bad query (`_query_refusal`) is a 400 here; a ninja path judges it after authentication instead."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not all(_written_id(value) for name, value in kwargs.items() if name.endswith("_id")):
            return Problem(404).response()
        if judge_query and (refusal := _query_refusal(request, takes)):
            return refusal
        head = request.method == "HEAD"
        response = _as_get(view, request, *args, **kwargs) if head else view(request, *args, **kwargs)
        if response.status_code == 405:
            response = _not_allowed(request, response)
        response["Cache-Control"] = CACHE_CONTROL
        return without_body(response) if head else response

    return wrapped


def _read_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The schema and its page answer GET and HEAD (ninja's views answered any method with 200)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])  # made a problem+json 405 by _http_methods
        return view(request, *args, **kwargs)

    return wrapped


READ_ONLY = {"openapi-json", "openapi-view"}


class MesosafeAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                view = _read_only(url.callback) if url.name in READ_ONLY else url.callback
                takes, path_view = read_parameters(url.callback), _path_view(url.callback)
                if path_view is not None:
                    _query_after_authentication(path_view, takes)
                url.callback = _http_methods(view, takes, judge_query=path_view is None)
        return urls

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Declare error responses with their real media type, application/problem+json, the server's text
        rule (no NUL characters) in every request schema, and HEAD wherever GET is."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.get("components", {}).get("schemas", {})
        for name in _request_schemas(schema):
            _say_no_nul(components[name])
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                _say_no_nul(operation.get("requestBody", {}))
                for parameter in operation.get("parameters", []):
                    _say_no_nul(parameter.get("schema", {}))
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[CONTENT_TYPE] = content.pop("application/json")
        _declare_head(schema)
        return schema


def _declare_head(schema: dict[str, Any]) -> None:
    """Each path's GET is declared for HEAD too, right after it (`_http_methods` answers HEAD as GET)."""
    paths = schema.get("paths", {})
    for template, operations in paths.items():
        paths[template] = {}
        for method, operation in operations.items():
            paths[template][method] = operation
            if method == "get":
                paths[template]["head"] = _head_of(operation)


def _head_of(get: dict[str, Any]) -> dict[str, Any]:
    """The same parameters, security and statuses as the GET's, its own id, no body."""
    head = {**get, "operationId": f"{get['operationId']}_head"}
    head["responses"] = {
        status: {key: value for key, value in response.items() if key != "content"}
        for status, response in get["responses"].items()
    }
    return head


api = MesosafeAPI(
    title="mesosafe clinic API",
    version="1",
    description="Clinic records, screening, treatments, check-ins and complications. "
    "Staff use their API key; patients use their private link token. Errors are RFC 9457 problem details.",
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI from ninja's own static files (ninja is an installed app), under the site's CSP; no badge
    # image from the public validator. The page is public, as the schema is: it holds no data.
    docs=Swagger(settings={"validatorUrl": None}),
    parser=OnceEachParser(),
)


def _field(loc: tuple[Any, ...]) -> str:
    # ninja prefixes the source ("body", "query", "path", "header") and, for bodies, the parameter name
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form", "file", "cookie"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "body":
            parts.pop(0)
    return field_path(parts) or "(body)"


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    response = exc.response()
    if exc.status == 429:
        response["Retry-After"] = str(settings.MESOSAFE_PATIENT_RATE_WINDOW_S)
    return response


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field(tuple(e.get("loc", ()))), "message": message_of(e)} for e in exc.errors]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Problem(422, detail, errors).response()


STATUS = {Code.INVALID: 422, Code.CONFLICT: 409, Code.LIMITED: 429}


@api.exception_handler(DomainError)
def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """What a service refused, named by its field: the one place a domain error becomes problem+json."""
    response = field_problem(exc.field or "(body)", exc.message, STATUS[exc.code]).response()
    if exc.code == Code.LIMITED:
        response["Retry-After"] = str(exc.context["retry_after"])
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = Problem(401, "send 'Authorization: Bearer <key or link token>'").response()
    response["WWW-Authenticate"] = "Bearer"
    return response


# What django-ninja raises for a body that is not JSON (bad syntax, not UTF-8, nested too deep).
_UNPARSABLE = "Cannot parse request body"


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, jsonbody.RepeatedKey):
        return field_problem(cause.field, "is given twice: send each field once", status=400).response()
    if exc.status_code == 400 and isinstance(cause, jsonbody.LongNumber):
        return field_problem(cause.field, jsonbody.LONG_NUMBER).response()
    if exc.status_code == 400 and isinstance(cause, NulText):
        return field_problem(cause.field, "must not contain NUL characters").response()
    if exc.status_code == 400 and str(exc) == _UNPARSABLE:
        return field_problem("(body)", "is not valid JSON: send a UTF-8 JSON object", status=400).response()
    return Problem(exc.status_code, str(exc)).response()


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE that is not a file upload (LimitBody caps those)."""
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return field_problem("(body)", f"is larger than {megabytes} MB", status=413).response()


@api.exception_handler(MultiPartParserError)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _bad_form(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A form body Django could not read (no boundary, too many fields or files): ninja reads it unguarded."""
    message = "is not a form Django can read: send multipart/form-data with its boundary, one file"
    return field_problem("(body)", message, status=400).response()


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return Problem(404).response()


def _register() -> None:
    from mesosafe.api import (
        catalogue,
        checkins,
        complications,
        exports,
        patient,
        patients,
        recalls,
        treatments,
    )

    # Patients' own endpoints first: they take most of the traffic, and Django tries URL patterns in order.
    for module in (patient, patients, catalogue, recalls, treatments, checkins, complications, exports):
        api.add_router("", module.router)


_register()
