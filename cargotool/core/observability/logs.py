"""Log records carry the id of the request they belong to; LOG_FORMAT picks plain text or one-line JSON.

The request id lives in a context variable, set by the server's middleware for the duration of a
request (asyncio copies the context into the tasks a request starts), and is stamped on every record
by a record factory, so it reaches every logger and handler (Sanic's too). Redaction is also a record
factory (core/redaction.py) and runs first, so JSON lines are as clean as text ones.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
_stamping = False


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [request {rid}]" if rid else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def install_request_ids() -> None:
    """Stamp the current request id on every record, whichever logger makes it."""
    global _stamping
    if _stamping:
        return
    make_record = logging.getLogRecordFactory()

    def stamping_factory(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    logging.setLogRecordFactory(stamping_factory)
    _stamping = True


def setup_logging(level: str = "WARNING", log_format: str = "text", *, also: tuple[str, ...] = ()) -> None:
    """The root logger (and the loggers named in `also`, which keep their own level) write to stderr
    in the chosen format, replacing any handler set before."""
    install_request_ids()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    for name in ("", *also):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.addHandler(handler)
    logging.getLogger().setLevel(level)
