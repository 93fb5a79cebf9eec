"""The SMTP backend's overall deadline (fault review F1): a mail server that keeps sending greeting lines,
each within EMAIL_TIMEOUT, held a send for ever; now the send fails once the deadline has passed, wherever
the conversation stands (the greeting, STARTTLS, a connection made late)."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from typing import Any

import pytest
from django.core.mail import EmailMessage, get_connection, send_mail
from django.test import override_settings

from tests.smtp_servers import GIVE_UP_S, SmtpServer


def test_a_mail_server_that_never_finishes_its_greeting_fails_the_send_at_the_deadline(
    trickling_smtp: SmtpServer,
) -> None:
    started = time.monotonic()
    with (
        override_settings(**trickling_smtp.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=1)),
        pytest.raises(TimeoutError, match="MESOSAFE_EMAIL_DEADLINE"),
    ):
        send_mail("subject", "text", None, ["staff@clinic.test"])
    assert trickling_smtp.connected.is_set() and time.monotonic() - started < 4


def test_a_mail_server_that_answers_gets_the_message(smtp_sink: SmtpServer) -> None:
    with override_settings(**smtp_sink.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=5)):
        assert send_mail("subject", "the text", None, ["staff@clinic.test"]) == 1
    [message] = smtp_sink.messages
    assert "the text" in message


def test_a_mail_server_that_stalls_in_starttls_fails_the_send_at_the_deadline(
    stalling_starttls_smtp: SmtpServer,
) -> None:
    started = time.monotonic()
    settings = stalling_starttls_smtp.settings(
        EMAIL_USE_TLS=True, EMAIL_TIMEOUT=10, MESOSAFE_EMAIL_DEADLINE=1
    )
    with override_settings(**settings), pytest.raises(TimeoutError, match="MESOSAFE_EMAIL_DEADLINE"):
        send_mail("subject", "text", None, ["staff@clinic.test"])
    assert stalling_starttls_smtp.connected.is_set() and time.monotonic() - started < 4


def test_a_connection_made_after_the_deadline_is_cut_before_its_greeting(
    trickling_smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connect that outlasts the deadline (a slow name lookup, several addresses tried in turn) handed its
    socket to the watchdog after it had fired, and the greeting and the rest then ran unbounded."""
    connect = socket.create_connection

    def slow_connect(*args: Any, **kwargs: Any) -> socket.socket:
        time.sleep(1.5)
        return connect(*args, **kwargs)

    monkeypatch.setattr(smtplib.socket, "create_connection", slow_connect)
    started = time.monotonic()
    with (
        override_settings(**trickling_smtp.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=1)),
        pytest.raises(TimeoutError, match="MESOSAFE_EMAIL_DEADLINE"),
    ):
        send_mail("subject", "text", None, ["staff@clinic.test"])
    assert time.monotonic() - started < 4 and trickling_smtp.connected.wait(2)


def test_a_connection_opened_on_its_own_is_bounded_too(trickling_smtp: SmtpServer) -> None:
    """`with get_connection() as connection:` opens before any send: its greeting has the deadline too."""
    started = time.monotonic()
    with (
        override_settings(**trickling_smtp.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=1)),
        pytest.raises(TimeoutError, match="MESOSAFE_EMAIL_DEADLINE"),
    ):
        get_connection().open()
    assert time.monotonic() - started < 4


def test_a_name_lookup_that_hangs_fails_the_send_at_the_deadline(
    smtp_sink: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline did not cover the lookup of EMAIL_HOST: a resolver that never answered held the send
    (and the worker) for as long as it hung. Here it hangs until the test ends."""
    lookup = socket.getaddrinfo
    hung, release = threading.Event(), threading.Event()

    def hanging_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "mail.clinic.test":
            return lookup(host, *args, **kwargs)
        hung.set()
        release.wait(GIVE_UP_S)
        raise socket.gaierror(socket.EAI_AGAIN, "resolver gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_lookup)
    settings = smtp_sink.settings(EMAIL_HOST="mail.clinic.test", EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=0.5)
    started = time.monotonic()
    try:
        with override_settings(**settings), pytest.raises(TimeoutError, match="MESOSAFE_EMAIL_DEADLINE"):
            send_mail("subject", "text", None, ["staff@clinic.test"])
        assert hung.is_set() and time.monotonic() - started < 3
    finally:
        release.set()
    assert not smtp_sink.connected.is_set()


def test_a_mail_server_named_by_its_host_name_gets_the_message(smtp_sink: SmtpServer) -> None:
    """The name looked up in its own thread still leads to the server (and its addresses are tried)."""
    with override_settings(**smtp_sink.settings(EMAIL_HOST="localhost", MESOSAFE_EMAIL_DEADLINE=5)):
        assert send_mail("subject", "the text", None, ["staff@clinic.test"]) == 1
    assert "the text" in smtp_sink.messages[0]


class TimerFiringAtCancel:
    """A watchdog that fires just as it is cancelled: its call has finished, and `threading.Timer.cancel`
    cannot stop a timer whose wait has already ended."""

    def __init__(self, interval: float, function: Any, args: Any = None, kwargs: Any = None) -> None:
        self.fire = lambda: function(*(args or ()), **(kwargs or {}))
        self.daemon = False

    def start(self) -> None:
        pass

    def cancel(self) -> None:
        self.fire()


def test_a_watchdog_firing_as_its_call_ends_cuts_nothing(
    smtp_sink: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watchdog of `open()` fired after the connection was made, before cancel() took effect: it shut
    the open connection down, and the send on it that followed failed (or, firing a moment later, it cut
    the next call's connection mid-send)."""
    monkeypatch.setattr(threading, "Timer", TimerFiringAtCancel)
    with override_settings(**smtp_sink.settings(EMAIL_TIMEOUT=2, MESOSAFE_EMAIL_DEADLINE=5)):
        message = EmailMessage("subject", "the text", None, ["staff@clinic.test"])
        connection = get_connection()
        connection.open()
        try:
            sent = connection.send_messages([message])
        finally:
            connection.close()
    assert sent == 1 and "the text" in smtp_sink.messages[0]
