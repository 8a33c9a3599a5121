"""The telethon boundary: MTProto events become the same Bot API updates the webhook delivers."""

import datetime as dt
from types import SimpleNamespace

from cargotool.core.responses.decisions import CALLBACK_RE
from cargotool.core.messaging.telethon_adapter import callback_update, edited_update, message_update

SENDER = SimpleNamespace(id=501, bot=False, first_name="Иван", last_name=None, username="ivan")


def test_private_message_becomes_a_message_update():
    event = SimpleNamespace(chat_id=501, sender_id=501, is_private=True, message=SimpleNamespace(
        id=77, message="/start c_6236980000", date=dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone.utc)))
    update = message_update(event, SENDER)
    assert update["update_id"] == "tl-m-501-77"
    message = update["message"]
    assert message["chat"] == {"id": 501, "type": "private"} and message["text"] == "/start c_6236980000"
    assert message["from"]["username"] == "ivan" and message["date"] == 1795510800


def test_button_press_becomes_a_callback_query():
    event = SimpleNamespace(chat_id=-1001234, sender_id=42, is_private=False, data=b"resp:12:accept",
                            message_id=1001, query=SimpleNamespace(query_id=-4242))
    update = callback_update(event, SimpleNamespace(id=42, first_name="Анна", username="anna"))
    query = update["callback_query"]
    assert query["id"] == "-4242" and CALLBACK_RE.match(query["data"])
    assert query["message"] == {"message_id": 1001, "chat": {"id": -1001234, "type": "supergroup"}}
    assert query["from"]["id"] == 42 and query["from"]["last_name"] is None


def test_a_sender_that_cannot_be_fetched_falls_back_to_the_event_ids():
    event = SimpleNamespace(chat_id=501, sender_id=501, is_private=True,
                            message=SimpleNamespace(id=1, message=None, date=None))
    update = message_update(event, None)
    assert update["message"]["from"]["id"] == 501 and update["message"]["text"] == ""


def test_a_live_location_and_its_moves_become_message_and_edited_message():
    sent = dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone.utc)
    media = SimpleNamespace(geo=SimpleNamespace(lat=55.7, long=37.6), period=3600)
    first = SimpleNamespace(chat_id=501, sender_id=501, is_private=True,
                            message=SimpleNamespace(id=5, message="", date=sent, media=media))
    assert message_update(first, SENDER)["message"]["location"] == {"latitude": 55.7, "longitude": 37.6, "live_period": 3600}
    moved = SimpleNamespace(chat_id=501, sender_id=501, is_private=True, message=SimpleNamespace(
        id=5, message="", date=sent, edit_date=sent + dt.timedelta(seconds=30),
        media=SimpleNamespace(geo=SimpleNamespace(lat=55.71, long=37.6), period=3600)))
    update = edited_update(moved, SENDER)
    assert update["update_id"] == "tl-e-501-5-1795510830"
    assert update["edited_message"]["edit_date"] == 1795510830 and update["edited_message"]["location"]["latitude"] == 55.71
