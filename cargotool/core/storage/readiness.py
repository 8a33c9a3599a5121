"""What `/readyz` asks the database beyond "does it answer": is its schema at the latest migration, and
(SQLite) does its file still take writes.

Writability is checked two ways, because neither alone tells the truth about a full disk:
- the file system of the SQLite file: mounted read-only, or less than `MIN_FREE_BYTES` free. A write can
  still succeed on a full disk (WAL mode reuses the pages of its log), while the next bigger one fails;
  the threshold says "full" before the writes start failing.
- a real write, committed: the heartbeat row (migration 32). This catches what the file system's figures
  do not: a file that cannot be opened for writing, an I/O error, a connection that is read-only.
Each returns "ok" or "error: <why>"; the reason names no path (readiness answers are public).
"""

from __future__ import annotations

import os

from .db import Database
from .migrations import pending
from .models import utcnow

MIN_FREE_BYTES = 16 * 1024 * 1024


async def schema_state(database: Database) -> str:
    missing = await database.run(lambda: pending(database))
    if not missing:
        return "ok"
    return f"error: {len(missing)} migration(s) not applied (first: {missing[0].version}); run `cargotool db migrate`"


def _file_system_problem(path: str) -> str | None:
    stats = os.statvfs(os.path.dirname(os.path.abspath(path)))
    if stats.f_flag & os.ST_RDONLY:
        return "read-only file system"
    free = stats.f_bavail * stats.f_frsize
    if free < MIN_FREE_BYTES:
        return f"disk almost full ({free // (1024 * 1024)} MB free, {MIN_FREE_BYTES // (1024 * 1024)} MB needed)"
    return None


async def sqlite_writable(database: Database) -> str:
    """"ok" when the SQLite file takes a committed write and its disk has room."""
    problem = _file_system_problem(database.peewee.database)
    if problem:
        return f"error: {problem}"

    def beat() -> None:
        with database.write_transaction():
            database.peewee.execute_sql("INSERT OR REPLACE INTO health_heartbeat (id, beat_at) VALUES (1, ?)",
                                        (utcnow().replace(tzinfo=None),))

    try:
        await database.run(beat)
    except Exception as exc:  # the type only: messages may carry paths
        return f"error: writes refused ({type(exc).__name__})"
    return "ok"
