"""Benchmark: how long after a worker is killed (SIGKILL) a new worker answers. Prints figures; not a test.

    python bench/worker_restart.py              # 5 runs idle, 5 under load (about a minute)
    python bench/worker_restart.py --runs 9 --rate 100

`cargotool serve --workers 2` on the real Redis and SQLite in front of a stand-in CargoTech (as
bench/run.py). One run: SIGKILL one worker, then open a new connection every 20 ms, ask `/healthz`, and
look up in /proc which process accepted it; the figure is the time from the kill until a connection is
answered by the new worker. "Under load": a separate process keeps `--clients` drivers asking the list
endpoint at about `--rate` requests a second in all (bounded, loopback). Prints every run and the medians.
Target: a new worker answers within 2 s, idle and under load.

Needs: Redis on 127.0.0.1:6379 (DB 13 is used and cleaned); Linux (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PASSWORD, PHONE, Server, build_paths, clean, open_sessions  # noqa: E402
from cargotool.standin import CargoTechStandIn, StandInServer  # noqa: E402
from tests.faults.worker_processes import answered_by, worker_pids  # noqa: E402

TARGET_SECONDS = 2.0
GIVE_UP_SECONDS = 60.0


def one_run(server: Server) -> float:
    main_pid = server.process.pid
    before = worker_pids(main_pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    while time.monotonic() - killed_at < GIVE_UP_SECONDS:
        new = worker_pids(main_pid) - before
        if new:
            try:
                if answered_by(server.port, new) is not None:
                    return time.monotonic() - killed_at
            except OSError:
                pass
        time.sleep(0.02)
    raise SystemExit(f"no new worker answered within {GIVE_UP_SECONDS:.0f} s (see {server.log})")


def drive(url: str, tokens: list[str], paths: list[str], clients: int, rate: float, stop) -> None:
    """The load: `clients` loops, each asking one path and then pausing, about `rate` requests a second in all."""
    pause = clients / rate

    async def main() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            async def loop(n: int) -> None:
                headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
                i = n
                while not stop.is_set():
                    try:
                        await client.get(paths[i % len(paths)], headers=headers)
                    except httpx.HTTPError:
                        pass  # the requests on the killed worker fail: expected
                    i += clients
                    await asyncio.sleep(pause)

            await asyncio.gather(*(loop(n) for n in range(clients)))

    asyncio.run(main())


def settle(server: Server) -> None:
    """Wait until two workers run and both answer (the previous run's new worker included)."""
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while time.monotonic() < deadline:
        if len(worker_pids(server.process.pid)) == 2 and httpx.get(server.url + "/readyz", timeout=5).status_code == 200:
            return
        time.sleep(0.2)
    raise SystemExit("the server did not get back to two workers")


def series(server: Server, runs: int) -> list[float]:
    figures = []
    for _ in range(runs):
        settle(server)
        time.sleep(1.0)  # the new worker's start-up work (first fetches) is over
        figures.append(one_run(server))
        print(f"    {figures[-1]:.2f} s", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second of the load, in all")
    args = parser.parse_args()
    standin = CargoTechStandIn(phone=PHONE, password=PASSWORD, latency=0.05, login_latency=0.05)
    prefix = f"bench:{os.getpid()}:restart:"
    with StandInServer(standin) as upstream, tempfile.TemporaryDirectory() as tmpdir:
        server = Server(upstream, 2, prefix, Path(tmpdir), RATE_LIMIT_API_PER_MINUTE="1000000",
                        RATE_LIMIT_API_BURST="100000", OUTBOX_ENABLED="off")
        try:
            print("idle:")
            idle = series(server, args.runs)
            tokens = asyncio.run(open_sessions(server.url, args.clients))
            paths = [p for p in build_paths(standin)[0] if p.startswith("/api/cargos?")]
            stop = multiprocessing.Event()
            load = multiprocessing.Process(target=drive, args=(server.url, tokens, paths, args.clients, args.rate, stop))
            load.start()
            try:
                print(f"under load ({args.clients} clients, ≈ {args.rate:.0f} req/s):")
                loaded = series(server, args.runs)
            finally:
                stop.set()
                load.join(timeout=30)
        finally:
            server.stop()
            clean(prefix)
    print(f"Worker replacement (SIGKILL → a new worker answers), median of {args.runs} runs:")
    print(f"  idle: {statistics.median(idle):.2f} s (max {max(idle):.2f} s)")
    print(f"  under load: {statistics.median(loaded):.2f} s (max {max(loaded):.2f} s)")
    met = statistics.median(idle) < TARGET_SECONDS and statistics.median(loaded) < TARGET_SECONDS
    print(f"  target (median < {TARGET_SECONDS:.0f} s, idle and under load): {'MET' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
