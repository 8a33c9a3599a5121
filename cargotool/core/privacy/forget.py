"""«Удалить мои данные» / `/forget_me`: what goes, what stays and why, in one place.

Goes: the position (the Mini App's and the bot's live location), fuel figures, saved searches with their alerts
and switches, favourites and hidden loads and companies, sessions, consents, the phone and comments given with responses, contacts for receipts, the name
and username, which /paysupport messages were theirs, the IP addresses in the audit log. Reports and trips lose
their author, comment, load and response: they are moved to a random negative pseudonym (the same for all of the
driver's reports and trips, so "how many drivers" counts stay right) and keep only what the company figures
count, so no join from them leads to the driver's responses.
Stays: payment records and the subscription (accounting law), responses as the carrier's record of work (without
phone and comment), the audit log without IPs (it gets an entry for this), and the messages already sent to the
carrier's dispatcher chat (that history is the carrier's; a bot cannot reliably delete it). Each owner deletes its own data; this
module only calls them in order and says what it did.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ..audit import AuditLog
from ..insights.models import DriverReport, ForgottenResponse, Trip
from ..storage.db import Database
from ..storage.forgotten import unlink_forgotten
from ..storage.models import AuditEvent, DriverRecord, ReceiptContact, Response
from .consent import Consents

DELETED = (
    "местоположение (из приложения и трансляция в чате)",
    "расход топлива",
    "домашний город для «Домой»",
    "сохранённые поиски, уведомления по ним и настройки уведомлений",
    "сессии приложения — войти придётся заново",
    "ваши согласия на использование местоположения",
    "телефон и комментарии в откликах, контакты для чеков",
    "имя и username из Telegram",
    "авторство отзывов о компаниях и поездок: у них больше нет ни автора, ни груза, ни отклика",
    "IP-адреса в журнале действий и то, о какой компании были ваши отзывы",
    "связь ваших вопросов об оплате с вами: ответ оператора на них к вам больше не придёт",
    "избранные грузы, скрытые грузы и скрытые компании",
    "где и с какого дня вы свободны («Свободен с…»)",
)
KEPT = (
    {"what": "Записи о платежах и подписка",
     "why": "Закон о бухгалтерском учёте (402-ФЗ, ст. 29) требует хранить их не меньше 5 лет; оплаченная подписка "
            "продолжает действовать."},
    {"what": "Отклики на грузы (груз, ставка, статус)",
     "why": "Это история работы с перевозчиком; телефон и комментарий из них стёрты."},
    {"what": "Обезличенные отзывы о компаниях и ответы о простое",
     "why": "Остаются в общем счёте по компании и адресу погрузки или выгрузки — без автора, комментария, груза "
            "и отклика."},
    {"what": "Журнал действий",
     "why": "Запись о входах, платежах и этом удалении (без IP-адресов) нужна для разбора споров и безопасности "
            "сервиса."},
    {"what": "Сообщения, уже отправленные в чат диспетчеров перевозчика",
     "why": "Это ваши отклики с телефоном и вопросы об оплате. История этого чата принадлежит перевозчику, и бот "
            "не может надёжно удалить её копии."},
)


@dataclass
class Forgotten:
    counts: dict[str, int] = field(default_factory=dict)

    def public(self) -> dict:
        return {"deleted": list(DELETED), "kept": [dict(k) for k in KEPT],
                "message": "Ваши данные удалены. Записи о платежах остаются: их хранения требует закон о "
                           "бухгалтерском учёте."}


def bot_text(contact: str) -> str:
    kept = "\n".join(f"• {k['what']}: {k['why']}" for k in KEPT)
    return "Готово, ваши данные удалены:\n" + "\n".join(f"• {d}" for d in DELETED) + \
        "\n\nОстаётся:\n" + kept + f"\n\nВопросы о ваших данных: {contact}."


def _pseudonym() -> int:
    return -(secrets.randbelow(2**62) + 1)  # negative: never a Telegram id


class Forgetter:
    def __init__(self, *, database: Database, audit: AuditLog, consents: Consents, profiles, positions, searches,
                 alerter, sessions, reports, paysupport, shortlist=None, driving=None, availability=None) -> None:
        """`profiles.delete_row`, `positions.erase` (live location), `searches.forget_driver`, `alerter.forget`,
        `sessions.delete_driver`, `reports.on_change`, `paysupport.forget`, `shortlist.forget` (favourites, hidden
        loads and companies), `driving.forget` (the hours driven today), `availability.forget` («Свободен с…») — each
        owner forgets its own part."""
        self._db = database
        self._audit = audit
        self._consents = consents
        self._profiles = profiles
        self._positions = positions
        self._searches = searches
        self._alerter = alerter
        self._sessions = sessions
        self._reports = reports
        self._paysupport = paysupport
        self._shortlist = shortlist
        self._driving = driving
        self._availability = availability

    async def forget(self, driver_id: int, via: str) -> Forgotten:
        done = Forgotten()
        done.counts["profile"] = int(await self._profiles.delete_row(driver_id))
        await self._positions.erase(driver_id)
        if self._driving is not None:
            await self._driving.forget(driver_id)
        if self._availability is not None:  # before the searches: its system search goes with it
            done.counts["availability"] = await self._availability.forget(driver_id)
        done.counts["searches"] = await self._searches.forget_driver(driver_id)
        await self._alerter.forget(driver_id)
        done.counts["consents"] = await self._consents.forget(driver_id)
        done.counts.update(await self._db.run(lambda: self._rows(driver_id)))
        self._reports.on_change()
        done.counts["sessions"] = await self._sessions.delete_driver(driver_id)
        done.counts["paysupport_threads"] = await self._paysupport.forget(driver_id)
        if self._shortlist is not None:
            done.counts["shortlist"] = await self._shortlist.forget(driver_id)
        await self._audit.record(f"driver:{driver_id}", "privacy.forget", target=f"driver:{driver_id}",
                                 details={"via": via, **done.counts})
        return done

    def _rows(self, driver_id: int) -> dict[str, int]:
        """Reports and trips keep what the company figures count (INNs, report kinds and dates, dock waits and
        their addresses) under a pseudonym; every link back to the driver's responses goes: the response id,
        the load, and the trip's times copied from the response and its card."""
        pseudonym = _pseudonym()
        with self._db.write_transaction():
            ForgottenResponse.insert_many(
                [{"response_id": r.id} for r in Response.select(Response.id).where(
                    (Response.driver == driver_id) & (Response.status == "accepted"))]
            ).on_conflict_ignore().execute()
            reports = DriverReport.update(driver_id=pseudonym).where(DriverReport.driver_id == driver_id).execute()
            trips = Trip.update(driver_id=pseudonym).where(Trip.driver_id == driver_id).execute()
            unlink_forgotten(self._db.peewee, pseudonym)
            responses = (Response.update(phone=None, comment=None)
                         .where(Response.driver == driver_id).execute())
            ReceiptContact.delete().where(ReceiptContact.driver == driver_id).execute()
            DriverRecord.update(first_name="", last_name=None, username=None).where(
                DriverRecord.telegram_id == driver_id).execute()
            actor = f"driver:{driver_id}"
            # the journal keeps what the driver did and when, but not from which address, nor whom they reported
            AuditEvent.update(ip=None).where(AuditEvent.actor == actor).execute()
            AuditEvent.update(target=None, details="{}").where(
                (AuditEvent.actor == actor) & AuditEvent.action.startswith("report.")).execute()
        return {"reports": reports, "trips": trips, "responses": responses}
