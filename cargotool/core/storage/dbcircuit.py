"""Fail fast while PostgreSQL cannot be reached, instead of queueing every request behind a connect.

closed     units of work go through.
open       a unit could not get a connection (connect failed, or no answer within the pool wait): for
           `retry_seconds` every unit fails at once with `DatabaseUnavailable`.
half-open  after that, one unit is let through as the trial; the others still fail at once. The trial's
           connection decides: closed again, or open for another `retry_seconds`.

In-process on purpose: the CargoTech breaker (core/cargotech/breaker.py) lives in Redis, and whether
this process can reach its database must not depend on Redis. The Outages probe (outage.py) pings
through `Database.run`, so with no traffic the probe is the trial that closes the circuit.
"""

from __future__ import annotations

import threading
import time

import peewee

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class DatabaseUnavailable(peewee.OperationalError):
    """No database connection could be had in time; an OperationalError, so it maps to a 503."""


class DatabaseCircuit:
    def __init__(self, retry_seconds: float = 1.0) -> None:
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._state = CLOSED
        self._until = 0.0  # while open: when the next trial may go

    @property
    def state(self) -> str:
        return self._state

    def admit(self) -> None:
        """Let a unit of work try, or raise DatabaseUnavailable at once."""
        with self._lock:
            if self._state == CLOSED:
                return
            if self._state == OPEN and time.monotonic() >= self._until:
                self._state = HALF_OPEN  # this caller is the trial
                return
        raise DatabaseUnavailable("the database is unreachable (failing fast until it answers again)")

    def succeeded(self) -> None:
        with self._lock:
            self._state = CLOSED

    def failed(self) -> None:
        with self._lock:
            self._state, self._until = OPEN, time.monotonic() + self.retry_seconds

    def inconclusive(self) -> None:
        """The unit never got to try (it waited behind others): a trial it was may be taken by the next one."""
        with self._lock:
            if self._state == HALF_OPEN:
                self._state, self._until = OPEN, time.monotonic()
