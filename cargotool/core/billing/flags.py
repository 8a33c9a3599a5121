"""Feature flags: named switches stored in the database, read through a short cache.

Known flags and their defaults (a flag never set uses its default):
- `paywall`           the paywall as a whole
- `paywall.contacts`  hide a load's contacts from drivers without a subscription
- `paywall.respond`   answer 402 when a driver without a subscription responds to a load
- `paywall.alerts`    new-load alerts of saved searches only for drivers with a subscription
- `stars`             payment in Telegram Stars (for the plans PLANS_STARS prices)
"""

from __future__ import annotations

import time

from ..audit import AuditLog
from ..errors import InvalidInput
from ..storage.db import Database
from ..storage.models import Flag, utcnow

DEFAULTS = {"paywall": True, "paywall.contacts": True, "paywall.respond": True, "paywall.alerts": True, "stars": True}
LOCAL_SECONDS = 5.0


class Flags:
    def __init__(self, database: Database, audit: AuditLog, defaults: dict[str, bool] | None = None) -> None:
        self._db = database
        self._audit = audit
        self._defaults = {**DEFAULTS, **(defaults or {})}
        self._cache: tuple[float, dict[str, bool]] | None = None

    async def all(self) -> dict[str, bool]:
        if self._cache and self._cache[0] > time.monotonic():
            return self._cache[1]
        stored = await self._db.run(lambda: {f.name: f.enabled for f in Flag.select()})
        values = {**self._defaults, **stored}
        self._cache = (time.monotonic() + LOCAL_SECONDS, values)
        return values

    async def enabled(self, name: str) -> bool:
        values = await self.all()
        if name.startswith("paywall.") and not values.get("paywall", True):
            return False  # the paywall switch turns all of its parts off
        return values.get(name, False)

    async def set(self, name: str, on: bool, actor: str = "cli") -> None:
        if name not in DEFAULTS:
            raise InvalidInput(f"unknown flag {name!r}; known: {', '.join(DEFAULTS)}", fields={"name": "unknown flag"})
        await self._db.run(lambda: Flag.insert(name=name, enabled=on, updated_at=utcnow())
                           .on_conflict(conflict_target=[Flag.name], update={Flag.enabled: on, Flag.updated_at: utcnow()})
                           .execute())
        self._cache = None
        await self._audit.record(actor, "flag.set", target=name, details={"enabled": on})
