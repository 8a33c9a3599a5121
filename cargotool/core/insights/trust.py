"""Who the shipper is: how many of our drivers worked with a company (by INN) and what they reported.

A load names up to two companies: `company` (who posted it, often a broker; the list knows only this one)
and the detail's `shipper` (whose cargo it is). A trip and a report belong to both: a figure for an INN
counts every trip and report where it was either, once.

Work is an accepted response (copied into `insight_trips` by `TripBook.sync`). After one, the driver may
report «не заплатили / задержали оплату», «груза не было» or «условия изменили» (one report per driver
and load, editable, deletable by them, with an optional comment). Others see only aggregates: counts per
kind with the last date, never a comment or who wrote it; the number of drivers who worked with a
company shows from `MIN_DRIVERS` on. Operators can hide an abusive report (audited).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from typing import Callable, Iterable


from ..audit import AuditLog
from ..clock import MOSCOW
from ..errors import Forbidden, InvalidInput, NotFound
from ..storage.db import Database
from ..storage.models import Response, utcnow
from .models import DriverReport, ForgottenResponse, Trip, companies_of

REPORT_KINDS = {"not_paid": "не заплатили / задержали оплату", "no_cargo": "груза не было",
                "terms_changed": "условия изменили"}
MIN_DRIVERS = 3
MAX_COMMENT = 1000


def address_key(address: str | None) -> str | None:
    """`г. Казань, ул. Складская, д. 5` and `Казань ул Складская 5` are the same dock."""
    if not address:
        return None
    text = address.lower().replace("ё", "е")
    text = re.sub(r"\b(г|ул|д|дом|стр|корп|обл|р-н|пр-т|пр|пер|ш|мкр|пос|с)\.?(?=\s|$|,)", " ", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())[:255] or None


def _end_of(value: str | None) -> dt.datetime | None:
    """The end of a window given as a Moscow date or datetime (ISO)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(23, 59), MOSCOW).astimezone(dt.timezone.utc)
        moment = dt.datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=MOSCOW)).astimezone(dt.timezone.utc)
    except ValueError:
        return None


class TripBook:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def sync(self) -> int:
        """Copy accepted responses not yet known; return how many were added."""
        def work() -> int:
            known = Trip.select(Trip.response_id).where(Trip.response_id.is_null(False))
            forgotten = ForgottenResponse.select(ForgottenResponse.response_id)
            rows = list(Response.select().where((Response.status == "accepted") & Response.id.not_in(known)
                                                & Response.id.not_in(forgotten)))
            for row in rows:
                card = json.loads(row.cargo or "{}")
                start, finish, company = card.get("from") or {}, card.get("to") or {}, card.get("company") or {}
                shipper = card.get("shipper") or {}
                inn = company.get("inn") or None
                shipper_inn = shipper.get("inn") if shipper.get("inn") and shipper.get("inn") != inn else None
                Trip.insert(
                    response_id=row.id, driver_id=row.driver_id, cargo_id=row.cargo_id,
                    inn=inn, company_name=company.get("name"),
                    shipper_inn=shipper_inn, shipper_name=shipper.get("name") if shipper_inn else None,
                    from_city=start.get("city"), to_city=finish.get("city"),
                    from_address_key=address_key(start.get("address")), to_address_key=address_key(finish.get("address")),
                    loading_until=_end_of(start.get("to") or start.get("from")),
                    unloading_until=_end_of(finish.get("to") or finish.get("from")),
                    accepted_at=row.decided_at or row.updated_at,
                ).on_conflict_ignore().execute()
            return len(rows)

        return await self._db.run(work)

    async def of_driver(self, driver_id: int, cargo_id: str) -> Trip | None:
        await self.sync()
        return await self._db.run(lambda: Trip.select().where((Trip.driver_id == driver_id) & (Trip.cargo_id == cargo_id))
                                  .order_by(Trip.id.desc()).first())


