"""Orders and filters of ours across more than one page: the "sort window".

CargoTech's list has no sort we can rely on for ₽/km, price or loading date, and none at all for what only
we know (₽/km with the driver's empty run, the lane's market, dock waits). Sorting one page of 20 would put
the best of 20 first and hide a better load on page 2. Instead the driver's order is applied to the
`WINDOW` freshest loads matching the filters: upstream pages of `WINDOW_PAGE` read through the shared cache
(the same keys for every driver and every sort, so sorting adds no CargoTech calls per driver), merged,
ordered and filtered here, then cut into the driver's pages. `meta.sort` says how many loads the order
covers and whether more exist beyond them, in words the Mini App shows as they are.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Awaitable, Callable

from ..cargo.card_types import writable
from ..errors import UpstreamError
from ..loads.query import LoadQuery

WINDOW_PAGE = 50  # CargoTech's largest page we use
WINDOW = 100  # loads an order of ours covers: two upstream pages
MAX_WINDOW_PAGES = 5  # should CargoTech cut pages shorter than asked, at most this many calls fill the window

ListPage = Callable[[LoadQuery], Awaitable[Any]]  # CargoService.list: an Answer with .data (parsed once)


async def read_window(list_page: ListPage, query: LoadQuery) -> tuple[list[dict], dict]:
    """The first `WINDOW` loads for the query's filters (its own paging ignored), and a meta describing them:
    `stale`/`age_seconds` of the oldest page used, `fetched_at`, `more_upstream` (loads exist beyond the
    window), `partial` (a later page failed; the pages before it are used). The first page's error is raised.
    Pages are read one after another, each from where the previous one ended."""
    pages: list[dict] = []
    offset, more, partial = 0, False, False
    while True:
        try:
            answer = await list_page(dataclasses.replace(query, limit=WINDOW_PAGE, offset=offset))
        except UpstreamError:
            if not pages:
                raise
            partial = True  # the first pages are still worth ordering
            break
        page = answer.data  # parsed once per cached answer; read only: the cards are copied below
        pages.append(page)
        # CargoTech's own `next_offset` (a page it cut shorter than asked is followed from where it ended)
        next_offset = page.get("meta", {}).get("next_offset")
        more = next_offset is not None
        loaded = _postings(pages)
        if not more or not page.get("items") or loaded >= WINDOW or len(pages) >= MAX_WINDOW_PAGES:
            break
        offset = next_offset
    seen: dict[Any, dict] = {}
    for page in pages:
        for card in page.get("items", []):
            if card.get("id") not in seen:  # a load that moved between pages counts once
                # the parsed pages are shared between drivers: hand out a copy this driver's figures may be
                # written to, nested dicts included (economics writes into `display`)
                seen[card.get("id")] = writable(copy.deepcopy(card))
    metas = [page.get("meta", {}) for page in pages]
    stale = [m for m in metas if m.get("stale")]
    meta: dict[str, Any] = {
        # the marketplace's loads read: the cards, and the postings of one trip folded into them (core/samefreight)
        "postings": len(seen) + sum(m.get("folded", 0) for m in metas),
        "stale": bool(stale),
        "fetched_at": min((m.get("fetched_at") for m in metas if m.get("fetched_at")), default=None),
        "more_upstream": more, "partial": partial,
        "total": metas[0].get("total"),
        # what a compound query (core/cargo/alongway.py) left out, e.g. `hidden_outside_region`: the same on every page
        "hidden": {k: v for k, v in metas[0].items() if k.startswith("hidden_")},
    }
    if stale:
        meta["age_seconds"] = max(m.get("age_seconds") or 0 for m in stale)
    return list(seen.values()), meta


def _postings(pages: list[dict]) -> int:
    """Loads read in the marketplace's count: cards plus the postings folded into them (core/samefreight)."""
    return sum(len(p.get("items", [])) + p.get("meta", {}).get("folded", 0) for p in pages)


def page_of(cards: list[dict], window_meta: dict, query: LoadQuery, sort: dict) -> dict:
    """The driver's page (`query.offset`, `query.limit`) of the ordered window, with the list's usual meta."""
    chunk = cards[query.offset:query.offset + query.limit]
    end = query.offset + len(chunk)
    meta = {"limit": query.limit, "offset": query.offset, "total": window_meta.get("total"),
            "next_offset": end if end < len(cards) else None, "stale": window_meta["stale"],
            "fetched_at": window_meta["fetched_at"], "sort": sort}
    if "age_seconds" in window_meta:
        meta["age_seconds"] = window_meta["age_seconds"]
    return {"items": chunk, "meta": meta}


def window_text(scanned: int, window_meta: dict) -> str:
    """What the order and filters cover, for the end of the list (true whether or not more loads exist)."""
    if window_meta["partial"]:
        return (f"Порядок и отбор — среди {scanned} самых свежих грузов: следующая страница списка "
                "сейчас недоступна.")
    if window_meta["more_upstream"]:
        total = window_meta.get("total")
        of = f" из {total}" if isinstance(total, int) and total > scanned else ""
        return (f"Порядок и отбор — среди {scanned} самых свежих грузов{of}. Остальные покажет порядок "
                "«Сначала новые» или фильтры точнее.")
    return "Это все грузы по вашему запросу."
