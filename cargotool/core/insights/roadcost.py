"""Per-driver parts of issue 21: the net after the road on a card (core/netcost with the driver's fuel
and truck figures), and the list's payment-terms filters (core/payterms) over the freshest loads.

The net is shown only to a driver who gave fuel figures (as the fuel estimate): without them most of the
cost is unknown and a «чистыми» figure would be the price. The empty run counts when the driver's
position is known (`deadhead_km` on the card), else only the loaded kilometres do — the parts say so.
Platon counts only when the driver said the truck is over 12 t."""

from __future__ import annotations

from ..cargo.listing import ListView
from ..netcost import PLATON_2026, PlatonTariff, net
from ..payterms import card_matches
from .positions import Profile


def add_net(card: dict, profile: Profile, platon: PlatonTariff = PLATON_2026) -> None:
    """Put `net: {rub, text, parts}` on the card when the driver gave fuel figures and the load has a
    price and a distance."""
    if profile.fuel is None or card.get("distance_km") is None:
        return
    truck = profile.truck
    fuel = (profile.fuel.litres_per_100km, profile.fuel.price_kopecks_per_litre / 100)
    estimate = net(card.get("price_kopecks"), card["distance_km"], card.get("deadhead_km") or 0, fuel,
                   over_12t=bool(truck and truck.over_12t), platon=platon,
                   other_rub_km=truck.cost_rub_km if truck else None)
    if estimate is not None:
        card["net"] = estimate.as_dict()


def keep_payment_terms(cards: list[dict], view: ListView) -> tuple[list[dict], dict[str, int]]:
    """The cards that pass `vat=` and `no_deferral=1`, and how many each filter hid (the list's `meta`:
    `hidden_by_vat`, `hidden_by_deferral`). Unknown terms never pass a filter (core/payterms `matches`)."""
    hidden: dict[str, int] = {}
    if view.vat is not None:
        kept = [card for card in cards if card_matches(card.get("payment_terms"), vat=view.vat)]
        hidden["hidden_by_vat"], cards = len(cards) - len(kept), kept
    if view.no_deferral:
        kept = [card for card in cards if card_matches(card.get("payment_terms"), no_deferral=True)]
        hidden["hidden_by_deferral"], cards = len(cards) - len(kept), kept
    return cards, hidden
