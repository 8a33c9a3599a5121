"""Benchmark of the Mini App's first load, as a driver on a highway gets it. Prints its figures; not a test.

    python bench/miniapp.py              # every combination, 3 runs each (about 2 minutes)
    python bench/miniapp.py --runs 5

It starts a stand-in CargoTech and `cargotool serve` (SQLite, the real Redis DB 13, cleaned afterwards),
then opens the Mini App in headless Debian Chromium (/usr/bin/chromium through Playwright; it never
downloads a browser) the way Telegram opens it (signed launch data in the URL fragment), for:

- network: "normal" (loopback, no limits) or "throttled" (Chrome DevTools network emulation: 400 kbit/s
  both ways, 400 ms latency per request, i.e. the issue's 400 ms RTT);
- telegram.org: "fast" (a small stand-in of telegram-web-app.js answered at once), "slow" (the same after
  8 s) or "down" (the request fails), intercepted with the DevTools Fetch domain — Playwright's own
  page.route would switch the HTTP cache off and make the warm runs meaningless;
- cache: "cold" (a new browser context) then "warm" (a second page in the same context: static assets
  cached, saved filters present).

For each run it prints: time to first card (from navigation start to the first load card in the DOM,
measured in the page), requests to our server and the longest chain of requests that had to wait for one
another before the first card ("round trips"), and bytes on the wire (encoded, with headers) until the
first card and in all. The server's load cache is warmed first, so the figures are the client's and the
network's, not CargoTech's. Numbers on a shared machine are noisy; medians of --runs are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import statistics
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

CHROMIUM = os.environ.get("CARGOTOOL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BOT_TOKEN = "7000000001:BENCH-bot-token-for-local-benchmarks-only"
PHONE, PASSWORD = "+7 900 123 45 67", "bench-password"
THROTTLED = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
TARGETS = {("throttled", "cold"): 1500, ("throttled", "warm"): 800}
SLOW_TELEGRAM_S = 8

# Enough of Telegram's script for the page to take the "inside Telegram" path.
TELEGRAM_STUB = """
window.Telegram = { WebApp: (function () {
  var noop = function () {}, button = { show: noop, hide: noop, onClick: noop, setText: noop };
  return { initData: new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "", ready: noop,
    expand: noop, BackButton: button, MainButton: button, HapticFeedback: { impactOccurred: noop,
    selectionChanged: noop, notificationOccurred: noop }, openLink: noop };
})() };
"""

# Our requests (the page, its assets, fetch calls) in the page's own clock: start, end, bytes on the wire
# (transferSize: compressed body + headers; 0 when answered from the browser's cache).
RESOURCE_TIMING = """() => [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")]
  .filter((e) => e.name.startsWith(location.origin))
  .map((e) => ({ start: e.startTime, first: e.responseStart, end: e.responseEnd, bytes: e.transferSize }))"""

FIRST_CARD_PROBE = """
new MutationObserver(function (_, observer) {
  if (document.querySelector(".card")) { window.__firstCard = performance.now(); observer.disconnect(); }
}).observe(document, { childList: true, subtree: true });
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(standin_url: str, tmp: Path, prefix: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "CARGOTECH_PHONE": PHONE, "CARGOTECH_PASSWORD": PASSWORD, "CARGOTECH_UPSTREAM": "live",
           "CARGOTECH_BASE_URL": standin_url, "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "REDIS_URL": REDIS_URL,
           "REDIS_KEY_PREFIX": prefix, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "LOG_LEVEL": "warning",
           "RATE_LIMIT_LOGIN_BURST": "1000"}
    process = subprocess.Popen([sys.executable, "-m", "cargotool", "serve", "--port", str(port)], env=env, cwd=tmp,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def launch_url(base: str, user_id: int) -> str:
    init_data = sign_init_data(BOT_TOKEN, {"id": user_id, "first_name": "Пётр"})
    return f"{base}/#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=android"


def round_trips(requests: list[dict], until: float) -> int:
    """The longest chain of network requests before `until`, each sent only after the previous one's answer
    began to arrive (answers from the browser's cache cost no round trip)."""
    done = sorted((r for r in requests if r["end"] <= until and r["bytes"] > 0), key=lambda r: r["start"])
    depth: list[int] = []
    for i, r in enumerate(done):
        depth.append(1 + max((depth[j] for j in range(i) if done[j]["first"] <= r["start"]), default=0))
    return max(depth, default=0)


async def one_load(context, url: str, network: str, telegram: str) -> dict:
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    tasks: list[asyncio.Task] = []

    async def answer_telegram(event):
        if telegram == "down":
            await cdp.send("Fetch.failRequest", {"requestId": event["requestId"], "errorReason": "NameNotResolved"})
            return
        if telegram == "slow":
            await asyncio.sleep(SLOW_TELEGRAM_S)
        await cdp.send("Fetch.fulfillRequest", {"requestId": event["requestId"], "responseCode": 200,
                                                "responseHeaders": [{"name": "Content-Type", "value": "text/javascript"}],
                                                "body": base64.b64encode(TELEGRAM_STUB.encode()).decode()})

    cdp.on("Fetch.requestPaused", lambda event: tasks.append(asyncio.ensure_future(answer_telegram(event))))
    await cdp.send("Network.enable")
    await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "https://telegram.org/*"}]})
    if network == "throttled":
        await cdp.send("Network.emulateNetworkConditions", THROTTLED)
    await page.add_init_script(FIRST_CARD_PROBE)
    await page.goto(url, wait_until="commit")
    first_card_ms = None
    deadline = time.monotonic() + 60
    while first_card_ms is None and time.monotonic() < deadline:  # (wait_for_function would need unsafe-eval)
        first_card_ms = await page.evaluate("() => window.__firstCard")
        await asyncio.sleep(0.02)
    if first_card_ms is None:
        raise SystemExit("no card appeared within 60 s")
    await asyncio.sleep(1.5)  # let what follows the first card (dictionaries, me) finish, for the totals
    requests = await page.evaluate(RESOURCE_TIMING)
    for task in tasks:
        task.cancel()
    await page.close()
    before = [r for r in requests if r["end"] <= first_card_ms]
    return {
        "first_card_ms": first_card_ms,
        "requests_before": sum(1 for r in before if r["bytes"] > 0),
        "round_trips": round_trips(requests, first_card_ms),
        "bytes_before": sum(r["bytes"] for r in before),
        "bytes_total": sum(r["bytes"] for r in requests),
    }


