"""The list as a driver with a shortlist sees it: without the loads and companies they hid, and with
`favourite: true` on their favourites.

`MarkedViews` wraps the list's driver views (core/cargo/listing.py `DriverViews`, i.e. insights): a driver
without hidden items keeps the shared bytes (favourites alone do not make a page personal — the Mini App
knows them from GET /api/favourites); a driver with hidden items gets their own filtered copy. Favourites
are flagged on every personal copy (a position, an order of ours, or hidden items). Hiding on a plain page
makes it shorter than `limit`; `meta.hidden_by_driver` says how many were left out."""

from __future__ import annotations

import json

from ..cargo.card_types import writable
from ..cargo.listing import DriverViews, ListView
from ..cargo.service import Answer
from ..loads.query import LoadQuery
from .marks import MarkReader, Marks


def apply_marks(body: dict, marks: Marks) -> dict:
    """A new body without the hidden cards and with `favourite: true` on the favourites. `body` may be a
    cached answer's shared `data`: it is not changed (a flagged card is a `writable` copy)."""
    items = body.get("items") or []
    kept = [card for card in items if not marks.hidden(str(card.get("id")), (card.get("company") or {}).get("inn"))]
    kept = [{**writable(card), "favourite": True} if str(card.get("id")) in marks.favourites else card for card in kept]
    meta = dict(body.get("meta") or {})
    if len(kept) != len(items):
        meta["hidden_by_driver"] = len(items) - len(kept)
    return {**body, "meta": meta, "items": kept}


def _dumps(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class MarkedViews:
    def __init__(self, views: DriverViews, marks: MarkReader) -> None:
        self._views = views
        self._marks = marks

    async def ordered_list(self, driver_id: int, query: LoadQuery, view: ListView) -> str:
        text = await self._views.ordered_list(driver_id, query, view)
        marks = await self._marks.marks(driver_id)
        return text if marks.empty else _dumps(apply_marks(json.loads(text), marks))

    async def personalise_list(self, driver_id: int, page: Answer) -> str | None:
        personal = await self._views.personalise_list(driver_id, page)
        marks = await self._marks.marks(driver_id)
        if marks.empty or (personal is None and not marks.hides):
            return personal
        return _dumps(apply_marks(json.loads(personal) if personal is not None else page.data, marks))
