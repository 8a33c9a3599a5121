"""The list as a driver with a shortlist sees it: without the loads and companies they hid, and with
`favourite: true` on their favourites.

`MarkedViews` wraps the list's driver views (core/cargo/listing.py `DriverViews`, i.e. insights): a driver
without hidden items keeps the shared bytes (favourites alone do not make a page personal — the Mini App
knows them from GET /api/favourites); a driver with hidden items gets their own filtered copy. Favourites
are flagged on every personal copy (a position, an order of ours, or hidden items). Hiding on a plain page
makes it shorter than `limit`; `meta.hidden_by_driver` says how many were left out."""

from __future__ import annotations

import json

from ..cargo.listing import DriverViews, ListView
from ..loads.query import LoadQuery
from .marks import MarkReader, Marks


def apply_marks(body: dict, marks: Marks) -> dict:
    items = body.get("items") or []
    kept = [card for card in items if not marks.hidden(str(card.get("id")), (card.get("company") or {}).get("inn"))]
    for card in kept:
        if str(card.get("id")) in marks.favourites:
            card["favourite"] = True
    if len(kept) != len(items):
        body.setdefault("meta", {})["hidden_by_driver"] = len(items) - len(kept)
    body["items"] = kept
    return body


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

    async def personalise_list(self, driver_id: int, text: str) -> str | None:
        personal = await self._views.personalise_list(driver_id, text)
        marks = await self._marks.marks(driver_id)
        if marks.empty or (personal is None and not marks.hides):
            return personal
        return _dumps(apply_marks(json.loads(personal if personal is not None else text), marks))
