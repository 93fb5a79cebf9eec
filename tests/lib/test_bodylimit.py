"""Bodies over the cap are refused before they are read: by Content-Length unread, and, for a body read
without one, by the upload handler that stops past the cap. Both are 413 problem+json."""

from __future__ import annotations

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
