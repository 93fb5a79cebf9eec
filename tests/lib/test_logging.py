"""Tokens never reach the logs: the log filter, the gunicorn access log and its error log redact them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest

from mesosafe.lib.logging import RedactTokens, redact
from mesosafe.web import gunicorn_conf
from mesosafe.web.gunicorn_conf import RedactingLogger

TOKEN = "Hq2xmGbFG16zfHUdptnj5VxFSOPvKvun3STZTzPAu6g"


def test_redact() -> None:
    assert TOKEN not in redact(f"GET /p/{TOKEN}/ HTTP/1.1")
    assert redact(f"GET /p/{TOKEN}/checkin") == "GET /p/[redacted]/checkin"
    assert TOKEN not in redact(f"Authorization: Bearer {TOKEN}")
    assert redact("GET /api/v1/patients/3 200") == "GET /api/v1/patients/3 200"


def test_a_patient_pages_query_is_redacted_with_its_token() -> None:
    # the check-in's second step names the symptoms in its query: health data
    logged = f"GET /p/{TOKEN}/checkin/?symptoms=pain&symptoms=pus&key=k1 HTTP/1.1"
    assert redact(logged) == "GET /p/[redacted]/checkin/?[redacted] HTTP/1.1"
    assert redact("GET /api/v1/patients/?q=x HTTP/1.1") == "GET /api/v1/patients/?q=x HTTP/1.1"


@pytest.mark.parametrize(
    ("logged", "redacted"),
    [
        (f"GET /%70/{TOKEN}/faq/ HTTP/1.1", "GET /%70/[redacted]/faq/ HTTP/1.1"),  # served as /p/
        (f"GET /%50/{TOKEN}/", "GET /%50/[redacted]/"),
        (f"Not Found: /P/{TOKEN}/", "Not Found: /P/[redacted]/"),
        (f"Not Found: /p//{TOKEN}/faq/", "Not Found: /p//[redacted]/faq/"),
        (f"GET /p%2F{TOKEN}/faq/", "GET /p%2F[redacted]/faq/"),  # served as /p/
        (f"GET %2fp%2f{TOKEN}", "GET %2fp%2f[redacted]"),
        (f"GET /%2570/{TOKEN}/", "GET /%2570/[redacted]/"),  # logged as /%70/ once decoded
        (f"GET /p/./{TOKEN}/", "GET /p/./[redacted]/"),
        (f"GET /p/%2e%2e/{TOKEN}/", "GET /p/%2e%2e/[redacted]/"),
        (f"'GET /p/{TOKEN}/\x01 HTTP/1.1'", "'GET /p/[redacted]/\x01 HTTP/1.1'"),
        (f"Not Found: /p;/{TOKEN}/", "Not Found: /p;/[redacted]/"),  # 404s, not served
        (f"GET /p\\{TOKEN}/ HTTP/1.1", "GET /p\\[redacted]/ HTTP/1.1"),
        (f"'GET /p\\\\{TOKEN}/ HTTP/1.1'", "'GET /p\\\\[redacted]/ HTTP/1.1'"),  # as repr() writes it
        (f"GET /p%3B/{TOKEN}/?symptoms=pain 404", "GET /p%3B/[redacted]/?[redacted] 404"),
        (
            f"GET /p/{TOKEN}/checkin/?symptoms=pain&key=a'b&symptoms=fever HTTP/1.1",  # a crafted query
            "GET /p/[redacted]/checkin/?[redacted] HTTP/1.1",
        ),
        (f'"GET /P/{TOKEN}/?q="fever" HTTP/1.1"', '"GET /P/[redacted]/?[redacted] HTTP/1.1"'),
        (f"GET /p;/{TOKEN}x/", f"GET /p;/{TOKEN}x/"),  # 44 characters: no link token
        ("GET /static/p.css 200 100% done", "GET /static/p.css 200 100% done"),
        ("GET /api/v1/patient/checkins HTTP/1.1", "GET /api/v1/patient/checkins HTTP/1.1"),
    ],
)
def test_every_spelling_of_the_link_path_is_redacted(logged: str, redacted: str) -> None:
    assert redact(logged) == redacted


def test_log_filter_redacts_formatted_messages() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/p/{TOKEN}/",), None
    )
    assert RedactTokens().filter(record)
    assert TOKEN not in record.getMessage()


def test_log_filter_redacts_the_traceback() -> None:
    try:
        raise ValueError(f"no such link: /p/{TOKEN}/")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    assert RedactTokens().filter(record)
    assert TOKEN not in logging.Formatter().format(record)
    assert "no such link: /p/[redacted]/" in logging.Formatter().format(record)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines() -> Iterator[_Lines]:
    """What gunicorn's error log writes (the logger is one, whichever gunicorn Logger set it up)."""
    handler = _Lines()
    logging.getLogger("gunicorn.error").addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger("gunicorn.error").removeHandler(handler)


def test_gunicorn_error_log_is_redacted(lines: _Lines) -> None:
    """gunicorn logs a request line it refuses whole, as for a malformed request."""
    logger = RedactingLogger(SimpleNamespace(**_gunicorn_cfg()))
    refused = f"Invalid HTTP request line: 'GET /p/{TOKEN}/\\x01 HTTP/1.1'"
    logger.warning("Invalid request from ip=%s: %s", "127.0.0.1", refused)
    logger.log("error", f"Error handling request /P/{TOKEN}/")
    assert lines.lines == [
        f"Invalid request from ip=127.0.0.1: {refused.replace(TOKEN, '[redacted]')}",
        "Error handling request /P/[redacted]/",
    ]


def test_gunicorn_access_atoms_are_redacted() -> None:
    logger = RedactingLogger(SimpleNamespace(**_gunicorn_cfg()))
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/p/{TOKEN}/",
        "PATH_INFO": f"/p/{TOKEN}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://clinic.example/p/{TOKEN}/",
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {TOKEN}")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    assert not any(TOKEN in str(value) for value in atoms.values())


def _gunicorn_cfg(**changes: object) -> dict[str, object]:
    from gunicorn.config import Config

    config = Config()
    settings = {name: setting.get() for name, setting in config.settings.items()}
    return settings | {"access_log_format": gunicorn_conf.access_log_format} | changes


def test_the_access_line_is_the_formats_with_the_token_redacted() -> None:
    logger = RedactingLogger(SimpleNamespace(**_gunicorn_cfg(accesslog="-")))
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/p/{TOKEN}/checkin/",
        "PATH_INFO": f"/p/{TOKEN}/checkin/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {TOKEN}")])
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    lines: list[str] = []
    logger.access_log = SimpleNamespace(
        info=lambda line, *args: lines.append(line % args[0] if args else line)
    )
    logger.access(response, request, environ, timedelta(milliseconds=12))
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    assert lines == [gunicorn_conf.access_log_format % atoms]  # the line gunicorn itself would write
    assert lines == ['127.0.0.1 "POST /p/[redacted]/checkin/ HTTP/1.1" 302 0 12ms']
