"""Why an alert e-mail failed, in plain words, from the error's class path and the server's reply code."""

from __future__ import annotations

import pytest

from mesosafe.clinicui.mail_errors import plain_error


@pytest.mark.parametrize(
    ("error", "reply", "said"),
    [
        (
            "smtplib.SMTPRecipientsRefused",
            550,
            "the mail server refused the staff e-mail addresses (mail server reply 550)",
        ),
        ("builtins.ConnectionRefusedError", None, "the mail server refused the connection"),
        ("builtins.TimeoutError", None, "the mail server did not answer in time"),
        ("smtplib.SMTPServerDisconnected", None, "the mail server closed the connection"),
        ("socket.gaierror", None, "the mail server's name could not be found"),
        ("builtins.ConnectionResetError", None, "the mail server could not be reached"),
        ("builtins.ValueError", None, "the e-mail could not be sent"),
        ("no.such.Error", None, "the e-mail could not be sent"),
        ("", None, "the e-mail could not be sent"),
    ],
)
def test_plain_error(error: str, reply: int | None, said: str) -> None:
    assert plain_error(error, reply) == said
