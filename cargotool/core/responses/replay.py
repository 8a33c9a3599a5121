"""A repeated response submission answers as the first one did (an `Idempotency-Key` per offer).

The Mini App queues a response made without network and sends it when the network returns; a try whose answer
was lost may have reached the server, so every try of one offer carries the same key (a UUID the app makes).
The first try claims the key (SET NX with a random token, `CLAIM_SECONDS`); once it succeeds the key remembers
the response id, whether it was created, the load and a short digest of the offer, for `REMEMBER_SECONDS` (a
day: the app gives up on queued offers older than that). A repeat answers that response as it is now with the
first try's status; a try that failed releases the key, so the next try is a new attempt. Release and remember
act only while the key still holds this try's token (compare-and-delete / compare-and-set): a first try slower
than `CLAIM_SECONDS` never removes or overwrites a later try's claim. A copy arriving while the first try runs
is `InFlight` (409 with Retry-After: the app waits and tries again). Only ids are kept, and of the offer a
digest of 8 hex characters salted with the key (too short to tell a phone number back): the phone and comment
stay in the database row (which «Удалить мои данные» scrubs); the memo is keyed by the driver, so one driver's
key never answers another.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis

from ..errors import CargotoolError, InvalidInput
from ..storage.redis import Keys
from ..storage.singleflight import COMPARE_AND_DELETE

HEADER = "Idempotency-Key"
REMEMBER_SECONDS = 86400
CLAIM_SECONDS = 60
RETRY_AFTER_SECONDS = 5
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_PENDING = "pending:"

# Set KEYS[1] to ARGV[2] for ARGV[3] seconds only while it still holds ARGV[1] (this try's claim).
_COMPARE_AND_SET = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


class InFlight(CargotoolError):
    """The same offer is being sent right now (a second copy arrived before the first was answered)."""

    code = "in_flight"
    retry_after = RETRY_AFTER_SECONDS


@dataclass(frozen=True)
class Earlier:
    response_id: int
    created: bool
    cargo_id: str
    digest: str


@dataclass(frozen=True)
class Claim:
    """This try holds the key: `remember` or `release` it."""

    driver_id: int
    key: str
    name: str
    token: str


def checked_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise InvalidInput("Проверьте ключ повтора", fields={HEADER: "От 8 до 64 латинских букв, цифр, «-» или «_»"})
    return key


def offer_digest(key: str, rate_kopecks: int, comment: str | None, phone: str | None) -> str:
    """What tells two bodies of one key apart (see the module's note on why it is this short)."""
    text = json.dumps([key, rate_kopecks, comment, phone], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def check_same_offer(earlier: Earlier, digest: str) -> None:
    """A repeat must carry the first try's offer: another body under the key is refused, not answered."""
    if earlier.digest != digest:
        raise InvalidInput("Этот отклик уже отправлен с другими данными",
                           fields={HEADER: "Этот отклик уже отправлен с другими данными — отправьте новый отклик"})


class Replays:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._release = redis.register_script(COMPARE_AND_DELETE)
        self._set = redis.register_script(_COMPARE_AND_SET)

    def _key(self, driver_id: int, key: str) -> str:
        return self._keys(f"responses:replay:{driver_id}:{key}")

    async def claim(self, driver_id: int, key: str, cargo_id: str) -> Earlier | Claim:
        """A `Claim` when this try is the first (the key is now held); else what the first try answered.
        InFlight while the first try is still running; InvalidInput for a key used with another load."""
        name = self._key(driver_id, checked_key(key))
        token = _PENDING + secrets.token_hex(8)
        if await self._redis.set(name, token, nx=True, ex=CLAIM_SECONDS):
            return Claim(driver_id, key, name, token)
        stored = await self._redis.get(name)
        text = stored.decode() if isinstance(stored, bytes) else stored
        if text is None:  # released between the two calls: claim again
            return await self.claim(driver_id, key, cargo_id)
        if text.startswith(_PENDING):
            raise InFlight("Этот отклик уже отправляется — подождите немного")
        response_id, created, earlier_cargo, digest = (text.split("|", 3) + [""])[:4]
        if earlier_cargo != cargo_id:
            raise InvalidInput("Проверьте ключ повтора", fields={HEADER: "Этот ключ уже использован для другого груза"})
        return Earlier(int(response_id), created == "1", earlier_cargo, digest)

    async def remember(self, claim: Claim, response_id: int, created: bool, cargo_id: str, digest: str) -> bool:
        """Keep what the first try answered; False when the claim was no longer this try's (it expired)."""
        value = f"{response_id}|{'1' if created else '0'}|{cargo_id}|{digest}"
        return bool(await self._set(keys=[claim.name], args=[claim.token, value, REMEMBER_SECONDS]))

    async def release(self, claim: Claim) -> None:
        await self._release(keys=[claim.name], args=[claim.token])
