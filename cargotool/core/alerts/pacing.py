"""How long the watcher waits before its next look at CargoTech (core/alerts/watcher.py).

One call to the freshest-loads feed covers every saved search, so the feed is looked at as often as the
rolling budget (`limit` calls in any 60 s, storage/rolling_budget.py) allows, and less often when
CargoTech struggles. The next interval is the longest of:

- **the floor** (ALERTS_POLL_MIN_SECONDS);
- **the budget's pace**: the feed gets `limit - headroom` calls a minute. The headroom (a fifth of the
  budget, at least one call) is left for the per-query polls of the searches the matcher cannot decide,
  the "still on the board?" checks before a held digest goes out, and the feed's further pages when a
  whole page was new. With the default 20 calls a minute: 16 for the feed, a look every 3.75 s;
- **slow answers**: `SLOW_FACTOR` × the moving average (EWMA) of CargoTech's answer time, so the watcher
  keeps CargoTech busy a quarter of the time at most (2 s answers: a look every 8 s);
- **failures**: after an error, a 429 or 5xx past the client's retries, or a call the open circuit
  refused, the interval doubles per failure in a row (reset by the next answer);

capped at **the ceiling** (ALERTS_POLL_SECONDS); and, above the ceiling too, **the budget being short**:
while the last 60 s leave fewer than `headroom + 1` calls, the watcher waits until they do (`budget_wait`,
from `RollingBudget.room_in`), so other calls always find room. The budget itself refuses any call
beyond `limit` in any 60 s: pacing only decides how the budget is spread.

Pure arithmetic on what it was told: the caller measures the answers and passes the budget's wait, so
tests drive it with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass

SLOW_FACTOR = 4.0  # look at most once per this many answer times
EWMA_WEIGHT = 0.3  # weight of the newest answer time in the moving average
MAX_DOUBLINGS = 6  # failures beyond this many in a row lengthen the interval no further (the ceiling caps it anyway)


def headroom_of(limit: int) -> int:
    """Calls a minute kept out of the feed's pace for the watcher's other calls."""
    return 0 if limit <= 1 else max(1, round(limit / 5))


@dataclass
class Pacer:
    limit: int  # calls in any 60 s (ALERTS_MAX_UPSTREAM_PER_MINUTE)
    floor: float  # ALERTS_POLL_MIN_SECONDS
    ceiling: float  # ALERTS_POLL_SECONDS
    latency: float | None = None  # EWMA of answer times, seconds
    failures: int = 0  # in a row

    def __post_init__(self) -> None:
        if self.limit < 1 or self.floor <= 0 or self.ceiling <= 0:
            raise ValueError("pacing needs a budget of at least 1 call and positive floor and ceiling")
        self.floor = min(self.floor, self.ceiling)

    @property
    def headroom(self) -> int:
        return headroom_of(self.limit)

    @property
    def feed_per_minute(self) -> int:
        return max(1, self.limit - self.headroom)

    @property
    def spare_per_minute(self) -> float:
        """The per-query polls' share while the feed works: half the headroom (the rest: digests, pages)."""
        return self.headroom / 2

    def answered(self, seconds: float) -> None:
        """CargoTech answered in `seconds`."""
        self._measure(seconds)
        self.failures = 0

    def failed(self, seconds: float | None = None) -> None:
        """A call failed (after `seconds`), or was not made because the circuit is open (None)."""
        if seconds is not None:
            self._measure(seconds)
        self.failures += 1

    def _measure(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.latency = seconds if self.latency is None else (1 - EWMA_WEIGHT) * self.latency + EWMA_WEIGHT * seconds

    def interval(self, budget_wait: float = 0.0) -> float:
        """Seconds until the next look; `budget_wait`: seconds until the budget has `headroom + 1` free calls."""
        wanted = max(self.floor, 60.0 / self.feed_per_minute, SLOW_FACTOR * (self.latency or 0.0))
        wanted *= 2.0 ** min(self.failures, MAX_DOUBLINGS)
        return max(min(wanted, self.ceiling), budget_wait)
