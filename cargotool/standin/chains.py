"""Loads that form chains home (issue 22 §2), added after the random sample so its loads keep their places.

From Белгород (no random load starts within 50 km of it) to Москва within four days: a direct
trip at ≈75 ₽/km, and first legs to Липецк and Тула whose onward loads to Москва pay more per km over the
whole way. Only these loads start in Белгород, Липецк or Тула, so the chains are the same every day.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

# (from id, to id, loading day from today, road km, price ₽)
CHAIN_LOADS = [
    (19, 1, 0, 690, 52_000),   # Белгород → Москва: the direct trip
    (19, 18, 0, 390, 40_000),  # Белгород → Липецк
    (18, 1, 1, 510, 60_000),   # Липецк → Москва
    (18, 1, 1, 510, 55_000),   # Липецк → Москва, a little less
    (19, 14, 0, 550, 35_000),  # Белгород → Тула
    (14, 1, 1, 190, 25_000),   # Тула → Москва
]
FIRST_INDEX = 900  # ids after the random sample's (`6236980000 + index * 37`)


def chain_cargos(today: dt.date, cities, make) -> list[dict[str, Any]]:
    """`make(rng, index, today, cities)` is dataset._cargo: each load is one of its shape with the route, dates,
    distance and price set here."""
    rng = random.Random(2026_22)
    cargos = []
    for n, (start, finish, offset, km, rub) in enumerate(CHAIN_LOADS):
        cargo = make(rng, FIRST_INDEX + n, today, cities)
        day = [(today + dt.timedelta(days=offset + n)).isoformat() for n in range(4)]
        # two-day windows: the chains stay there while Moscow's date is a day ahead of the machine's (UTC)
        for side, city, first, last in (("start", start, day[0], day[2]), ("finish", finish, day[1], day[3])):
            name = cities[city][0]
            cargo["points"][side].update({"city": {"id": city, "name": name}, "first_date": first, "last_date": last,
                                          "address": f"{name}, ул. Складская, {n + 1}"})
        cargo.update({"distance": km, "price": rub * 100, "price_carrier": None, "price_per_km": rub * 100 // km})
        cargos.append(cargo)
    return cargos
