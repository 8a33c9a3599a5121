"""The relational database: a peewee `Database` from DATABASE_URL and a helper to use it off the loop.

peewee is synchronous and keeps its connection state per thread, so every piece of DB work runs in a
worker thread through `Database.run`, inside a connection context of that thread.

PostgreSQL goes through peewee's connection pool (`playhouse.pool`): a unit of work checks a connection
out (the pool pings an idle one with `SELECT 1` and replaces it if it is dead or older than
`STALE_SECONDS`) and the context returns it at the end. Getting a usable connection is bounded by
`pool_wait`; when that fails the circuit (dbcircuit.py) makes the next units fail at once, and the
connections of a blackholed server are cut so no thread stays stuck on them. SQLite opens its file per
unit of work, as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, TypeVar

import peewee
from playhouse.db_url import connect, parse
from playhouse.pool import MaxConnectionsExceeded, PooledPostgresqlDatabase
from playhouse.postgres_ext import PooledPostgresqlExtDatabase

from .dbcircuit import DatabaseCircuit, DatabaseUnavailable
from .models import database_proxy

T = TypeVar("T")
CONNECT_TIMEOUT = 2  # seconds (libpq's smallest useful value); DATABASE_URL may set its own ?connect_timeout=
POOL_SIZE = 10
POOL_WAIT = 2.0  # seconds a unit of work may wait for a usable connection before it is a 503
STALE_SECONDS = 300  # a pooled connection older than this is closed instead of handed out

# busy_timeout first: switching to WAL itself may have to wait for another connection.
_SQLITE_PRAGMAS = {"busy_timeout": 10000, "journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal"}


_current = threading.local()  # the unit of work this thread runs (see _Unit.dialing)


class _Tracking:
    """Pool behaviour on top of peewee's: remembers the connections it handed out, so they can be cut
    when the server vanishes, and tells the unit of work when it starts talking to the server."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handed_out: weakref.WeakSet = weakref.WeakSet()

    def _connect(self):  # peewee's pool: ping an idle connection, or open one, or MaxConnectionsExceeded
        unit = getattr(_current, "unit", None)
        if unit is not None:
            unit.dialing.set()
        try:
            return super()._connect()
        except MaxConnectionsExceeded:
            if unit is not None:
                unit.dialing.clear()  # waiting for a free slot is being busy, not a dead server
            raise

    def _initialize_connection(self, conn) -> None:  # peewee's hook, called on every check-out
        super()._initialize_connection(conn)
        self.handed_out.add(conn)

    def cut_all(self) -> None:
        """Shut the sockets of every connection down: a thread blocked on one gets an error at once, and
        the pool discards them on their next check-out or check-in."""
        for conn in list(self.handed_out):
            with contextlib.suppress(Exception):
                if not conn.closed:
                    sock = socket.socket(fileno=conn.fileno())
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    finally:
                        sock.detach()  # the descriptor stays libpq's


class _Pool(_Tracking, PooledPostgresqlDatabase):
    pass


class _ExtPool(_Tracking, PooledPostgresqlExtDatabase):
    pass


def open_database(url: str, *, pool_size: int = POOL_SIZE, pool_wait: float = POOL_WAIT,
                  connect_timeout: int = CONNECT_TIMEOUT) -> peewee.Database:
    """Open (lazily: peewee connects on first use) the database named by `url`."""
    if url.startswith("sqlite:"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return connect(url, pragmas=_SQLITE_PRAGMAS)
    params = parse(url)
    params.setdefault("connect_timeout", connect_timeout)
    pooled_class = _ExtPool if url.split(":", 1)[0].endswith("ext") else _Pool  # postgresext://: the extension class
    return pooled_class(max_connections=pool_size, stale_timeout=STALE_SECONDS, timeout=pool_wait, **params)


class _Unit:
    """One unit of work on its way through the pool: the loop learns when it has its connection."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.connected = loop.create_future()
        self.connected.add_done_callback(_consume)
        self.dialing = threading.Event()  # set while the pool pings or opens a connection for it
        self.abandoned = threading.Event()

    def tell(self, error: BaseException | None) -> None:
        def settle() -> None:
            if not self.connected.done():
                self.connected.set_exception(error) if error else self.connected.set_result(None)
        self.loop.call_soon_threadsafe(settle)


class Database:
    """Owns the peewee database and runs work on it in threads.

    One per process: peewee binds model classes globally (through `database_proxy`), so a second
    Database in the same process re-points every model at itself.
    """

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE, pool_wait: float = POOL_WAIT,
                 connect_timeout: int = CONNECT_TIMEOUT) -> None:
        self.url = url
        self.pool_wait = pool_wait
        self.peewee = open_database(url, pool_size=pool_size, pool_wait=pool_wait, connect_timeout=connect_timeout)
        self.circuit = DatabaseCircuit()
        # Pooled units get threads of their own, as many as connections: their queue is only DB work.
        self._executor = ThreadPoolExecutor(pool_size, thread_name_prefix="db") if self.is_pooled else None
        database_proxy.initialize(self.peewee)

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.peewee, peewee.PostgresqlDatabase)

    @property
    def is_pooled(self) -> bool:
        return isinstance(self.peewee, _Tracking)

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
        if self._executor is None:
            return await asyncio.to_thread(self.run_sync, work)
        self.circuit.admit()
        unit = _Unit(asyncio.get_running_loop())
        done = unit.loop.run_in_executor(self._executor, self._run_unit, unit, work)
        done.add_done_callback(_consume)  # when the connect fails, its error is raised from `connected`
        try:
            await asyncio.wait_for(asyncio.shield(unit.connected), self.pool_wait)
        except asyncio.TimeoutError:
            unit.abandoned.set()
            if unit.dialing.is_set():  # stuck connecting or pinging: the server does not answer
                self.circuit.failed()
                self.peewee.cut_all()
            else:  # still queued behind other units: busy, not down
                self.circuit.inconclusive()
            raise DatabaseUnavailable(f"no database connection within {self.pool_wait:g} s") from None
        except MaxConnectionsExceeded:
            self.circuit.inconclusive()
            raise DatabaseUnavailable(f"no free database connection within {self.pool_wait:g} s") from None
        except (peewee.OperationalError, peewee.InterfaceError):
            self.circuit.failed()
            raise
        self.circuit.succeeded()
        return await done

    def _run_unit(self, unit: _Unit, work: Callable[[], T]) -> T:
        if unit.abandoned.is_set():
            raise DatabaseUnavailable("given up while waiting")
        _current.unit = unit
        try:
            self.peewee.connect(reuse_if_open=True)
        except BaseException as exc:
            unit.tell(exc)
            raise
        finally:
            _current.unit = None
        unit.tell(None)
        with self.peewee.connection_context():  # returns the connection to the pool at the end
            if unit.abandoned.is_set():  # the caller has answered 503 already: do not do the work late
                raise DatabaseUnavailable("given up while connecting")
            return work()

    async def ping(self) -> None:
        await self.run(lambda: self.peewee.execute_sql("SELECT 1").fetchone())

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self.is_pooled:
            self.peewee.close_all()
        elif not self.peewee.is_closed():
            self.peewee.close()


def _consume(future: asyncio.Future) -> None:
    """Mark a future's error as seen: asyncio would log it as never retrieved when it is collected, and
    Python 3.11 formats that traceback (ast.parse) from inside the garbage collector, which can make a
    concurrent ast.parse (Sanic's router) fail with SystemError."""
    if not future.cancelled():
        future.exception()
