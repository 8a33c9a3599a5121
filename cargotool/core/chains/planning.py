"""Planning one or two loads from where the driver is free to the target by a date, and the arithmetic.

Kilometres: a load's own `distance_km` when the marketplace gives it, else the great-circle distance ×
`ROAD_FACTOR` (as for every empty run). ₽/km counts all of them, loaded and empty, including the empty run
from the last unloading to the target: `sum(price) / sum(km)`.

Time is counted in days from the start of the day the driver is free: driving at `km_per_day`, plus
`handling_days` per load (loading and unloading together). A load fits when the truck reaches its loading
point before its last loading day ends (and then waits for the first); a second leg starts only after the
first is unloaded and the truck has driven to it; the chain fits when the truck is at the target before the
target day ends. The default 600 km/day is the driving-time rules' 9 h a day (Минтранс order № 424) at
about 65 km/h of average long-haul speed; a setting, and an estimate the card labels as such.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Callable, Sequence

from ..cargo.formatting import THIN_SPACE, group_digits
from ..insights.economics import ROAD_FACTOR, deadhead_km
from ..loads.models import GeoPoint, Load, Moment, Place, Stop
from ..words import counted, in_city

Locate = Callable[[Stop], GeoPoint | None]
WEEKDAYS = ("в пн", "во вт", "в ср", "в чт", "в пт", "в сб", "в вс")


@dataclass(frozen=True)
class Anchor:
    """Where and when: the start (free from `day`) or the target (there by the end of `day`)."""

    place: Place
    point: GeoPoint
    day: dt.date
    home: bool = True  # the target is the driver's home: «дома в сб», else «в Казани в сб»


@dataclass(frozen=True)
class Settings:
    km_per_day: float = 600.0
    handling_days: float = 0.25
    road_factor: float = ROAD_FACTOR
    limit: int = 3


@dataclass(frozen=True)
class Leg:
    load: Load
    empty_km: int  # to this load's loading point
    loaded_km: int
    loads_at: float  # days from the start of the start day
    unloads_at: float
    end: GeoPoint


@dataclass(frozen=True)
class Chain:
    """One load (a direct trip) or two, with the empty run to the target at the end."""

    legs: tuple[Leg, ...]
    final_empty_km: int
    home_at: float
    start: Anchor
    target: Anchor

    @property
    def price_kopecks(self) -> int:
        return sum(leg.load.price_kopecks or 0 for leg in self.legs)

    @property
    def km(self) -> int:
        return sum(leg.empty_km + leg.loaded_km for leg in self.legs) + self.final_empty_km

    @property
    def rub_per_km(self) -> float:
        return self.price_kopecks / 100 / self.km if self.km else 0.0

    def day(self, at: float) -> dt.date:
        return self.start.day + dt.timedelta(days=math.floor(at))

    @property
    def home_day(self) -> dt.date:
        return self.day(self.home_at)

    @property
    def text(self) -> str:
        """«2 рейса, 1 930 км, 71 ₽/км с порожними, дома в сб»."""
        when = WEEKDAYS[self.home_day.weekday()]
        if (self.home_day - self.start.day).days > 6:
            when += f" {self.home_day:%d.%m}"
        where = "дома" if self.target.home else in_city(self.target.place.name)
        return (f"{counted(len(self.legs), 'рейс', 'рейса', 'рейсов')}, {group_digits(self.km)}{THIN_SPACE}км, "
                f"{round(self.rub_per_km)}{THIN_SPACE}₽/км с порожними, {where} {when}")

    def as_dict(self) -> dict:
        return {"text": self.text, "km": self.km, "rub_per_km": round(self.rub_per_km, 1),
                "price_rub": self.price_kopecks // 100, "home_day": self.home_day.isoformat(),
                "legs": [{"id": leg.load.id, "empty_km": leg.empty_km, "loaded_km": leg.loaded_km,
                          "loading_day": self.day(leg.loads_at).isoformat(),
                          "unloading_day": self.day(leg.unloads_at).isoformat()} for leg in self.legs]}


def best_direct(start: Anchor, target: Anchor, loads: Sequence[Load], settings: Settings = Settings(),
                locate: Locate = lambda stop: stop.coordinates) -> Chain | None:
    """The best-paying single load from the start that gets the truck to the target in time."""
    plans = (_finish((leg,), start, target, settings) for leg in _legs(loads, start, start.point, 0.0, settings, locate))
    return max((plan for plan in plans if plan is not None), key=_rank, default=None)


def best_chains(start: Anchor, target: Anchor, first_legs: Sequence[Load], second_legs: Sequence[Load],
                settings: Settings = Settings(), locate: Locate = lambda stop: stop.coordinates) -> list[Chain]:
    """Up to `settings.limit` two-load chains, the best ₽/km first, each paying more per km than the best
    direct trip among `first_legs` (or than driving home empty, when there is none)."""
    direct = best_direct(start, target, first_legs, settings, locate)
    floor = direct.rub_per_km if direct is not None else 0.0
    chains = []
    for first in _legs(first_legs, start, start.point, 0.0, settings, locate):
        for second in _legs(second_legs, start, first.end, first.unloads_at, settings, locate):
            if second.load.id == first.load.id:
                continue
            chain = _finish((first, second), start, target, settings)
            if chain is not None and chain.rub_per_km > floor:
                chains.append(chain)
    return sorted(chains, key=_rank, reverse=True)[: settings.limit]


def first_legs(start: Anchor, target: Anchor, loads: Sequence[Load], settings: Settings = Settings(),
               locate: Locate = lambda stop: stop.coordinates) -> list[Leg]:
    """The loads from the start the truck can take and unload before the target day ends (the candidates
    for a chain's first leg; the wiring asks for second legs from where they unload)."""
    last = (target.day - start.day).days + 1
    return [leg for leg in _legs(loads, start, start.point, 0.0, settings, locate) if leg.unloads_at < last]


def _rank(chain: Chain) -> tuple[float, float]:
    return chain.rub_per_km, -chain.home_at


def _finish(legs: tuple[Leg, ...], start: Anchor, target: Anchor, settings: Settings) -> Chain | None:
    last = legs[-1]
    empty = _road_km(last.end, target.point, settings)
    home_at = last.unloads_at + empty / settings.km_per_day
    if home_at >= (target.day - start.day).days + 1:
        return None
    return Chain(legs, empty, home_at, start, target)


def _legs(loads: Sequence[Load], start: Anchor, at: GeoPoint, free_at: float, settings: Settings,
          locate: Locate) -> list[Leg]:
    legs = (_leg(load, start.day, at, free_at, settings, locate) for load in loads)
    return [leg for leg in legs if leg is not None]


def _leg(load: Load, day0: dt.date, at: GeoPoint, free_at: float, settings: Settings, locate: Locate) -> Leg | None:
    """The load taken from `at`, free from `free_at`, or None when it cannot be planned or reached in time."""
    if not load.price_kopecks or load.origin is None or load.destination is None:
        return None
    origin, destination = locate(load.origin), locate(load.destination)
    window = _window(load.origin, day0)
    if origin is None or destination is None or window is None:
        return None
    empty = _road_km(at, origin, settings)
    arrives = free_at + empty / settings.km_per_day
    if arrives >= window[1] + 1:
        return None
    loads_at = max(arrives, window[0])
    loaded = load.distance_km if load.distance_km and load.distance_km > 0 else _road_km(origin, destination, settings)
    unloads_at = loads_at + settings.handling_days + loaded / settings.km_per_day
    unloading = _window(load.destination, day0)
    if unloading is not None:
        if unloads_at >= unloading[1] + 1:
            return None
        unloads_at = max(unloads_at, unloading[0])
    return Leg(load, empty, loaded, loads_at, unloads_at, destination)


def _road_km(a: GeoPoint, b: GeoPoint, settings: Settings) -> int:
    return deadhead_km(a.lat, a.lon, b.lat, b.lon, settings.road_factor)


def _window(stop: Stop, day0: dt.date) -> tuple[int, int] | None:
    """The stop's window as whole days from `day0` (first, last), or None without a date."""
    first, last = stop.earliest or stop.latest, stop.latest or stop.earliest
    if first is None:
        return None
    a, b = (_days(first, day0), _days(last, day0))
    return (a, b) if a <= b else (b, a)


def _days(moment: Moment, day0: dt.date) -> int:
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return (day - day0).days