async def run(base: str, runs: int) -> list[tuple[tuple[str, str, str], list[dict]]]:
    from playwright.async_api import async_playwright

    results: dict[tuple[str, str, str], list[dict]] = {}
    user = 700_000
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for network in ("normal", "throttled"):
            for telegram in ("fast", "slow", "down"):
                for _ in range(runs):
                    user += 1
                    context = await browser.new_context(viewport={"width": 390, "height": 844})
                    url = launch_url(base, user)
                    for cache in ("cold", "warm"):
                        result = await one_load(context, url, network, telegram)
                        results.setdefault((network, telegram, cache), []).append(result)
                    await context.close()
        await browser.close()
    return list(results.items())


def report(results) -> bool:
    print(f"\nMini App first load, median of runs (max in brackets); telegram 'slow' = script after {SLOW_TELEGRAM_S} s")
    print(f"{'network':<10} {'telegram':<9} {'cache':<5} {'first card, ms':>18} {'round trips':>12} "
          f"{'requests':>9} {'KB before card':>15} {'KB total':>9}  target")
    ok = True
    for (network, telegram, cache), runs in results:
        ms = [r["first_card_ms"] for r in runs]
        target = TARGETS.get((network, cache))
        met = target is None or max(ms) <= target
        ok &= met
        target_text = "" if target is None else f"≤ {target} ms {'met' if met else 'MISSED'}"
        print(f"{network:<10} {telegram:<9} {cache:<5} {statistics.median(ms):>9.0f} ({max(ms):>5.0f}) "
              f"{statistics.median(r['round_trips'] for r in runs):>12.0f} "
              f"{statistics.median(r['requests_before'] for r in runs):>9.0f} "
              f"{statistics.median(r['bytes_before'] for r in runs) / 1024:>15.1f} "
              f"{statistics.median(r['bytes_total'] for r in runs) / 1024:>9.1f}  {target_text}")
    print("\nround trips = the longest chain of our requests before the first card, each sent after the previous one's"
          "\nanswer began to arrive;"
          "\nrequests and KB count our server only (telegram.org is intercepted); KB are bytes on the wire (compressed, "
          "with headers).")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    prefix = f"cargotool-bench-miniapp:{os.getpid()}:"
    standin = CargoTechStandIn(phone=PHONE, password=PASSWORD)
    with tempfile.TemporaryDirectory() as tmp, StandInServer(standin) as standin_url:
        process, base = start_server(standin_url, Path(tmp), prefix)
        try:
            token = httpx.post(base + "/api/session", json={"init_data": sign_init_data(BOT_TOKEN, {"id": 1})}).json()
            httpx.get(base + "/api/cargos?limit=20&offset=0", headers={"Authorization": "Bearer " + token["session_token"]})
            ok = report(asyncio.run(run(base, args.runs)))
        finally:
            process.terminate()
            process.wait(timeout=10)
            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
    print("\nall targets met" if ok else "\nsome targets MISSED")


if __name__ == "__main__":
    main()
