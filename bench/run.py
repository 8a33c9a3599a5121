"""Benchmark of the driver API: a stand-in CargoTech with 300 ms latency, `cargotool serve` with several
workers on the real Redis, and wrk as the load tool. Prints its figures; it is not a test.

    python bench/run.py                 # both scenarios (about 3 minutes)
    python bench/run.py --scenario drivers --duration 60
    python bench/run.py --scenario ceiling

Scenario "drivers": 1000 drivers with their own sessions, each making a request about every 2 s
(≈ 500 req/s): 70 % list (50 filter sets × pages 1–3), 20 % detail (200 ids), 10 % point search.
A warm-up run comes first and is reported separately. Targets: zero errors, p95 < 50 ms,
p99 < 300 ms, no upstream key fetched twice within the cache TTL (the stand-in counts each key).

Scenario "ceiling": closed-loop throughput of the warm list endpoint against a bare Sanic handler that
returns the same bytes from memory, same machine and worker count. Target: ratio ≥ 0.5.

Scenario "database": closed-loop throughput of a warm endpoint that reads the database on every request
(`GET /api/responses`, the driver's responses). With `--database-url postgresql://…` it shows what the
connection pool saves: before it, every request opened (and closed) its own PostgreSQL connection.

    python bench/run.py --scenario database --database-url postgresql://postgres@127.0.0.1:5432/bench

Needs: wrk (Debian package `wrk`), Redis on 127.0.0.1:6379 (DB 13 is used and cleaned). Without
`--database-url` the server uses a fresh SQLite file.
"""

from __future__ import annotations

import argparse
from collections import Counter
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cargotool.core.drivers.initdata import sign_init_data  # noqa: E402
from cargotool.standin import CargoTechStandIn, StandInServer  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BOT_TOKEN = "7000000001:BENCH-bot-token-for-local-benchmarks-only"
PHONE, PASSWORD = "+7 900 123 45 67", "bench-password"
POINT_PREFIXES = ["Мос", "Сан", "Каз", "Ниж", "Ека", "Нов", "Сам", "Рос", "Кра", "Вор", "Пер", "Уфа",
                  "Вол", "Тул", "Яро", "Тве", "Ряз", "Лип", "Бел", "Сар"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def filter_sets(standin: CargoTechStandIn, count: int = 50) -> list[str]:
    rng = random.Random(7)
    cities = [1, 2, 3, 4, 5, 7, 8, 9, 10, 62]
    presets = ["", "1.5-9", "3-16", "5-36", "10-54", "20-83"]
    sets: list[str] = []
    while len(sets) < count:
        parts = []
        if rng.random() < 0.8:
            parts.append(f"from={rng.choice(cities)}&from_radius={rng.choice([0, 50, 100])}")
        if rng.random() < 0.3:
            parts.append(f"to={rng.choice(cities)}")
        if wv := rng.choice(presets):
            parts.append(f"wv={wv}")
        if rng.random() < 0.2:
            parts.append("truck_types=" + ",".join(map(str, sorted(rng.sample(range(1, 11), 2)))))
        query = "&".join(parts)
        if query not in sets:
            sets.append(query)
    return sets


def build_paths(standin: CargoTechStandIn) -> tuple[list[str], int]:
    """A weighted list of 1000 paths (70/20/10) and the number of distinct upstream keys behind it."""
    rng = random.Random(11)
    lists = [f"/api/cargos?{f}{'&' if f else ''}offset={page * 20}" for f in filter_sets(standin) for page in range(3)]
    details = [f"/api/cargos/{c['id']}" for c in standin.dataset.cargos[:200]]
    points = [f"/api/points?q={quote(p)}" for p in POINT_PREFIXES]
    paths = ([rng.choice(lists) for _ in range(700)] + [rng.choice(details) for _ in range(200)]
             + [rng.choice(points) for _ in range(100)])
    rng.shuffle(paths)
    distinct = len(set(paths))
    return paths, distinct


DATABASE_URL: str | None = None  # --database-url; None: a SQLite file in the run's temporary directory


class Server:
    def __init__(self, upstream: str, workers: int, prefix: str, tmp: Path, **extra_env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CARGOTECH_BASE_URL": upstream, "CARGOTECH_PHONE": PHONE, "CARGOTECH_PASSWORD": PASSWORD,
               "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix,
               "DATABASE_URL": DATABASE_URL or f"sqlite:///{tmp / 'bench.sqlite3'}", "LOG_LEVEL": "warning",
               "RATE_LIMIT_LOGIN_PER_MINUTE": "1000000", "RATE_LIMIT_LOGIN_BURST": "100000", **extra_env}
        self.log = tmp / f"server-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cargotool", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(self.log, "w"),
        )
        wait_ready(self.url + "/readyz")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        shutil.copy(self.log, out / f"server-{time.strftime('%Y%m%d-%H%M%S')}-{self.port}.log")


