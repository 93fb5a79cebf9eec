"""The default email backend: each message printed to the console without what must not reach a log.

Django's console backend prints the whole message, so every aftercare email put the patient's address and
private link (in the text and in the calendar file) into the server's output, beside the redacted access
log. This one prints the subject, how many recipients, the text with tokens redacted and the attachments'
names. Production sets MESOSAFE_EMAIL_BACKEND to SMTP.
"""

from __future__ import annotations

from email.mime.base import MIMEBase
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

from mesosafe.lib.logging import redact


class ConsoleBackend(DjangoConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        recipients = len(message.recipients())
        names = [attachment_name(a) for a in message.attachments]
        lines = [
            f"Subject: {message.subject}",
            f"To: {recipients} recipient{'s' if recipients != 1 else ''} (addresses not shown)",
            "",
            redact(str(message.body)).rstrip(),
        ]
        if names:
            lines.append(f"Attachments: {', '.join(names)} (not shown)")
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")


def attachment_name(attachment: Any) -> str:
    if isinstance(attachment, MIMEBase):
        return attachment.get_filename() or attachment.get_content_type()
    return str(attachment[0] or "unnamed")
