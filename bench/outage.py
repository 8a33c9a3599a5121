"""Benchmark: CargoTech goes down under load, then comes back. Prints p99 and throughput before, at the
onset of, during and after the outage; it is not a test.

    python bench/outage.py                     # about 2 minutes
    python bench/outage.py --during 30 --workers 2

`cargotool serve` (several workers, the real Redis) in front of a stand-in CargoTech with 300 ms latency;
wrk drives 200 drivers' sessions over the mix of bench/run.py (70 % lists, 20 % details, 10 % point
search), paced to about 500 req/s. Cache TTLs are 10 s, so during the outage nearly every answer is an
expired copy that has to be served stale. The outage makes every CargoTech call answer 503.

Phases: "before" (warm), "onset" (the first seconds: refreshes still try CargoTech until the circuit
breaker has seen CARGOTECH_CIRCUIT_THRESHOLD failures; a driver waits at most STALE_WAIT_SECONDS),
"during" (circuit open: stale copies at once), "after" (CargoTech back: the circuit's probe closes it).
Target: during the outage p99 < 50 ms with no timeouts or dropped connections (a 503 is expected only for
a key never cached); "fresh again" within the circuit's open time plus a few seconds.

Needs: wrk (Debian: `apt-get install wrk`), Redis on 127.0.0.1:6379 (DB 13 is used and cleaned).
Numbers depend on the machine and on what else runs on it: on a shared CPU they are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402
    PASSWORD, PHONE, ROOT, Server, build_paths, clean, ms, open_sessions, report, run_wrk,
)
from cargotool.standin import CargoTechStandIn, StandInServer  # noqa: E402

TTL = "10"
OPEN_SECONDS = 5


def wait_fresh(url: str, token: str, path: str, seconds: float) -> float | None:
    """Seconds until `path` answers with meta.stale false (None if it did not within `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        response = httpx.get(url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if response.status_code == 200 and response.json()["meta"]["stale"] is False:
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--before", type=int, default=10)
    parser.add_argument("--onset", type=int, default=4)
    parser.add_argument("--during", type=int, default=20)
    parser.add_argument("--after", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.3, help="stand-in CargoTech latency, seconds")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    standin = CargoTechStandIn(phone=PHONE, password=PASSWORD, latency=args.latency, login_latency=args.latency)
    prefix = f"bench:{os.getpid()}:outage:"
    results: dict = {"workers": args.workers, "cpus": os.cpu_count(), "latency_s": args.latency}
    with StandInServer(standin) as upstream, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        server = Server(upstream, args.workers, prefix, tmp, CACHE_LIST_TTL=TTL, CACHE_DETAIL_TTL=TTL,
                        CACHE_DICTIONARY_TTL=TTL, CARGOTECH_CIRCUIT_OPEN_SECONDS=str(OPEN_SECONDS))
        try:
            tokens = asyncio.run(open_sessions(server.url, 200))
            (tmp / "tokens.txt").write_text("\n".join(tokens) + "\n")
            paths, distinct = build_paths(standin)
            (tmp / "paths.txt").write_text("\n".join(paths) + "\n")

            def phase(seconds: int) -> dict:
                return run_wrk(server.url, connections=250, duration=seconds, tokens=tmp / "tokens.txt",
                               paths=tmp / "paths.txt", pace_ms=500)

            phase(args.warmup)  # every key cached once
            results["before"] = phase(args.before)
            standin.fail_next("/v", 503, times=10**9)  # CargoTech down: every call answers 503
            standin.reset_counters()
            down_at = time.monotonic()
            results["onset"] = phase(args.onset)
            results["during"] = phase(args.during)
            during_upstream = sum(standin.calls.values())
            standin.clear_faults()  # CargoTech back
            results["outage_seconds"] = time.monotonic() - down_at
            probe_path = next(p for p in paths if p.startswith("/api/cargos?"))
            results["fresh_after_s"] = wait_fresh(server.url, tokens[0], probe_path, OPEN_SECONDS * 3)
            results["after"] = phase(args.after)
        finally:
            server.stop()
            clean(prefix)
    print(f"Scenario 'outage' ({args.workers} workers, 200 sessions, {distinct} distinct keys, cache TTL {TTL} s, "
          f"CargoTech latency {args.latency * 1000:.0f} ms, ≈ 500 req/s offered):")
    for name in ("before", "onset", "during", "after"):
        report(name, results[name])
    print(f"  calls that reached CargoTech during the outage (all answered 503): {during_upstream}")
    fresh = results["fresh_after_s"]
    print(f"  fresh answers again {fresh:.1f} s after CargoTech came back" if fresh is not None
          else "  no fresh answer within the wait after CargoTech came back")
    during = results["during"]
    hard_errors = during["errors"] - during["status_errors"]  # non-2xx answers are 503s for keys never cached
    ok = during["p99_us"] < 50_000 and hard_errors == 0 and fresh is not None and fresh <= OPEN_SECONDS + 3
    print(f"  target (during: p99 < 50 ms, no timeouts or dropped connections; fresh within {OPEN_SECONDS + 3} s): "
          f"{'MET' if ok else 'NOT MET'}"
          f" — during p99 {ms(during['p99_us'])}, {during['rps']:.0f} req/s vs {results['before']['rps']:.0f} before")
    results["targets_met"] = ok
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"outage-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
