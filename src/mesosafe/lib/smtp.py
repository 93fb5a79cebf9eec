"""The SMTP e-mail backend: Django's, with an overall deadline on each send.

EMAIL_TIMEOUT bounds each connect and each read, not the conversation: a mail server that sends a `220-`
continuation line every few seconds (a tarpit, a broken middlebox) kept the worker in `getreply()` for
ever, and with it every alert of every clinic. Here a watchdog timer shuts the connection's socket down
once a send has run MESOSAFE_EMAIL_DEADLINE seconds; the read in progress ends at once, and the send fails
with TimeoutError like any failed send (an alert or a reminder is then retried).
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp

# Where the connection being opened in this thread hands its socket (set by EmailBackend.open).
_watcher: ContextVar[Callable[[socket.socket], None] | None] = ContextVar("smtp_watcher", default=None)


def _watched(sock: socket.socket) -> socket.socket:
    """Give the watchdog its own handle on `sock`'s connection: a duplicate stays usable after STARTTLS
    detaches the original, and shutting it down ends reads on every handle of the connection."""
    watch = _watcher.get()
    if watch is not None:
        watch(sock.dup())
    return sock


class WatchedSMTP(smtplib.SMTP):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _watched(super()._get_socket(host, port, timeout))  # type: ignore[misc]


class WatchedSMTPSSL(smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # the plain socket, watched before the TLS handshake (which a slow server can drag out too)
        plain = _watched(smtplib.SMTP._get_socket(self, host, port, timeout))  # type: ignore[attr-defined]
        wrapped: socket.socket = self.context.wrap_socket(plain, server_hostname=self._host)  # type: ignore[attr-defined]
        return wrapped


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend (the same EMAIL_* settings); each `send_messages` ends within `deadline`
    seconds (MESOSAFE_EMAIL_DEADLINE), or fails with TimeoutError."""

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = float(settings.MESOSAFE_EMAIL_DEADLINE if deadline is None else deadline)
        self._sockets: list[socket.socket] = []

    @property
    def connection_class(self) -> type[smtplib.SMTP_SSL | smtplib.SMTP]:
        return WatchedSMTPSSL if self.use_ssl else WatchedSMTP

    def open(self) -> bool | None:
        token = _watcher.set(self._sockets.append)
        try:
            return super().open()
        finally:
            _watcher.reset(token)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._forget_sockets()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        expired = threading.Event()
        watchdog = threading.Timer(self.deadline, self._cut, args=(expired,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().send_messages(email_messages)
        except Exception as exc:
            if expired.is_set():
                raise TimeoutError(
                    f"the mail server did not finish within {self.deadline:g} s (MESOSAFE_EMAIL_DEADLINE)"
                ) from exc
            raise
        finally:
            watchdog.cancel()
            if self.connection is None:  # a failed open leaves no connection for close() to end
                self._forget_sockets()

    def _cut(self, expired: threading.Event) -> None:
        expired.set()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _forget_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()
