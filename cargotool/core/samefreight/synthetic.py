"""A stand-in board with known duplicates, to measure the grouping's precision and recall.

Each trip is a real load (a lane between two of `CITIES`, a loading window, weight, volume, a shipper);
it is posted once by the shipper or a first broker and, with `resale_share` probability, resold by one to
three brokers at 3–15 % less, each repost blurring the facts the way reposts do: the weight rounded to a
whole tonne or half-tonne, the volume replaced by the body's (82/86/90 m³), the loading window widened by
a day, the shipper's INN dropped. Prices follow a lane rate, so different loads with the same lane, date and tonnage
look alike — the honest source of false positives. The defaults look like one page of a search
(100 trips on 30 lanes over 5 days); fewer lanes make a denser, harder board.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from ..loads.models import Company, Kind, Load, Place, Stop

CITIES = (("Москва", 1), ("Санкт-Петербург", 2), ("Казань", 3), ("Краснодар", 4), ("Екатеринбург", 5),
          ("Ростов-на-Дону", 6), ("Новосибирск", 7), ("Воронеж", 8))
SHIPPERS = tuple((f"ООО «{name}»", f"77{index:08d}") for index, name in enumerate(
    ("ГрузЛайн", "АгроТорг", "СтройМаркет", "ПищеПром", "МеталлСнаб", "ХимТрейд", "ЛесЭкспорт", "ТехноПарк")))
BROKERS = tuple(f"ООО «Логистик-{n}»" for n in range(1, 13))
TENT = Kind(1, "Тент", "тент")
BODY_VOLUMES = (82.0, 86.0, 90.0)
CARGO = ("Стройматериалы", "Продукты питания", "Оборудование", "Тара и упаковка", "Металлопрокат",
         "Бытовая техника", "ТНП", "Пиломатериалы")


@dataclass(frozen=True)
class Posting:
    load: Load
    trip: int  # the ground truth: postings with one `trip` are one load


def postings(rng: random.Random, trips: int = 100, lanes: int = 30, days: int = 5,
             resale_share: float = 0.5, start: dt.date = dt.date(2026, 3, 2)) -> list[Posting]:
    """The board, shuffled; `trips` distinct loads and their reposts."""
    pairs = [(a, b) for a in CITIES for b in CITIES if a != b]
    lane_pool = [(lane, rng.randrange(60_000, 180_000)) for lane in rng.sample(pairs, lanes)]
    board: list[Posting] = []
    for trip in range(trips):
        original = _trip(rng, trip, rng.choice(lane_pool), start + dt.timedelta(days=rng.randrange(days)))
        board.append(Posting(original, trip))
        if rng.random() < resale_share:
            for copy in range(rng.randint(1, 3)):
                board.append(Posting(_resold(rng, original, f"{original.id}-{copy}"), trip))
    rng.shuffle(board)
    return board


def _trip(rng: random.Random, trip: int, lane: tuple, day: dt.date) -> Load:
    """A load on `lane` = ((city, id), (city, id)), lane rate in roubles): the price follows the lane's market
    rate and the weight, ±10 %, so distinct loads on one lane cost alike — as on a real board."""
    ((origin, origin_id), (destination, destination_id)), lane_rub = lane
    shipper_name, inn = rng.choice(SHIPPERS)
    shipper = Company(None, shipper_name, inn if rng.random() < 0.6 else None, "shipper", None)
    poster = shipper if rng.random() < 0.4 else _broker(rng)
    weight = rng.choice((1500, 5000, 10000, 18500, 19800, 20000, 20000, 20000, 22000))
    return Load(
        id=f"t{trip}", origin=Stop(Place(origin_id, origin), None, day, day + dt.timedelta(days=rng.choice((0, 0, 1)))),
        destination=Stop(Place(destination_id, destination), None, None, None), weight_kg=weight,
        volume_m3=rng.choice((None, 30.0, 60.0, 82.0, 86.0, 90.0)), distance_km=None,
        price_kopecks=round(lane_rub * (0.5 + weight / 40_000) * rng.uniform(0.9, 1.1), -3) * 100, price_source="price", rate_kopecks_per_km=None,
        body_types=(TENT,), load_types=(), company=poster, shipper=shipper if rng.random() < 0.7 else None,
        cargo_type=rng.choice(CARGO) if rng.random() < 0.8 else None)


def _resold(rng: random.Random, load: Load, new_id: str) -> Load:
    weight = load.weight_kg
    if rng.random() < 0.4:
        weight = round(weight / 1000) * 1000 or weight
    volume = load.volume_m3
    if rng.random() < 0.3:
        volume = rng.choice(BODY_VOLUMES) if volume is None or volume >= 80 else None
    origin = load.origin
    if rng.random() < 0.3:
        origin = replace(origin, latest=origin.latest + dt.timedelta(days=1))
    shipper = load.shipper
    if shipper is not None and rng.random() < 0.5:
        shipper = replace(shipper, inn=None) if rng.random() < 0.5 else None
    cargo = load.cargo_type if rng.random() < 0.7 else None
    price = round(load.price_kopecks * (1 - rng.uniform(0.03, 0.15)) / 100_000) * 100_000
    return replace(load, id=new_id, origin=origin, weight_kg=weight, volume_m3=volume, price_kopecks=price,
                   company=_broker(rng), shipper=shipper, cargo_type=cargo)


def _broker(rng: random.Random) -> Company:
    name = rng.choice(BROKERS)
    return Company(name, name, f"50{BROKERS.index(name):08d}", "forwarder", None)
