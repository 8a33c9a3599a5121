"""A local stand-in for DaData's suggestions API (`findById/party` and `findById/forwarder`), in DaData's JSON
shape, served on loopback for the official `dadata` client. It knows the stand-in CargoTech dataset's companies
(standin/dataset.py) with varied fates: active for years, active but young, liquidating, liquidated, bankrupt.

Faults for tests: `fail_with` (an HTTP status every answer has, e.g. 403, 429, 500), `delay` (seconds before
answering). `calls` counts the requests, `by_method` by method."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http import HTTPStatus
from collections import Counter
from typing import Any

from .dataset import COMPANIES, OUR_COMPANY
from .logic import Reply

PREFIX = "/suggestions/api/4_1/rs/findById/"
# INN → (DaData state.status, registered this many days before `today`, the forwarders' register number or None)
FATES: dict[str, tuple[str, int, str | None]] = {
    COMPANIES[0]["inn"]: ("ACTIVE", 12 * 365, "GL-B077-00012-00/00000101"),  # ГрузЛайн: a broker since 2014
    COMPANIES[1]["inn"]: ("ACTIVE", 61, None),  # Северный Транзит: two months old, not a listed forwarder
    COMPANIES[2]["inn"]: ("ACTIVE", 20 * 365, None),  # ВолгаАгро: a shipper
    COMPANIES[3]["inn"]: ("LIQUIDATING", 6 * 365, "GL-B066-00040-00/00000202"),  # Уралснаб
    COMPANIES[4]["inn"]: ("LIQUIDATED", 9 * 365, None),  # Кубань Логистик
    COMPANIES[5]["inn"]: ("BANKRUPT", 4 * 365, None),  # Черноземье Трейд
    OUR_COMPANY["inn"]: ("ACTIVE", 3 * 365, None),
}
_NAMES = {c["inn"]: c["name"] for c in (*COMPANIES, OUR_COMPANY)}


def _millis(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp() * 1000)


class DadataStandIn:
    def __init__(self, token: str, today: dt.date | None = None) -> None:
        self._auth = f"Token {token}"
        self.today = today or dt.date.today()
        self.fail_with: int | None = None
        self.delay = 0.0
        self.calls = 0
        self.by_method: Counter[str] = Counter()
        self._lock = threading.Lock()

    def delay_for(self, path: str) -> float:
        return self.delay

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._lock:
            self.calls += 1
            self.by_method[path.removeprefix(PREFIX)] += 1
        if self.fail_with is not None:
            family = "SERVER_ERROR" if self.fail_with >= 500 else "CLIENT_ERROR"
            return Reply(self.fail_with, {"family": family, "reason": HTTPStatus(self.fail_with).phrase,
                                          "message": "stand-in fault"})
        lower = {k.lower(): v for k, v in headers.items()}
        if lower.get("authorization") != self._auth:
            return Reply(403, {"family": "CLIENT_ERROR", "reason": "Forbidden", "message": "Unknown API key"})
        if method != "POST" or not path.startswith(PREFIX):
            return Reply(404, {"family": "CLIENT_ERROR", "reason": "Not Found"})
        inn = str(json.loads(body or b"{}").get("query") or "").strip()
        name = path.removeprefix(PREFIX)
        if name == "party":
            return Reply(200, {"suggestions": [self.party(inn)] if inn in FATES else []})
        if name == "forwarder":
            number = FATES.get(inn, ("", 0, None))[2]
            return Reply(200, {"suggestions": [self.forwarder(inn, number)] if number else []})
        return Reply(404, {"family": "CLIENT_ERROR", "reason": "Not Found"})

    def party(self, inn: str) -> dict[str, Any]:
        status, age_days, _ = FATES[inn]
        registered = self.today - dt.timedelta(days=age_days)
        name = _NAMES[inn]
        opf, _, bare = name.partition(" ")
        return {"value": name, "unrestricted_value": name, "data": {
            "inn": inn, "kpp": inn[:4] + "01001", "ogrn": f"1{inn}00"[:13],
            "type": "LEGAL", "branch_type": "MAIN", "hid": f"standin-{inn}",
            "name": {"full_with_opf": name, "short_with_opf": name, "full": bare.strip("«»"), "short": bare.strip("«»")},
            "opf": {"type": "2014", "short": opf},
            "state": {"status": status, "code": None, "actuality_date": _millis(self.today),
                      "registration_date": _millis(registered),
                      "liquidation_date": _millis(self.today - dt.timedelta(days=30)) if status == "LIQUIDATED" else None},
            "ogrn_date": _millis(registered)}}

    def forwarder(self, inn: str, number: str) -> dict[str, Any]:
        since = (self.today - dt.timedelta(days=200)).isoformat()
        return {"value": number, "unrestricted_value": number,
                "data": {"number": number, "issue_date": since, "inn": inn, "ogrn": None, "name": _NAMES[inn]}}
