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
from collections.abc import Callable, Iterator, Sequence
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
    """Django's SMTP backend (the same EMAIL_* settings); each `send_messages` (its connect, greeting,
    EHLO, STARTTLS, login, the messages and QUIT) ends within `deadline` seconds (MESOSAFE_EMAIL_DEADLINE),
    or fails with TimeoutError. `open` and `close` called on their own are bounded likewise."""

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = float(settings.MESOSAFE_EMAIL_DEADLINE if deadline is None else deadline)
        self._sockets: list[socket.socket] = []
        self._expired = threading.Event()
        self._watchdog: threading.Timer | None = None

    @property
    def connection_class(self) -> type[smtplib.SMTP_SSL | smtplib.SMTP]:
        return WatchedSMTPSSL if self.use_ssl else WatchedSMTP

    def open(self) -> bool | None:
        with self._bounded():
            token = _watcher.set(self._watch)
            try:
                return super().open()
            finally:
                _watcher.reset(token)

    def close(self) -> None:
        try:
            with self._bounded():
                super().close()
        finally:
            self._forget_sockets()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        with self._bounded():
            return super().send_messages(email_messages)

    @contextlib.contextmanager
    def _bounded(self) -> Iterator[None]:
        """Run the block under the watchdog; inside a bounded call (a send's own open and close), under
        that call's."""
        if self._watchdog is not None:
            yield
            return
        self._expired.clear()
        self._watchdog = threading.Timer(self.deadline, self._cut)
        self._watchdog.daemon = True
        self._watchdog.start()
        try:
            yield
        except Exception as exc:
            if self._expired.is_set():
                raise TimeoutError(
                    f"the mail server did not finish within {self.deadline:g} s (MESOSAFE_EMAIL_DEADLINE)"
                ) from exc
            raise
        finally:
            self._watchdog.cancel()
            self._watchdog = None
            if self.connection is None:  # a failed open leaves no connection for close() to end
                self._forget_sockets()

    def _watch(self, sock: socket.socket) -> None:
        self._sockets.append(sock)
        # A connect that outlasted the deadline (slow name lookup, addresses tried one by one) hands its
        # socket over after the watchdog has cut: the greeting and the rest would run unbounded.
        if self._expired.is_set():
            _shut(sock)

    def _cut(self) -> None:
        self._expired.set()  # before the sockets are read: one handed over from now on is cut by _watch
        for sock in list(self._sockets):
            _shut(sock)

    def _forget_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
