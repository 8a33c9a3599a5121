"""Chains home: two loads A→C, C→B that pay more per kilometre than the best direct trip (issue 22 §2).

**CargoTech call budget (for the wiring of `GET /api/chains`; this package makes no calls).** At most
1 + k list calls per request, k ≤ 3, never a detail call and never a second page:
1. one list of loads from the start area (the driver's city and radius, from the day they are free) — the
   same query as the driver's own feed, so usually a hit in the shared list cache; its items are the first
   legs and the direct trips;
2. for the k most frequent unloading cities C among the first legs that fit the dates, one list of loads
   from C towards the target (destination = the target's city and radius) — shared by every driver asking
   about the same C and target, cached like any list.
The list items carry everything this needs (cities, coordinates or names for the gazetteer, dates,
distance, price), so the worst case is 4 calls, the usual case 0–1, flat in the number of drivers. The
wiring's test counts upstream calls against the stand-in.
"""

from .planning import Anchor, Chain, Leg, Settings, best_chains, best_direct, first_legs

__all__ = ["Anchor", "Chain", "Leg", "Settings", "best_chains", "best_direct", "first_legs"]
