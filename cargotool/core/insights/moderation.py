"""What operators see of drivers' reports on companies (the admin screen): every report with its comment,
the company's name and whether it is hidden; hiding goes through `Reports.hide` (audited).

Reports carry only INNs (the poster's and, when another company, the shipper's); names are taken from the
accepted trip the report was written after (`insight_trips`, copied from the response's card), else from
any trip with that INN on either side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput, NotFound
from ..storage.db import Database
from .models import DriverReport, Trip
from .trust import MAX_COMMENT, MOSCOW, REPORT_KINDS, Reports

MAX_REASON = 500
MAX_LISTING = 200


class ReasonRequired(InvalidInput):
    """Hiding needs a reason (it goes to the audit log)."""

    code = "reason_required"


@dataclass(frozen=True)
class ReportLine:
    id: int
    inn: str
    company: str | None
    shipper_inn: str | None
    shipper: str | None
    cargo_id: str
    driver_id: int
    kind: str
    comment: str | None
    updated_at: str
    hidden: bool
    hidden_reason: str | None
    hidden_by: str | None

    def public(self) -> dict:
        return {"id": self.id, "inn": self.inn, "company": self.company, "shipper_inn": self.shipper_inn,
                "shipper": self.shipper, "cargo_id": self.cargo_id,
                "driver_id": self.driver_id, "kind": self.kind, "label": REPORT_KINDS.get(self.kind, self.kind),
                "comment": self.comment, "updated_at": self.updated_at, "hidden": self.hidden,
                "hidden_reason": self.hidden_reason, "hidden_by": self.hidden_by}


class ReportDesk:
    def __init__(self, database: Database, reports: Reports) -> None:
        self._db = database
        self._reports = reports

    async def recent(self, inn: str | None = None, limit: int = 50) -> list[ReportLine]:
        """Newest first, at most `limit` (1–MAX_LISTING), optionally of one company."""
        if not 1 <= limit <= MAX_LISTING:
            raise InvalidInput("Проверьте параметры", fields={"limit": f"от 1 до {MAX_LISTING}"})
        if inn is not None and not re.fullmatch(r"[0-9]{1,16}", inn):
            raise InvalidInput("Проверьте параметры", fields={"inn": "ИНН — цифры, до 16"})
        rows = await self._reports.listing(inn, limit)
        names = await self._db.run(lambda: self._names(rows))
        return [self._line(row, names) for row in rows]

    async def hide(self, report_id: int, reason: object, actor: str) -> ReportLine:
        if reason is not None and not isinstance(reason, str):
            raise InvalidInput("Проверьте поля", fields={"reason": "Ожидался текст"})
        text = (reason or "").strip()
        if not text:
            raise ReasonRequired("Укажите причину — она попадёт в журнал", fields={"reason": "Обязательное поле"})
        if len(text) > MAX_REASON:
            raise InvalidInput("Проверьте поля", fields={"reason": f"Не длиннее {MAX_REASON} символов"})
        if not 1 <= report_id <= 2**31 - 1 or await self._db.run(
                lambda: DriverReport.get_or_none(DriverReport.id == report_id)) is None:
            raise NotFound("Отзыв не найден")
        row = await self._reports.hide(report_id, text, actor)
        names = await self._db.run(lambda: self._names([row]))
        return self._line(row, names)

    @staticmethod
    def _names(rows: list[DriverReport]) -> dict[tuple[int, str] | str, str]:
        """Company names by (driver, load) — the report's own trip — and by INN as a fallback.
        Runs in a database thread."""
        if not rows:
            return {}
        inns = sorted({inn for r in rows for inn in (r.inn, r.shipper_inn) if inn})
        names: dict[tuple[int, str] | tuple[int, str, str] | str, str] = {}
        trips = (Trip.select(Trip.driver_id, Trip.cargo_id, Trip.inn, Trip.company_name, Trip.shipper_inn,
                             Trip.shipper_name)
                 .where(Trip.inn.in_(inns) | Trip.shipper_inn.in_(inns)).order_by(Trip.id))
        for driver_id, cargo_id, inn, name, shipper_inn, shipper_name in trips.tuples():
            for side_inn, side_name in ((inn, name), (shipper_inn, shipper_name)):
                if side_inn and side_name:
                    names[(driver_id, cargo_id, side_inn)] = side_name
                    names[side_inn] = side_name  # the latest trip's name wins
        return names

    @staticmethod
    def _line(row: DriverReport, names: dict) -> ReportLine:
        return ReportLine(
            id=row.id, inn=row.inn, company=names.get((row.driver_id, row.cargo_id, row.inn)) or names.get(row.inn),
            shipper_inn=row.shipper_inn,
            shipper=(names.get((row.driver_id, row.cargo_id, row.shipper_inn)) or names.get(row.shipper_inn)
                     if row.shipper_inn else None),
            cargo_id=row.cargo_id, driver_id=row.driver_id, kind=row.kind, comment=(row.comment or "")[:MAX_COMMENT] or None,
            updated_at=row.updated_at.astimezone(MOSCOW).isoformat(), hidden=row.hidden_at is not None,
            hidden_reason=row.hidden_reason, hidden_by=row.hidden_by)
