"""Benchmark of new-load alerts: saved searches of many drivers, a stand-in CargoTech publishing new loads,
the watcher (holding its Redis lease) and the outbox delivering to a Bot API stand-in over HTTP. Prints
its figures; it is not a test.

    python bench/alerts.py                          # 1 000, 10 000 and 30 000 searches, 5 minutes each
    python bench/alerts.py --searches 10000 --minutes 2
    python bench/alerts.py --searches 30000 --minutes 3 --latency 2       # CargoTech slow: the watcher backs off
    python bench/alerts.py --searches 30000 --minutes 3 --throttle 0.5    # half the list calls answered 429

Per scenario: N searches of N × 0.3 drivers (every search names a loading and an unloading city, ~40 %
with a radius, ~60 % a truck class, ~60 % two body types, ~50 % a loading day, ~20 % a minimum ₽/km:
about 5 matches per load at 10 000 searches, 15 at 30 000), 60 new loads a minute published upstream
(150 ms latency per call), the default pacing (ALERTS_POLL_SECONDS=20 as the ceiling,
ALERTS_POLL_MIN_SECONDS=2) and upstream budget (20 calls/min), no quiet hours. Printed: time from a load's
appearance upstream to the Bot API stand-in accepting its alert (p50, p95, max; alerts held by the hourly
cap are excluded and counted), CargoTech requests per minute and the most in any 60 s (every request the
stand-in received, 429s and retries included), matcher time per load, duplicates (same driver and load
twice), the machine's load average. No time compression: a scenario runs in real time; `--minutes`
shortens it. Results also go to bench/results/alerts-*.json (gitignored; docs/benchmarks.md keeps a
summary). Needs Redis on 127.0.0.1:6379 (DB 12, a unique prefix, cleaned).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cargotool.bootstrap import build_services  # noqa: E402
from cargotool.config import Settings  # noqa: E402
from cargotool.core.alerts.search_filters import upstream_query  # noqa: E402
from cargotool.core.cargotech.query import query_key  # noqa: E402
from cargotool.core.storage.models import SavedSearch, utcnow  # noqa: E402
from cargotool.standin import CargoTechStandIn, StandInServer  # noqa: E402
from cargotool.standin.dataset import WV_CLASSES  # noqa: E402
from cargotool.standin.logic import Reply  # noqa: E402
from cargotool.standin.telegram import BotApiStandIn  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
BOT_TOKEN = "7000000001:BENCH-bot-token-for-local-benchmarks-only"
PHONE, PASSWORD = "+7 900 123 45 67", "bench-password"
LOADS_PER_MINUTE = 60


class TimedCargoTech(CargoTechStandIn):
    """The CargoTech stand-in, noting when each GET arrived and answering a share of the list calls 429."""

    def __init__(self, *, throttle: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.throttle = throttle
        self.gets: list[float] = []
        self._dice = random.Random(7)

    def handle(self, method, path, query, headers, body):
        if method == "GET":
            self.gets.append(time.time())
            if path.startswith("/v2/cargos/views") and self._dice.random() < self.throttle:
                with self._lock:
                    self.calls[f"{method} {path}"] += 1
                return Reply(429, {"message": "Too Many Requests"}, {"Retry-After": "2"})
        return super().handle(method, path, query, headers, body)


def most_in_any_minute(times: list[float]) -> int:
    ordered = sorted(times)
    first, most = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - 60:
            first += 1
        most = max(most, last - first + 1)
    return most


class TimedBotApi(BotApiStandIn):
    """The Bot API stand-in, noting the wall-clock moment it accepted each alert (by load id)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[tuple[int, str, float]] = []  # (chat, load id, unix time)

    def answer(self, method, params):
        status, body = super().answer(method, params)
        if method == "sendMessage" and status == 200:
            for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    url = (button.get("web_app") or {}).get("url") or button.get("url") or ""
                    if "?load=" in url:
                        self.accepted.append((params["chat_id"], url.rsplit("=", 1)[1], time.time()))
        return status, body


