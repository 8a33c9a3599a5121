"""A repeated response submission answers as the first one did (an `Idempotency-Key` per offer).

The Mini App queues a response made without network and sends it when the network returns; a try whose answer
was lost may have reached the server, so every try of one offer carries the same key (a UUID the app makes).
The first try claims the key (SET NX, `CLAIM_SECONDS`); once it succeeds the key remembers the response id,
whether it was created and the load, for `REMEMBER_SECONDS` (a day: the app drops queued offers older than
that). A repeat answers that response as it is now with the first try's status; a try that failed releases the
key, so the next try is a new attempt. Only ids are kept: the phone and comment stay in the database row
(which «Удалить мои данные» scrubs); the memo is keyed by the driver, so one driver's key never answers another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import redis.asyncio as aioredis

from ..errors import CargotoolError, InvalidInput
from ..storage.redis import Keys

HEADER = "Idempotency-Key"
REMEMBER_SECONDS = 86400
CLAIM_SECONDS = 60
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_PENDING = "pending"


class InFlight(CargotoolError):
    """The same offer is being sent right now (a second copy arrived before the first was answered)."""

    code = "conflict"


@dataclass(frozen=True)
class Earlier:
    response_id: int
    created: bool
    cargo_id: str


def checked_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise InvalidInput("Проверьте ключ повтора", fields={HEADER: "От 8 до 64 латинских букв, цифр, «-» или «_»"})
    return key


class Replays:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def _key(self, driver_id: int, key: str) -> str:
        return self._keys(f"responses:replay:{driver_id}:{key}")

    async def claim(self, driver_id: int, key: str, cargo_id: str) -> Earlier | None:
        """None when this try is the first (the key is now claimed); else what the first try answered.
        InFlight while the first try is still running; InvalidInput for a key used with another load."""
        name = self._key(driver_id, checked_key(key))
        if await self._redis.set(name, _PENDING, nx=True, ex=CLAIM_SECONDS):
            return None
        stored = await self._redis.get(name)
        text = stored.decode() if isinstance(stored, bytes) else stored
        if text is None:  # released between the two calls: claim again
            return await self.claim(driver_id, key, cargo_id)
        if text == _PENDING:
            raise InFlight("Этот отклик уже отправляется — подождите немного")
        response_id, created, earlier_cargo = text.split("|", 2)
        if earlier_cargo != cargo_id:
            raise InvalidInput("Проверьте ключ повтора", fields={HEADER: "Этот ключ уже использован для другого груза"})
        return Earlier(int(response_id), created == "1", earlier_cargo)

    async def remember(self, driver_id: int, key: str, response_id: int, created: bool, cargo_id: str) -> None:
        value = f"{response_id}|{'1' if created else '0'}|{cargo_id}"
        await self._redis.set(self._key(driver_id, key), value, ex=REMEMBER_SECONDS)

    async def release(self, driver_id: int, key: str) -> None:
        await self._redis.delete(self._key(driver_id, key))
