"""Benchmark: what waiting for a replica (WAIT 1 100) costs an outbox put. Prints per-put latency; not a test.

    python bench/outbox_wait.py            # 2000 puts each way
    python bench/outbox_wait.py --puts 5000

Starts its own primary and replica from the machine's redis-server on free ports (loopback: the
replica's acknowledgement costs a round trip on this host; across hosts add the network's round trip)
and queues messages through the real Outbox: once with the replica wait (what production does when the
primary has replicas) and once without it, one put at a time and then 32 at once.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cargotool.core.bot.outbox import Outbox  # noqa: E402
from cargotool.core.storage.redis import Keys  # noqa: E402
from tests.faults.redis_processes import RedisProcess, until  # noqa: E402


async def measure(client: aioredis.Redis, prefix: str, puts: int, wait: bool, concurrency: int) -> list[float]:
    outbox = Outbox(client, Keys(prefix), None)
    if not wait:
        outbox.queue._replicated = None  # the put as it was before: no WAIT
    elif not await outbox.queue._replicated.replicas():
        raise SystemExit("the primary reports no replica")
    took: list[float] = []

    async def one(n: int) -> None:
        started = time.perf_counter()
        await outbox.send("sendMessage", {"chat_id": 1000 + n % 50, "text": f"груз {n}"})
        took.append(time.perf_counter() - started)

    for start in range(0, puts, concurrency):
        await asyncio.gather(*(one(n) for n in range(start, min(puts, start + concurrency))))
    return took


def line(name: str, took: list[float], wall: float) -> str:
    took = sorted(took)
    p99 = took[int(len(took) * 0.99) - 1]
    return (f"  {name:<34} mean {statistics.mean(took) * 1e6:7.0f} µs  p50 {took[len(took) // 2] * 1e6:7.0f} µs"
            f"  p99 {p99 * 1e6:7.0f} µs  {len(took) / wall:7.0f} puts/s")


async def run(primary: RedisProcess, puts: int) -> None:
    client = aioredis.Redis(port=primary.port, decode_responses=True)
    try:
        for concurrency in (1, 32):
            print(f"{puts} outbox puts, {concurrency} at a time:")
            for wait in (False, True):
                started = time.perf_counter()
                took = await measure(client, f"bench:{wait}:{concurrency}:", puts, wait, concurrency)
                print(line("with WAIT 1 100 (one replica)" if wait else "without WAIT", took,
                           time.perf_counter() - started))
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--puts", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        primary = RedisProcess(Path(tmp), "primary", [])
        replica = None
        try:
            replica = RedisProcess(Path(tmp), "replica", [f"replicaof 127.0.0.1 {primary.port}"])
            until(lambda: primary.client().info("replication")["connected_slaves"] >= 1, 20, "the replica is in sync")
            asyncio.run(run(primary, args.puts))
        finally:
            for process in (replica, primary):
                if process is not None:
                    process.kill()


if __name__ == "__main__":
    main()