def search_rows(count: int, cities: list[int], seed: int = 11) -> list[dict]:
    """Searches as drivers make them: a lane, often a truck class, body types and a loading day. The
    stand-in knows only 31 cities (CargoTech thousands), so the filters are what keeps alerts per driver
    realistic (about 6 an hour here, under ALERTS_PER_HOUR) and the fleet's total under Telegram's 30/s."""
    rng = random.Random(seed)
    drivers = max(1, int(count * 0.3))
    today = dt.date.today()
    rows = []
    now = utcnow()
    for n in range(count):
        start, finish = rng.sample(cities, 2)
        filters = {"from": str(start), "to": str(finish)}
        if rng.random() < 0.4:
            filters["from_radius"] = str(rng.choice([50, 100, 200]))
        if rng.random() < 0.6:
            tonnes, cubic = rng.choice(WV_CLASSES[3:])
            filters["wv"] = f"{tonnes:g}-{cubic}"
        if rng.random() < 0.6:
            filters["truck_types"] = ",".join(str(x) for x in sorted(rng.sample(range(1, 11), 2)))
        if rng.random() < 0.5:
            filters["date"] = (today + dt.timedelta(days=rng.choice([0, 1, 2]))).isoformat()
        if rng.random() < 0.2:
            filters["rate_min"] = str(rng.choice([40, 50, 60]))
        query = upstream_query(filters)
        rows.append({"driver_id": 10_000_000 + rng.randrange(drivers), "name": f"Поиск {n}", "filters": json.dumps(filters),
                     "query_key": query_key(query, paged=False), "alerts": True, "created_at": now, "updated_at": now,
                     "last_opened_at": now})
    return rows


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def scenario(count: int, minutes: float, latency: float, sort: bool = True, throttle: float = 0.0) -> dict:
    standin = TimedCargoTech(phone=PHONE, password=PASSWORD, latency=latency, sort_supported=sort, throttle=throttle)
    telegram = TimedBotApi()
    prefix = f"bench-alerts:{uuid.uuid4().hex[:8]}:"
    tmp = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    with StandInServer(standin) as cargotech_url, StandInServer(telegram) as bot_url:
        settings = Settings.from_env({
            "CARGOTECH_PHONE": PHONE, "CARGOTECH_PASSWORD": PASSWORD, "CARGOTECH_UPSTREAM": "live",
            "CARGOTECH_BASE_URL": cargotech_url, "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_API_URL": bot_url,
            "REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "ALERTS_QUIET_HOURS": "off", "ALERTS_POLL_SECONDS": "20", "ALERTS_POLL_MIN_SECONDS": "2", "LOG_LEVEL": "error",
        })
        geo = {cid: (lat, lon) for cid, (_, lat, lon) in standin.dataset.cities.items()}
        services = build_services(settings, geo=geo)
        rows = search_rows(count, sorted(standin.dataset.cities))

        def insert() -> None:
            with services.database.write_transaction():
                for start in range(0, len(rows), 500):
                    SavedSearch.insert_many(rows[start:start + 500]).execute()

        await services.database.run(insert)
        await services.flags.set("paywall", False)
        stop = asyncio.Event()
        tasks = [asyncio.ensure_future(services.watcher.run(stop)), asyncio.ensure_future(services.outbox.run(stop, idle=0.2))]
        while services.watcher.mode == "unknown":  # the first look (one interval after start): the baseline
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
        standin.reset_counters()
        standin.gets.clear()
        services.watcher.match_seconds.clear()
        load_before = os.getloadavg()
        started = time.time()
        published: list[str] = []
        total = int(minutes * LOADS_PER_MINUTE)
        for n in range(total):
            await asyncio.sleep(max(0.0, started + n * 60 / LOADS_PER_MINUTE - time.time()))
            published.append(str(standin.publish()["id"]))
        measured_for = time.time() - started
        upstream_calls = sum(v for k, v in standin.calls.items() if k.startswith("GET"))
        busiest_minute = most_in_any_minute([t for t in standin.gets if t <= started + measured_for])
        load_after = os.getloadavg()
        await asyncio.sleep(services.watcher.poll_seconds + 10)  # the last loads' look and their delivery
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        held = services.alerter.held
        queued_left = await services.outbox.queue.size()

        accepted = telegram.accepted
        pairs = Counter((chat, load) for chat, load, _ in accepted)
        latencies = [at - standin.published_at[load] for _, load, at in accepted if load in standin.published_at]
        matcher_ms = [s * 1000 for s in services.watcher.match_seconds]
        result = {
            "searches": count, "drivers": len({r["driver_id"] for r in rows}), "minutes": round(measured_for / 60, 2),
            "loads_published": len(published), "loads_matched_by_watcher": len(matcher_ms),
            "alerts_accepted": len(accepted), "alerts_held_by_cap": held, "left_in_outbox": queued_left,
            "latency_p50_s": round(pct(latencies, 0.5), 2), "latency_p95_s": round(pct(latencies, 0.95), 2),
            "latency_max_s": round(max(latencies), 2) if latencies else None,
            "cargotech_calls_per_minute": round(upstream_calls / (measured_for / 60), 1),
            "cargotech_calls_most_in_60s": busiest_minute, "latency_s": latency, "throttled_share": throttle,
            "matcher_ms_p50": round(pct(matcher_ms, 0.5), 3), "matcher_ms_p95": round(pct(matcher_ms, 0.95), 3),
            "matcher_ms_max": round(max(matcher_ms), 3) if matcher_ms else None,
            "matcher_ms_mean": round(statistics.fmean(matcher_ms), 3) if matcher_ms else None,
            "duplicates": sum(n - 1 for n in pairs.values() if n > 1), "mode": services.watcher.mode,
            "load_average_1m": [round(load_before[0], 2), round(load_after[0], 2)], "cpus": os.cpu_count(),
        }
        client = aioredis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await services.aclose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", default="1000,10000,30000", help="comma-separated scenario sizes")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long each scenario publishes loads")
    parser.add_argument("--latency", type=float, default=0.15, help="stand-in CargoTech latency per call, s")
    parser.add_argument("--throttle", type=float, default=0.0,
                        help="share (0–1) of the stand-in's list calls answered 429 Too Many Requests")
    parser.add_argument("--no-sort", action="store_true",
                        help="the stand-in ignores sort=-updated_at: the watcher falls back to polling the searches' queries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = []
    for count in (int(x) for x in args.searches.split(",")):
        result = asyncio.run(scenario(count, args.minutes, args.latency, sort=not args.no_sort, throttle=args.throttle))
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    out = ROOT / "bench" / "results" / f"alerts-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"\nCargoTech stand-in: {args.latency:g} s a call, {args.throttle:.0%} of list calls answered 429; "
          f"results in {out.relative_to(ROOT)}")
    print("searches | drivers | alerts | held | p50 s | p95 s | max s | CargoTech calls/min (most in 60 s) | "
          "matcher ms p50/p95/max | duplicates | load avg (start→end)")
    for r in results:
        print(f"{r['searches']:>8} | {r['drivers']:>7} | {r['alerts_accepted']:>6} | {r['alerts_held_by_cap']:>4} | "
              f"{r['latency_p50_s']:>5} | {r['latency_p95_s']:>5} | {r['latency_max_s']} | "
              f"{r['cargotech_calls_per_minute']:>5} ({r['cargotech_calls_most_in_60s']}) | "
              f"{r['matcher_ms_p50']}/{r['matcher_ms_p95']}/{r['matcher_ms_max']} | {r['duplicates']} | "
              f"{r['load_average_1m'][0]}→{r['load_average_1m'][1]} on {r['cpus']} CPUs")


if __name__ == "__main__":
    main()
