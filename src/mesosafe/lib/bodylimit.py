"""A cap on request bodies, applied before anything reads one (in MIDDLEWARE after SecurityMiddleware and
django-csp's, which read none).

Django's upload settings only decide when an upload spills to disk, and gunicorn has no body cap, so without
this a 300 MB upload is written to a temp file before the photo's own 8 MB check. A declared Content-Length
over the cap is refused unread; a body that does not declare one (chunked) is read through an upload handler
that stops once the bytes pass the cap. Both answer 413 problem+json.

A chunked body reaches Django through `ChunkedBody`, which gives it the length Django needs to read it.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from mesosafe.lib.problems import CONTENT_TYPE, Problem, field_problem

# The largest body a person sends: a check-in with its 5 photos of at most 8 MB each, and the form.
MAX_BODY_BYTES = 5 * 8 * 1024 * 1024 + 1024 * 1024


def too_large() -> Problem:
    return Problem(413, f"the request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")


class BodyTooLarge(Exception):
    """Raised by `CapUpload` while a body is being read, answered 413 by `LimitBody`."""


class CapUpload(FileUploadHandler):
    """First upload handler of every request: counts the bytes of the files read so far and stops the read
    (the rest of the body is never read) once they pass MAX_BODY_BYTES."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_BODY_BYTES:
            raise BodyTooLarge
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class LimitBody:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES:
            return too_large().response()
        request.upload_handlers.insert(0, CapUpload(request))
        try:
            return self.get_response(request)
        except BodyTooLarge:
            return too_large().response()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        return too_large().response() if isinstance(exception, BodyTooLarge) else None


# A chunked body is kept in memory up to this size, on disk past it (Django's default for an upload)
SPOOLED_IN_MEMORY = 2_621_440
READ_SIZE = 64 * 1024


class ChunkedBody:
    """WSGI middleware: a request body sent `Transfer-Encoding: chunked` made one Django reads.

    gunicorn takes the chunking off (`wsgi.input_terminated`) but, rightly, sets no CONTENT_LENGTH, and
    Django reads CONTENT_LENGTH bytes of a body: none. A check-in sent chunked was read as no body at all
    ("(body): Field required"). Here the body is read first, into a spooled file, and given its length; past
    MAX_BODY_BYTES it is read no further and declared as long as was read, so `LimitBody` refuses it 413
    problem+json as any body declared over the cap. A chunk gunicorn cannot read (a malformed size, the
    client gone) is a 400 problem+json. Servers that do not take the chunking off (Django's own) are left
    alone: their stream is the raw connection, and Django reads what CONTENT_LENGTH says of it."""

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        codings = [c.strip(" \t").lower() for c in environ.get("HTTP_TRANSFER_ENCODING", "").split(",")]
        if (
            "chunked" not in codings
            or environ.get("CONTENT_LENGTH")
            or not environ.get("wsgi.input_terminated")
        ):
            return self.application(environ, start_response)
        if codings != ["chunked"]:  # gzip, deflate or compress: gunicorn takes off only the chunking
            return _refused(
                start_response, "is compressed (Transfer-Encoding): send it chunked, uncompressed"
            )
        body = tempfile.SpooledTemporaryFile(max_size=SPOOLED_IN_MEMORY)  # noqa: SIM115 - closed below
        received = 0
        try:
            while received <= MAX_BODY_BYTES and (chunk := environ["wsgi.input"].read(READ_SIZE)):
                received += len(chunk)
                body.write(chunk)
        except Exception:  # gunicorn's InvalidChunkSize, ChunkMissingTerminator, NoMoreData, a reset socket
            body.close()
            return _refused(start_response, "could not be read as sent (chunked): send it again")
        environ["CONTENT_LENGTH"] = str(received)
        if received > MAX_BODY_BYTES:
            body.close()
            environ["wsgi.input"] = io.BytesIO()
            return self.application(environ, start_response)
        body.seek(0)
        environ["wsgi.input"] = body
        return _closing(self.application(environ, start_response), body)


def _refused(start_response: Callable[..., Any], message: str) -> list[bytes]:
    """A 400 problem+json naming the body, answered before Django sees the request."""
    content = json.dumps(field_problem("(body)", message, status=400).body()).encode()
    headers = [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(content)))]
    start_response("400 Bad Request", [*headers, ("Cache-Control", "private, no-store")])
    return [content]


def _closing(response: Iterable[bytes], body: Any) -> Iterable[bytes]:
    """The response, with the spooled body closed once the server has sent it (or given up)."""
    try:
        yield from response
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
        body.close()
