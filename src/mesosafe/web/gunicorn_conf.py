"""gunicorn settings for `mesosafe serve`. Every access-log atom passes through the token redactor, so
neither the Authorization header nor the token part of /p/<token>/ paths reaches the log; gunicorn's own
messages (its error log) pass through the same redactor."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from mesosafe.lib.logging import RedactTokens, redact

access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# gunicorn's control socket (gunicornc) is one path per user, ~/.gunicorn/gunicorn.ctl: a second server took
# it over and deleted it when it stopped, under the first. Nothing here uses it, so no server makes one.
control_socket_disable = True


class RedactingLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        """gunicorn's own messages are redacted too: a request it refuses is logged with its request line."""
        super().setup(cfg)
        if not any(isinstance(each, RedactTokens) for each in self.error_log.filters):
            self.error_log.addFilter(RedactTokens())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """The default line built from its five atoms alone: gunicorn builds (and here redacts) an atom for
        every header of every request, a few per cent of a check-in's CPU. Any other format: every atom."""
        if not self.access_log_enabled:
            return
        if self.cfg.access_log_format != access_log_format:
            super().access(resp, req, environ, request_time)
            return
        request = f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
        status = str(resp.status).split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        milliseconds = int(request_time.total_seconds() * 1000)
        address = environ.get("REMOTE_ADDR") or "-"
        line = f'{address} "{redact(request)}" {status} {sent if sent is not None else "-"} {milliseconds}ms'
        self.access_log.info(line)

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
