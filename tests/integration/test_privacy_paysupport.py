"""Forgetting a driver drops which /paysupport messages in the dispatcher chat were theirs (kept 30 days for
operators' replies): an operator's reply no longer reaches them; another driver's thread is untouched."""

from __future__ import annotations

from tests.integration import test_paysupport as paysupport
from tests.integration.stars_helpers import DISPATCH_CHAT, process, webhook

telegram = paysupport.telegram
app = paysupport.app
DRIVER, OTHER = paysupport.DRIVER, paysupport.DRIVER + 1


def operator_replies(update_id: int, to_message: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 900 + update_id, "date": 1, "text": "Вернули", "from": {"id": 42, "is_bot": False, "first_name": "Анна"},
        "chat": {"id": DISPATCH_CHAT, "type": "supergroup"},
        "reply_to_message": {"message_id": to_message, "date": 1, "chat": {"id": DISPATCH_CHAT, "type": "supergroup"}}}}


async def threads(services) -> list[str]:
    return [await services.redis.get(k) async for k in services.redis.scan_iter(match=services.keys("paysupport:thread:*"))]


async def test_forget_me_drops_the_drivers_paysupport_threads_only(app, telegram):
    services = app.ctx.services
    for update_id, driver in ((1, DRIVER), (2, OTHER)):
        assert (await webhook(app, paysupport.driver_says("/paysupport где подписка", update_id, user_id=driver))).status == 200
        await process(app)
    mine, other = telegram.sent("sendMessage", DISPATCH_CHAT)
    assert sorted(await threads(services)) == sorted([str(DRIVER), str(OTHER)])

    done = await services.forgetter.forget(DRIVER, via="bot")
    assert done.counts["paysupport_threads"] == 1 and await threads(services) == [str(OTHER)]
    before = len(telegram.sent("sendMessage", DRIVER))
    await webhook(app, operator_replies(3, mine.message_id))
    await webhook(app, operator_replies(4, other.message_id))
    await process(app)
    assert len(telegram.sent("sendMessage", DRIVER)) == before  # the forgotten driver's thread is gone
    assert telegram.sent("sendMessage", OTHER)[-1].params["text"].endswith("Вернули")
