"""The SMTP e-mail backend: Django's, with an overall deadline on each send.

EMAIL_TIMEOUT bounds each connect and each read, not the conversation: a mail server that sends a `220-`
continuation line every few seconds (a tarpit, a broken middlebox) kept the worker in `getreply()` for
ever, and with it every alert of every clinic. Here a watchdog timer shuts the connection's socket down
once a send has run MESOSAFE_EMAIL_DEADLINE seconds; the read in progress ends at once, and the send fails
with TimeoutError like any failed send (an alert or a reminder is then retried). The name lookup of
EMAIL_HOST, which no socket shutdown can end, runs in a thread of its own that the send waits for only
until the deadline: a resolver that never answers held the worker for as long as it hung.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp

# The backend whose connection is being opened in this thread (set by EmailBackend.open): it bounds the
# name lookup and watches the socket.
_watcher: ContextVar[EmailBackend | None] = ContextVar("smtp_watcher", default=None)


def _watched(sock: socket.socket) -> socket.socket:
    """Give the watchdog its own handle on `sock`'s connection: a duplicate stays usable after STARTTLS
    detaches the original, and shutting it down ends reads on every handle of the connection."""
    backend = _watcher.get()
    if backend is not None:
        backend._watch(sock.dup())
    return sock


def _connected(connect: Callable[[str], socket.socket], host: str, port: int) -> socket.socket:
    """`connect(address)` to each address of `host` in turn (as socket.create_connection tries them), the
    name looked up within the send's deadline; without a watching backend, `connect(host)` as smtplib does."""
    backend = _watcher.get()
    if backend is None:
        return connect(host)
    error: OSError = OSError(f"no address for {host}")
    for address in lookup(host, port, backend.time_left()):
        try:
            return connect(address)
        except OSError as exc:
            error = exc
    raise error


def lookup(host: str, port: int, within: float) -> list[str]:
    """The addresses of `host` (getaddrinfo's order, each once), or TimeoutError past `within` seconds:
    the lookup runs in a daemon thread, left to end on its own, since nothing can interrupt it."""
    found: list[str] = []
    failed: list[OSError] = []
    done = threading.Event()

    def look() -> None:
        try:
            for *_, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
                if address[0] not in found:
                    found.append(str(address[0]))
        except OSError as exc:
            failed.append(exc)
        finally:
            done.set()

    threading.Thread(target=look, name="smtp-lookup", daemon=True).start()
    if not done.wait(max(within, 0.0)):
        raise TimeoutError(
            f"the name lookup of {host} did not finish within the send's deadline (MESOSAFE_EMAIL_DEADLINE)"
        )
    if failed:
        raise failed[0]
    return found


class WatchedSMTP(smtplib.SMTP):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        connect = super()._get_socket  # type: ignore[misc]
        return _watched(_connected(lambda address: connect(address, port, timeout), host, port))


class WatchedSMTPSSL(smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # the plain socket, watched before the TLS handshake (which a slow server can drag out too); the
        # certificate is checked against the host's name (self._host), not the address connected to
        def connect(address: str) -> socket.socket:
            plain: socket.socket = smtplib.SMTP._get_socket(self, address, port, timeout)  # type: ignore[attr-defined]
            return plain

        plain = _watched(_connected(connect, host, port))
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
        # The bounded call in progress (None between calls), and the lock under which the watchdog cuts it,
        # the call ends and sockets are added or closed: a timer that fires as its call ends (Timer.cancel
        # cannot stop one already firing) finds the call over and cuts nothing, neither a connection left
        # open for the next send nor, a moment later, the next call's.
        self._call: object | None = None
        self._watch_lock = threading.Lock()  # not `_lock`: Django's backend holds that one while sending
        self._ends_at = 0.0  # time.monotonic() when the bounded call in progress must end

    @property
    def connection_class(self) -> type[smtplib.SMTP_SSL | smtplib.SMTP]:
        return WatchedSMTPSSL if self.use_ssl else WatchedSMTP

    def open(self) -> bool | None:
        with self._bounded():
            token = _watcher.set(self)
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
        call = object()
        with self._watch_lock:
            self._call = call
            self._expired.clear()
        self._ends_at = time.monotonic() + self.deadline
        self._watchdog = threading.Timer(self.deadline, self._cut, [call])
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
            with self._watch_lock:
                self._call = None
            self._watchdog.cancel()
            self._watchdog = None
            if self.connection is None:  # a failed open leaves no connection for close() to end
                self._forget_sockets()

    def time_left(self) -> float:
        """Seconds left of the bounded call in progress."""
        return self._ends_at - time.monotonic()

    def _watch(self, sock: socket.socket) -> None:
        with self._watch_lock:
            self._sockets.append(sock)
            # A connect that outlasted the deadline (addresses tried one by one) hands its socket over
            # after the watchdog has cut: the greeting and the rest would run unbounded.
            if self._expired.is_set():
                _shut(sock)

    def _cut(self, call: object) -> None:
        """The watchdog of bounded call `call`: unless that call is over, mark it expired and shut its
        sockets down."""
        with self._watch_lock:
            if call is not self._call:
                return
            self._expired.set()  # one socket handed over from now on is cut by _watch
            for sock in self._sockets:
                _shut(sock)

    def _forget_sockets(self) -> None:
        with self._watch_lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
