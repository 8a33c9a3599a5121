"""A deterministic sample of CargoTech data in the documented shapes (cargotech-api.md §1.4–1.6).

Russian cities with real coordinates, weights in kg, volumes in m³, money in kopecks. Dictionary ids
are illustrative (only "6 = рефрижератор" and "load type 1 = задняя" are known [HAR]); nothing in
cargotool depends on them, it reads the dictionaries from the upstream.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from ..core.loads.geo import great_circle_km
from .chains import chain_cargos
from .reposts import with_reposts

# id, name, latitude, longitude
CITIES: list[tuple[int, str, float, float]] = [
    (1, "Москва", 55.7558, 37.6176),
    (2, "Санкт-Петербург", 59.9343, 30.3351),
    (3, "Казань", 55.7961, 49.1064),
    (4, "Нижний Новгород", 56.3269, 44.0059),
    (5, "Екатеринбург", 56.8389, 60.6057),
    (6, "Новосибирск", 55.0084, 82.9357),
    (7, "Самара", 53.1959, 50.1002),
    (8, "Ростов-на-Дону", 47.2357, 39.7015),
    (9, "Краснодар", 45.0355, 38.9753),
    (10, "Воронеж", 51.6608, 39.2003),
    (11, "Пермь", 58.0105, 56.2502),
    (12, "Уфа", 54.7388, 55.9721),
    (13, "Волгоград", 48.7080, 44.5133),
    (14, "Тула", 54.1931, 37.6173),
    (15, "Ярославль", 57.6261, 39.8845),
    (16, "Тверь", 56.8587, 35.9176),
    (17, "Рязань", 54.6269, 39.6916),
    (18, "Липецк", 52.6031, 39.5708),
    (19, "Белгород", 50.5997, 36.5983),
    (20, "Саратов", 51.5336, 46.0343),
    (21, "Тюмень", 57.1530, 65.5343),
    (22, "Омск", 54.9885, 73.3242),
    (23, "Владимир", 56.1290, 40.4066),
    (24, "Калуга", 54.5293, 36.2754),
    (39, "Подольск", 55.4312, 37.5447),
    (40, "Химки", 55.8970, 37.4297),
    (41, "Балашиха", 55.7963, 37.9382),
    (42, "Новороссийск", 44.7239, 37.7708),
    (43, "Набережные Челны", 55.7436, 52.3958),
    (62, "Челябинск", 55.1644, 61.4368),
    (63, "Московский", 55.5997, 37.3548),
]

TRUCK_TYPES = [
    (1, "тент", "тент"), (2, "изотерм", "изот."), (3, "фургон", "фург."), (4, "бортовой", "борт."),
    (5, "контейнеровоз", "конт."), (6, "рефрижератор", "реф."), (7, "открытый", "откр."),
    (8, "цельнометалл.", "цмт"), (9, "манипулятор", "манип."), (10, "трал", "трал"),
]
LOAD_TYPES = [
    (1, "задняя", "задн."), (2, "верхняя", "верх."), (3, "боковая", "бок."),
    (4, "с полной растентовкой", "раст."), (5, "аппарели", "аппар."),
]
WV_CLASSES = [(1.5, 9), (3, 16), (5, 36), (7.5, 45), (10, 54), (15, 65), (20, 83)]

COMPANIES = [
    {"id": 1558666, "inn": "7701234560", "name": "ООО «ГрузЛайн»", "type": "broker", "security_status": 0},
    {"id": 1558701, "inn": "7812345675", "name": "ООО «Северный Транзит»", "type": "broker", "security_status": 1},
    {"id": 1559020, "inn": "1655123453", "name": "АО «ВолгаАгро»", "type": "shipper", "security_status": 0},
    {"id": 1560044, "inn": "6658123450", "name": "ООО «Уралснаб»", "type": "broker", "security_status": 0},
    {"id": 1561200, "inn": "2310123454", "name": "ООО «Кубань Логистик»", "type": "broker", "security_status": 2},
    {"id": 1562333, "inn": "3664123453", "name": "ООО «Черноземье Трейд»", "type": "shipper", "security_status": 0},
]
OUR_COMPANY = {"id": 1570000, "inn": "5003123458", "name": "ООО «Вектор Перевозки»", "type": "carrier", "security_status": 0}

CARGO_NAMES = ["продукты питания", "стройматериалы", "оборудование", "тарно-штучный груз", "бытовая техника",
               "пиломатериалы", "удобрения", "напитки", "металлопрокат", "мебель"]
NOTES = [
    "Ставка без НДС, заправка по пути. Погрузка с 9:00 до 17:00.",
    "Оплата на карту в течение 3 дней после выгрузки. Нужны ремни, 6 шт.",
    "Ставка с НДС 20%. Документы оригиналы почтой. Выгрузка по записи.",
    "Срочно! Погрузка сегодня, возможен догруз.",
    "Температурный режим +2…+6 °C, нужна санобработка.",
    "Паллеты 33 шт, штабелировать нельзя. Водителю иметь медкнижку.",
]
# CargoTech's structured `payment` block, known only from the partner import schema [?] (cargotech-api.md
# §1.9): every third load carries one (chosen by index, not by the random generator, so the rest of the
# data is the same as without it), the others state their terms in the comment or not at all.
PAYMENTS = [
    {"vat": True, "in_cash": False, "prepay": 0, "bargain": False},
    {"vat": False, "in_cash": True, "prepay": 0, "bargain": True},
    {"vat": True, "prepay": 30},
    {"vat": False},
]
PEOPLE = [("Алексей", "Смирнов"), ("Ирина", "Кузнецова"), ("Сергей", "Попов"), ("Ольга", "Васильева"),
          ("Дмитрий", "Соколов"), ("Наталья", "Морозова"), ("Андрей", "Лебедев"), ("Елена", "Новикова")]
STREETS = ["ул. Промышленная", "ул. Складская", "ш. Энтузиастов", "ул. Заводская", "пр-т Ленина", "ул. Индустриальная"]


@dataclass
class Dataset:
    cargos: list[dict[str, Any]]
    cities: dict[int, tuple[str, float, float]]

    def city_distance_km(self, a: int, b: int) -> float | None:
        if a not in self.cities or b not in self.cities:
            return None
        return great_circle_km(*self.cities[a][1:], *self.cities[b][1:])


def build_dataset(size: int = 240, today: dt.date | None = None, seed: int = 20260108) -> Dataset:
    """`size` loads with loading dates from `today` on (so the demo always shows upcoming loads), and a few
    reposts of them by other companies (standin/reposts.py)."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    cities = {cid: (name, lat, lon) for cid, name, lat, lon in CITIES}
    cargos = [_cargo(rng, i, today, cities) for i in range(size)]
    cargos.sort(key=lambda c: c["created_at"], reverse=True)
    cargos = with_reposts(cargos, COMPANIES)
    cargos += chain_cargos(today, cities, _cargo)  # after the sample and its reposts: they keep their places
    return Dataset(cargos=cargos, cities=cities)


