"""A Redis connection reset while the server runs on uvloop.

Writing on a transport whose peer went away raises `RuntimeError("unable to perform operation on
<TCPTransport closed=True ...>; the handler is closed")` there, not an OSError, so neither a retry that
waits for a ConnectionError nor the 503 mapping would know it (redis-py before 8.2 lets it through; the
batcher writes on pooled connections itself). Recognised narrowly: that message, raised inside redis-py
or the batcher — any other RuntimeError stays a bug (a 500).
"""

from __future__ import annotations

import traceback

CLOSED_HANDLE = "the handler is closed"
REDIS_MODULES = ("redis.", "cargotool.core.storage.batcher")


def is_closed_transport(exc: BaseException) -> bool:
    """A RuntimeError of a write on a transport that is closed already."""
    return isinstance(exc, RuntimeError) and CLOSED_HANDLE in str(exc)


def is_reset_redis_connection(exc: BaseException) -> bool:
    """`is_closed_transport`, raised while talking to Redis (not, say, to CargoTech or to a client)."""
    if not is_closed_transport(exc):
        return False
    return any(frame.f_globals.get("__name__", "").startswith(REDIS_MODULES)
               for frame, _ in traceback.walk_tb(exc.__traceback__))