class Reports:
    def __init__(self, database: Database, trips: TripBook, audit: AuditLog,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self._db = database
        self._trips = trips
        self._audit = audit
        self.on_change = on_change  # told after a report is created, edited, deleted or hidden

    async def submit(self, driver_id: int, cargo_id: str, body: object) -> tuple[DriverReport, bool]:
        if not isinstance(body, dict):
            raise InvalidInput("Выберите, что случилось", fields={"kind": "Обязательное поле"})
        kind, comment = body.get("kind"), body.get("comment")
        fields = {}
        if kind not in REPORT_KINDS:
            fields["kind"] = "Допустимо: " + ", ".join(REPORT_KINDS)
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            fields["comment"] = f"Текст до {MAX_COMMENT} символов"
        if fields:
            raise InvalidInput("Проверьте отзыв", fields=fields)
        trip = await self._trips.of_driver(driver_id, cargo_id)
        if trip is None:
            raise Forbidden("Отзыв можно оставить после принятого отклика на этот груз")
        if not trip.inn and not trip.shipper_inn:
            raise InvalidInput("У этого груза нет ИНН компании — отзыв не к кому привязать", fields={"cargo_id": "Нет ИНН"})
        inn, shipper_inn = (trip.inn, trip.shipper_inn) if trip.inn else (trip.shipper_inn, None)
        text = comment.strip() or None if isinstance(comment, str) else None
        now = utcnow()

        def work() -> tuple[DriverReport, bool]:
            with self._db.write_transaction():
                row = DriverReport.get_or_none((DriverReport.driver_id == driver_id) & (DriverReport.cargo_id == cargo_id))
                if row is None:
                    return DriverReport.create(driver_id=driver_id, cargo_id=cargo_id, inn=inn, shipper_inn=shipper_inn,
                                               kind=kind, comment=text, created_at=now, updated_at=now), True
                DriverReport.update(kind=kind, comment=text, updated_at=now).where(DriverReport.id == row.id).execute()
                return DriverReport.get_by_id(row.id), False

        report, created = await self._db.run(work)
        self.on_change()
        await self._audit.record(f"driver:{driver_id}", "report.create" if created else "report.update",
                                 target=f"inn:{inn}", details={"cargo_id": cargo_id, "kind": kind, "shipper_inn": shipper_inn})
        return report, created

    async def mine(self, driver_id: int, cargo_id: str) -> DriverReport | None:
        return await self._db.run(lambda: DriverReport.get_or_none(
            (DriverReport.driver_id == driver_id) & (DriverReport.cargo_id == cargo_id)))

    async def delete(self, driver_id: int, cargo_id: str) -> None:
        deleted = await self._db.run(lambda: DriverReport.delete().where(
            (DriverReport.driver_id == driver_id) & (DriverReport.cargo_id == cargo_id)).execute())
        if not deleted:
            raise NotFound("Отзыва нет")
        self.on_change()
        await self._audit.record(f"driver:{driver_id}", "report.delete", target=f"cargo:{cargo_id}")

    async def hide(self, report_id: int, reason: str, actor: str) -> DriverReport:
        if not reason.strip():
            raise InvalidInput("a reason is required", fields={"reason": "required"})
        row = await self._db.run(lambda: DriverReport.get_or_none(DriverReport.id == report_id))
        if row is None:
            raise NotFound(f"report {report_id} not found")
        await self._db.run(lambda: DriverReport.update(hidden_at=utcnow(), hidden_by=actor, hidden_reason=reason.strip())
                           .where(DriverReport.id == report_id).execute())
        self.on_change()
        await self._audit.record(actor, "report.hide", target=f"report:{report_id}",
                                 details={"inn": row.inn, "kind": row.kind, "reason": reason.strip()})
        return await self._db.run(lambda: DriverReport.get_by_id(report_id))

    async def listing(self, inn: str | None = None, limit: int = 50) -> list[DriverReport]:
        def work() -> list[DriverReport]:
            query = DriverReport.select().order_by(DriverReport.id.desc()).limit(limit)
            return list(query.where((DriverReport.inn == inn) | (DriverReport.shipper_inn == inn)) if inn else query)

        return await self._db.run(work)

    async def summaries(self, inns: Iterable[str]) -> dict[str, dict]:
        inns = list(inns)
        return await self._db.run(lambda: self.summaries_now(inns))

    @staticmethod
    def summaries_now(inns: Iterable[str]) -> dict[str, dict]:
        """Per INN: drivers who worked with it (from MIN_DRIVERS on) and visible reports per kind.
        Runs in a database thread (see Database.run)."""
        wanted = sorted({i for i in inns if i})
        if not wanted:
            return {}
        drivers_of: dict[str, set[int]] = defaultdict(set)
        for inn, shipper_inn, driver in (Trip.select(Trip.inn, Trip.shipper_inn, Trip.driver_id)
                                         .where(Trip.inn.in_(wanted) | Trip.shipper_inn.in_(wanted)).tuples()):
            for side in companies_of(inn, shipper_inn):
                drivers_of[side].add(driver)
        reports = list(DriverReport.select(DriverReport.inn, DriverReport.shipper_inn, DriverReport.kind,
                                           DriverReport.updated_at)
                       .where((DriverReport.inn.in_(wanted) | DriverReport.shipper_inn.in_(wanted))
                              & DriverReport.hidden_at.is_null()).tuples())
        by_inn: dict[str, dict[str, list[dt.datetime]]] = defaultdict(lambda: defaultdict(list))
        for inn, shipper_inn, kind, when in reports:
            for side in companies_of(inn, shipper_inn):
                by_inn[side][kind].append(when)
        result = {}
        for inn in wanted:
            worked = len(drivers_of.get(inn, ()))
            kinds = [{"kind": kind, "label": REPORT_KINDS[kind], "count": len(dates),
                      "last_at": max(dates).astimezone(MOSCOW).date().isoformat()}
                     for kind, dates in sorted(by_inn[inn].items()) if kind in REPORT_KINDS]
            total = sum(k["count"] for k in kinds)
            result[inn] = {"drivers_worked": worked if worked >= MIN_DRIVERS else None,
                           "drivers_worked_text": (f"наши водители работали с ней: {worked}" if worked >= MIN_DRIVERS
                                                   else f"наших водителей меньше {MIN_DRIVERS}" if worked else
                                                   "наши водители с ней не работали"),
                           "reports": kinds, "reports_total": total, "flagged": total > 0}
        return result


def public_report(report: DriverReport | None) -> dict | None:
    """The driver's own report, for them only."""
    if report is None:
        return None
    return {"id": report.id, "kind": report.kind, "label": REPORT_KINDS.get(report.kind), "comment": report.comment,
            "hidden": report.hidden_at is not None, "updated_at": report.updated_at.isoformat()}
