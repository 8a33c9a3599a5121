"""Fail fast while PostgreSQL cannot be reached, instead of queueing every request behind a connect.

closed     units of work go through.
open       a unit could not get a connection (connect failed, or no answer within the pool wait), or the
           server stopped answering work under way: for `retry_seconds` every unit fails at once with
           `DatabaseUnavailable`.
half-open  after that, one unit is let through as the trial; the others still fail at once. The trial's
           connection decides: closed again, or open for another `retry_seconds`. A trial whose caller
           gave up (cancelled, queued behind other work) hands the trial on; a trial that has not decided
           within `trial_seconds` is taken over by the next caller, so half-open never lasts forever.

In-process on purpose: the CargoTech breaker (circuit.py) lives in Redis, and whether
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


class Trial:
    """The ticket of the unit of work that is the circuit's trial."""


class DatabaseCircuit:
    def __init__(self, retry_seconds: float = 1.0, trial_seconds: float = 5.0) -> None:
        self.retry_seconds = retry_seconds
        self.trial_seconds = trial_seconds
        self._lock = threading.Lock()
        self._state = CLOSED
        self._until = 0.0  # while open: when the next trial may go; while half-open: when the trial expires
        self._trial: Trial | None = None

    @property
    def state(self) -> str:
        return self._state

    def admit(self) -> Trial | None:
        """Let a unit of work try, or raise DatabaseUnavailable at once. Returns the trial's ticket when
        this caller is the trial (hand it to `inconclusive` if the unit gives up), else None."""
        with self._lock:
            if self._state == CLOSED:
                return None
            if time.monotonic() >= self._until:  # open and the retry is due, or the trial expired
                self._state, self._until = HALF_OPEN, time.monotonic() + self.trial_seconds
                self._trial = Trial()
                return self._trial
        raise DatabaseUnavailable("the database is unreachable (failing fast until it answers again)")

    def succeeded(self) -> None:
        with self._lock:
            self._state, self._trial = CLOSED, None

    def failed(self) -> None:
        with self._lock:
            self._state, self._until, self._trial = OPEN, time.monotonic() + self.retry_seconds, None

    def inconclusive(self, trial: Trial | None) -> None:
        """The unit gave up without a verdict (it waited behind others, or its caller cancelled it): when it
        held the trial, the next caller may be the trial at once. Any other unit changes nothing."""
        with self._lock:
            if trial is not None and trial is self._trial:
                self._state, self._until, self._trial = OPEN, time.monotonic(), None
