"""The relational database: a peewee `Database` from DATABASE_URL and a helper to use it off the loop.

peewee is synchronous and keeps its connection state per thread, so every piece of DB work runs in a
worker thread through `Database.run`, inside a connection context of that thread.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable, TypeVar

import peewee
from playhouse.db_url import connect

from .models import database_proxy

T = TypeVar("T")
CONNECT_TIMEOUT = 5  # seconds (PostgreSQL); DATABASE_URL may set its own ?connect_timeout=

# busy_timeout first: switching to WAL itself may have to wait for another connection.
_SQLITE_PRAGMAS = {"busy_timeout": 10000, "journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal"}


def open_database(url: str) -> peewee.Database:
    """Open (lazily: peewee connects on first use) the database named by `url`."""
    if url.startswith("sqlite:"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        db = connect(url, pragmas=_SQLITE_PRAGMAS)
    else:  # a database host that stopped answering fails the request in seconds instead of hanging it
        db = connect(url, **({} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT}))
    return db


class Database:
    """Owns the peewee database and runs work on it in threads.

    One per process: peewee binds model classes globally (through `database_proxy`), so a second
    Database in the same process re-points every model at itself.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.peewee = open_database(url)
        database_proxy.initialize(self.peewee)

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.peewee, peewee.PostgresqlDatabase)

    def write_transaction(self):
        """A transaction that takes the write lock at once (SQLite: BEGIN IMMEDIATE), so two writers
        wait for each other instead of failing with 'database is locked' on a lock upgrade."""
        if isinstance(self.peewee, peewee.SqliteDatabase):
            return self.peewee.atomic(lock_type="IMMEDIATE")
        return self.peewee.atomic()

    def run_sync(self, work: Callable[[], T]) -> T:
        with self.peewee.connection_context():
            return work()

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(self.run_sync, work)

    async def ping(self) -> None:
        await self.run(lambda: self.peewee.execute_sql("SELECT 1").fetchone())

    def close(self) -> None:
        if not self.peewee.is_closed():
            self.peewee.close()
