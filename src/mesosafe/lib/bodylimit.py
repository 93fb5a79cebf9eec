"""A cap on request bodies, applied before anything reads one (in MIDDLEWARE after SecurityMiddleware and
django-csp's, which read none).

Django's upload settings only decide when an upload spills to disk, and gunicorn has no body cap, so without
this a 300 MB upload is written to a temp file before the photo's own 8 MB check. A declared Content-Length
over the cap is refused unread; a body that does not declare one (chunked) is read through an upload handler
that stops once the bytes pass the cap. Both answer 413 problem+json.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from mesosafe.lib.problems import Problem

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
