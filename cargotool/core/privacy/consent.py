"""Consent before a position is used: the Mini App's position (device or home city) and the bot's live location.

The driver is shown what it is for and a link to the policy; their answer is stored with its time. Until the
latest answer of a kind is "yes", a position of that kind is refused (the API) or ignored (the bot). The answer
is read on every live-location edit, so it is kept in Redis too (dropped by every new answer and by forgetting).
A "no" also erases what is stored of that kind on the server (`erasers`, wired by the composition root): a
withdrawn consent leaves no position behind.
"""

from __future__ import annotations

from typing import Awaitable, Callable

import redis.asyncio as aioredis

from ..errors import CargotoolError, InvalidInput
from ..storage.db import Database
from ..storage.models import utcnow
from ..storage.redis import Keys
from .models import ConsentAnswer

KINDS = {
    "position": "Местоположение из приложения (геопозиция или домашний город)",
    "live_location": "Трансляция геопозиции в чате с ботом",
}
PURPOSES = {
    "position": "Считаем порожний пробег до погрузки и ставку с ним, подбираем обратный груз. "
                "Местоположение видите только вы.",
    "live_location": "Пока вы в пути, копим уведомления о грузах и присылаем их на стоянке. "
                     "Храним только последнюю точку и только пока идёт трансляция.",
}
CACHE_SECONDS = 3600


class ConsentRequired(CargotoolError):
    code = "consent_required"


class Consents:
    def __init__(self, database: Database, redis: aioredis.Redis, keys: Keys,
                 erasers: dict[str, Callable[[int], Awaitable[object]]] | None = None) -> None:
        """`erasers`: kind → `erase(driver_id)`, run when the driver answers "no" to that kind."""
        self._db = database
        self._redis = redis
        self._keys = keys
        self.erasers = dict(erasers or {})

    def _key(self, driver_id: int, kind: str) -> str:
        return self._keys(f"privacy:consent:{driver_id}:{kind}")

    async def answer(self, driver_id: int, kind: object, answer: object, via: str) -> dict:
        if kind not in KINDS:
            raise InvalidInput("Неизвестное согласие", fields={"kind": "Допустимо: " + ", ".join(KINDS)})
        if not isinstance(answer, bool):
            raise InvalidInput("Ответьте «да» или «нет»", fields={"answer": "true или false"})
        row = await self._db.run(lambda: ConsentAnswer.create(driver_id=driver_id, kind=kind, answer=answer,
                                                              answered_at=utcnow(), via=via))
        await self._redis.set(self._key(driver_id, str(kind)), "1" if answer else "0", ex=CACHE_SECONDS)
        if not answer and kind in self.erasers:
            await self.erasers[str(kind)](driver_id)
        return _public(row)

    async def withdraw(self, driver_id: int, via: str) -> None:
        """«Забыть местоположение» / `/forget_location`: "no" to every kind, so each erases its position and
        the next one is asked about again."""
        for kind in KINDS:
            await self.answer(driver_id, kind, False, via=via)

    async def granted(self, driver_id: int, kind: str) -> bool:
        cached = await self._redis.get(self._key(driver_id, kind))
        if cached is None:
            latest = await self._latest(driver_id, kind)
            cached = "1" if latest is not None and latest.answer else "0"
            await self._redis.set(self._key(driver_id, kind), cached, ex=CACHE_SECONDS)
        return cached == "1"

    async def require(self, driver_id: int, kind: str) -> None:
        if not await self.granted(driver_id, kind):
            raise ConsentRequired("Сначала разрешите использовать местоположение")

    async def view(self, driver_id: int) -> dict:
        """Per kind: the latest answer with its time, or None; and what it is for."""
        result = {}
        for kind in KINDS:
            latest = await self._latest(driver_id, kind)
            result[kind] = {"title": KINDS[kind], "purpose": PURPOSES[kind], "answer": _public(latest) if latest else None}
        return result

    async def _latest(self, driver_id: int, kind: str) -> ConsentAnswer | None:
        return await self._db.run(lambda: ConsentAnswer.select().where(
            (ConsentAnswer.driver_id == driver_id) & (ConsentAnswer.kind == kind))
            .order_by(ConsentAnswer.id.desc()).first())

    async def forget(self, driver_id: int) -> int:
        deleted = await self._db.run(lambda: ConsentAnswer.delete().where(ConsentAnswer.driver_id == driver_id).execute())
        await self._redis.delete(*[self._key(driver_id, kind) for kind in KINDS])
        return deleted


def _public(row: ConsentAnswer) -> dict:
    return {"kind": row.kind, "answer": row.answer, "at": row.answered_at.isoformat(), "via": row.via}
