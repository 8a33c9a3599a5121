"""The relational database: a peewee `Database` from DATABASE_URL and a helper to use it off the loop.

peewee is synchronous and keeps its connection state per thread, so every piece of DB work runs in a
worker thread through `Database.run`, inside a connection context of that thread.

PostgreSQL goes through peewee's connection pool (`playhouse.pool`): a unit of work checks a connection
out (the pool pings an idle one with `SELECT 1` and replaces it if it is dead or older than
`STALE_SECONDS`) and the context returns it at the end. Getting a usable connection is bounded by
`pool_wait`; when that fails the circuit (dbcircuit.py) makes the next units fail at once, and the
connections of a blackholed server are cut so no thread stays stuck on them.

Work under way is bounded too. The server ends a statement after `statement_timeout` (a libpq option
on every pooled connection; migrations lift it), TCP keepalives notice a peer that vanished from the
network, and a unit with no result within `statement_timeout + pool_wait` is given up (503) and its
connection cut. A unit that waited its whole `pool_wait` behind busy threads while not one unit finished
means the server went silent under them: the circuit opens and every connection is cut at once.
SQLite opens its file per unit of work, as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
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
STATEMENT_TIMEOUT = 10.0  # seconds the server may spend on one statement (migrations: no limit)
# A peer gone from the network (no RST) is noticed after about idle + interval * count seconds.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}

# busy_timeout first: switching to WAL itself may have to wait for another connection.
_SQLITE_PRAGMAS = {"busy_timeout": 10000, "journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal"}


_current = threading.local()  # the unit of work this thread runs (see _Unit.dialing)


class _Tracking:
    """Pool behaviour on top of peewee's: remembers the connections it handed out, so they can be cut
    when the server vanishes, and tells the unit of work when it starts talking to the server."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handed_out: weakref.WeakSet = weakref.WeakSet()
        self._handed_out_lock = threading.Lock()  # pool threads add while the loop's thread cuts

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
        self.remember(conn)
        unit = getattr(_current, "unit", None)
        if unit is not None:
            unit.conn = conn

    def remember(self, conn) -> None:
        with self._handed_out_lock:
            self.handed_out.add(conn)

    def cut_all(self) -> None:
        """Shut the sockets of every connection down: a thread blocked on one gets an error at once, and
        the pool discards them on their next check-out or check-in."""
        with self._handed_out_lock:
            connections = list(self.handed_out)
        for conn in connections:
            cut(conn)


def cut(conn) -> None:
    """Shut one connection's socket down (a thread blocked on it gets an error at once)."""
    with contextlib.suppress(Exception):
        if conn is not None and not conn.closed:
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
                  connect_timeout: int = CONNECT_TIMEOUT,
                  statement_timeout: float = STATEMENT_TIMEOUT) -> peewee.Database:
    """Open (lazily: peewee connects on first use) the database named by `url`."""
    if url.startswith("sqlite:"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return connect(url, pragmas=_SQLITE_PRAGMAS)
    params = parse(url)
    params.setdefault("connect_timeout", connect_timeout)
    params.setdefault("options", f"-c statement_timeout={round(statement_timeout * 1000)}")
    for name, value in KEEPALIVES.items():
        params.setdefault(name, value)
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
        self.conn = None  # the connection it checked out (PostgreSQL), to cut it when it gets stuck

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
                 connect_timeout: int = CONNECT_TIMEOUT, statement_timeout: float = STATEMENT_TIMEOUT) -> None:
        self.url = url
        self.pool_wait = pool_wait
        self.work_timeout = statement_timeout + pool_wait  # the server ends a statement first, if it answers
        self.peewee = open_database(url, pool_size=pool_size, pool_wait=pool_wait, connect_timeout=connect_timeout,
                                    statement_timeout=statement_timeout)
        self.circuit = DatabaseCircuit(trial_seconds=2 * pool_wait)
        self._answered_at = time.monotonic()  # when the server last answered a unit of work
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

    @property
    def ping_timeout(self) -> float:
        """How long an outside caller should let `ping` take: longer than its own bounds (connection and
        answer, `pool_wait` each), so `ping` decides and an outer timeout never cancels a trial."""
        return 2 * self.pool_wait + 1.0

    async def run(self, work: Callable[[], T], *, timeout: float | None = None) -> T:
        """Run `work` in a pool thread with a connection. PostgreSQL: 503 (`DatabaseUnavailable`) when no
        connection comes within `pool_wait`, or no result within `timeout` (default `work_timeout`)."""
        if self._executor is None:
            return await asyncio.to_thread(self.run_sync, work)
        trial = self.circuit.admit()
        unit = _Unit(asyncio.get_running_loop())
        queued_at = time.monotonic()
        done = unit.loop.run_in_executor(self._executor, self._run_unit, unit, work)
        done.add_done_callback(_consume)  # when the connect fails, its error is raised from `connected`
        try:
            await self._connection(unit, queued_at)
            return await self._result(unit, done, timeout or self.work_timeout)
        except BaseException:  # failed, timed out, or cancelled by the caller (an outer timeout, a client gone)
            unit.abandoned.set()
            self.circuit.inconclusive(trial)  # if this unit still held the trial, the next caller takes it
            raise

    async def _connection(self, unit: _Unit, queued_at: float) -> None:
        """Wait (at most `pool_wait`) until the unit has its connection."""
        try:
            await asyncio.wait_for(asyncio.shield(unit.connected), self.pool_wait)
        except asyncio.TimeoutError:
            unit.abandoned.set()
            # Stuck connecting or pinging, or queued behind units none of which finished while it
            # waited: the server does not answer.
            if unit.dialing.is_set() or self._answered_at < queued_at:
                self._server_is_silent()
            raise DatabaseUnavailable(f"no database connection within {self.pool_wait:g} s") from None
        except MaxConnectionsExceeded:
            raise DatabaseUnavailable(f"no free database connection within {self.pool_wait:g} s") from None
        except (peewee.OperationalError, peewee.InterfaceError):
            self.circuit.failed()
            raise
        self.circuit.succeeded()

    async def _result(self, unit: _Unit, done: asyncio.Future, timeout: float) -> T:
        """Wait (at most `timeout`) for the unit's result; past it, cut its connection loose."""
        started = time.monotonic()
        try:
            return await asyncio.wait_for(asyncio.shield(done), timeout)
        except asyncio.TimeoutError:
            cut(unit.conn)
            if self._answered_at < started:  # not one unit got an answer all that time
                self._server_is_silent()
            raise DatabaseUnavailable(f"no answer from the database within {timeout:g} s") from None

    def _server_is_silent(self) -> None:
        self.circuit.failed()
        self.peewee.cut_all()

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
        self._answered_at = time.monotonic()
        unit.tell(None)
        with self.peewee.connection_context():  # returns the connection to the pool at the end
            if unit.abandoned.is_set():  # the caller has answered 503 already: do not do the work late
                raise DatabaseUnavailable("given up while connecting")
            try:
                answer = work()
            except (peewee.OperationalError, peewee.InterfaceError):
                raise  # most likely a dead or cut connection: no sign of life
            except BaseException:
                self._answered_at = time.monotonic()  # the server answered, with an error
                raise
            self._answered_at = time.monotonic()
            return answer

    async def ping(self) -> None:
        await self.run(lambda: self.peewee.execute_sql("SELECT 1").fetchone(), timeout=self.pool_wait)

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
