"""The SMTP backend's overall deadline (fault review F1): a mail server that keeps sending greeting lines,
each within EMAIL_TIMEOUT, held a send for ever; now the send fails once the deadline has passed."""

from __future__ import annotations

import time

import pytest
from django.core.mail import send_mail
from django.test import override_settings

from tests.smtp_servers import SmtpServer


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
