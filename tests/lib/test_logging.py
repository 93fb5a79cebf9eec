"""Tokens never reach the logs: the log filter and the gunicorn access log redact them."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

from mesosafe.lib.logging import RedactTokens, redact
from mesosafe.web import gunicorn_conf
from mesosafe.web.gunicorn_conf import RedactingLogger

TOKEN = "Hq2xmGbFG16zfHUdptnj5VxFSOPvKvun3STZTzPAu6g"


def test_redact() -> None:
    assert TOKEN not in redact(f"GET /p/{TOKEN}/ HTTP/1.1")
    assert redact(f"GET /p/{TOKEN}/checkin") == "GET /p/[redacted]/checkin"
    assert TOKEN not in redact(f"Authorization: Bearer {TOKEN}")
    assert redact("GET /api/v1/patients/3 200") == "GET /api/v1/patients/3 200"


def test_log_filter_redacts_formatted_messages() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/p/{TOKEN}/",), None
    )
    assert RedactTokens().filter(record)
    assert TOKEN not in record.getMessage()


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
