"""The same load posted by the shipper and by brokers reselling it lower, grouped into one card.

Two postings are the same trip when all of these hold (`same_trip`):
- the same loading city and the same unloading city (by the marketplace's point id when both have one,
  else by the normalised name);
- their loading date windows overlap (whole days; a posting without a loading date is never grouped);
- the weight is known on both and differs by at most max(`weight_kg`, `weight_share` × the larger):
  500 kg / 5 % — a broker rounds 19.8 t to «20 т» but a 15 t and a 20 t load are different freight;
- when both give a volume, it differs by at most max(`volume_m3`, `volume_share` × the larger):
  3 m³ / 10 % — brokers often write the body's volume (82, 86, 90 m³) instead of the cargo's;
- when both give a price, the lower is at least (1 − `price_share`) of the higher: 25 % — a reseller's
  margin is usually 5–20 %, a load at half the price is another load (or another deal);
- when both name the cargo (`cargo_type`), it is the same words, case and punctuation aside;
- when both name the shipper's INN, it is the same INN (different shippers: different loads).

A group is the complete-linkage cluster: every posting in it is the same trip as every other, so a chain
of near-misses (A≈B, B≈C, A≠C) does not merge. Postings are bucketed by (loading, unloading) city and
sorted by loading date inside a bucket, so a page of 100 costs a sort plus comparisons inside small buckets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..cargo.formatting import THIN_SPACE, group_digits
from ..insights.gazetteer import normalise
from ..loads.models import Company, Load, Moment, Stop
from ..words import plural


@dataclass(frozen=True)
class Tolerance:
    weight_kg: int = 500
    weight_share: float = 0.05
    volume_m3: float = 3.0
    volume_share: float = 0.10
    price_share: float = 0.25


DEFAULT = Tolerance()


@dataclass(frozen=True)
class Group:
    """Postings of one trip, the best price first."""

    loads: tuple[Load, ...]
    shipper: Company | None = field(default=None)

    @property
    def count(self) -> int:
        return len(self.loads)

    @property
    def text(self) -> str:
        companies = len({_company_key(load) for load in self.loads})
        prices = " / ".join(_roubles(load.price_kopecks) for load in self.loads)
        head = (f"выставлен {companies} {plural(companies, 'компанией', 'компаниями', 'компаниями')}"
                if companies > 1 else f"выставлен {self.count} {plural(self.count, 'раз', 'раза', 'раз')} одной компанией")
        text = f"{head}: {prices}{THIN_SPACE}₽"
        if self.shipper is not None and self.shipper.name:
            text += f"; грузовладелец — {self.shipper.name}"
        return text

    def as_dict(self) -> dict:
        """The API shape: `group: {count, postings: [{id, company, price_rub}], text}`."""
        return {"count": self.count, "text": self.text, "postings": [
            {"id": load.id, "company": load.company.name if load.company else None,
             "price_rub": load.price_kopecks // 100 if load.price_kopecks is not None else None}
            for load in self.loads]}


def group(loads: Sequence[Load], tolerance: Tolerance = DEFAULT) -> list[Group]:
    """The groups of two or more postings among `loads`, the best-paid group first. A load in no group
    stands alone."""
    buckets: dict[tuple[str, str], list[Load]] = defaultdict(list)
    for load in loads:
        key = _route_key(load)
        if key is not None and _loading_window(load) is not None and load.weight_kg is not None:
            buckets[key].append(load)
    groups = [cluster for bucket in buckets.values() if len(bucket) > 1
              for cluster in _clusters(bucket, tolerance) if len(cluster) > 1]
    result = [Group(tuple(sorted(cluster, key=_by_price)), _shipper(cluster)) for cluster in groups]
    return sorted(result, key=lambda g: _by_price(g.loads[0]))


def same_trip(a: Load, b: Load, tolerance: Tolerance = DEFAULT) -> bool:
    key = _route_key(a)
    if key is None or key != _route_key(b) or not _places_agree(a.origin, b.origin) \
            or not _places_agree(a.destination, b.destination):
        return False
    first, second = _loading_window(a), _loading_window(b)
    if first is None or second is None or first[0] > second[1] or second[0] > first[1]:
        return False
    if not _close(a.weight_kg, b.weight_kg, tolerance.weight_kg, tolerance.weight_share, required=True):
        return False
    if not _close(a.volume_m3, b.volume_m3, tolerance.volume_m3, tolerance.volume_share, required=False):
        return False
    if not _prices_near(a.price_kopecks, b.price_kopecks, tolerance.price_share):
        return False
    if not _optional_equal(_cargo_words(a), _cargo_words(b)):
        return False
    return _optional_equal(_shipper_inn(a), _shipper_inn(b))


def _clusters(bucket: list[Load], tolerance: Tolerance) -> Iterable[list[Load]]:
    """Complete-linkage clusters, in loading-date order; a cluster only meets postings whose window can
    still overlap its first posting's."""
    ordered = sorted(bucket, key=lambda load: _loading_window(load))
    clusters: list[list[Load]] = []
    for load in ordered:
        start = _loading_window(load)[0]
        home = next((c for c in clusters if max(_loading_window(m)[1] for m in c) >= start
                     and all(same_trip(load, member, tolerance) for member in c)), None)
        if home is None:
            clusters.append([load])
        else:
            home.append(load)
    return clusters


def _route_key(load: Load) -> tuple[str, str] | None:
    if load.origin is None or load.destination is None or load.origin.place is None \
            or load.destination.place is None:
        return None
    origin, destination = normalise(load.origin.place.name), normalise(load.destination.place.name)
    return (origin, destination) if origin and destination else None


def _places_agree(a: Stop | None, b: Stop | None) -> bool:
    """Same name already checked; two different ids under one name are two different places."""
    ids = (a.place.id, b.place.id) if a and b and a.place and b.place else (None, None)
    return None in ids or ids[0] == ids[1]


def _day(moment: Moment) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def _loading_window(load: Load) -> tuple[dt.date, dt.date] | None:
    if load.origin is None:
        return None
    first = load.origin.earliest or load.origin.latest
    last = load.origin.latest or load.origin.earliest
    if first is None:
        return None
    start, end = _day(first), _day(last)
    return (start, end) if start <= end else (end, start)


def _close(a: float | None, b: float | None, absolute: float, share: float, required: bool) -> bool:
    if a is None or b is None:
        return not required
    return abs(a - b) <= max(absolute, share * max(abs(a), abs(b)))


def _prices_near(a: int | None, b: int | None, share: float) -> bool:
    return a is None or b is None or min(a, b) >= (1 - share) * max(a, b)


def _optional_equal(a: object | None, b: object | None) -> bool:
    return a is None or b is None or a == b


def _cargo_words(load: Load) -> str | None:
    words = re.findall(r"\w+", (load.cargo_type or "").lower().replace("ё", "е"))
    return " ".join(words) or None


def _shipper_inn(load: Load) -> str | None:
    return (load.shipper.inn or None) if load.shipper is not None else None


def _shipper(cluster: list[Load]) -> Company | None:
    named = [load.shipper for load in cluster if load.shipper is not None and load.shipper.name]
    return next((s for s in named if s.inn), named[0] if named else None)


def _company_key(load: Load) -> str:
    company = load.company
    if company is None:
        return f"load:{load.id}"
    return company.inn or company.id or company.name or f"load:{load.id}"


def _by_price(load: Load) -> tuple[bool, int]:
    return (load.price_kopecks is None, -(load.price_kopecks or 0))


def _roubles(kopecks: int | None) -> str:
    return group_digits(kopecks // 100) if kopecks is not None else "—"
