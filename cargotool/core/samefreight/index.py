"""Postings of one trip on the shared list, and on the detail of each of them.

When the shared cache fetches a list page (core/cargo/service.py's `fold` hook), the page's postings are
grouped and folded (cards.py), and each grouped posting's `group` is written to a small index in Redis:
`samefreight:<load id>` = the group's JSON, kept as long as the page itself may be served (list TTL + the
stale allowance). The detail reads it per request (one GET), so a detail cached before its page was
grouped still shows the group, and the group is the one the driver just saw on the card.

Grouping is per page as the marketplace sends it: `meta.total` still counts postings as the marketplace
does, `next_offset` is still its own (paging neither skips nor repeats a posting), and `meta.folded` says
how many of the page's postings are inside another card's `group` — the page may show fewer cards than
`limit`. Postings of one trip that fall on two pages stay two cards.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import redis.asyncio as aioredis

from ..loads.models import Load
from ..storage.redis import Keys
from .cards import fold


class SameFreight:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_seconds: int) -> None:
        """`ttl_seconds`: how long a page's groups are kept for the detail (as long as the page may be served)."""
        self._redis = redis
        self._keys = keys
        self.ttl_seconds = ttl_seconds

    def _key(self, cargo_id: str) -> str:
        return self._keys(f"samefreight:{cargo_id}")

    async def fold_page(self, loads: Sequence[Load], cards: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """The page's cards, one per trip, and how many postings were folded into another card."""
        folding = fold(loads, cards)
        if folding.groups:
            pipe = self._redis.pipeline(transaction=False)
            for cargo_id, shape in folding.groups.items():
                pipe.set(self._key(cargo_id), json.dumps(shape, ensure_ascii=False), ex=self.ttl_seconds)
            await pipe.execute()
        return folding.cards, folding.folded

    async def group_of(self, cargo_id: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._key(cargo_id))
        return json.loads(raw) if raw else None

    async def attach(self, body: dict[str, Any]) -> dict[str, Any]:
        """A detail body with its `group`, when its load was seen grouped on a list page."""
        shape = await self.group_of(str(body.get("id")))
        if shape is not None:
            body["group"] = shape
        return body
