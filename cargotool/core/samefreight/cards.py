"""One card per trip: the postings of a group fold into the card of the posting a driver wants to call.

Which posting leads (`lead`): the shipper's own posting when one of them is — its company is the cargo's
owner (the shipper named on the load by INN, or a company the marketplace itself types as a shipper) —
else the best-paid one. A driver wants the shipper: no broker's cut, the party that owns the cargo and
pays, no chain to lose the load in; when no posting is the shipper's, the highest price is the one nearest
the source (each reseller keeps a margin) and the most money for the same work.

`fold(loads, cards)` keeps the lead's card (with `group`: `{count, postings: [{id, company, price_rub}],
text}`) and drops the others' cards: a driver expects one card per trip, and each posting is one tap away
in the group's list. It also says which group each posting belongs to, for the detail of any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ..loads.models import Load
from .grouping import Group, group

SHIPPER_KIND = "shipper"  # the marketplace's company type of a cargo owner (CargoTech: `company.type`)


@dataclass(frozen=True)
class Folding:
    """The cards to show, how many postings were folded into another card, and every grouped posting's
    `group` (its id → the group's API shape)."""

    cards: list[dict[str, Any]]
    folded: int = 0
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)


def is_shippers_own(load: Load) -> bool:
    company = load.company
    if company is None:
        return False
    if company.kind == SHIPPER_KIND:
        return True
    shipper_inn = load.shipper.inn if load.shipper is not None else None
    return bool(shipper_inn) and company.inn == shipper_inn


def lead(trip: Group) -> Load:
    """The posting whose card stands for the group (see the module's docstring); postings are price-ordered."""
    return next((load for load in trip.loads if is_shippers_own(load)), trip.loads[0])


def described(trip: Group) -> dict[str, Any]:
    """The group's API shape; the shipper named from its own posting when no posting names it by INN."""
    owner = lead(trip)
    if trip.shipper is None and is_shippers_own(owner):
        trip = replace(trip, shipper=owner.company)
    return trip.as_dict()


def fold(loads: Sequence[Load], cards: list[dict[str, Any]]) -> Folding:
    """`cards[i]` is `loads[i]`'s card. The lead of each group gets `group`; the others are left out."""
    groups: dict[str, dict[str, Any]] = {}
    dropped: set[str] = set()
    leads: dict[str, dict[str, Any]] = {}
    for trip in group(list({load.id: load for load in loads}.values())):  # a load listed twice is not a repost
        shape = described(trip)
        owner = lead(trip).id
        leads[owner] = shape
        for posting in trip.loads:
            groups[posting.id] = shape
            if posting.id != owner:
                dropped.add(posting.id)
    if not groups:
        return Folding(cards)
    kept = []
    for load, card in zip(loads, cards, strict=True):
        if load.id in dropped:
            continue
        if load.id in leads:
            card["group"] = leads[load.id]
        kept.append(card)
    return Folding(kept, len(dropped), groups)
