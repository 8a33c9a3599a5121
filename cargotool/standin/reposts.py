"""Reposts in the sample: a trip posted again by other companies at a lower price, as brokers resell loads
(issue 21 §4: the list folds them into one card). Each repost is inserted right after its original, so the
sample's other loads keep their order relative to each other, and the first 32 keep their positions (tests
address them by index). Reposts blur the facts the way reposts do: a rounded weight, a body's volume.
"""

from __future__ import annotations

import copy
from typing import Any

# (the original's index in the sorted sample, the reposting company's index in the sample's companies, the offered price
# in roubles, other changes). 33: the shipper's own posting resold by two brokers; 42 and 45 resold once.
REPOSTS: tuple[tuple[int, int, int, dict[str, Any]], ...] = (
    (33, 0, 128_000, {}),
    (33, 4, 121_000, {"weight": 12000}),
    (42, 4, 89_000, {}),
    (45, 1, 205_000, {"volume": 20}),
)
FIRST_REPOST_ID = 6236990001  # outside the sample's ids (6236980000 + 37 × index)


def with_reposts(cargos: list[dict[str, Any]], companies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sample with each repost right after its original (and that original's earlier reposts)."""
    after: dict[int, list[dict[str, Any]]] = {}
    for number, (index, company, price_rub, changes) in enumerate(REPOSTS):
        if index < len(cargos):
            after.setdefault(index, []).append(
                repost(cargos[index], FIRST_REPOST_ID + number, companies[company], price_rub, changes))
    result = []
    for index, cargo in enumerate(cargos):
        result.append(cargo)
        result.extend(after.get(index, []))
    return result


def repost(original: dict[str, Any], cargo_id: int, company: dict[str, Any], price_rub: int,
           changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of `original` posted by `company` at `price_rub` (its own price; no separate carrier price),
    created at the same time (the sample's order stays newest first)."""
    cargo = copy.deepcopy(original)
    price = price_rub * 100
    cargo.update(id=cargo_id, company=dict(company), price=price, price_carrier=None,
                 price_per_km=price // cargo["distance"], **changes)
    cargo["contacts"][1].update(name=company["name"])
    cargo["extra"].update(url=None, note="Ставка без НДС. Звоните, обсудим.")
    return cargo
