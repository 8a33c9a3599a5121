"""Replaces a server worker that died (kill -9, OOM killer, a crash) at once.

Sanic's worker manager notices a dead worker (it marks it FAILED) but never starts a new one. This
thread, in the main process, waits on the workers' process descriptors (Linux pidfds: readable the
moment the process ends), so it wakes when one dies rather than on a polling tick; for each dead one it
logs one line and asks the manager to restart it through the manager's own monitor channel (the way a
worker asks for a reload), so the restart runs in the manager's loop, not in this thread. Without pidfds
it looks every `CHECK_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import select
import threading

from sanic.worker.constants import ProcessState
from sanic.worker.process import WorkerProcess

log = logging.getLogger("cargotool.watchdog")

CHECK_SECONDS = 0.5  # also how soon a new worker is watched and a shutdown seen
SERVER_LABEL = f"-{WorkerProcess.SERVER_LABEL}-"  # "Sanic-Server-0-0"; the inspector, if any, is not ours
BUSY = (ProcessState.NONE, ProcessState.IDLE, ProcessState.RESTARTING)


def start_watchdog(app) -> threading.Thread:
    """Start watching `app.manager`'s server workers (call from a `main_process_ready` listener)."""
    thread = threading.Thread(target=_watch, args=(app.manager,), name="cargotool-watchdog", daemon=True)
    thread.start()
    return thread


def _watch(manager, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    asked: dict[str, int] = {}  # worker name -> the pid we asked to replace
    descriptors = _Descriptors()
    try:
        while not stop.is_set():
            if manager._shutting_down:
                return
            servers = [p for p in manager.transient_processes if SERVER_LABEL in p.name]
            watched = {p.pid for p in servers if p.pid is not None} - set(asked.values())
            descriptors.wait(watched, CHECK_SECONDS, stop)
            if manager._shutting_down:
                return
            for process in servers:
                if process.state in BUSY or process.is_alive():
                    continue
                pid = process.pid
                if pid is None or asked.get(process.name) == pid:
                    continue  # not started yet, or already asked: the manager is on it
                asked[process.name] = pid
                log.error("worker %s (pid %s) died (exit code %s): starting a new one", process.name, pid,
                          process.exitcode)
                manager.monitor_publisher.send(f"{process.name}:")
    finally:
        descriptors.close()


class _Descriptors:
    """A pidfd per watched worker; `wait` returns when one of them ends, or after `timeout`."""

    def __init__(self) -> None:
        self._fds: dict[int, int] = {}
        self._usable = hasattr(os, "pidfd_open")

    def wait(self, pids: set[int], timeout: float, stop: threading.Event) -> None:
        for pid in set(self._fds) - pids:
            os.close(self._fds.pop(pid))
        for pid in pids - set(self._fds):
            if not self._usable:
                break
            try:
                self._fds[pid] = os.pidfd_open(pid)
            except ProcessLookupError:
                return  # already gone (and reaped): look now
            except OSError:  # no pidfds here (old kernel, seccomp): fall back to looking on a tick
                self._usable = False
        if not self._fds:
            stop.wait(timeout)
            return
        select.select(list(self._fds.values()), [], [], timeout)

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