def _phone(rng: random.Random) -> str:
    return f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def _point(rng, city_id, cities, position, day: dt.date, as_datetime: bool) -> dict:
    name = cities[city_id][0]
    first = day
    last = day + dt.timedelta(days=rng.choice([0, 0, 1, 2]))
    if as_datetime:  # some records carry ISO datetimes instead of dates [?]
        first_value = f"{first.isoformat()}T{rng.choice(['06', '08', '09', '10'])}:00:00Z"
        last_value = f"{last.isoformat()}T{rng.choice(['15', '17', '18'])}:00:00Z"
    else:
        first_value, last_value = first.isoformat(), last.isoformat()
    return {
        "type": 1 if position == 1 else 2,
        "position": position,
        "first_date": first_value,
        "last_date": last_value,
        "city": {"id": city_id, "name": name},
        "address": f"{name}, {rng.choice(STREETS)}, {rng.randint(1, 120)}",
    }


def new_cargo(rng: random.Random, index: int, today: dt.date, cities, at: dt.datetime) -> dict[str, Any]:
    """One more load, created and updated at `at` (the stand-in publishes these over time)."""
    cargo = _cargo(rng, index, today, cities)
    stamp = at.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    cargo["created_at"] = cargo["updated_at"] = stamp
    return cargo


