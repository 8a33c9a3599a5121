"""Redis processes for the fault tests: a TCP proxy on its own thread (so a blocking test and a server
process can both use it), and a primary + replica + three Sentinels started from the machine's
`redis-server` on free ports, killed again by the test's finalizer whatever happens."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import redis as sync_redis

from tests.integration.tcp_proxy import TcpProxy

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
MASTER_NAME = "cargotool"
DOWN_AFTER_MS = 1000  # how long a primary must be silent before a Sentinel calls it down
FAILOVER_TIMEOUT_MS = 3000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def until(check, seconds: float, what: str, pause: float = 0.1):
    """Poll `check` until it returns something truthy; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
        except (sync_redis.RedisError, OSError):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(pause)


class CountingProxy(TcpProxy):
    """Counts the connections it accepted (a reconnect shows as one more); `drop()` resets every open
    connection while still accepting new ones (unlike `cut()`, which also stops listening)."""

    accepted = 0

    async def _accept(self, reader, writer) -> None:
        self.accepted += 1
        await super()._accept(reader, writer)

    def drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()


class ThreadedProxy:
    """tests/integration/tcp_proxy.TcpProxy on an event loop of its own thread: `reset()` drops every
    open connection (as a Redis restart or a proxy dropping idle connections would) and accepts again."""

    def __init__(self, target_port: int) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()
        self._proxy = self._call(CountingProxy(target_port).start())
        self.port = self._proxy.port

    @property
    def accepted(self) -> int:
        return self._proxy.accepted

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def reset(self) -> None:
        async def drop() -> None:
            self._proxy.drop()

        self._call(drop())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._proxy.cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


class RedisProcess:
    """One `redis-server` (a data node or, with `sentinel=True`, a Sentinel) on a free port, its config
    and log in `directory`."""

    def __init__(self, directory: Path, name: str, lines: list[str], sentinel: bool = False, port: int = 0) -> None:
        self.port = port or free_port()
        self.name = name
        self.log = directory / f"{name}.log"
        config = directory / f"{name}.conf"
        config.write_text("\n".join([f"port {self.port}", "bind 127.0.0.1", f"dir {directory}", "save \"\"",
                                     "appendonly no", f"logfile {self.log}", *lines]) + "\n")
        argv = [REDIS_SERVER, str(config)] + (["--sentinel"] if sentinel else [])
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            until(self._answers, 20, f"{name} on port {self.port} answers")
        except BaseException:
            self.kill()
            raise

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n" + (self.log.read_text() if self.log.exists() else ""))
        with sync_redis.Redis(port=self.port, socket_timeout=1) as client:
            return bool(client.ping())

    def client(self) -> sync_redis.Redis:
        return sync_redis.Redis(port=self.port, socket_timeout=2, decode_responses=True)

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as a crashed host would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class SentinelSet:
    """A primary, one replica and three Sentinels watching them (quorum 2)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.processes: list[RedisProcess] = []
        try:
            self.primary = self._start(directory, "primary", [])
            self.replica = self._start(directory, "replica", [f"replicaof 127.0.0.1 {self.primary.port}"])
            until(lambda: self.primary.client().info("replication")["connected_slaves"] >= 1
                  and self.replica.client().info("replication")["master_link_status"] == "up",
                  20, "the replica is in sync")
            watch = [f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.primary.port} 2",
                     f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
                     f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
                     f"sentinel parallel-syncs {MASTER_NAME} 1"]
            self.sentinels = [self._start(directory, f"sentinel{n}", watch, sentinel=True) for n in (1, 2, 3)]
            until(self._all_see_everyone, 30, "every Sentinel knows the replica and the other Sentinels")
        except BaseException:
            self.stop()
            raise

    def _start(self, directory: Path, name: str, lines: list[str], sentinel: bool = False) -> RedisProcess:
        process = RedisProcess(directory, name, lines, sentinel=sentinel)
        self.processes.append(process)
        return process

    def _all_see_everyone(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                master = client.sentinel_master(MASTER_NAME)
                if int(master["num-slaves"]) < 1 or int(master["num-other-sentinels"]) < 2:
                    return False
        return True

    @property
    def addresses(self) -> str:
        """The REDIS_SENTINELS value."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def master_port(self) -> int | None:
        """The primary's port as a majority of the Sentinels name it now."""
        named = []
        for sentinel in self.sentinels:
            with contextlib.suppress(sync_redis.RedisError), sentinel.client() as client:
                named.append(int(client.sentinel_get_master_addr_by_name(MASTER_NAME)[1]))
        best = max(set(named), key=named.count, default=None)
        return best if best is not None and named.count(best) >= 2 else None

    def stop(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                process.kill()
