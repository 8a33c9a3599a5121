"""«Чистыми ≈ 61 000 ₽»: the price minus fuel, Platon and the driver's own other costs, an estimate.

Every cost runs over the whole trip, the loaded and the empty kilometres: the truck burns fuel and pays
Platon on the way to the loading point too. The parts are rounded to whole roubles and the net is the
price minus exactly those parts, so the detail's sum adds up to the rouble.

**Platon** (the federal road toll for trucks with a permitted maximum mass over 12 t) — `PLATON_2026`:

- The fee actually charged until 28 Feb 2026 was 3.34 ₽/km: base tariff × the temporary reducing
  coefficient 0.51 (Kommersant, 28 Nov 2025, https://www.kommersant.ru/doc/8247382).
- Government decree announced by Mintrans on 28 Nov 2025: from 1 Mar 2026 the coefficient is 0.75, from
  1 Feb 2028 it is removed (TASS https://tass.ru/ekonomika/25765249, RIA Novosti
  https://ria.ru/20251128/pravitelstvo-2058491642.html, RBC 28 Nov 2025).
- Hence from 1 Mar 2026: 3.34 × 0.75 / 0.51 = 4.91 ₽/km. This is derived, not a published figure (the
  sources could not say how the base tariff itself is indexed for 2026); it is the default of the setting
  `PLATON_RUB_KM`, labelled an estimate in the README (no official platon.ru figure for 2026 was found).

**Federal share** — Platon is charged only on federal roads (М-, Р-, А- routes). No public statistic of
the federal part of a long-haul run was found, so the default 0.7 is a judgement: intercity lanes between
regional centres run mostly on the federal trunk roads, while the first and last kilometres (city
streets, regional roads to warehouses and fields) do not. It errs towards the driver seeing a slightly
larger cost. A setting; the card labels the whole figure an estimate («≈»).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..cargo.formatting import format_rub

FUEL = "топливо"
PLATON = "Платон"
OTHER = "прочие расходы"
TEXT_STEP_RUB = 100  # «≈ 61 000 ₽», not «≈ 61 037 ₽»: the figure is an estimate


@dataclass(frozen=True)
class PlatonTariff:
    rub_per_km: float
    federal_share: float  # the part of a route's kilometres on federal roads, 0..1
    source: str
    as_of: dt.date


PLATON_2026 = PlatonTariff(
    rub_per_km=4.91,
    federal_share=0.7,
    source="3,34 ₽/км при коэффициенте 0,51 (Коммерсантъ, 28.11.2025) × 0,75/0,51 по постановлению "
           "Правительства с 01.03.2026 (Минтранс, ТАСС, 28.11.2025)",
    as_of=dt.date(2026, 3, 1),
)


@dataclass(frozen=True)
class Part:
    name: str
    rub: int

    def as_dict(self) -> dict:
        return {"name": self.name, "rub": self.rub}


@dataclass(frozen=True)
class Net:
    rub: int
    text: str
    parts: tuple[Part, ...]

    def as_dict(self) -> dict:
        """The API shape: `net: {rub, text, parts: [{name, rub}]}`."""
        return {"rub": self.rub, "text": self.text, "parts": [part.as_dict() for part in self.parts]}


def net(price_kopecks: int | None, loaded_km: float, empty_km: float, fuel: tuple[float, float] | None,
        over_12t: bool, platon: PlatonTariff = PLATON_2026, other_rub_km: float | None = None) -> Net | None:
    """The estimate for one load, or None without a price.

    `fuel` is the driver's (litres per 100 km, roubles per litre); `other_rub_km` their other cost per km
    (wear, tyres, wages…). A cost the driver did not give is left out, not guessed."""
    if price_kopecks is None:
        return None
    km = _whole_trip(loaded_km, empty_km)
    parts = []
    if fuel is not None:
        litres_per_100km, rub_per_litre = _non_negative(*fuel)
        parts.append(Part(FUEL, round(km * litres_per_100km / 100 * rub_per_litre)))
    if over_12t:
        rate, share = _non_negative(platon.rub_per_km, platon.federal_share)
        parts.append(Part(PLATON, round(km * min(share, 1.0) * rate)))
    if other_rub_km is not None:
        parts.append(Part(OTHER, round(km * _non_negative(other_rub_km)[0])))
    rub = price_kopecks // 100 - sum(part.rub for part in parts)
    return Net(rub, f"Чистыми ≈ {format_rub(_rounded(rub) * 100)}", tuple(parts))


def _whole_trip(loaded_km: float, empty_km: float) -> float:
    loaded, empty = _non_negative(loaded_km, empty_km or 0)
    return loaded + empty


def _non_negative(*values: float) -> tuple[float, ...]:
    if any(value < 0 for value in values):
        raise ValueError("kilometres and costs cannot be negative")
    return values


def _rounded(rub: int) -> int:
    """To the nearest `TEXT_STEP_RUB`, halves away from zero (so a loss reads the same as a gain)."""
    step = TEXT_STEP_RUB
    magnitude = (abs(rub) + step // 2) // step * step
    return magnitude if rub >= 0 else -magnitude
