"""Keeps secrets out of logs and printed text.

A `Redactor` knows secret values (registered at start-up, and tokens as they are issued) and secret
shapes (Bearer headers, Sanctum tokens `123|abc…`, Telegram bot tokens), and replaces them with `***`.
`RedactingFilter` applies it to every log record that passes through a handler.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"

_SHAPES = [
    re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"),
    re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{8,}"),  # HTTP Basic (the YooKassa SDK's shop id:secret key)
    re.compile(r"\b\d{1,12}\|[A-Za-z0-9]{16,}"),  # Laravel Sanctum token: "<id>|<opaque>"
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token
    re.compile(r"(?i)(\"?password\"?\s*[:=]\s*\"?)[^\s\"',}&]+"),
]


def _phone_pattern(phone: str) -> re.Pattern[str] | None:
    """Match a phone number whatever its separators: '+7 911 111-11-11', '79111111111', '8 (911) ...'."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return None
    national = digits[1:] if len(digits) == 11 and digits[0] in "78" else digits
    sep = r"[\s\-().]*"
    body = sep.join(re.escape(d) for d in national)
    return re.compile(rf"(?:\+?\s*[78]{sep})?{body}")


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._literals: set[str] = set()
        self._patterns: list[re.Pattern[str]] = []

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= 4:
            with self._lock:
                self._literals.add(value)

    def add_phone(self, phone: str | None) -> None:
        pattern = _phone_pattern(phone or "")
        if pattern is not None:
            with self._lock:
                self._patterns.append(pattern)

    def redact(self, text: str) -> str:
        with self._lock:
            literals = sorted(self._literals, key=len, reverse=True)
            patterns = list(self._patterns)
        for literal in literals:
            if literal in text:
                text = text.replace(literal, MASK)
        for pattern in patterns:
            text = pattern.sub(MASK, text)
        for shape in _SHAPES:
            text = shape.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
        return text


# The process-wide redactor: secrets are registered once by the composition root.
redactor = Redactor()


def redact_record(record: logging.LogRecord, target: Redactor | None = None) -> logging.LogRecord:
    """Format the record's message and traceback now, redacted, and freeze them (args cleared)."""
    active = target or redactor
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not kill logging
        message = str(record.msg)
    record.msg = active.redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = active.redact(record.exc_text)
    return record


_installed = False


def install_log_redaction() -> None:
    """Redact every log record when it is created, whichever logger or handler it goes to."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(make_record(*args, **kwargs))

    logging.setLogRecordFactory(redacting_factory)
    _installed = True
