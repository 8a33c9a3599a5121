"""Finding `cargotool serve`'s worker processes from outside, through /proc (Linux).

A worker is told apart as a child of the main process that holds one of the main's listening sockets
(Sanic's multiprocessing manager, the other child, is started before the sockets are made): this holds
whether workers are spawned or forked, unlike their /proc environ.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

LISTEN = "0A"  # TCP state in /proc/net/tcp


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def _tcp_rows() -> list[list[str]]:
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows += [line.split() for line in Path(table).read_text().splitlines()[1:]]
        except OSError:
            continue
    return rows


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.add(int(entry.name))
    return found


def worker_pids(main_pid: int) -> set[int]:
    """The live server workers of the `cargotool serve` whose main process is `main_pid`."""
    listening = {int(row[9]) for row in _tcp_rows() if row[3] == LISTEN} & _socket_inodes(main_pid)
    if not listening:
        return set()
    # a killed worker not yet reaped (a zombie) has no descriptors left, so it is not counted
    return {pid for pid in _children(main_pid) if _socket_inodes(pid) & listening}


def answered_by(port: int, candidates: set[int]) -> int | None:
    """Ask `/healthz` on a new connection and return the candidate worker that accepted it (None: it was
    another process, or the answer was not a 200)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: worker-check\r\n\r\n")
        if not sock.recv(4096).startswith(b"HTTP/1.1 200"):
            return None
        local_port = sock.getsockname()[1]  # the connection is still open, so the worker still holds its end
        inode = next((int(row[9]) for row in _tcp_rows()
                      if row[1].endswith(f":{port:04X}") and row[2].endswith(f":{local_port:04X}")), None)
        if inode is None:
            return None
        return next((pid for pid in candidates if inode in _socket_inodes(pid)), None)
