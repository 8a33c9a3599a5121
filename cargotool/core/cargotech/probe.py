"""A live, read-only check of every assumption the code makes about CargoTech (cargotech-api.md marks
many as unverified), reporting for each: holds / differs (how) / unknown (why), and the fields
CargoTech sends that our models do not know.

Only GETs (plus the login the client does anyway). "Critical" assumptions are the ones the product
depends on: if one does not hold, drivers see wrong or no data. The others are reported for the
record. `cargotool cargotech probe` exits 0 only when every critical one holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable, Mapping

from ..errors import NotFound, UpstreamAuthFailed, UpstreamError
from ..loads.operator import DIFFERS, HOLDS, UNKNOWN, Finding, ProbeReport
from . import schema
from .client import CargoTechClient
from .models import as_moment

__all__ = ["DIFFERS", "HOLDS", "UNKNOWN", "Finding", "ProbeReport", "probe"]  # the report's types live in core/loads

LIST_PATH = "/v2/cargos/views"
DETAIL_PATH = "/v1/carrier/cargos/{id}"
POINTS_PATH = "/v1/dictionaries/points"
PROBE_CITY = "Москва"  # a city every deployment serves; its point id drives the route filter check


def _list_params(limit: int = 5, offset: int = 0, mode: str = "all", extra: list[tuple[str, str]] | None = None):
    return [("include", "contacts"), ("limit", str(limit)), ("offset", str(offset)), ("filter[mode]", mode),
            ("filter[user_id]", "0"), *(extra or [])]


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, Mapping) else None


class Probe:
    """Runs the checks in order; a failed request makes the checks that needed it `unknown`."""

    def __init__(self, client: CargoTechClient, today: dt.date) -> None:
        self.client = client
        self.today = today
        self.findings: dict[str, Finding] = {}
        self.unknown: dict[str, set[str]] = {}

    def _finding(self, key: str, assumption: str, critical: bool) -> Finding:
        finding = Finding(key, assumption, critical)
        self.findings[key] = finding
        return finding

    def _verdict(self, key: str, verdict: str, detail: str = "") -> None:
        self.findings[key].verdict, self.findings[key].detail = verdict, detail

    def _note_unknown(self, payload: str, items: list, known: frozenset) -> None:
        for item in items:
            self.unknown.setdefault(payload, set()).update(schema.unknown_fields(item, known))

    async def _get(self, key: str, path: str, params=None) -> Any | None:
        """The body, or None with the finding marked unknown (it says why)."""
        try:
            return await self.client.get_json(path, params)
        except UpstreamAuthFailed:
            raise
        except NotFound as exc:
            self._verdict(key, DIFFERS, f"GET {path}: {exc.message}")
        except UpstreamError as exc:
            self._verdict(key, UNKNOWN, f"GET {path}: {exc.message}")
        return None

    async def run(self) -> ProbeReport:
        self._declare()
        await self.client.tokens.get()  # login: UpstreamAuthFailed / UpstreamUnavailable end the probe
        self._verdict("login", HOLDS, "POST /v1/auth/login gave data.token (or a cached token from it is valid)")
        steps: list[Callable[[], Awaitable[None]]] = [self._me, self._list, self._pages, self._mode_my, self._sort,
                                                       self._date_and_wv, self._points_and_route, self._dictionaries]
        for step in steps:
            await step()
        return ProbeReport(list(self.findings.values()), {k: sorted(v) for k, v in self.unknown.items() if v})

    def _declare(self) -> None:
        for key, text, critical in (
            ("login", "POST /v1/auth/login answers {data: {token}}", True),
            ("me", "GET /v1/me answers {data: {id, name, …}}", False),
            ("list.shape", "GET /v2/cargos/views answers {data: [...], meta: {...}}", True),
            ("list.types", "list items: id int (or digit string), weight int kg, volume number m³, distance int km, "
                           "price/price_per_km int kopecks", True),
            ("list.points", "list items: points is an object {start, finish} with city.name [HAR]", True),
            ("list.dates", "points.start.first_date is YYYY-MM-DD (datetimes are read too) [?]", False),
            ("meta.size", "meta.size is the total number of matches, not the page size [?]", True),
            ("paging", "offset paging is stable: the second page repeats no item of the first", True),
            ("filter.mode_my", "filter[mode]=my is accepted and narrows the list to the account's own loads [?]", False),
            ("sort", "the list has a stable order without `sort`; `sort=-updated_at` (partner API) is accepted [?]", False),
            ("filter.date", "filter[start_date]=YYYY-MM-DD is accepted", True),
            ("filter.wv", "filter[wv]=<t>-<m3> (e.g. 20-83) is accepted", True),
            ("points.path", "GET /v1/dictionaries/points?filter[name]=… answers [{id, name, type}]", True),
            ("points.type", "a city's point type is an int the list filter accepts as start_point_type [?]", True),
            ("filter.route", "filter[start_point_id]+start_point_type+radius narrows the list", True),
            ("detail", "GET /v1/carrier/cargos/{id}?source=1&include=contacts answers {data: {...}} with extra.note "
                       "and contacts [{name, phones|phone}]", True),
            ("detail.missing", "a missing load answers 404", False),
            ("dict.truck_types", "GET /v1/dictionaries/truck_types answers [{id, name, short_name}] [?]", False),
            ("dict.load_types", "GET /v1/dictionaries/load_types answers [{id, name, short_name}] [?]", False),
        ):
            self._finding(key, text, critical)

    # ---- the checks ---------------------------------------------------------------------------

    async def _me(self) -> None:
        body = await self._get("me", "/v1/me")
        if body is None:
            return
        data = _data(body)
        if not isinstance(data, Mapping):
            self._verdict("me", DIFFERS, f"data is {_type_name(data)}, not an object")
        elif data.get("id") is None or not (data.get("name") or data.get("first_name")):
            self._verdict("me", DIFFERS, f"no id or name; keys: {', '.join(sorted(data))}")
        else:
            self._verdict("me", HOLDS)

    async def _list(self) -> None:
        body = await self._get("list.shape", LIST_PATH, _list_params(limit=5))
        self.first_page = []
        self.total_all = None
        if body is None:
            for key in ("list.types", "list.points", "list.dates", "meta.size", "paging", "detail"):
                self._verdict(key, UNKNOWN, "the list could not be read")
            return
        data, meta = _data(body), body.get("meta") if isinstance(body, Mapping) else None
        if not isinstance(data, list) or not isinstance(meta, Mapping):
            self._verdict("list.shape", DIFFERS, f"data is {_type_name(data)}, meta is {_type_name(meta)}")
            return
        self._verdict("list.shape", HOLDS, f"{len(data)} item(s) on a page of 5")
        self.first_page = [item for item in data if isinstance(item, Mapping)]
        self._note_unknown("list item", self.first_page, schema.CARGO)
        self._note_unknown("list meta", [meta], schema.META)
        if not self.first_page:
            for key in ("list.types", "list.points", "list.dates", "detail"):
                self._verdict(key, UNKNOWN, "the list is empty: nothing to look at")
            return
        self._check_types(self.first_page)
        self._check_points(self.first_page)

    def _check_types(self, items: list[Mapping]) -> None:
        problems = []
        for item in items:
            cid = item.get("id")
            if not (isinstance(cid, int) and not isinstance(cid, bool) or isinstance(cid, str) and cid.isdigit()):
                problems.append(f"id {cid!r} is {_type_name(cid)}")
            for name in ("weight", "distance", "price", "price_per_km"):
                value = item.get(name)
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    problems.append(f"{name} {value!r} is {_type_name(value)}, not int")
            volume = item.get("volume")
            if volume is not None and (isinstance(volume, bool) or not isinstance(volume, (int, float))):
                problems.append(f"volume {volume!r} is {_type_name(volume)}")
        self._verdict("list.types", DIFFERS if problems else HOLDS, "; ".join(dict.fromkeys(problems))[:500])

    def _check_points(self, items: list[Mapping]) -> None:
        shapes, dates, problems = set(), set(), []
        for item in items:
            points = item.get("points")
            shapes.add(_type_name(points))
            start = points.get("start") if isinstance(points, Mapping) else None
            if not isinstance(start, Mapping) or not isinstance(start.get("city"), Mapping) or not start["city"].get("name"):
                problems.append(f"load {item.get('id')}: no points.start.city.name")
                continue
            first = start.get("first_date")
            moment = as_moment(first)
            dates.add("missing" if first is None else "unreadable" if moment is None else
                      "date" if not isinstance(moment, dt.datetime) else "datetime")
        if shapes != {"dict"}:
            self._verdict("list.points", DIFFERS, f"points is {', '.join(sorted(shapes))}"
                          + (" (a list is read too, by position)" if "list" in shapes else ""))
        else:
            self._verdict("list.points", DIFFERS if problems else HOLDS, "; ".join(problems)[:500])
        if dates == {"date"}:
            self._verdict("list.dates", HOLDS)
        elif dates and "unreadable" not in dates:
            self._verdict("list.dates", DIFFERS, f"first_date values are {', '.join(sorted(dates))} (read correctly)")
        elif dates:
            self._verdict("list.dates", DIFFERS, f"first_date values are {', '.join(sorted(dates))}")

    async def _pages(self) -> None:
        if not self.first_page:
            return
        body = await self._get("paging", LIST_PATH, _list_params(limit=1))
        second = await self._get("paging", LIST_PATH, _list_params(limit=5, offset=5))
        if body is None or second is None:
            return
        size = (body.get("meta") or {}).get("size") if isinstance(body, Mapping) else None
        one_page = _data(body) if isinstance(_data(body), list) else []
        more = _data(second) if isinstance(_data(second), list) else []
        if not isinstance(size, int) or isinstance(size, bool):
            self._verdict("meta.size", DIFFERS, f"meta.size is {_type_name(size)}")
        elif len(self.first_page) > 1 and size <= len(one_page):
            self._verdict("meta.size", DIFFERS, f"with limit=1 meta.size is {size} although a page of 5 had "
                                                f"{len(self.first_page)}: it looks like the page size")
        else:
            self.total_all = size
            self._verdict("meta.size", HOLDS, f"{size} matches in all")
        first_ids = {str(i.get("id")) for i in self.first_page}
        repeated = [str(i.get("id")) for i in more if isinstance(i, Mapping) and str(i.get("id")) in first_ids]
        self._verdict("paging", DIFFERS if repeated else HOLDS,
                      f"offset=5 repeats {', '.join(repeated)}" if repeated else f"offset=5 gave {len(more)} new item(s)")

    async def _mode_my(self) -> None:
        body = await self._get("filter.mode_my", LIST_PATH, _list_params(limit=5, mode="my"))
        if body is None:
            return
        data = _data(body)
        if not isinstance(data, list):
            self._verdict("filter.mode_my", DIFFERS, f"data is {_type_name(data)}")
            return
        all_ids = {str(i.get("id")) for i in self.first_page}
        mine_ids = {str(i.get("id")) for i in data if isinstance(i, Mapping)}
        size_all = None
        mine_size = (body.get("meta") or {}).get("size")
        if self.first_page and mine_ids == all_ids and len(all_ids) >= 5:
            size_all = "the same first page as mode=all"
        self._verdict("filter.mode_my", DIFFERS if size_all else HOLDS,
                      size_all or f"{mine_size if mine_size is not None else len(data)} own load(s)")

    async def _sort(self) -> None:
        again = await self._get("sort", LIST_PATH, _list_params(limit=5))
        if again is None or not self.first_page:
            return
        ids = [str(i.get("id")) for i in self.first_page]
        again_ids = [str(i.get("id")) for i in (_data(again) or []) if isinstance(i, Mapping)]
        if again_ids != ids:
            self._verdict("sort", DIFFERS, "the same request gave a different order")
            return
        sorted_body = await self._get("sort", LIST_PATH, _list_params(limit=5, extra=[("sort", "-updated_at")]))
        if sorted_body is None:
            return
        ok = isinstance(_data(sorted_body), list)
        self._verdict("sort", HOLDS if ok else DIFFERS, "stable order; sort=-updated_at accepted (the code sends no sort)"
                      if ok else "sort=-updated_at was not accepted")

    async def _date_and_wv(self) -> None:
        for key, extra in (("filter.date", [("filter[start_date]", self.today.isoformat())]),
                           ("filter.wv", [("filter[wv]", "20-83")])):
            body = await self._get(key, LIST_PATH, _list_params(limit=1, extra=extra))
            if body is not None:
                ok = isinstance(_data(body), list)
                self._verdict(key, HOLDS if ok else DIFFERS, "" if ok else f"data is {_type_name(_data(body))}")

    async def _points_and_route(self) -> None:
        body = await self._get("points.path", POINTS_PATH, [("filter[name]", PROBE_CITY), ("limit", "10"), ("offset", "0")])
        if body is None:
            for key in ("points.type", "filter.route"):
                self._verdict(key, UNKNOWN, "points could not be read")
            return
        data = _data(body)
        items = [p for p in data if isinstance(p, Mapping)] if isinstance(data, list) else []
        if not isinstance(data, list) or not items or any(not isinstance(p.get("id"), int) or not p.get("name") for p in items):
            self._verdict("points.path", DIFFERS, f"data is {_type_name(data)}; first item: {items[:1]}")
            return
        self._verdict("points.path", HOLDS)
        self._note_unknown("point", items, schema.POINT)
        city = next((p for p in items if str(p.get("name")).lower() == PROBE_CITY.lower()), items[0])
        kind = city.get("type")
        if not isinstance(kind, int) or isinstance(kind, bool):
            self._verdict("points.type", DIFFERS, f"{city.get('name')} has type {kind!r}; the code then sends 2")
            kind = 2
        route = await self._get("filter.route", LIST_PATH, _list_params(limit=5, extra=[
            ("filter[start_point_id]", str(city["id"])), ("filter[start_point_type]", str(kind)),
            ("filter[start_point_radius]", "50")]))
        if route is None:
            if self.findings["points.type"].verdict == UNKNOWN:
                self._verdict("points.type", UNKNOWN, "the filtered list could not be read")
            return
        if self.findings["points.type"].verdict == UNKNOWN:
            self._verdict("points.type", HOLDS, f"{city.get('name')}: type {kind}, accepted by the list")
        routed, total = _data(route), (route.get("meta") or {}).get("size")
        if not isinstance(routed, list):
            self._verdict("filter.route", DIFFERS, f"data is {_type_name(routed)}")
            return
        starts = sorted({str(_start_city(i)) for i in routed})
        seen = f"{total} match(es) from {city.get('name')} +50 km of {self.total_all}; start cities: {', '.join(starts) or '—'}"
        narrowed = not (isinstance(total, int) and isinstance(self.total_all, int) and total >= self.total_all > 5)
        self._verdict("filter.route", HOLDS if narrowed else DIFFERS, seen if narrowed else f"did not narrow: {seen}")

    async def _dictionaries(self) -> None:
        for key, path in (("dict.truck_types", "/v1/dictionaries/truck_types"),
                          ("dict.load_types", "/v1/dictionaries/load_types")):
            body = await self._get(key, path)
            if body is None:
                continue
            data = _data(body)
            items = [t for t in data if isinstance(t, Mapping)] if isinstance(data, list) else []
            if not items or any(not isinstance(t.get("id"), int) or not t.get("name") for t in items):
                self._verdict(key, DIFFERS, f"data is {_type_name(data)}; first item: {items[:1]}")
            else:
                self._verdict(key, HOLDS, f"{len(items)} type(s)")
                self._note_unknown(key.removeprefix("dict."), items, schema.TYPE_REF)
        await self._detail()

    async def _detail(self) -> None:
        if self.first_page:
            cargo_id = str(self.first_page[0].get("id"))
            body = await self._get("detail", DETAIL_PATH.format(id=cargo_id), [("source", "1"), ("include", "contacts")])
            if body is not None:
                data = _data(body)
                if not isinstance(data, Mapping):
                    self._verdict("detail", DIFFERS, f"data is {_type_name(data)}")
                else:
                    self._note_unknown("detail", [data], schema.CARGO)
                    problems = []
                    extra = data.get("extra")
                    if not isinstance(extra, Mapping):
                        problems.append(f"extra is {_type_name(extra)}")
                    elif extra.get("note") is not None and not isinstance(extra.get("note"), str):
                        problems.append(f"extra.note is {_type_name(extra.get('note'))}")
                    contacts = data.get("contacts")
                    if contacts is not None and not isinstance(contacts, list):
                        problems.append(f"contacts is {_type_name(contacts)}")
                    for contact in contacts if isinstance(contacts, list) else []:
                        phones = contact.get("phones") if isinstance(contact, Mapping) else None
                        if phones is not None and not isinstance(phones, list):
                            problems.append(f"contacts[].phones is {_type_name(phones)}")
                    if str(data.get("id")) != cargo_id:
                        problems.append(f"asked for {cargo_id}, got id {data.get('id')!r}")
                    self._verdict("detail", DIFFERS if problems else HOLDS, "; ".join(dict.fromkeys(problems)))
        try:
            await self.client.get_json(DETAIL_PATH.format(id="1"), [("source", "1"), ("include", "contacts")])
        except NotFound:
            self._verdict("detail.missing", HOLDS)
        except UpstreamAuthFailed:
            raise
        except UpstreamError as exc:
            self._verdict("detail.missing", DIFFERS, exc.message)
        else:
            self._verdict("detail.missing", DIFFERS, "load 1 answered 200")


def _start_city(item: Any) -> str | None:
    points = item.get("points") if isinstance(item, Mapping) else None
    start = points.get("start") if isinstance(points, Mapping) else None
    city = start.get("city") if isinstance(start, Mapping) else None
    return city.get("name") if isinstance(city, Mapping) else None


async def probe(client: CargoTechClient, today: dt.date) -> ProbeReport:
    """Run every check (read-only). Raises UpstreamAuthFailed / UpstreamUnavailable when CargoTech
    cannot be logged in to at all; a failure of one check makes only that check `unknown`."""
    return await Probe(client, today).run()
