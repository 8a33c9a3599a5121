"""Replaces a server worker that died (kill -9, OOM killer, a crash) within about a second.

Sanic's worker manager notices a dead worker (it marks it FAILED) but never starts a new one. This
thread, in the main process, looks at the workers every `CHECK_SECONDS`; for each dead one it logs one
line and asks the manager to restart it through the manager's own monitor channel (the way a worker
asks for a reload), so the restart runs in the manager's loop, not in this thread.
"""

from __future__ import annotations

import logging
import threading

from sanic.worker.constants import ProcessState
from sanic.worker.process import WorkerProcess

log = logging.getLogger("cargotool.watchdog")

CHECK_SECONDS = 0.5
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
    while not stop.wait(CHECK_SECONDS):
        if manager._shutting_down:
            return
        for process in list(manager.transient_processes):
            if SERVER_LABEL not in process.name or process.state in BUSY or process.is_alive():
                continue
            pid = process.pid
            if pid is None or asked.get(process.name) == pid:
                continue  # not started yet, or already asked: the manager is on it
            asked[process.name] = pid
            log.error("worker %s (pid %s) died (exit code %s): starting a new one", process.name, pid, process.exitcode)
            manager.monitor_publisher.send(f"{process.name}:")
