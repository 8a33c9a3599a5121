"""A local stand-in for the CargoTech carrier API, speaking the documented protocol.

Used where the real API cannot be reached: the embedded demo (`CARGOTECH_UPSTREAM=recorded`), tests,
the benchmark, and to (re)generate the synthetic cassettes. It can inject the faults a client must
survive: 401 for revoked tokens, 429 with Retry-After, 5xx, wrong credentials, latency.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .dataset import LOAD_TYPES, OUR_COMPANY, TRUCK_TYPES, Dataset, build_dataset, list_view, new_cargo

DEMO_PHONE = "+7 900 000 00 00"
DEMO_PASSWORD = "demo-password"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode()


@dataclass
class Fault:
    path_prefix: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


class CargoTechStandIn:
    def __init__(
        self,
        phone: str = DEMO_PHONE,
        password: str = DEMO_PASSWORD,
        dataset: Dataset | None = None,
        latency: float = 0.0,
        login_latency: float = 0.0,
        sort_supported: bool = True,
    ) -> None:
        self.phone = phone
        self.password = password
        self.dataset = dataset or build_dataset()
        self.latency = latency
        self.login_latency = login_latency
        self._by_id = {str(c["id"]): c for c in self.dataset.cargos}
        self._tokens: set[str] = set()
        self.issued_tokens: list[str] = []  # every token ever issued, for tests that look for leaks
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()  # "METHOD path?query" → count: the same key asked twice shows here
        # Whether `sort=updated_at` / `sort=-updated_at` works on the list (unverified upstream [?]); when
        # it does not, the parameter is ignored and the default order (newest first, like a board) is kept.
        self.sort_supported = sort_supported
        self.published_at: dict[str, float] = {}  # id → when publish() made it appear (time.time())
        self.missing_dictionaries: set[str] = set()  # "truck_types" / "load_types" answered 404 (see drop_dictionary)
        self._rng = random.Random(20261124)
        self._next_index = itertools.count(100_000)

    # ---- control --------------------------------------------------------------------------------

    @property
    def logins(self) -> int:
        return self.calls["POST /v1/auth/login"]

    def revoke_tokens(self) -> None:
        """Every token issued so far now gets 401 (as when CargoTech expires a session)."""
        with self._lock:
            self._tokens.clear()

    def drop_dictionary(self, name: str) -> None:
        """From now on `/v1/dictionaries/<name>` is a 404, as for a dictionary CargoTech does not have."""
        with self._lock:
            self.missing_dictionaries.add(name)

    def fail_next(self, path_prefix: str, status: int, times: int = 1, headers: dict | None = None, body: Any = None) -> None:
        with self._lock:
            self._faults.append(Fault(path_prefix, status, headers or {}, body or {"message": "Injected fault"}, times))

    def publish(self, cargo: dict | None = None, **changes: Any) -> dict:
        """Make a load appear upstream now: `cargo` as given, or a new random one (with `changes`)."""
        now = dt.datetime.now(dt.timezone.utc)
        with self._lock:
            if cargo is None:
                cargo = new_cargo(self._rng, next(self._next_index), now.date(), self.dataset.cities, now)
            cargo = {**cargo, **changes}
            cargo.setdefault("updated_at", now.isoformat(timespec="seconds").replace("+00:00", "Z"))
            self.dataset.cargos.insert(0, cargo)
            self._by_id[str(cargo["id"])] = cargo
            self.published_at[str(cargo["id"])] = time.time()
        return cargo

    def withdraw(self, cargo_id: str | int) -> None:
        """The load is taken: gone from the list and the detail endpoint."""
        with self._lock:
            self.dataset.cargos = [c for c in self.dataset.cargos if str(c["id"]) != str(cargo_id)]
            self._by_id.pop(str(cargo_id), None)

    def matches(self, cargo: dict, params: list[tuple[str, str]]) -> bool:
        """Whether the list with these query parameters shows `cargo` (tests compare the matcher to this)."""
        return self._matches(cargo, dict(params))

    def clear_faults(self) -> None:
        """CargoTech is healthy again: forget the injected faults still pending."""
        with self._lock:
            self._faults.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.calls.clear()
            self.requests.clear()

    def delay_for(self, path: str) -> float:
        return self.login_latency if path == "/v1/auth/login" else self.latency

    # ---- protocol -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        route = re.sub(r"/\d+$", "/{id}", path)
        with self._lock:
            self.calls[f"{method} {route}"] += 1
            self.requests[f"{method} {path}?{query}"] += 1
            fault = self._take_fault(path)
        if fault is not None:
            return Reply(fault.status, fault.body, fault.headers)
        params = dict(parse_qsl(query, keep_blank_values=True))
        if method == "POST" and path == "/v1/auth/login":
            return self._login(body)
        if not self._authorised(headers):
            return Reply(401, {"message": "Unauthenticated."})
        if method != "GET":
            return Reply(405, {"message": "Method not allowed."})
        if path == "/v1/me":
            return Reply(200, {"data": {"id": 40123, "name": "Иван Петров", "phone": self.phone, "company": OUR_COMPANY}})
        if path == "/v2/cargos/views":
            return self._list(params)
        if m := re.fullmatch(r"/v1/carrier/cargos/(\d+)", path):
            cargo = self._by_id.get(m.group(1))
            return Reply(200, {"data": cargo}) if cargo else Reply(404, {"message": "Not found."})
        if path == "/v1/dictionaries/points":
            return self._points(params)
        if path.removeprefix("/v1/dictionaries/") in self.missing_dictionaries:
            return Reply(404, {"message": "Not found."})
        if path == "/v1/dictionaries/truck_types":
            return self._dictionary(TRUCK_TYPES)
        if path == "/v1/dictionaries/load_types":
            return self._dictionary(LOAD_TYPES)
        return Reply(404, {"message": "Not found."})

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self._faults:
            if path.startswith(fault.path_prefix):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _authorised(self, headers: dict[str, str]) -> bool:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        with self._lock:
            return token in self._tokens

    def _login(self, body: bytes) -> Reply:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict) or not payload.get("phone") or not payload.get("password"):
            return Reply(422, {"message": "The given data was invalid.", "errors": {"phone": ["Обязательное поле."]}})
        if _digits(str(payload["phone"])) != _digits(self.phone) or payload["password"] != self.password:
            return Reply(422, {"message": "The given data was invalid.", "errors": {"phone": ["Неверный телефон или пароль."]}})
        token = f"{secrets.randbelow(900000) + 100000}|{secrets.token_urlsafe(36).replace('-', 'a').replace('_', 'b')[:40]}"
        with self._lock:
            self._tokens.add(token)
            self.issued_tokens.append(token)
        return Reply(200, {"data": {"token": token}})

    def _list(self, params: dict[str, str]) -> Reply:
        try:
            limit = max(1, min(100, int(params.get("limit", "20"))))
            offset = max(0, int(params.get("offset", "0")))
        except ValueError:
            return Reply(422, {"message": "The given data was invalid.", "errors": {"limit": ["Неверное значение."]}})
        with self._lock:
            cargos = list(self.dataset.cargos)
        matches = [c for c in cargos if self._matches(c, params)]
        if params.get("sort") in ("updated_at", "-updated_at") and self.sort_supported:
            matches.sort(key=lambda c: c.get("updated_at") or "", reverse=params["sort"].startswith("-"))
        page = [list_view(c) for c in matches[offset:offset + limit]]
        return Reply(200, {"data": page, "meta": {"limit": limit, "offset": offset, "size": len(matches)}})

    def _matches(self, cargo: dict, p: dict[str, str]) -> bool:
        if p.get("filter[mode]") == "my" and cargo["company"]["id"] != OUR_COMPANY["id"]:
            return False
        for side in ("start", "finish"):
            point_id = p.get(f"filter[{side}_point_id]")
            if point_id:
                radius = float(p.get(f"filter[{side}_point_radius]") or 0)
                distance = self.dataset.city_distance_km(int(point_id), cargo["points"][side]["city"]["id"])
                if distance is None or distance > radius + 0.5:
                    return False
        if day := p.get("filter[start_date]"):
            start = cargo["points"]["start"]
            if not (start["first_date"][:10] <= day <= start["last_date"][:10]):
                return False
        if wv := p.get("filter[wv]"):
            tonnes, cubic = (float(x) for x in wv.split("-"))
            if cargo["weight"] > tonnes * 1000 or cargo["volume"] > cubic:
                return False  # [INFER] a weight–volume class means "fits a truck of that class"
        for key in ("truck_types", "load_types"):
            wanted = {int(x) for x in (p.get(f"filter[{key}]") or "").split(",") if x.strip()}
            if wanted and not wanted & {t["id"] for t in cargo[key]}:
                return False
        for key, value in (("distance", cargo["distance"]), ("price", cargo["price"]), ("price_per_km", cargo["price_per_km"])):
            if bounds := p.get(f"filter[{key}]"):
                low, high = (int(x) for x in bounds.split(","))
                if not low <= value <= high:
                    return False
        return True

    def _points(self, params: dict[str, str]) -> Reply:
        name = (params.get("filter[name]") or "").strip().lower()
        limit = max(1, min(50, int(params.get("limit") or 10)))
        found = [
            {"id": cid, "name": city[0], "type": 1}
            for cid, city in sorted(self.dataset.cities.items())
            if name and city[0].lower().startswith(name)
        ]
        found += [
            {"id": cid, "name": city[0], "type": 1}
            for cid, city in sorted(self.dataset.cities.items())
            if name and name in city[0].lower() and not city[0].lower().startswith(name)
        ]
        return Reply(200, {"data": found[:limit], "meta": {"limit": limit, "offset": 0, "size": len(found)}})

    @staticmethod
    def _dictionary(rows) -> Reply:
        data = [{"id": i, "name": n, "short_name": s} for i, n, s in rows]
        return Reply(200, {"data": data, "meta": {"limit": len(data), "offset": 0, "size": len(data)}})
