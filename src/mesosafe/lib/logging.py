"""A log filter that keeps secrets out of logs: bearer tokens and the token part of /p/<token>/ paths."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), r"\1[redacted]"),
    (re.compile(r"(/p/)[^/\s\"'?]+"), r"\1[redacted]"),
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\n]+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    lowered = text.lower()
    if "/p/" not in text and "bearer" not in lowered and "authorization" not in lowered:
        return text  # the common case, without running the patterns
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True