def _cargo(rng: random.Random, index: int, today: dt.date, cities) -> dict[str, Any]:
    cargo = _plain_cargo(rng, index, today, cities)
    if index % 3 == 0:
        cargo["payment"] = dict(PAYMENTS[index // 3 % len(PAYMENTS)])
    return cargo


def _plain_cargo(rng: random.Random, index: int, today: dt.date, cities) -> dict[str, Any]:
    ids = list(cities)
    start_id = rng.choice(ids[:12] + [1, 1, 2, 3, 62])  # busier origins
    finish_id = rng.choice([c for c in ids if c != start_id])
    road_km = max(20, round(great_circle_km(*cities[start_id][1:], *cities[finish_id][1:]) * 1.22))
    tonnes, cubic = rng.choice(WV_CLASSES)
    weight_kg = int(round(rng.uniform(0.4, 1.0) * tonnes * 1000, -2))
    volume = int(round(rng.uniform(0.4, 1.0) * cubic))
    rate_rub = rng.randint(38, 95)
    price = int(round(road_km * rate_rub, -3)) * 100  # kopecks, whole thousands of roubles
    price = max(price, 1_000_000)
    has_carrier_price = rng.random() < 0.6
    load_day = today + dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 7]))
    unload_day = load_day + dt.timedelta(days=max(1, road_km // 600))
    as_datetime = rng.random() < 0.25
    company = OUR_COMPANY if rng.random() < 0.03 else rng.choice(COMPANIES)
    truck = rng.sample(TRUCK_TYPES, k=rng.choice([1, 1, 2, 3]))
    load = rng.sample(LOAD_TYPES, k=rng.choice([1, 1, 2]))
    cargo_id = 6236980000 + index * 37
    created = dt.datetime.combine(today, dt.time(6), dt.timezone.utc) - dt.timedelta(minutes=index * 11)
    contact_name = " ".join(rng.choice(PEOPLE))
    return {
        "id": cargo_id if index % 5 else str(cargo_id),  # ids arrive as int or string [?]
        "weight": weight_kg,
        "volume": volume,
        "distance": road_km,
        "price": price,
        "price_carrier": int(price * rng.choice([0.85, 0.9, 0.95])) // 100 * 100 if has_carrier_price else None,
        "price_per_km": price // road_km,
        "currency": {"name": "руб"},
        "points": {
            "start": _point(rng, start_id, cities, 1, load_day, as_datetime),
            "finish": _point(rng, finish_id, cities, 2, unload_day, as_datetime),
        },
        "company": company,
        "shipper": rng.choice(COMPANIES),
        "load_types": [{"id": i, "name": n, "short_name": s} for i, n, s in load],
        "truck_types": [{"id": i, "name": n, "short_name": s} for i, n, s in truck],
        "cargo_type": {"name": rng.choice(CARGO_NAMES)},
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "updated_at": created.isoformat().replace("+00:00", "Z"),  # [?] the partner API sorts by it
        "contacts": [
            {"type": "broker", "name": contact_name, "phones": [_phone(rng)]},
            {"type": "company", "name": company["name"], "phone": _phone(rng)},
        ],
        "extra": {
            "note": rng.choice(NOTES),
            "external_inn": None,
            "custom_cargo_type": None,
            "integrate": None,
            "is_delete_from_archive": False,
            "krugoreis": rng.random() < 0.1,
            "partial_load": rng.random() < 0.2,
            "note_valid": True,
            "integrate_contacts": None,
            "url": f"https://cargomart.ru/orders/active?modal={cargo_id}" if rng.random() < 0.3 else None,
        },
    }


LIST_FIELDS = ("id", "weight", "volume", "distance", "price", "price_carrier", "price_per_km", "currency",
               "points", "company", "load_types", "truck_types", "updated_at", "payment")


def list_view(cargo: dict[str, Any]) -> dict[str, Any]:
    """A list item: no comment, no shipper, no addresses (only the detail endpoint has them) [HAR]."""
    item = {k: cargo[k] for k in LIST_FIELDS if cargo.get(k) is not None}
    item["points"] = {
        side: {k: v for k, v in point.items() if k != "address"} for side, point in cargo["points"].items()
    }
    return item
