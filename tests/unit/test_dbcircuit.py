"""The database circuit: after a failed connection units fail at once; one trial at a time after that."""

from __future__ import annotations

import pytest

from cargotool.core.storage import dbcircuit
from cargotool.core.storage.dbcircuit import DatabaseCircuit, DatabaseUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(dbcircuit.time, "monotonic", clock)
    return clock


def test_closed_lets_every_unit_through(clock):
    circuit = DatabaseCircuit(retry_seconds=1.0)
    for _ in range(3):
        circuit.admit()
    assert circuit.state == dbcircuit.CLOSED


def test_open_fails_at_once_then_lets_one_trial_through(clock):
    circuit = DatabaseCircuit(retry_seconds=1.0)
    circuit.failed()
    with pytest.raises(DatabaseUnavailable):
        circuit.admit()
    clock.now += 1.0
    circuit.admit()  # the trial
    assert circuit.state == dbcircuit.HALF_OPEN
    with pytest.raises(DatabaseUnavailable):
        circuit.admit()  # others still fail while the trial runs
    circuit.succeeded()
    circuit.admit()
    assert circuit.state == dbcircuit.CLOSED


def test_a_failed_trial_opens_it_again(clock):
    circuit = DatabaseCircuit(retry_seconds=1.0)
    circuit.failed()
    clock.now += 1.0
    circuit.admit()
    circuit.failed()
    with pytest.raises(DatabaseUnavailable):
        circuit.admit()
    clock.now += 1.0
    circuit.admit()
    assert circuit.state == dbcircuit.HALF_OPEN


def test_a_trial_that_never_got_to_try_hands_the_trial_on(clock):
    circuit = DatabaseCircuit(retry_seconds=1.0)
    circuit.failed()
    clock.now += 1.0
    trial = circuit.admit()
    circuit.inconclusive(trial)  # it waited behind other units and gave up
    assert circuit.admit() is not None  # the next caller is the trial at once, not after another retry period
    assert circuit.state == dbcircuit.HALF_OPEN


def test_only_the_trial_itself_can_hand_the_trial_on(clock):
    circuit = DatabaseCircuit(retry_seconds=1.0)
    circuit.failed()
    clock.now += 1.0
    assert circuit.admit() is not None
    circuit.inconclusive(None)  # a unit admitted while closed gives up late: not the trial
    with pytest.raises(DatabaseUnavailable):
        circuit.admit()


def test_a_trial_that_never_decides_is_taken_over_after_its_bound(clock):
    circuit = DatabaseCircuit(retry_seconds=1.0, trial_seconds=4.0)
    circuit.failed()
    clock.now += 1.0
    stuck = circuit.admit()  # its caller vanished without a word
    clock.now += 3.9
    with pytest.raises(DatabaseUnavailable):
        circuit.admit()
    clock.now += 0.1
    taker = circuit.admit()
    assert taker is not None and taker is not stuck
    circuit.inconclusive(stuck)  # the old trial's late word changes nothing
    assert circuit.state == dbcircuit.HALF_OPEN
    circuit.succeeded()
    assert circuit.state == dbcircuit.CLOSED


def test_unavailable_is_an_operational_error_so_it_maps_to_503():
    import peewee

    assert issubclass(DatabaseUnavailable, peewee.OperationalError)