def wait_ready(url: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not become ready")


async def open_sessions(base: str, count: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        semaphore = asyncio.Semaphore(50)

        async def one(user_id: int) -> str:
            init_data = sign_init_data(BOT_TOKEN, {"id": user_id, "first_name": f"Водитель {user_id}"})
            async with semaphore:
                response = await client.post("/api/session", json={"init_data": init_data})
            response.raise_for_status()
            return response.json()["session_token"]

        return await asyncio.gather(*(one(100_000 + i) for i in range(count)))


def run_wrk(url: str, *, connections: int, duration: int, tokens: Path, paths: Path, pace_ms: int = 0,
            threads: int = 1) -> dict:
    env = {**os.environ, "BENCH_TOKENS": str(tokens), "BENCH_PATHS": str(paths), "BENCH_PACE_MS": str(pace_ms)}
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s",
               "-s", str(ROOT / "bench" / "drivers.lua"), url]
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    output = run.stdout
    match = re.search(r"BENCH_JSON (\{.*\})", output)
    if run.returncode != 0:
        raise SystemExit(f"wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    if not match:
        raise SystemExit("wrk printed no figures:\n" + output)
    figures = json.loads(match.group(1))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return figures


def ms(us: int) -> str:
    return f"{us / 1000:.1f} ms"


def report(title: str, f: dict) -> None:
    print(f"  {title}: {f['requests']} requests, {f['rps']:.0f} req/s, errors {f['errors']} "
          f"(status {f['status_errors']}, timeouts {f['timeouts']}), p50 {ms(f['p50_us'])}, "
          f"p95 {ms(f['p95_us'])}, p99 {ms(f['p99_us'])}, max {ms(f['max_us'])}")


def scenario_drivers(standin, upstream_url, tmp, workers, duration, warmup) -> dict:
    prefix = f"bench:{os.getpid()}:drivers:"
    server = Server(upstream_url, workers, prefix, tmp)
    try:
        tokens = asyncio.run(open_sessions(server.url, 1000))
        (tmp / "tokens.txt").write_text("\n".join(tokens) + "\n")
        paths, distinct = build_paths(standin)
        (tmp / "paths.txt").write_text("\n".join(paths) + "\n")
        # 250 connections, each pausing ~500 ms between requests: ≈ 500 req/s while answers are fast
        connections, pace = 250, 500
        standin.reset_counters()
        warm = run_wrk(server.url, connections=connections, duration=warmup, tokens=tmp / "tokens.txt",
                       paths=tmp / "paths.txt", pace_ms=pace)
        warm_upstream = sum(v for k, v in standin.calls.items() if not k.startswith("POST"))
        warm_requests = Counter(standin.requests)
        standin.reset_counters()
        measured = run_wrk(server.url, connections=connections, duration=duration, tokens=tmp / "tokens.txt",
                           paths=tmp / "paths.txt", pace_ms=pace)
        upstream = sum(v for k, v in standin.calls.items() if not k.startswith("POST"))
        # Every upstream key (list page, detail, point search; with the details' trip-back pages, which the
        # paths do not name) is to be fetched once within the cache TTL; the alerts watcher's own polling
        # (`sort=`) repeats by design and is left out.
        fetched = {k: n for k, n in (warm_requests + standin.requests).items()
                   if not k.startswith("POST") and "sort=" not in k}
        repeated = sum(n - 1 for n in fetched.values())
    finally:
        server.stop()
        clean(prefix)
    print(f"Scenario 'drivers' ({workers} workers, 1000 sessions, {distinct} distinct upstream keys):")
    report(f"warm-up {warmup}s (cold cache)", warm)
    print(f"    upstream calls during warm-up: {warm_upstream}")
    report(f"measured {duration}s", measured)
    print(f"    upstream calls during the measured run: {upstream}")
    print(f"    upstream keys fetched in both runs: {len(fetched)} (the paths' {distinct} and the details' trip back), "
          f"fetched more than once: {repeated}")
    ok = measured["errors"] == 0 and measured["p95_us"] < 50_000 and measured["p99_us"] < 300_000 and repeated == 0
    print(f"  targets (0 errors, p95 < 50 ms, p99 < 300 ms, no upstream key fetched twice): {'MET' if ok else 'NOT MET'}")
    return {"warmup": warm, "measured": measured, "distinct_keys": distinct, "upstream_warmup": warm_upstream,
            "upstream_measured": upstream, "targets_met": ok}


def scenario_ceiling(standin, upstream_url, tmp, workers, duration) -> dict:
    prefix = f"bench:{os.getpid()}:ceiling:"
    server = Server(upstream_url, workers, prefix, tmp, RATE_LIMIT_API_PER_MINUTE="100000000", RATE_LIMIT_API_BURST="1000000")
    path = "/api/cargos?from=1&from_radius=50"
    try:
        tokens = asyncio.run(open_sessions(server.url, 200))
        (tmp / "ceiling-tokens.txt").write_text("\n".join(tokens) + "\n")
        (tmp / "ceiling-paths.txt").write_text(path + "\n")
        body = httpx.get(server.url + path, headers={"Authorization": f"Bearer {tokens[0]}"}).content
        (tmp / "body.json").write_bytes(body)
        ours = run_wrk(server.url, connections=64, duration=duration, tokens=tmp / "ceiling-tokens.txt",
                       paths=tmp / "ceiling-paths.txt", threads=2)
    finally:
        server.stop()
        clean(prefix)
    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, "-m", "sanic", "bench.bare_app:create_app", "--factory", "--port", str(port),
         "--workers", str(workers), "--no-motd", "--no-access-logs"],
        cwd=ROOT, env={**os.environ, "BENCH_BARE_BODY": str(tmp / "body.json")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/cargos")
        yardstick = run_wrk(f"http://127.0.0.1:{port}", connections=64, duration=duration,
                            tokens=tmp / "ceiling-tokens.txt", paths=tmp / "ceiling-paths.txt", threads=2)
    finally:
        bare.terminate()
        bare.wait(timeout=15)
    ratio = ours["rps"] / yardstick["rps"]
    print(f"Scenario 'ceiling' ({workers} workers, warm list endpoint, {len(body)} bytes, closed loop, 64 connections):")
    report("cargotool /api/cargos", ours)
    report("bare Sanic, same bytes", yardstick)
    print(f"  ratio {ratio:.2f} (target ≥ 0.5): {'MET' if ratio >= 0.5 and ours['errors'] == 0 else 'NOT MET'}")
    return {"ours": ours, "bare": yardstick, "ratio": ratio}


def scenario_database(upstream_url, tmp, workers, duration) -> dict:
    prefix = f"bench:{os.getpid()}:database:"
    server = Server(upstream_url, workers, prefix, tmp, RATE_LIMIT_API_PER_MINUTE="100000000", RATE_LIMIT_API_BURST="1000000")
    try:
        tokens = asyncio.run(open_sessions(server.url, 200))
        (tmp / "database-tokens.txt").write_text("\n".join(tokens) + "\n")
        (tmp / "database-paths.txt").write_text("/api/responses\n")
        warm = run_wrk(server.url, connections=32, duration=3, tokens=tmp / "database-tokens.txt",
                       paths=tmp / "database-paths.txt", threads=2)
        measured = run_wrk(server.url, connections=32, duration=duration, tokens=tmp / "database-tokens.txt",
                           paths=tmp / "database-paths.txt", threads=2)
    finally:
        server.stop()
        clean(prefix)
    kind = (DATABASE_URL or "sqlite").split(":", 1)[0]
    print(f"Scenario 'database' ({workers} workers, {kind}, GET /api/responses reads the database each time, "
          f"closed loop, 32 connections):")
    report("warm-up 3s", warm)
    report(f"measured {duration}s", measured)
    return {"database": kind, "warmup": warm, "measured": measured}


def clean(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["drivers", "ceiling", "database", "all"], default="all")
    parser.add_argument("--database-url", help="the server's DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=60, help="seconds of the measured drivers run")
    parser.add_argument("--warmup", type=int, default=20, help="seconds of the drivers warm-up run")
    parser.add_argument("--ceiling-duration", type=int, default=15)
    parser.add_argument("--latency", type=float, default=0.3, help="stand-in CargoTech latency, seconds")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    global DATABASE_URL
    DATABASE_URL = args.database_url
    standin = CargoTechStandIn(phone=PHONE, password=PASSWORD, latency=args.latency, login_latency=args.latency)
    results: dict = {"workers": args.workers, "cpus": os.cpu_count(), "latency_s": args.latency}
    with StandInServer(standin) as upstream_url, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.scenario in ("drivers", "all"):
            results["drivers"] = scenario_drivers(standin, upstream_url, tmp, args.workers, args.duration, args.warmup)
        if args.scenario in ("ceiling", "all"):
            results["ceiling"] = scenario_ceiling(standin, upstream_url, tmp, args.workers, args.ceiling_duration)
        if args.scenario in ("database", "all"):
            results["database"] = scenario_database(upstream_url, tmp, args.workers, args.ceiling_duration)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
