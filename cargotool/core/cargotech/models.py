"""Typed, tolerant views of CargoTech payloads (see shared/docs/cargotech-api.md).

CargoTech publishes no reference for these endpoints, so every reader here accepts: ids as int or
string, missing optional fields, dates as `YYYY-MM-DD` or ISO datetimes, `points` as an object
{start, finish} [HAR] or a list [partner schema], and unknown extra keys (kept in `raw`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import UpstreamBadResponse

log = logging.getLogger(__name__)

Raw = Mapping[str, Any]


# ---- scalar readers -------------------------------------------------------------------------------

def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                return None
            return int(number) if number.is_integer() else None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return None
    return None


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def as_id(value: Any) -> str | None:
    """An id as canonical text: 12345 and "12345" are the same id."""
    number = as_int(value)
    return str(number) if number is not None else as_str(value)


def as_moment(value: Any) -> dt.date | dt.datetime | None:
    """`YYYY-MM-DD` → date; ISO datetime (with `Z`, offset, or none = UTC [?]) → aware datetime."""
    text = value.strip() if isinstance(value, str) else None
    if not text:
        return None
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # [?] CargoTech's zone for naive datetimes is unknown; UTC is the least surprising guess.
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


def _mapping(value: Any) -> Raw:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


# ---- views ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class City:
    id: int | None
    name: str


def _coordinates(data: Raw) -> tuple[float, float] | None:
    """`latitude`/`longitude` of a route point when CargoTech sends them (partner schema §1.9) [?]; none
    out of range, and not (0, 0), which is a blank rather than a place."""
    lat, lon = as_float(data.get("latitude")), as_float(data.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


@dataclass(frozen=True)
class RoutePoint:
    city: City | None
    address: str | None
    first_date: dt.date | dt.datetime | None
    last_date: dt.date | dt.datetime | None
    position: int | None = None
    type: int | None = None
    coordinates: tuple[float, float] | None = None  # (lat, lon)

    @classmethod
    def parse(cls, raw: Any) -> "RoutePoint | None":
        data = _mapping(raw)
        if not data:
            return None
        city_raw = _mapping(data.get("city"))
        city_name = as_str(city_raw.get("name"))
        return cls(
            city=City(id=as_int(city_raw.get("id")), name=city_name) if city_name else None,
            address=as_str(data.get("address")),
            first_date=as_moment(data.get("first_date")),
            last_date=as_moment(data.get("last_date")),
            position=as_int(data.get("position")),
            type=as_int(data.get("type")),
            coordinates=_coordinates(data),
        )


@dataclass(frozen=True)
class TypeRef:
    """A truck (body) type or a load type: `{id, name, short_name}`."""

    id: int | None
    name: str
    short_name: str

    @classmethod
    def parse(cls, raw: Any) -> "TypeRef | None":
        data = _mapping(raw)
        name = as_str(data.get("name"))
        if not name:
            return None
        return cls(id=as_int(data.get("id")), name=name, short_name=as_str(data.get("short_name")) or name)


@dataclass(frozen=True)
class Company:
    id: str | None
    name: str | None
    inn: str | None
    type: str | None
    security_status: int | None

    @classmethod
    def parse(cls, raw: Any) -> "Company | None":
        data = _mapping(raw)
        if not data:
            return None
        return cls(
            id=as_id(data.get("id")),
            name=as_str(data.get("name")),
            inn=as_str(data.get("inn")),
            type=as_str(data.get("type")),
            security_status=as_int(data.get("security_status")),
        )


@dataclass(frozen=True)
class Contact:
    type: str | None
    name: str | None
    phones: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Any) -> "Contact | None":
        data = _mapping(raw)
        # [CODE] contacts carry either `phones: [str]` or a single `phone: str` [?]
        phones = [as_str(p) for p in _list(data.get("phones"))]
        phones.append(as_str(data.get("phone")))
        unique = tuple(dict.fromkeys(p for p in phones if p))
        name = as_str(data.get("name"))
        if not name and not unique:
            return None
        return cls(type=as_str(data.get("type")), name=name, phones=unique)


def _route_points(raw: Any) -> tuple[RoutePoint | None, RoutePoint | None]:
    if isinstance(raw, Mapping):  # [HAR] {start: {...}, finish: {...}}
        return RoutePoint.parse(raw.get("start")), RoutePoint.parse(raw.get("finish"))
    items = [p for p in (RoutePoint.parse(x) for x in _list(raw)) if p]  # [partner schema] a list
    if not items:
        return None, None
    items.sort(key=lambda p: p.position if p.position is not None else 0)
    return items[0], (items[-1] if len(items) > 1 else None)


def _types(raw: Any) -> tuple[TypeRef, ...]:
    return tuple(t for t in (TypeRef.parse(x) for x in _list(raw)) if t)


@dataclass(frozen=True)
class Cargo:
    """A load, from the list (`/v2/cargos/views`) or the detail endpoint. Money in kopecks, weight kg."""

    id: str
    weight_kg: int | None
    volume_m3: float | None
    distance_km: int | None
    price: int | None
    price_carrier: int | None
    price_per_km: int | None
    start: RoutePoint | None
    finish: RoutePoint | None
    load_types: tuple[TypeRef, ...]
    truck_types: tuple[TypeRef, ...]
    company: Company | None
    # detail-only fields (None / empty in list items)
    shipper: Company | None = None
    contacts: tuple[Contact, ...] = ()
    note: str | None = None
    cargo_type: str | None = None
    created_at: dt.date | dt.datetime | None = None
    updated_at: dt.date | dt.datetime | None = None  # [?] sent by the partner API, which sorts by it
    extra: Raw = field(default_factory=dict)
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, raw: Any) -> "Cargo":
        data = _mapping(raw)
        cargo_id = as_id(data.get("id"))
        if not cargo_id:
            raise UpstreamBadResponse("CargoTech sent a load without an id")
        start, finish = _route_points(data.get("points"))
        extra = _mapping(data.get("extra"))
        cargo_type = as_str(extra.get("custom_cargo_type")) or as_str(_mapping(data.get("cargo_type")).get("name"))
        return cls(
            id=cargo_id,
            weight_kg=as_int(data.get("weight")),
            volume_m3=as_float(data.get("volume")),
            distance_km=as_int(data.get("distance")),
            price=as_int(data.get("price")),
            price_carrier=as_int(data.get("price_carrier")),
            price_per_km=as_int(data.get("price_per_km")),
            start=start,
            finish=finish,
            load_types=_types(data.get("load_types")),
            truck_types=_types(data.get("truck_types")),
            company=Company.parse(data.get("company")),
            shipper=Company.parse(data.get("shipper")),
            contacts=tuple(c for c in (Contact.parse(x) for x in _list(data.get("contacts"))) if c),
            note=as_str(extra.get("note")),
            cargo_type=cargo_type,
            created_at=as_moment(data.get("created_at")),
            updated_at=as_moment(data.get("updated_at")),
            extra=dict(extra),
            raw=dict(data),
        )


@dataclass(frozen=True)
class CargoPage:
    items: tuple[Cargo, ...]
    limit: int
    offset: int
    total: int | None  # meta.size, which behaves as the total match count [HAR][CODE]

    @property
    def next_offset(self) -> int | None:
        after = self.offset + len(self.items)
        if not self.items or (self.total is not None and after >= self.total):
            return None
        return after

    @classmethod
    def parse(cls, body: Any, limit: int, offset: int) -> "CargoPage":
        data = _mapping(body).get("data")
        if not isinstance(data, list):
            raise UpstreamBadResponse("CargoTech sent a cargo list without a `data` array")
        items = []
        for entry in data:
            try:
                items.append(Cargo.parse(entry))
            except UpstreamBadResponse:
                log.warning("skipping a CargoTech list item without an id")
        meta = _mapping(_mapping(body).get("meta"))
        return cls(
            items=tuple(items),
            limit=as_int(meta.get("limit")) or limit,
            offset=as_int(meta.get("offset")) if as_int(meta.get("offset")) is not None else offset,
            total=as_int(meta.get("size")),
        )


@dataclass(frozen=True)
class Point:
    """A city or other point from `/v1/dictionaries/points`."""

    id: int
    name: str
    type: int | None

    @classmethod
    def parse(cls, raw: Any) -> "Point | None":
        data = _mapping(raw)
        point_id, name = as_int(data.get("id")), as_str(data.get("name"))
        if point_id is None or not name:
            return None
        return cls(id=point_id, name=name, type=as_int(data.get("type")))


@dataclass(frozen=True)
class Account:
    """Who the server is logged in as (`/v1/me`). The shape is not documented [?]: read what is there."""

    id: str | None
    name: str | None
    company: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, body: Any) -> "Account":
        data = _mapping(_mapping(body).get("data", body))
        name = as_str(data.get("name")) or " ".join(
            part for part in (as_str(data.get("first_name")), as_str(data.get("last_name"))) if part
        ) or None
        company = _mapping(data.get("company"))
        return cls(id=as_id(data.get("id")), name=name, company=as_str(company.get("name")), raw=dict(data))


def data_list(body: Any, what: str) -> list:
    data = _mapping(body).get("data")
    if not isinstance(data, list):
        raise UpstreamBadResponse(f"CargoTech sent {what} without a `data` array")
    return data
