"""A log filter that keeps secrets out of logs: bearer tokens, the token part of /p/<token>/ paths and
their query strings."""

from __future__ import annotations

import logging
import re

# The patient route as a request may spell it and still be served, or logged as a 404: "p" or "P", either
# percent-encoded (%70, %50), slashes repeated or encoded (%2F), dot segments, each escape even encoded
# again (%2570), as a path is logged before or after decoding.
_ESCAPE = r"%(?:25)*"
_SLASH = rf"(?:/|{_ESCAPE}2f)"
_DOTS = rf"(?:(?:\.|{_ESCAPE}2e){{1,2}}{_SLASH}+)*"
_P = rf"(?:p|{_ESCAPE}[57]0)"
_LINK_PATH = rf"({_SLASH}{_P}{_SLASH}+{_DOTS})[^/\s\"'?]+"
# A link's token (lib.tokens: 43 URL-safe characters) after "p" and any other separator, as in the 404s
# /p;/<token>/ and /p\<token>/
_ANY_SEPARATOR = rf"(?:[^\w\s\"'?]|{_ESCAPE}[0-9a-f]{{2}})+"
_ODD_LINK_PATH = rf"({_SLASH}{_P}{_ANY_SEPARATOR})[\w-]{{43}}(?![\w-])"

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), r"\1[redacted]"),
    (re.compile(rf"(?i){_LINK_PATH}"), r"\1[redacted]"),
    (re.compile(rf"(?i){_ODD_LINK_PATH}"), r"\1[redacted]"),
    # A patient page's query names their symptoms (the check-in's second step): health data, not for logs.
    # All of it to the end of the request target: a crafted query may hold quotes.
    (re.compile(rf"(?i)({_SLASH}{_P}{_ANY_SEPARATOR}\[redacted\][^\s?]*)\?\S*"), r"\1?[redacted]"),
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\n]+"), r"\1[redacted]"),
]
# What every pattern needs, looked for first: most lines (every API request's among them) hold none of it
_HINT = re.compile(r"(?i)/p[^\w\s]|%|bearer|authorization")


def redact(text: str) -> str:
    if not _HINT.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactTokens(logging.Filter):
    """Redacts the message and the traceback (which the formatter would otherwise print from exc_info)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
