"""«Только с ценой» (`with_price`): a filter of ours — marketplaces have none — that the list's own view
and the saved searches apply to the loads a query found. One rule for both: see `has_price`."""

from __future__ import annotations

WITH_PRICE = "with_price"  # the parameter, in the list's query string and in a saved search's filters


def has_price(price_kopecks: int | None) -> bool:
    """Whether a load counts as priced: the price offered to a carrier (`Load.price_kopecks`, a card's
    `price_kopecks`) is a positive amount."""
    return bool(price_kopecks)
