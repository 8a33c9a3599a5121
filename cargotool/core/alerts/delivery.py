"""From matches to messages: who gets an alert now, who later in a digest, who never.

- **Once per driver and load, forever**: a unique (driver, load) row is written before anything is
  queued, so a second search, another worker or a restart can never alert the same load again; the
  outbox message carries the same pair as its de-duplication key.
- **Once per trip**: postings of one trip in the same cycle make one alert (alerts/trips.py).
- **Held** (one digest later, loads already gone dropped): during the driver's quiet hours, while
  muted (`/mute`), while driving (live location or `/drive`), and beyond `per_hour` alerts an hour.
- **Out of reach** (a search with «успеваю», `reachable`): a load the driver cannot reach under the
  driving-time rules from where they are now is not alerted (nor remembered as alerted); without a known
  position or the loading point's coordinates it goes as usual.
- **What the driver's card would say**: `personal(driver_id, loads)` (core/insights, wired by the composition
  root) gives each load's `reach` and `net` for this driver, asked once per driver and cycle; the «успеваю»
  check above and the alert's text both read it — the verdict line «успеваете к погрузке (≈ вт 14:00)» and
  «Чистыми ≈ …» as on the card, with the payment terms when the load states them.
- `paywall.alerts`: without a subscription (when the flag is on) no alerts at all; a driver the bot
  cannot write to (a 403, see core/drivers/reach.py) gets none either.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import redis.asyncio as aioredis

from ..billing.paywall import Part, Paywall
from ..messaging.buttons import open_load_button, webapp_button
from ..messaging.outbox import Outbox
from ..cargo.cards import card
from ..cargo.formatting import format_number
from ..loads.models import Load
from ..storage.db import Database
from ..storage.models import AlertDelivery, AlertPrefs, DriverRecord, utcnow
from ..storage.redis import Keys
from ..words import counted
from ..observability.metrics import count_alert
from .location import LocationStore
from .rules import in_quiet_hours, quiet_window
from .searches import Search
from .trips import one_per_trip

log = logging.getLogger(__name__)

DIGEST_LINES = 8
# driver, loads → by load id, the keys the driver's own card adds: `reach`, `net` (card_types' Reach, Net)
Personal = Callable[[int, list[Load]], Awaitable[dict[str, dict[str, Any]]]]


@dataclass(frozen=True)
class Hit:
    search: Search
    cargo: Load


def alert_text(search: Search, view: dict[str, Any]) -> str:
    """The card in a few lines; with the payment terms when known, and the driver's `net` and `reach`
    when their card has them (see `Personal`)."""
    d = view["display"]
    size = f"{d['weight']} т / {format_number(view['volume_m3'])} м³"
    distance = f" · {view['distance_km']} км" if view.get("distance_km") else ""
    lines = [f"🔔 Новый груз по поиску «{search.name}»", d["route"], f"Погрузка: {d['loading']}", f"{size}{distance}",
             f"{d['price']} · {d['rate']}"]
    terms = view.get("payment_terms") or {}
    if any(terms.get(name) is not None for name in ("vat", "form", "timing")):  # unknown terms: not a line
        lines.append(f"Оплата: {terms['text']}")
    if view.get("net"):
        lines.append(f"{view['net']['text']} (оценка)")
    if view.get("reach"):
        lines.append(f"🕒 {view['reach']['text']}")
    return "\n".join(lines)


class Alerter:
    def __init__(self, *, database: Database, redis: aioredis.Redis, keys: Keys, outbox: Outbox, paywall: Paywall,
                 locations: LocationStore, webapp_url: str, per_hour: int, default_quiet: str, still_minutes: int,
                 auto=None, hidden=None, clock: Callable[[], float] = time.time,
                 personal: Personal | None = None) -> None:
        """`hidden.excluded(driver_id, cargo_id, inn)`: loads and companies the driver hid get no alert."""
        self._db = database
        self._hidden = hidden
        self._redis = redis
        self._keys = keys
        self._outbox = outbox
        self._paywall = paywall
        self.locations = locations
        self._webapp_url = webapp_url
        self.per_hour = per_hour
        self.default_quiet = default_quiet
        self.still_minutes = still_minutes
        self.auto = auto
        self.clock = clock
        self.personal = personal
        self.sent = 0
        self.held = 0

    # ---- the driver's switches --------------------------------------------------------------------

    async def mute(self, driver_id: int, seconds: int) -> None:
        await self._redis.set(self._keys(f"alerts:mute:{driver_id}"), "1", ex=seconds)

    async def unmute(self, driver_id: int) -> None:
        await self._redis.delete(self._keys(f"alerts:mute:{driver_id}"))

    async def toggle_driving(self, driver_id: int) -> bool:
        """`/drive`: hold alerts as if moving (for up to 12 hours) or stop doing so. Returns the new state."""
        key = self._keys(f"alerts:drive:{driver_id}")
        if await self._redis.delete(key):
            return False
        await self._redis.set(key, "1", ex=12 * 3600)
        return True

    async def set_quiet_hours(self, driver_id: int, text: str | None) -> None:
        """`22:00-07:00`, `off`, or None for the default (ALERTS_QUIET_HOURS)."""
        if text is not None:
            quiet_window(text, self.default_quiet)  # raises ValueError when malformed
        await self._db.run(lambda: AlertPrefs.insert(driver_id=driver_id, quiet_hours=text, updated_at=utcnow())
                           .on_conflict(conflict_target=[AlertPrefs.driver_id],
                                        update={AlertPrefs.quiet_hours: text, AlertPrefs.updated_at: utcnow()}).execute())

    async def quiet_hours_of(self, driver_id: int) -> str:
        row = await self._db.run(lambda: AlertPrefs.get_or_none(AlertPrefs.driver_id == driver_id))
        return (row.quiet_hours if row and row.quiet_hours else None) or self.default_quiet

    async def hold_reason(self, driver_id: int, quiet: str | None = None) -> str | None:
        """Why alerts to this driver wait now (None: they may go)."""
        if quiet is None:
            quiet = await self.quiet_hours_of(driver_id)
        now = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)
        if await self._redis.exists(self._keys(f"alerts:mute:{driver_id}")):
            return "mute"
        if in_quiet_hours(quiet_window(quiet, self.default_quiet), now):
            return "quiet"
        if await self._redis.exists(self._keys(f"alerts:drive:{driver_id}")) or \
                await self.locations.moving(driver_id, self.still_minutes):
            return "driving"
        return None

    async def forget(self, driver_id: int) -> None:
        """Forget the driver's switches (mute, /drive), quiet hours and held alerts («Удалить мои данные»)."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self._keys(f"alerts:mute:{driver_id}"), self._keys(f"alerts:drive:{driver_id}"),
                    self._keys(f"alerts:held:{driver_id}"))
        pipe.srem(self._keys("alerts:held-drivers"), driver_id)
        await pipe.execute()
        await self._db.run(lambda: AlertPrefs.delete().where(AlertPrefs.driver_id == driver_id).execute())

    # ---- offering matches -------------------------------------------------------------------------

    async def offer(self, hits: list[Hit]) -> int:
        """Alert (or hold) each driver's new matches; returns how many alerts were queued now."""
        first: dict[tuple[int, str], Hit] = {}
        for hit in sorted(hits, key=lambda h: h.search.id):
            if hit.search.alerts:
                first.setdefault((hit.search.driver_id, hit.cargo.id), hit)
        if not first:
            return 0
        drivers = {driver for driver, _ in first}
        allowed = {d for d in drivers if await self._paywall.allows(d, Part.ALERTS)}
        prefs, blocked = await self._db.run(lambda: self._driver_state(drivers))
        pending = {pair: hit for pair, hit in first.items() if pair[0] in allowed and pair[0] not in blocked}
        pending = await self._not_hidden(pending)
        parts = await self._personal(pending)
        pending = {pair: hit for pair, hit in pending.items()
                   if not (hit.search.reachable and _verdict(parts, pair) == "no")}  # «успеваю»
        fresh = await self._db.run(lambda: self._claim(pending))
        count_alert("deduplicated", len(pending) - len(fresh))  # alerted before: never twice per driver and load
        by_driver: dict[int, list[Hit]] = defaultdict(list)
        for pair in fresh:
            by_driver[pair[0]].append(pending[pair])
        queued = 0
        for driver_id, driver_hits in by_driver.items():
            reason = await self.hold_reason(driver_id, prefs.get(driver_id) or self.default_quiet)
            for hit, also in one_per_trip(driver_hits):  # reposts of one trip: one alert
                if reason is None and await self._take_hourly(driver_id):
                    await self._send(hit, also, parts.get((driver_id, hit.cargo.id)))
                    queued += 1
                else:
                    await self._hold(hit)
        return queued

    async def _not_hidden(self, pending: dict[tuple[int, str], Hit]) -> dict[tuple[int, str], Hit]:
        """Leave out the loads each driver hid, or whose company they hid (core/shortlist)."""
        if self._hidden is None:
            return pending
        return {pair: hit for pair, hit in pending.items() if not await self._hidden.excluded(
            pair[0], hit.cargo.id, hit.cargo.company.inn if hit.cargo.company else None)}

    async def _personal(self, pending: dict[tuple[int, str], Hit]) -> dict[tuple[int, str], dict[str, Any]]:
        """Each pending (driver, load)'s own card keys (`reach`, `net`): one call per driver (see `Personal`)."""
        if self.personal is None:
            return {}
        loads: dict[int, list[Load]] = defaultdict(list)
        for (driver_id, _), hit in pending.items():
            loads[driver_id].append(hit.cargo)
        return {(driver_id, cargo_id): keys for driver_id, driver_loads in loads.items()
                for cargo_id, keys in (await self.personal(driver_id, driver_loads)).items()}

    @staticmethod
    def _driver_state(drivers: set[int]) -> tuple[dict[int, str | None], set[int]]:
        ids = list(drivers)
        prefs: dict[int, str | None] = {}
        blocked: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            prefs.update({r.driver_id: r.quiet_hours for r in AlertPrefs.select().where(AlertPrefs.driver_id.in_(chunk))})
            blocked.update(r.telegram_id for r in DriverRecord.select(DriverRecord.telegram_id)
                           .where(DriverRecord.telegram_id.in_(chunk) & DriverRecord.bot_blocked_at.is_null(False)))
        return prefs, blocked

    def _claim(self, pending: dict[tuple[int, str], Hit]) -> list[tuple[int, str]]:
        """Write the (driver, load) rows; only pairs written now (never alerted before) come back."""
        fresh = []
        now = utcnow()
        with self._db.write_transaction():
            for (driver_id, cargo_id), hit in pending.items():
                query = AlertDelivery.insert(driver_id=driver_id, cargo_id=cargo_id, search_id=hit.search.id,
                                             created_at=now).on_conflict_ignore()
                cursor = self._db.peewee.execute(query)
                if cursor.rowcount == 1:
                    fresh.append((driver_id, cargo_id))
        return fresh

    async def _take_hourly(self, driver_id: int, *, force: bool = False) -> bool:
        key = self._keys(f"alerts:hour:{driver_id}:{int(self.clock() // 3600)}")
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, 7200)
        count, _ = await pipe.execute()
        return force or int(count) <= self.per_hour

    async def _hourly_left(self, driver_id: int) -> bool:
        count = await self._redis.get(self._keys(f"alerts:hour:{driver_id}:{int(self.clock() // 3600)}"))
        return int(count or 0) < self.per_hour

    async def _send(self, hit: Hit, also: str | None = None, personal: dict[str, Any] | None = None) -> None:
        """`also`: a line naming the trip's other postings (alerts/trips.py); `personal`: the driver's `reach`
        and `net` of this load."""
        search, cargo = hit.search, hit.cargo
        view = {**card(cargo), **(personal or {})}
        keyboard = [[open_load_button(self._webapp_url, cargo.id)],
                    [{"text": "Не присылать по этому поиску", "callback_data": f"al:off:{search.id}"}]]
        text = alert_text(search, view) + (f"\n{also}" if also else "")
        if self.auto is not None:
            pending = await self.auto.propose(search, cargo, view["price_kopecks"], view["rate_kopecks_per_km"])
            if pending:
                text += f"\n\n🤖 Автоотклик по вашему правилу уйдёт диспетчерам через {self.auto.undo_seconds // 60 or 1} мин."
                keyboard.insert(1, [{"text": "Отменить автоотклик", "callback_data": f"al:undo:{pending}"}])
        await self._outbox.send("sendMessage", {"chat_id": search.driver_id, "text": text,
                                                "reply_markup": {"inline_keyboard": keyboard}},
                                key=f"alert:{search.driver_id}:{cargo.id}", kind="alert",
                                context={"cargo_id": cargo.id, "search_id": search.id})
        self.sent += 1
        count_alert("sent")

    async def _hold(self, hit: Hit) -> None:
        view = card(hit.cargo)
        item = {"cargo_id": hit.cargo.id, "search_id": hit.search.id, "search_name": hit.search.name,
                "route": view["display"]["route"], "price": view["display"]["price"], "at": self.clock()}
        driver_id = hit.search.driver_id
        pipe = self._redis.pipeline(transaction=True)
        pipe.rpush(self._keys(f"alerts:held:{driver_id}"), json.dumps(item, ensure_ascii=False))
        pipe.sadd(self._keys("alerts:held-drivers"), driver_id)
        await pipe.execute()
        self.held += 1
        count_alert("held")

    # ---- releasing what was held ------------------------------------------------------------------

    async def release_held(self, still_there: Callable[[str], Awaitable[bool]]) -> int:
        """Send one digest to each driver whose alerts may go again; returns how many digests."""
        sent = 0
        drivers = {int(member) for member in await self._redis.smembers(self._keys("alerts:held-drivers"))}
        if not drivers:
            return 0
        prefs, _ = await self._db.run(lambda: self._driver_state(drivers))
        for driver_id in sorted(drivers):
            if await self.hold_reason(driver_id, prefs.get(driver_id) or self.default_quiet) is not None \
                    or not await self._hourly_left(driver_id):
                continue
            key = self._keys(f"alerts:held:{driver_id}")
            pipe = self._redis.pipeline(transaction=True)
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            pipe.srem(self._keys("alerts:held-drivers"), driver_id)
            items, _, _ = await pipe.execute()
            held = [json.loads(x) for x in items]
            present = [item for item in held if await still_there(item["cargo_id"])]
            if present:
                await self._take_hourly(driver_id, force=True)
                await self._outbox.send("sendMessage", self._digest(driver_id, present),
                                        key=f"digest:{driver_id}:{held[0]['at']}", kind="alert-digest")
                sent += 1
        return sent

    def _digest(self, driver_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
        by_search: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            by_search[item["search_id"]].append(item)
        lines = ["Пока уведомления ждали, появились грузы:"]
        keyboard = []
        for search_id, group in by_search.items():
            lines.append(f"\n{_loads(len(group))} по поиску «{group[0]['search_name']}»:")
            lines += [f"• {i['route']} — {i['price']}" for i in group[:DIGEST_LINES]]
            if len(group) > DIGEST_LINES:
                lines.append(f"…и ещё {len(group) - DIGEST_LINES}")
            keyboard.append([webapp_button(self._webapp_url, f"Открыть «{group[0]['search_name']}»"[:60],
                                           f"?search={search_id}")])
        return {"chat_id": driver_id, "text": "\n".join(lines), "reply_markup": {"inline_keyboard": keyboard[:8]}}


def _verdict(parts: dict[tuple[int, str], dict[str, Any]], pair: tuple[int, str]) -> str | None:
    return ((parts.get(pair) or {}).get("reach") or {}).get("verdict")


def _loads(count: int) -> str:
    return "ещё " + counted(count, "груз", "груза", "грузов")
