"""Why a staff alert e-mail failed, in plain words for the clinic's staff: from the error's class (as the
task row keeps it, e.g. `smtplib.SMTPRecipientsRefused`) and the mail server's reply code, never the
error's own text."""

from __future__ import annotations

import smtplib
import socket

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Most specific first: every SMTP error is an OSError too
PLAIN: list[tuple[type[BaseException], str]] = [
    (smtplib.SMTPRecipientsRefused, gettext_noop("the mail server refused the staff e-mail addresses")),
    (smtplib.SMTPSenderRefused, gettext_noop("the mail server refused the sender's address")),
    (smtplib.SMTPAuthenticationError, gettext_noop("the mail server refused the service's login")),
    (smtplib.SMTPDataError, gettext_noop("the mail server refused the message")),
    (smtplib.SMTPConnectError, gettext_noop("the mail server refused the connection")),
    (smtplib.SMTPServerDisconnected, gettext_noop("the mail server closed the connection")),
    (smtplib.SMTPException, gettext_noop("the mail server refused the e-mail")),
    (socket.gaierror, gettext_noop("the mail server's name could not be found")),
    (TimeoutError, gettext_noop("the mail server did not answer in time")),
    (ConnectionRefusedError, gettext_noop("the mail server refused the connection")),
    (OSError, gettext_noop("the mail server could not be reached")),
]
UNKNOWN = gettext_noop("the e-mail could not be sent")


def plain_error(error: str, reply: int | None = None) -> str:
    """The reason in the active language, with the server's reply code when it gave one."""
    reason = _(_reason(error))
    if reply is None:
        return reason
    return _("%(reason)s (mail server reply %(code)s)") % {"reason": reason, "code": reply}


def _reason(error: str) -> str:
    try:
        kind = import_string(error)
    except (ImportError, ValueError):
        return UNKNOWN
    if not isinstance(kind, type):
        return UNKNOWN
    return next((text for base, text in PLAIN if issubclass(kind, base)), UNKNOWN)
