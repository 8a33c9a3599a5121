"""Privacy (issue 19, item 2): the policy page and `/privacy`, consent before a position is used (API and the
bot's live location), and forgetting a driver (`DELETE /api/me`, `/forget_me`): what goes, what stays.
Real Redis and SQLite, the CargoTech and Bot API stand-ins."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from cargotool.core.alerts.location import LocationStore
from cargotool.core.insights.models import DriverInsightProfile, DriverReport, Trip
from cargotool.core.insights.trust import Reports
from cargotool.core.insights.waits import WaitBook
from cargotool.core.privacy.models import ConsentAnswer
from cargotool.core.privacy.policy import policy_from
from cargotool.core.storage.models import (AlertDelivery, AlertPrefs, AuditEvent, DriverRecord, Payment,
                                           ReceiptContact, Response, SavedSearch, Subscription, utcnow)
from tests.integration import test_responses_bot as bot_tests
from tests.integration.privacy_helpers import allow_position
from tests.integration.test_insights_trust import accepted
from tests.integration.test_responses_bot import cargo_of, deliver, respond, session

telegram = bot_tests.telegram
app = bot_tests.app
DRIVER = 4101
OPERATOR = {"operator_name": "ИП Петров Пётр Петрович", "operator_inn": "771234567890",
            "privacy_contact": "privacy@gruz.example.ru"}


@pytest.fixture
def bot_settings(settings):
    return settings.replace(outbox_enabled="off", webapp_url="https://app.example.ru", **OPERATOR)


# ---- the policy ----------------------------------------------------------------------------------------

async def test_the_policy_page_names_the_operator_every_category_and_its_retention(app):
    _, response = await app.asgi_client.get("/privacy")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="ru">' in page and "Политика конфиденциальности" in page and "152-ФЗ" in page
    for value in OPERATOR.values():
        assert value in page
    policy = policy_from(app.ctx.services.settings)
    names = {c.key for c in policy.categories}
    assert {"telegram", "phone", "position", "live_location", "fuel", "reports", "payments", "sessions",
            "searches", "device"} <= names
    from html import escape
    for category in policy.categories:
        for text in (category.name, category.what, category.why, category.kept, category.on_forget):
            assert escape(text) in page, text
    assert "402-ФЗ" in page and "24 часа" in page  # payments' legal term; the session's SESSION_TTL
    for right in ("исправить", "отозвать согласие", "удалить свои данные", "Роскомнадзор"):
        assert right in page
    assert 'name="viewport"' in page  # readable on a phone


async def test_the_policy_names_ip_addresses_the_dispatcher_chat_and_an_id_that_is_not_a_phone(app):
    policy = policy_from(app.ctx.services.settings)
    by_key = {c.key: c for c in policy.categories}
    assert "идентификатор (id)" in by_key["telegram"].what and "номер (id)" not in by_key["telegram"].what
    journal = by_key["sessions"]
    assert "IP-адрес" in journal.what and "IP-адреса в нём — пока вы не удалите свои данные" in journal.kept
    assert "стираются IP-адреса" in journal.on_forget
    [chat] = [r for r in policy.recipients if "чат диспетчеров" in r]
    assert "/paysupport" in chat and "остаётся у перевозчика" in chat
    assert "остаются у перевозчика" in by_key["paysupport"].on_forget and "30 дней" in by_key["paysupport"].kept
    assert "груз и отклик удаляются" in by_key["reports"].on_forget
    [withdraw] = [r for r in policy.rights if r.startswith("отозвать согласие")]
    assert "/forget_location" in withdraw and "без нового разрешения" in withdraw


async def test_the_policy_without_operator_settings_says_so_and_never_names_a_variable(settings):
    from cargotool.server.privacy import render_policy

    page = render_policy(policy_from(settings))
    assert "не указан" in page and "OPERATOR_" not in page and "PRIVACY_CONTACT" not in page


async def test_privacy_in_the_bot_links_the_page(app, telegram):
    await app.ctx.services.bot.handle({"update_id": 1, "message": {
        "message_id": 5, "text": "/privacy", "chat": {"id": DRIVER, "type": "private"}}})
    await deliver(app)
    [sent] = telegram.sent("sendMessage", DRIVER)
    assert "https://app.example.ru/privacy" in sent.params["text"] and OPERATOR["operator_name"] in sent.params["text"]
    assert OPERATOR["privacy_contact"] in sent.params["text"] and "/forget_me" in sent.params["text"]
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://app.example.ru/privacy"


# ---- consent ---------------------------------------------------------------------------------------------

async def test_a_position_is_refused_until_the_driver_consents_and_the_answer_is_kept_with_its_time(app):
    headers = await session(app, DRIVER)
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)
    assert response.status == 409 and response.json["error"]["code"] == "consent_required"
    _, response = await app.asgi_client.put("/api/me/consent", json={"kind": "position", "answer": False}, headers=headers)
    assert response.status == 200 and response.json["answer"] is False
    _, response = await app.asgi_client.put("/api/me/position", json={"point_id": 3, "name": "Казань"}, headers=headers)
    assert response.status == 409  # "no" is no
    rows = await app.ctx.services.database.run(lambda: DriverInsightProfile.select().count())
    assert rows == 0  # nothing stored before consent

    before = utcnow()
    _, response = await app.asgi_client.put("/api/me/consent", json={"kind": "position", "answer": True}, headers=headers)
    assert response.status == 200
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)
    assert response.status == 200 and response.json["position"]["source"] == "device"
    _, response = await app.asgi_client.get("/api/me/consent", headers=headers)
    answer = response.json["position"]["answer"]
    assert answer["answer"] is True and answer["via"] == "app" and answer["at"] >= before.isoformat()[:19]
    assert "порожний пробег" in response.json["position"]["purpose"] and response.json["live_location"]["answer"] is None
    history = await app.ctx.services.database.run(lambda: [(r.answer, r.answered_at) for r in ConsentAnswer.select()
                                                            .where(ConsentAnswer.driver_id == DRIVER).order_by(ConsentAnswer.id)])
    assert [a for a, _ in history] == [False, True] and history[0][1] <= history[1][1]


@pytest.mark.parametrize("body, field", [({"kind": "mood", "answer": True}, "kind"),
                                         ({"kind": "position", "answer": "да"}, "answer")])
async def test_a_bad_consent_is_a_field_error(app, body, field):
    headers = await session(app, DRIVER)
    _, response = await app.asgi_client.put("/api/me/consent", json=body, headers=headers)
    assert response.status == 400 and field in response.json["error"]["fields"]


def live(update_id, lat, lon, at, edited=True):
    message = {"message_id": 88, "date": int(at) - 60, "chat": {"id": DRIVER, "type": "private"},
               "location": {"latitude": lat, "longitude": lon, "live_period": 3600}}
    if edited:
        message["edit_date"] = int(at)
    return {"update_id": update_id, "edited_message" if edited else "message": message}


async def test_the_bot_asks_before_using_a_live_location_once_per_share(app, telegram):
    services = app.ctx.services
    now = time.time()
    await services.bot.handle(live(1, 55.70, 37.60, now, edited=False))
    await services.bot.handle(live(2, 55.70, 37.61, now + 30))  # the same share keeps moving
    assert await services.alerter.locations.latest(DRIVER) is None  # not used before consent
    await deliver(app)
    [question] = telegram.sent("sendMessage", DRIVER)  # asked once for this share
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "https://app.example.ru/privacy" in question.params["text"] and "копим уведомления" in question.params["text"]
    assert [b.get("callback_data") for b in buttons][:2] == ["cs:live:y", "cs:live:n"]
    assert buttons[2]["url"] == "https://app.example.ru/privacy"

    await services.bot.handle({"update_id": 3, "callback_query": {"id": "q1", "data": "cs:live:y", "from": {"id": DRIVER},
                                                                  "message": {"message_id": 1001, "chat": {"id": DRIVER}}}})
    assert [c.params["text"] for c in telegram.sent("answerCallbackQuery")] == ["Спасибо, записали"]
    await services.bot.handle(live(4, 55.71, 37.62, now + 60))
    assert (await services.alerter.locations.latest(DRIVER))[:2] == (55.71, 37.62)
    row = await services.database.run(lambda: ConsentAnswer.get(ConsentAnswer.driver_id == DRIVER))
    assert (row.kind, row.answer, row.via) == ("live_location", True, "bot") and row.answered_at is not None


async def latest_consents(app, headers) -> dict:
    _, response = await app.asgi_client.get("/api/me/consent", headers=headers)
    return {kind: (view["answer"]["answer"], view["answer"]["via"]) if view["answer"] else None
            for kind, view in response.json.items()}


async def with_both_positions(app) -> tuple[dict, float]:
    """A driver who allowed both kinds, set a position in the Mini App and shares a live location in the bot."""
    headers = await session(app, DRIVER)
    await allow_position(app, headers["Authorization"].split()[1])
    await app.ctx.services.consents.answer(DRIVER, "live_location", True, via="bot")
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)
    assert response.status == 200, response.text
    now = time.time()
    await app.ctx.services.bot.handle(live(1, 55.70, 37.60, now, edited=False))
    assert await app.ctx.services.alerter.locations.latest(DRIVER) is not None
    return headers, now


async def test_a_no_erases_the_stored_position_and_live_location_on_the_server(app):
    services = app.ctx.services
    headers, _ = await with_both_positions(app)

    _, response = await app.asgi_client.put("/api/me/consent", json={"kind": "position", "answer": False}, headers=headers)
    assert response.status == 200
    row = await services.database.run(lambda: DriverInsightProfile.get_by_id(DRIVER))
    assert (row.lat, row.lon, row.position_source, row.position_at) == (None, None, None, None)
    assert await services.alerter.locations.latest(DRIVER) is not None  # the other kind keeps its own answer
    await services.consents.answer(DRIVER, "live_location", False, via="bot")
    assert await services.alerter.locations.latest(DRIVER) is None
    _, response = await app.asgi_client.get("/api/me/insights", headers=headers)
    assert response.json["position"] is None


async def test_forget_location_in_the_app_withdraws_both_consents(app, telegram):
    services = app.ctx.services
    headers, now = await with_both_positions(app)

    _, response = await app.asgi_client.delete("/api/me/position", headers=headers)
    assert response.status == 200 and response.json["position"] is None
    assert await latest_consents(app, headers) == {"position": (False, "app"), "live_location": (False, "app")}
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)
    assert response.status == 409  # asked again before the next position is used
    await services.bot.handle(live(2, 55.71, 37.61, now + 300, edited=False))  # a new share
    assert await services.alerter.locations.latest(DRIVER) is None
    await deliver(app)
    assert "Можно ли её использовать?" in telegram.sent("sendMessage", DRIVER)[-1].params["text"]


async def test_forget_location_in_the_bot_withdraws_consent_and_the_next_share_is_asked_about(app, telegram):
    services = app.ctx.services
    headers = await session(app, DRIVER)
    await services.consents.answer(DRIVER, "live_location", True, via="bot")
    now = time.time()
    await services.bot.handle(live(1, 55.70, 37.60, now, edited=False))
    assert await services.alerter.locations.latest(DRIVER) is not None

    await services.bot.handle({"update_id": 2, "message": {"message_id": 6, "text": "/forget_location",
                                                           "chat": {"id": DRIVER, "type": "private"}}})
    await deliver(app)
    reply = telegram.sent("sendMessage", DRIVER)[-1].params["text"]
    assert reply.startswith("Геопозицию забыл") and "Разрешение отозвано" in reply
    assert await services.alerter.locations.latest(DRIVER) is None
    assert await latest_consents(app, headers) == {"position": (False, "bot"), "live_location": (False, "bot")}
    await services.bot.handle(live(3, 55.71, 37.61, now + 300, edited=False))  # a new share
    assert await services.alerter.locations.latest(DRIVER) is None
    await deliver(app)
    assert "Можно ли её использовать?" in telegram.sent("sendMessage", DRIVER)[-1].params["text"]


# ---- forgetting ------------------------------------------------------------------------------------------

async def seed_everything(app, standin, headers):
    """A driver with every kind of data: position, live location, fuel, a search with alerts, quiet hours, a
    response with a phone, an accepted load with a report, a payment with a receipt contact."""
    services = app.ctx.services
    await allow_position(app, headers["Authorization"].split()[1])
    await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)
    await app.asgi_client.put("/api/me/fuel", json={"l_per_100km": 31, "price_rub": 68}, headers=headers)
    await services.consents.answer(DRIVER, "live_location", True, via="bot")
    now = time.time()
    await LocationStore(services.redis, services.keys).update(DRIVER, 55.7, 37.6, at=now, live_until=now + 600)
    _, response = await app.asgi_client.post("/api/searches", json={"name": "Казань", "filters": {"from": "3"}}, headers=headers)
    assert response.status == 201, response.text
    await services.alerter.set_quiet_hours(DRIVER, "23:00-06:00")
    await services.alerter.mute(DRIVER, 3600)
    cargo_id = await accepted(app, standin, 7, headers)
    await respond(app, headers, cargo_of(standin, 8), phone="8 (911) 222-33-44", comment="Могу завтра")
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json={"kind": "not_paid", "comment": "Иван, 8-911"},
                                            headers=headers)
    assert response.status == 201, response.text

    def money() -> None:
        Payment.create(id=str(uuid.uuid4()), driver=DRIVER, plan_id="1m", days=30, amount_kopecks=49900, status="succeeded")
        Subscription.create(driver=DRIVER, expires_at=utcnow(), source="payment")
        ReceiptContact.create(driver=DRIVER, email="ivan@example.ru", phone="+79112223344")
        AlertDelivery.create(driver_id=DRIVER, cargo_id="42")

    await services.database.run(money)
    return cargo_id


MIDDAY = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone.utc).timestamp()  # 12:00 in Moscow


async def test_forget_me_deletes_what_goes_keeps_payments_and_says_why(app, standin):
    services = app.ctx.services
    headers = await session(app, DRIVER, first_name="Иван", username="ivan_driver")
    cargo_id = await seed_everything(app, standin, headers)
    inn = standin.dataset.cargos[7]["company"]["inn"]
    before = (await services.insights.reports.summaries([inn]))[inn]["reports_total"]

    report_id = await services.database.run(lambda: DriverReport.get(DriverReport.cargo_id == cargo_id).id)
    trip_id = await services.database.run(lambda: Trip.get(Trip.cargo_id == cargo_id).id)
    _, response = await app.asgi_client.delete("/api/me", headers=headers)
    assert response.status == 200, response.text
    body = response.json
    assert any("местоположение" in d for d in body["deleted"]) and any("поиски" in d for d in body["deleted"])
    [chat] = [k for k in body["kept"] if "чат диспетчеров" in k["what"]]  # what was sent there stays the carrier's
    assert "перевозчик" in chat["why"]
    [payments] = [k for k in body["kept"] if "платеж" in k["what"]]
    assert "402-ФЗ" in payments["why"] and "бухгалтерском учёте" in body["message"]

    # gone: position, fuel, live location, searches and their alerts, switches, consents, sessions, contacts
    assert await services.alerter.locations.latest(DRIVER) is None
    db = services.database
    assert await db.run(lambda: DriverInsightProfile.select().where(DriverInsightProfile.driver_id == DRIVER).count()) == 0
    assert await db.run(lambda: SavedSearch.select().where(SavedSearch.driver_id == DRIVER).count()) == 0
    assert await db.run(lambda: AlertDelivery.select().where(AlertDelivery.driver_id == DRIVER).count()) == 0
    assert await db.run(lambda: AlertPrefs.select().where(AlertPrefs.driver_id == DRIVER).count()) == 0
    services.alerter.clock = lambda: MIDDAY  # outside the default quiet hours, whatever the time of the run
    assert await services.alerter.hold_reason(DRIVER) is None  # the mute went too
    assert await db.run(lambda: ConsentAnswer.select().where(ConsentAnswer.driver_id == DRIVER).count()) == 0
    assert await db.run(lambda: ReceiptContact.select().where(ReceiptContact.driver == DRIVER).count()) == 0
    _, response = await app.asgi_client.get("/api/me/insights", headers=headers)
    assert response.status == 401  # the session ended
    record = await db.run(lambda: DriverRecord.get_by_id(DRIVER))
    assert (record.first_name, record.last_name, record.username) == ("", None, None)
    responses = await db.run(lambda: list(Response.select().where(Response.driver == DRIVER)))
    assert len(responses) == 2 and all(r.phone is None and r.comment is None for r in responses)

    # reports lose their author (and comment); the company's counts stay
    report = await db.run(lambda: DriverReport.get_by_id(report_id))
    trip = await db.run(lambda: Trip.get_by_id(trip_id))
    assert report.driver_id < 0 and report.driver_id == trip.driver_id and report.comment is None
    assert report.cargo_id is None and trip.cargo_id is None and trip.response_id is None
    assert (await services.insights.reports.summaries([inn]))[inn]["reports_total"] == before

    # kept: payments and the subscription
    assert await db.run(lambda: Payment.select().where(Payment.driver == DRIVER).count()) == 1
    assert await db.run(lambda: Subscription.select().where(Subscription.driver == DRIVER).count()) == 1
    [event] = await services.audit.tail(action="privacy.forget")
    assert event.actor == f"driver:{DRIVER}" and '"via": "app"' in event.details and "ivan" not in event.details

    # a second login is a new driver: nothing of theirs, and consent is asked again
    headers = await session(app, DRIVER, first_name="Иван", username="ivan_driver")
    _, response = await app.asgi_client.get("/api/me/insights", headers=headers)
    assert response.status == 200 and response.json == {"position": None, "fuel": None, "truck": None}
    _, response = await app.asgi_client.get("/api/searches", headers=headers)
    assert response.json["items"] == []
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)
    assert response.status == 409
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo_id}/report", headers=headers)
    assert response.json["report"] is None  # no longer theirs


async def test_forget_me_in_the_bot_asks_first_and_says_what_stays(app, standin, telegram):
    services = app.ctx.services
    headers = await session(app, DRIVER)
    await allow_position(app, headers["Authorization"].split()[1])
    await app.asgi_client.put("/api/me/position", json={"lat": 55.79, "lon": 49.1}, headers=headers)

    def press(update_id, data, presser=DRIVER):
        return {"update_id": update_id, "callback_query": {"id": f"q{update_id}", "data": data, "from": {"id": presser},
                                                           "message": {"message_id": 1001, "chat": {"id": DRIVER, "type": "private"}}}}

    await services.bot.handle({"update_id": 1, "message": {"message_id": 5, "text": "/forget_me",
                                                           "chat": {"id": DRIVER, "type": "private"}}})
    await deliver(app)
    [question] = telegram.sent("sendMessage", DRIVER)
    assert "Удалить ваши данные?" in question.params["text"] and "платеж" in question.params["text"]
    assert [row[0]["callback_data"] for row in question.params["reply_markup"]["inline_keyboard"]] == ["fm:yes", "fm:no"]
    assert (await services.insights.profile_view(DRIVER))["position"] is not None  # nothing deleted by asking

    await services.bot.handle(press(2, "fm:no"))
    await services.bot.handle(press(3, "fm:yes", presser=DRIVER + 1))  # someone else's button press
    assert (await services.insights.profile_view(DRIVER))["position"] is not None
    await services.bot.handle(press(4, "fm:yes"))
    assert (await services.insights.profile_view(DRIVER))["position"] is None
    await deliver(app)
    done = telegram.sent("sendMessage", DRIVER)[-1].params["text"]
    assert done.startswith("Готово, ваши данные удалены") and "Остаётся" in done and "402-ФЗ" in done
    assert OPERATOR["privacy_contact"] in done
    answers = [c.params["text"] for c in telegram.sent("answerCallbackQuery")]
    assert answers == ["Хорошо, ничего не удаляю", "Эта кнопка больше не работает", "Данные удалены"]
    [event] = await services.audit.tail(action="privacy.forget")
    assert '"via": "bot"' in event.details
    assert await services.database.run(lambda: AuditEvent.select().where(AuditEvent.action == "privacy.forget").count()) == 1


async def test_after_forgetting_no_join_from_reports_or_trips_leads_to_the_driver_and_company_figures_stay(app, standin):
    """«Обезличенные» must be true: neither a report nor a trip can be joined back to the driver's responses (by
    response id, load or time), the journal keeps no IP of theirs nor whom they reported, and syncing trips
    again does not bring the link back; the company's counts and dock waits are as before."""
    services, db = app.ctx.services, app.ctx.services.database
    headers = await session(app, DRIVER)
    cargo_id = await accepted(app, standin, 7, headers)
    inn = standin.dataset.cargos[7]["company"]["inn"]
    for other in (4102, 4103):  # three drivers: the "worked with it" count shows a number
        await accepted(app, standin, 7, await session(app, other))
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json={"kind": "no_cargo"}, headers=headers)
    assert response.status == 201, response.text
    await services.insights.trips.sync()
    trip = await db.run(lambda: Trip.get((Trip.driver_id == DRIVER) & (Trip.cargo_id == cargo_id)))
    await services.insights.waits.answer(trip.id, DRIVER, "l", "6_12")
    waits = WaitBook(db, min_answers=1)  # one answer is enough to see that it still counts

    def figures() -> tuple:
        return (Reports.summaries_now([inn]), waits.by_company_now([inn]), waits.at_address_now(trip.from_address_key))

    before = await db.run(figures)
    assert before[0][inn]["drivers_worked"] == 3 and before[0][inn]["reports_total"] == 1
    assert before[1][inn]["median"] == "6_12" and before[2]["median"] == "6_12"
    assert await db.run(lambda: AuditEvent.select().where((AuditEvent.actor == f"driver:{DRIVER}")
                                                          & AuditEvent.ip.is_null(False)).count()) > 0

    _, response = await app.asgi_client.delete("/api/me", headers=headers)
    assert response.status == 200, response.text
    await services.insights.trips.sync()  # the accepted response is still there: it must not be copied again

    def links() -> dict[str, int]:
        mine = Response.select(Response.id, Response.cargo_id, Response.decided_at).where(Response.driver == DRIVER)
        theirs = Response.driver == DRIVER
        return {
            "trip by driver": Trip.select().where(Trip.driver_id == DRIVER).count(),
            "report by driver": DriverReport.select().where(DriverReport.driver_id == DRIVER).count(),
            "trip → response": Trip.select().join(Response, on=(Trip.response_id == Response.id)).where(theirs).count(),
            "trip → load": Trip.select().join(Response, on=(Trip.cargo_id == Response.cargo_id)).where(
                theirs & (Trip.driver_id < 0)).count(),
            "trip → time": Trip.select().join(Response, on=(Trip.accepted_at == Response.decided_at)).where(theirs).count(),
            "report → load": DriverReport.select().join(Response, on=(DriverReport.cargo_id == Response.cargo_id))
                             .where(theirs).count(),
            "anonymous trips with a load": Trip.select().where((Trip.driver_id < 0) & Trip.cargo_id.is_null(False)).count(),
            "responses kept": mine.count(),
            "journal IPs": AuditEvent.select().where((AuditEvent.actor == f"driver:{DRIVER}")
                                                     & AuditEvent.ip.is_null(False)).count(),
            "journal naming the company": AuditEvent.select().where(
                (AuditEvent.actor == f"driver:{DRIVER}") & AuditEvent.action.startswith("report.")
                & (AuditEvent.target.is_null(False) | (AuditEvent.details != "{}"))).count(),
        }

    assert await db.run(links) == {"trip by driver": 0, "report by driver": 0, "trip → response": 0, "trip → load": 0,
                                   "trip → time": 0, "report → load": 0, "anonymous trips with a load": 0,
                                   "responses kept": 1, "journal IPs": 0, "journal naming the company": 0}
    assert await db.run(figures) == before  # the company's counts and waits are as they were

    # the driver comes back: their new accepted loads are copied as usual
    headers = await session(app, DRIVER)
    again = await accepted(app, standin, 8, headers)
    assert (await services.insights.trips.of_driver(DRIVER, again)) is not None
