"""gunicorn settings for `mesosafe serve`. Every access-log atom passes through the token redactor, so
neither the Authorization header nor the token part of /p/<token>/ paths reaches the log."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from mesosafe.lib.logging import redact

access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if "authorization" in key.lower() or "cookie" in key.lower():
                atoms[key] = "[redacted]"
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms


logger_class = RedactingLogger


def post_worker_init(worker: Any) -> None:
    """Load the URLs (and with them the API and its schemas) and the knowledge base before the first
    request, not during it: a fresh worker otherwise kept its first patient waiting for them."""
    from django.urls import resolve

    from mesosafe.knowledge.loader import load

    resolve("/healthz")  # imports the whole URL configuration on the way
    load()
