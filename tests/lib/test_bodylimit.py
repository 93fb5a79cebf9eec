"""Bodies over the cap are refused before they are read: by Content-Length unread, and, for a body read
without one, by the upload handler that stops past the cap. Both are 413 problem+json."""

from __future__ import annotations

import io
import json
import socket
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from mesosafe.checkins.photos import MAX_BYTES, MAX_PER_CHECKIN
from mesosafe.lib import bodylimit
from tests.service_fixtures import API


def test_the_cap_holds_a_full_checkin_with_its_photos() -> None:
    assert bodylimit.MAX_BODY_BYTES > MAX_PER_CHECKIN * MAX_BYTES


@pytest.mark.parametrize("path", [f"{API}/patient/checkins/1/photos", "/p/some-token/checkin/"])
@pytest.mark.django_db(transaction=True)
def test_a_declared_300_mb_body_is_refused_unread(live_server: Any, path: str) -> None:
    """Only the headers are sent: a server that waited to read the body would not answer in the timeout."""
    url = urlparse(live_server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {300 * 1024 * 1024}\r\n\r\n".encode()
        )
        answer = ""
        while '"status": 413' not in answer and (chunk := conn.recv(65536)):
            answer += chunk.decode("latin-1")
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413") and "application/problem+json" in head
    assert '"status": 413' in body


def test_the_upload_handler_stops_reading_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler alone (the declared length is checked first in LimitBody): the file's bytes are counted
    as they are read, and the read stops within one chunk past the cap, answered 413 by the middleware."""
    monkeypatch.setattr(bodylimit, "MAX_BODY_BYTES", 64 * 1024)
    photo = SimpleUploadedFile("big.png", b"x" * (2 * 1024 * 1024), content_type="image/png")
    request = RequestFactory().post("/p/some-token/checkin/", {"photo": photo})
    cap = bodylimit.CapUpload(request)
    request.upload_handlers.insert(0, cap)
    with pytest.raises(bodylimit.BodyTooLarge) as stopped:
        request.FILES  # noqa: B018
    assert 64 * 1024 < cap.received <= 64 * 1024 + cap.chunk_size
    response = bodylimit.LimitBody(lambda r: None).process_exception(request, stopped.value)  # type: ignore[arg-type, return-value]
    assert response is not None and response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


# --- a chunked body (gunicorn takes the chunking off and sets no CONTENT_LENGTH) ---------------------------


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """What Django would read: CONTENT_LENGTH bytes of the input."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{length}:".encode() + (environ["wsgi.input"].read(length) if length <= 100 else b"")]


def _call(environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answered.update(status=status, headers=dict(headers))

    response = bodylimit.ChunkedBody(_echo)(environ, start_response)
    content = b"".join(response)
    getattr(response, "close", lambda: None)()
    return answered["status"], answered["headers"], content


def _gunicorn(body: Any, coding: str = "chunked") -> dict[str, Any]:
    stream = body if hasattr(body, "read") else io.BytesIO(body)
    return {"HTTP_TRANSFER_ENCODING": coding, "wsgi.input_terminated": True, "wsgi.input": stream}


def test_a_chunked_body_is_given_its_length() -> None:
    """Django read none of it: a check-in sent chunked was read as no body ("(body): Field required")."""
    status, _, content = _call(_gunicorn(b'{"symptoms": [{"code": "fainting"}]}'))
    assert status == "200 OK" and content == b'36:{"symptoms": [{"code": "fainting"}]}'


def test_a_chunked_body_over_the_cap_is_read_no_further_and_declared_over_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bodylimit, "MAX_BODY_BYTES", 1000)
    stream = io.BytesIO(b"x" * 10 * 1024 * 1024)
    status, _, content = _call(_gunicorn(stream))
    assert status == "200 OK" and int(content.split(b":")[0]) > 1000  # LimitBody refuses it unread
    assert stream.tell() <= 1000 + bodylimit.READ_SIZE


class _BrokenChunks(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise ValueError("Invalid chunk size: 'zz'")  # as gunicorn's InvalidChunkSize


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (_gunicorn(_BrokenChunks()), "could not be read as sent (chunked): send it again"),
        (
            _gunicorn(b"\x1f\x8b", "gzip, chunked"),
            "is compressed (Transfer-Encoding): send it chunked, uncompressed",
        ),
    ],
)
def test_a_chunked_body_that_cannot_be_read_is_400_problem_json(
    environ: dict[str, Any], message: str
) -> None:
    status, headers, content = _call(environ)
    assert status == "400 Bad Request" and headers["Content-Type"] == "application/problem+json"
    assert json.loads(content)["errors"] == [{"field": "(body)", "message": message}]


def test_a_server_that_leaves_the_chunks_on_or_a_declared_length_is_left_alone() -> None:
    raw = _gunicorn(b"5\r\nhello\r\n0\r\n\r\n")
    del raw["wsgi.input_terminated"]  # Django's own server: the input is the connection itself
    assert _call(raw)[2] == b"0:"
    declared = {**_gunicorn(b"hello"), "CONTENT_LENGTH": "5"}
    assert _call(declared)[2] == b"5:hello"
