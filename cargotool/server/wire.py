"""Requests that are not HTTP/1.1 as RFC 9112 writes it get a 400 and one short, rate-limited log line.

- A request target Sanic cannot parse (a raw NUL, CR or TAB in it; `CONNECT host:443`): Sanic answers such a
  request through a stand-in request built from the same bad target, which fails again, so the
  connection used to close with no answer and a 2 KB traceback. `stand_in_target` gives that stand-in a
  harmless target, so our JSON 400 is sent (with `Connection: close`).
- Whitespace between a header's name and its colon (`Transfer-Encoding : chunked`): RFC 9112 §5.1 says
  reject. Sanic would keep the header under a name no one asks for and read the body as a second request
  (request smuggling behind a proxy that does take the header).
- Each refusal is one warning line; past one a minute per worker, the lines are counted and the count is
  told on the next line (a 40-byte request must not buy 2 KB of log).
"""

from __future__ import annotations

import logging
import threading
import time

from sanic.exceptions import BadRequest

log = logging.getLogger(__name__)

UNREADABLE_METHOD = "NONE"  # what Sanic calls the stand-in request of a request it could not read
STAND_IN_TARGET = b"/"
LOG_INTERVAL = 60.0  # seconds between two lines about refused requests, per worker
MESSAGE = "Запрос не по протоколу HTTP/1.1"
SHOWN_TARGET = 60  # characters of a refused target in the log line


class BadHeaderLine(BadRequest):
    """A header line RFC 9112 §5.1 says to reject (whitespace before the colon)."""


def check_header_lines(head: bytes) -> None:
    """BadHeaderLine when a header's name ends in whitespace. The usual head has no " :" at all, so the
    line-by-line look is only for the rare one that has."""
    if b" :" not in head and b"\t:" not in head:
        return
    for line in head.split(b"\r\n")[1:]:
        name, colon, _ = line.partition(b":")
        if colon and name != name.rstrip(b" \t"):
            raise BadHeaderLine("Whitespace between a header's name and its colon")


def is_unreadable(request) -> bool:
    """True for Sanic's stand-in of a request it could not read (no method, no real target)."""
    return request.method == UNREADABLE_METHOD


class RateLimitedLine:
    """At most one warning per `interval` seconds; the lines held back are counted into the next one."""

    def __init__(self, logger: logging.Logger, interval: float = LOG_INTERVAL, clock=time.monotonic) -> None:
        self._logger, self._interval, self._clock = logger, interval, clock
        self._last: float | None = None
        self._held = 0
        self._lock = threading.Lock()

    def warning(self, message: str, *args) -> bool:
        """Log (True) or count (False) one line."""
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last < self._interval:
                self._held += 1
                return False
            held, self._held, self._last = self._held, 0, now
        if held:
            message += f" (and {held} more like it not logged in the last {self._interval:.0f} s)"
        self._logger.warning(message, *args)
        return True


refusals = RateLimitedLine(log)


def log_refusal(request, exc: Exception) -> None:
    """One short line: who, what was wrong, the target as received (escaped, cut short)."""
    target = getattr(request.ctx, "unreadable_target", None) or request.raw_url
    peer = (request.transport.get_extra_info("peername") or ("?",))[0] if request.transport else "?"
    what = "whitespace before a header's colon" if isinstance(exc, BadHeaderLine) else \
        f"{getattr(exc, 'status_code', '?')} {type(exc).__name__}"
    refusals.warning("refused an unreadable request from %s: %s, target %r", peer, what,
                     target[:SHOWN_TARGET])  # %r: no raw CR, LF or NUL reaches a log line
